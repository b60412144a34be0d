"""Upgrades, their OCP tasks, steps and events — and the upgrade state machine, written down once.

States (``State``) and who moves an upgrade between them; every move is a conditional UPDATE (or a
row lock) whose row count is checked, and the workers' moves also need the lease (lease.py):

    (request) ──requester──▶ awaiting_approval          (an approval policy applies: ocpdash.changes)
    (request) ──requester──▶ scheduled | queued         (no approval needed: later, or now)
    awaiting_approval ──approvers (enough, none the requester)──▶ scheduled | queued
    awaiting_approval ──an approver declines──▶ declined
    scheduled ──beat (start time come, in a window, no blackout, plan unchanged)──▶ queued
    scheduled ──beat (the plan changed: OCP's version, package, path, pre-check)──▶ awaiting_approval
                                      (the approvals are void; the event says why)
    queued ──submission worker──▶ submitting           (lease; the attempt is recorded before the POST)
    queued/submitting ──submission worker──▶ running    (lease; OCP's task id stored: submitted or adopted)
    queued/submitting ──submission worker──▶ rejected   (lease; OCP refused and no OCP task is known)
    submitting ──submission worker──▶ needs_attention   (lease; OCPDASH_SUBMIT_MAX_ATTEMPTS runs failed)
    needs_attention ──operator "retry submission"──▶ submitting
    awaiting_approval/scheduled/queued/submitting/needs_attention ──operator "cancel"──▶ cancelled
                                      (directly when nothing was ever sent; otherwise the submission
                                       worker first looks in OCP and follows a task it finds: → running)
    running ⇄ failed ──poll worker──▶                   (lease; from OCP's parent task, see reading.py)
    running/failed ──poll worker──▶ successful | rolled_back   (lease; OCP's task finished)
    failed ──operator retry/rollback (sent to OCP)──▶ running
    failed ──operator "close"──▶ closed                 (the OCP task is left as it is)

Polling (polling.py, batch.py, pollers.py): running and failed upgrades are polled in batches. A
poller takes the lease of up to ``OCPDASH_POLL_BATCH`` due upgrades with one claim statement
(lease.claim), which also moves each one's ``next_poll_at`` on at a fixed rate and holds the lease
for half an interval: so a poll that finds OCP's tasks as stored writes nothing more. A poll that
finds a change stores it and gives the lease back in one locked transaction; one that cannot read
OCP records the fault and backs off. An operator's retry, skip or rollback and the adoption of an
OCP task set ``next_poll_at`` to now and queue one immediate poll of that upgrade.

Active (one per cluster and per primary/standby pair): awaiting_approval, scheduled, queued,
submitting, needs_attention, running, failed. Followed in OCP (polled): running, failed. Terminal:
successful, rejected, rolled_back, closed, cancelled, declined. An upgrade that has an OCP task is
never rejected or cancelled, and a poll never writes to an upgrade that left the polled states (an
operator's close stays). Waiting upgrades (awaiting_approval, scheduled) hold the cluster as active
ones do: one plan per cluster and pair at a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ocpdash.core import phrases


class State(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTING = "submitting", "Submitting to OCP"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed"
    SUCCESSFUL = "successful", "Successful"
    REJECTED = "rejected", "Rejected by OCP"
    ROLLED_BACK = "rolled_back", "Rolled back"
    CLOSED = "closed", "Closed"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    CANCELLED = "cancelled", "Cancelled"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    SCHEDULED = "scheduled", "Scheduled"
    DECLINED = "declined", "Declined"


# Longest reason an operator may give for an upgrade or an operation (form, API and CLI alike).
REASON_MAX_LENGTH = 2000

# A failed upgrade stays active: its OCP task can still be retried, skipped or rolled back.
ACTIVE_STATES = (
    State.AWAITING_APPROVAL,
    State.SCHEDULED,
    State.QUEUED,
    State.SUBMITTING,
    State.NEEDS_ATTENTION,
    State.RUNNING,
    State.FAILED,
)
# Requested but not started: approvals and the start time (ocpdash.changes) decide when it goes.
WAITING_STATES = (State.AWAITING_APPROVAL, State.SCHEDULED)
# Not yet in OCP: the submission worker's states (needs_attention waits for an operator).
SUBMISSION_STATES = (State.QUEUED, State.SUBMITTING)
CANCELLABLE_STATES = (*WAITING_STATES, State.QUEUED, State.SUBMITTING, State.NEEDS_ATTENTION)
# States in which OCP still has something for us to follow.
POLLED_STATES = (State.RUNNING, State.FAILED)
TERMINAL_STATES = (
    State.SUCCESSFUL,
    State.REJECTED,
    State.ROLLED_BACK,
    State.CLOSED,
    State.CANCELLED,
    State.DECLINED,
)


# The columns of web/_upgrade_rows.html (duration reads submitted_at, created_at and finished_at).
ROW_FIELDS = (
    "state", "from_version", "to_version", "created_at", "submitted_at", "finished_at", "reviewed_at",
    "cluster__name", "cluster__site__name", "requested_by__username", "reviewed_by__username",
)  # fmt: skip


class UpgradeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

    def for_list(self) -> UpgradeQuerySet:
        return self.select_related("cluster__site", "package", "requested_by", "reviewed_by")

    def for_rows(self):
        """Only what web/_upgrade_rows.html shows: a history page of 50 rows then decodes no JSON
        (path, OCP context) and no long text (reason, errors) it never prints."""
        return self.select_related("cluster__site", "requested_by", "reviewed_by").only(*ROW_FIELDS)


class Upgrade(models.Model):
    cluster = models.ForeignKey(
        "sites.Cluster",
        on_delete=models.PROTECT,
        related_name="upgrades",
        verbose_name=gettext_lazy("cluster"),
    )
    package = models.ForeignKey(
        "catalog.RpmPackage",
        on_delete=models.PROTECT,
        related_name="upgrades",
        verbose_name=gettext_lazy("package"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("requested by"),
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.QUEUED, verbose_name=gettext_lazy("state")
    )
    from_version = models.CharField(max_length=100, verbose_name=gettext_lazy("from version"))
    to_version = models.CharField(max_length=100, verbose_name=gettext_lazy("target version"))
    upgrade_path = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("Versions on the expected path"),
        verbose_name=gettext_lazy("upgrade path"),
    )
    # Options of the request (OCP 4.3's upgradeMode, zoneOrder, freezeServer); older OCPs choose the
    # mode themselves and take none of them.
    upgrade_mode = models.CharField(max_length=20, blank=True, verbose_name=gettext_lazy("upgrade mode"))
    zone_order = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("Zone order"))
    freeze_server = models.BooleanField(
        null=True, blank=True, verbose_name=gettext_lazy("minor compaction first")
    )
    # The other members of the cluster's primary/standby pair, which OCP upgrades in the same task.
    also_upgrades = models.ManyToManyField(
        "sites.Cluster", blank=True, related_name="pair_upgrades", verbose_name=gettext_lazy("also upgrades")
    )
    # The pair's primary (or the cluster itself): at most one active upgrade per pair.
    pair_key = models.BigIntegerField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("primary/standby pair key")
    )
    # Change management (ocpdash.changes): the plan frozen at request, what approving it means.
    plan = models.JSONField(default=dict, blank=True, editable=False, verbose_name=gettext_lazy("plan"))
    plan_digest = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=gettext_lazy("plan digest")
    )
    approvals_required = models.PositiveSmallIntegerField(
        default=0, verbose_name=gettext_lazy("approvals required")
    )
    start_mode = models.CharField(
        max_length=20, blank=True, default="now", verbose_name=gettext_lazy("start mode")
    )  # now | at | next_window
    start_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("requested start")
    )  # the time asked for (start_mode "at")
    # When beat looks at a scheduled upgrade next (its time, the window's opening, a freeze's end)
    # and why it waits; set by ocpdash.changes.
    planned_start = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("planned start"))
    start_note = models.TextField(blank=True, verbose_name=gettext_lazy("start note"))
    # The sentences ocpdash writes in start_note, last_error and ocp_fault, kept as phrases
    # (ocpdash.core.phrases.columns) so each is read in the reader's language (start_note_text, ...).
    start_note_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("start note phrase")
    )
    reason = models.TextField(blank=True, verbose_name=gettext_lazy("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    # Submission: the attempt is recorded before the POST and the task id right after it.
    submit_attempts = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("submission attempts"))
    submit_attempted_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last submission attempt at")
    )
    # Submission runs that ended "try again later" in a row (OCP down, busy, a lookup failing).
    submit_failures = models.PositiveIntegerField(
        default=0, verbose_name=gettext_lazy("submission failures in a row")
    )
    cancel_requested = models.BooleanField(default=False, verbose_name=gettext_lazy("cancel requested"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("submitted at"))
    ocp_task_id = models.BigIntegerField(null=True, blank=True, verbose_name=gettext_lazy("OCP task ID"))
    ocp_task_status = models.CharField(
        max_length=30, blank=True, verbose_name=gettext_lazy("OCP task status")
    )
    ocp_task_operation = models.CharField(
        max_length=30, blank=True, verbose_name=gettext_lazy("OCP task operation")
    )
    ocp_prohibit_rollback = models.BooleanField(
        default=False, verbose_name=gettext_lazy("OCP prohibits rollback")
    )
    ocp_context = models.JSONField(default=dict, blank=True, verbose_name=gettext_lazy("OCP context"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("finished at"))
    last_error = models.TextField(blank=True, verbose_name=gettext_lazy("last error"))
    last_error_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("last error phrase")
    )
    # Polling: next_poll_at is the durable schedule; the lease keeps one poller at a time. A poll's
    # claim moves next_poll_at on and keeps the time it was due (its lag is measured from it).
    next_poll_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("next poll at"))
    last_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("last poll due at")
    )
    last_polled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the last poll began"),
        verbose_name=gettext_lazy("last polled at"),
    )
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("lease expires at"))
    lease_owner = models.CharField(max_length=64, blank=True, verbose_name=gettext_lazy("lease owner"))
    poll_failures = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("poll failures"))
    ocp_unreachable_since = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("OCP unreachable since")
    )
    ocp_fault = models.TextField(
        blank=True,
        help_text=gettext_lazy("Why OCP cannot be read right now"),
        verbose_name=gettext_lazy("OCP fault"),
    )
    ocp_fault_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("OCP fault phrase")
    )
    # Fingerprint of the OCP tasks as last stored: a poll that reads the same skips the step diff.
    snapshot_digest = models.CharField(
        max_length=32, blank=True, editable=False, verbose_name=gettext_lazy("OCP snapshot digest")
    )
    # Bumped on every change a viewer can see; pages poll with it and get 204 when unchanged.
    revision = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("revision"))
    # The parent-task failure ocpdash last retried the parent for, after its child task recovered
    # (OCP may leave the parent's 'Wait dag success' failed): retried once per failure.
    parent_retry_key = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=gettext_lazy("parent task retry key")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("reviewed by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("reviewed at"))

    objects = UpgradeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("upgrade")
        verbose_name_plural = gettext_lazy("upgrades")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster"],
                condition=Q(state__in=ACTIVE_STATES),
                name="one_active_upgrade_per_cluster",
                violation_error_message="This cluster already has an active upgrade.",
            ),
            models.UniqueConstraint(
                fields=["pair_key"],
                condition=Q(state__in=ACTIVE_STATES),
                name="one_active_upgrade_per_pair",
                violation_error_message="This cluster's primary/standby pair already has an active upgrade.",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="upgrade_history"),
            models.Index(fields=["state", "next_poll_at"], name="upgrade_poll_due"),
        ]
        permissions = [
            ("submit_upgrade", "Can submit upgrades"),
            ("approve_upgrade", "Can approve or decline other people's upgrade requests"),
            ("operate_upgrade", "Can retry, skip, cancel and roll back upgrades"),
            ("review_upgrade", "Can comment on and sign off upgrades"),
        ]

    # ocpdash's sentences in the reader's language; start_note_phrase as written (a rollout's note).
    start_note_text = phrases.Said("start_note")
    start_note_phrase = phrases.Said("start_note", as_written=True)
    last_error_text = phrases.Said("last_error")
    ocp_fault_text = phrases.Said("ocp_fault")

    def __str__(self) -> str:
        return f"Upgrade #{self.pk} {self.cluster.name} {self.from_version} → {self.to_version}"

    def save(self, *args, **kwargs):
        if self.pair_key is None and self.cluster_id is not None:
            self.pair_key = self.cluster.primary_id or self.cluster_id
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def duration(self):
        start = self.submitted_at or self.created_at
        return (self.finished_at or timezone.now()) - start


class Poller(models.Model):
    """One of the ``OCPDASH_POLLERS`` chains of batch polls (pollers.py): at most one Celery message
    per slot is live, the one carrying its current token; ``due_at`` (the database's clock) is when
    that message should run, or, while a batch runs, how long it may take before beat's recovery
    starts the slot again with a new token."""

    number = models.PositiveSmallIntegerField(primary_key=True, verbose_name=gettext_lazy("number"))
    token = models.CharField(max_length=32, blank=True, verbose_name=gettext_lazy("token"))
    due_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("due at"))

    class Meta:
        ordering = ["number"]
        verbose_name = gettext_lazy("poller")
        verbose_name_plural = gettext_lazy("pollers")

    def __str__(self) -> str:
        return f"Poller {self.number}"


class UpgradeTask(models.Model):
    """An OCP task an upgrade follows: the parent, or a child that 'Submit cluster upgrade task' started."""

    upgrade = models.ForeignKey(
        Upgrade, on_delete=models.CASCADE, related_name="tasks", verbose_name=gettext_lazy("upgrade")
    )
    ocp_task_id = models.BigIntegerField(verbose_name=gettext_lazy("OCP task ID"))
    name = models.CharField(max_length=300, verbose_name=gettext_lazy("name"))
    status = models.CharField(max_length=30, blank=True, verbose_name=gettext_lazy("status"))
    operation = models.CharField(max_length=30, blank=True, verbose_name=gettext_lazy("operation"))
    is_parent = models.BooleanField(default=False, verbose_name=gettext_lazy("parent task"))
    parent_subtask_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("OCP id of the parent's 'Wait dag success' step"),
        verbose_name=gettext_lazy("parent task's subtask ID"),
    )
    binary_version = models.CharField(max_length=100, blank=True, verbose_name=gettext_lazy("binary version"))
    cluster_ocp_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The OCP cluster it runs on"),
        verbose_name=gettext_lazy("OCP cluster ID"),
    )
    task_type = models.CharField(max_length=30, blank=True, verbose_name=gettext_lazy("task type"))
    prohibit_rollback = models.BooleanField(default=False, verbose_name=gettext_lazy("rollback prohibited"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("finished at"))

    class Meta:
        ordering = ["ocp_task_id"]
        verbose_name = gettext_lazy("OCP task")
        verbose_name_plural = gettext_lazy("OCP tasks")
        constraints = [
            models.UniqueConstraint(fields=["upgrade", "ocp_task_id"], name="upgrade_task_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ocp_task_id})"


class UpgradeStep(models.Model):
    """One OCP subtask of the parent task or of a child task."""

    upgrade = models.ForeignKey(
        Upgrade, on_delete=models.CASCADE, related_name="steps", verbose_name=gettext_lazy("upgrade")
    )
    ocp_task_id = models.BigIntegerField(verbose_name=gettext_lazy("OCP task ID"))
    ocp_subtask_id = models.BigIntegerField(verbose_name=gettext_lazy("OCP subtask ID"))
    name = models.CharField(max_length=300, verbose_name=gettext_lazy("name"))
    description = models.TextField(blank=True, verbose_name=gettext_lazy("description"))
    status = models.CharField(max_length=30, verbose_name=gettext_lazy("status"))
    operation = models.CharField(max_length=30, blank=True, verbose_name=gettext_lazy("operation"))
    run_time = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("runs"))
    upstreams = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("upstream subtasks"))
    downstreams = models.JSONField(default=list, blank=True, verbose_name=gettext_lazy("downstream subtasks"))
    parallel_idx = models.IntegerField(default=-1, verbose_name=gettext_lazy("parallel index"))
    series_id = models.IntegerField(null=True, blank=True, verbose_name=gettext_lazy("series ID"))
    prohibit_rollback = models.BooleanField(default=False, verbose_name=gettext_lazy("rollback prohibited"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("finished at"))
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("changed at"))
    # The tail of OCP's log of this step, fetched by a worker (steplog.py) for every viewer at once.
    log_tail = models.TextField(blank=True, editable=False, verbose_name=gettext_lazy("OCP log tail"))
    log_fetched_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("log fetched at")
    )
    log_requested_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=gettext_lazy("log requested at")
    )

    class Meta:
        ordering = ["ocp_task_id", "ocp_subtask_id"]
        verbose_name = gettext_lazy("step")
        verbose_name_plural = gettext_lazy("steps")
        constraints = [
            models.UniqueConstraint(fields=["upgrade", "ocp_subtask_id"], name="upgrade_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.status}]"

    @property
    def display_status(self) -> str:
        """OCP has no SKIPPED/CANCELED status: they are SUCCESSFUL+SKIP and FAILED+CANCEL. A
        rollback shows on the steps it touched: rolling back, rolled back (PENDING+ROLLBACK), its
        failure (FAILED+ROLLBACK) and a skip during it (ROLLBACK_SKIP)."""
        return display_status(self.status, self.operation)

    @property
    def duration(self):
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


def display_status(status: str, operation: str) -> str:
    if status == "SUCCESSFUL" and operation == "SKIP":
        return "SKIPPED"
    if status == "FAILED" and operation == "CANCEL":
        return "CANCELED"
    if operation == "ROLLBACK":
        return {"FAILED": "ROLLBACK_FAILED", "PENDING": "ROLLED_BACK", "RUNNING": "ROLLING_BACK"}.get(
            status, status
        )
    if operation == "ROLLBACK_SKIP" and status in ("PENDING", "READY", "SUCCESSFUL"):
        return "ROLLBACK_SKIPPED"
    return status


class UpgradeEvent(models.Model):
    """Append-only history of everything that happened to an upgrade."""

    class Kind(models.TextChoices):
        STATE = "state", gettext_lazy("State change")
        STEP = "step", gettext_lazy("Step change")
        OPERATION = "operation", gettext_lazy("Operator action")
        ERROR = "error", gettext_lazy("Error")
        INFO = "info", gettext_lazy("Information")
        REVIEW = "review", gettext_lazy("Review")

    upgrade = models.ForeignKey(
        Upgrade, on_delete=models.CASCADE, related_name="events", verbose_name=gettext_lazy("upgrade")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("actor"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=gettext_lazy("kind"))
    message = models.TextField(verbose_name=gettext_lazy("message"))
    ocp_subtask_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=gettext_lazy("OCP subtask ID")
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=gettext_lazy("data"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["upgrade", "created_at"], name="event_timeline")]
        verbose_name = gettext_lazy("upgrade event")
        verbose_name_plural = gettext_lazy("upgrade events")

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The message in the active language: an event written as a phrase (ocpdash.core.phrases) is
        translated; an older one, or one holding only OCP's words, reads as it was written."""
        spec = (self.data or {}).get("phrase")
        return phrases.render(spec, self.message) if spec else self.message

    @property
    def actor_name(self) -> str:
        return self.actor.get_username() if self.actor is not None else "ocpdash"  # no query without an id


class Comment(models.Model):
    upgrade = models.ForeignKey(
        Upgrade, on_delete=models.CASCADE, related_name="comments", verbose_name=gettext_lazy("upgrade")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("author"),
    )
    body = models.TextField(verbose_name=gettext_lazy("text"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = gettext_lazy("comment")
        verbose_name_plural = gettext_lazy("comments")

    def __str__(self) -> str:
        return f"Comment by {self.author_id} on upgrade {self.upgrade_id}"
