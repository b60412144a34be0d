"""Fleet rollouts: one target version for many clusters, canary first, then waves — and their state
machine, written down once.

A rollout's units are clusters, or primary/standby pairs (one upgrade upgrades both, standby first,
as OCP does). Wave 0 holds the canary units, waves 1… the rest in chunks of ``wave_size``. Each
unit's upgrade is an ordinary upgrade (pre-check, events, operations, history), created by the
reconciler (reconcile.py) with the rollout's approval.

    (create) ──creator──▶ awaiting_approval      (an approval policy applies to a member)
    (create) ──creator──▶ scheduled | running    (no approval needed: at its start time, or now)
    awaiting_approval ──approvers (enough, none the creator, plan unchanged)──▶ scheduled | running
    awaiting_approval ──an approver declines──▶ declined
    scheduled ──reconciler (start time come)──▶ running
    running ──reconciler (wave done, soak time set)──▶ soaking
    running/soaking ──reconciler (wave done / soak over; more waves)──▶ running (next wave)
    running/soaking ──reconciler (last wave done / soaked)──▶ successful | failed (some left failed)
    running/soaking ──reconciler (halt_after_failures units failed; a soak re-read failed)──▶ halted
    running/soaking ──operator pause──▶ paused ──operator resume──▶ running/soaking
    halted ──operator resume (the failures so far are accepted)──▶ running
    awaiting_approval/scheduled/running/soaking/paused/halted ──operator abort──▶ aborted

Pause, halt and abort start nothing new; upgrades already started run on and are operated as usual.
Every move is a conditional UPDATE (or happens under the rollout's row lock) whose row count is
checked; a unit is started by creating its upgrade and binding it to the unit in one transaction,
under the rollout's row lock and only while a parallel slot is free, so a killed or duplicated
reconciler never starts a unit twice, never starts a wave twice, and never exceeds ``max_parallel``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ocpdash.core import phrases


class RolloutState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    SOAKING = "soaking", _("Soaking")
    PAUSED = "paused", _("Paused")
    HALTED = "halted", _("Halted")
    ABORTED = "aborted", _("Aborted")
    SUCCESSFUL = "successful", _("Successful")
    FAILED = "failed", _("Failed")
    DECLINED = "declined", _("Declined")


# The reconciler looks at these (beat, and every change of a member's upgrade).
LIVE_STATES = (
    RolloutState.SCHEDULED,
    RolloutState.RUNNING,
    RolloutState.SOAKING,
    RolloutState.PAUSED,
    RolloutState.HALTED,
)
# What an operator may do in which state (the flow refuses the rest; the pages offer only these).
PAUSABLE_STATES = (RolloutState.SCHEDULED, RolloutState.RUNNING, RolloutState.SOAKING)
RESUMABLE_STATES = (RolloutState.PAUSED, RolloutState.HALTED)
ENDED_STATES = (
    RolloutState.ABORTED,
    RolloutState.SUCCESSFUL,
    RolloutState.FAILED,
    RolloutState.DECLINED,
)


class UnitState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("rollout unit", "Pending")
    UPGRADING = "upgrading", _("Upgrading")
    UPGRADED = "upgraded", _("Upgraded")
    FAILED = "failed", _("Failed")
    NOT_STARTED = "not_started", _("Not started")


UNIT_DONE = (UnitState.UPGRADED, UnitState.FAILED, UnitState.NOT_STARTED)


class Rollout(models.Model):
    name = models.CharField(_("name"), max_length=200)
    target_version = models.CharField(_("target version"), max_length=100)
    packages = models.ManyToManyField("catalog.RpmPackage", related_name="+", verbose_name=_("packages"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    state = models.CharField(max_length=20, choices=RolloutState.choices, verbose_name=_("state"))
    # Strategy.
    wave_size = models.PositiveIntegerField(default=5, verbose_name=_("wave size"))
    max_parallel = models.PositiveIntegerField(default=5, verbose_name=_("max parallel"))
    soak_minutes = models.PositiveIntegerField(default=0, verbose_name=_("soak minutes"))
    halt_after_failures = models.PositiveIntegerField(default=1, verbose_name=_("halt after failures"))
    start_at = models.DateTimeField(null=True, blank=True, verbose_name=_("requested start"))
    # The plan as approved: units, waves, each unit's path and ETA, and who is left out and why.
    plan = models.JSONField(default=dict, blank=True, editable=False, verbose_name=_("plan"))
    plan_digest = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("plan digest"))
    approvals_required = models.PositiveSmallIntegerField(default=0, verbose_name=_("approvals required"))
    approval_because = models.CharField(max_length=300, blank=True, verbose_name=_("approval needed because"))
    # Progress.
    current_wave = models.IntegerField(
        default=-1, verbose_name=_("current wave")
    )  # -1 before the first start
    soak_until = models.DateTimeField(null=True, blank=True, verbose_name=_("soak ends at"))
    paused_from = models.CharField(
        max_length=20, blank=True, verbose_name=_("state before pause")
    )  # the state resume returns to
    halt_reason = models.TextField(blank=True, verbose_name=_("halt reason"))
    halt_reason_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("halt reason phrase")
    )  # halt_reason as a phrase
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    reconciled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last reconciled at"))
    # Bumped on every change a viewer can see (the page polls with it, as the upgrade page does).
    revision = models.PositiveIntegerField(default=0, verbose_name=_("revision"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rollout")
        verbose_name_plural = _("rollouts")

    def __str__(self) -> str:
        return f"{self.name} → {self.target_version}"

    def tally(self, units=None) -> dict[str, int]:
        """Progress: units in all, done (upgraded, failed or not started), upgraded, failed. ``units``:
        the rollout's units when the caller has them already (prefetched or listed)."""
        states = [u.state for u in (self.units.all() if units is None else units)]
        return {
            "total": len(states),
            "done": sum(s in UNIT_DONE for s in states),
            "upgraded": states.count(UnitState.UPGRADED),
            "failed": states.count(UnitState.FAILED),
        }

    halt_text = phrases.Said("halt_reason")  # why it halted, in the reader's language

    @property
    def waves(self) -> int:
        """How many waves after the canary (wave 0)."""
        return max((unit.get("wave", 0) for unit in self.plan.get("units", [])), default=0)


class RolloutUnit(models.Model):
    """A cluster, or a primary/standby pair, of a rollout: one upgrade."""

    rollout = models.ForeignKey(
        Rollout, on_delete=models.CASCADE, related_name="units", verbose_name=_("rollout")
    )
    cluster = models.ForeignKey(
        "sites.Cluster", on_delete=models.PROTECT, related_name="+", verbose_name=_("cluster")
    )
    package = models.ForeignKey(
        "catalog.RpmPackage", on_delete=models.PROTECT, related_name="+", verbose_name=_("package")
    )
    wave = models.PositiveIntegerField(verbose_name=_("wave"))  # 0: canary
    position = models.PositiveIntegerField(verbose_name=_("position"))  # order within the rollout
    # Every cluster the upgrade upgrades (standby first), ids and names, as planned.
    members = models.JSONField(default=list, verbose_name=_("member clusters"))
    from_version = models.CharField(max_length=100, verbose_name=_("from version"))
    path = models.JSONField(default=list, verbose_name=_("upgrade path"))
    state = models.CharField(
        max_length=20, choices=UnitState.choices, default=UnitState.PENDING, verbose_name=_("state")
    )
    upgrade = models.OneToOneField(
        "upgrades.Upgrade",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rollout_unit",
        verbose_name=_("upgrade"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))  # why it failed, or was not started (English)
    note_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("note phrase")
    )  # the note as a phrase
    # Set when a soak re-read found the upgraded cluster not RUNNING on the target version.
    soak_fault = models.TextField(blank=True, verbose_name=_("soak fault"))
    soak_fault_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("soak fault phrase")
    )
    failure_accepted = models.BooleanField(
        default=False, verbose_name=_("failure accepted")
    )  # failed before a resume: no longer halts
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["position"]
        verbose_name = _("rollout unit")
        verbose_name_plural = _("rollout units")
        constraints = [
            models.UniqueConstraint(fields=["rollout", "cluster"], name="rollout_unit_once_per_cluster"),
        ]

    def __str__(self) -> str:
        return " + ".join(m["name"] for m in self.members) or str(self.cluster_id)

    # The note and the soak's fault in the reader's language, or as written (to put in a sentence).
    note_text = phrases.Said("note")
    note_phrase = phrases.Said("note", as_written=True)
    soak_fault_phrase = phrases.Said("soak_fault", as_written=True)

    def set_note(self, note: str) -> None:
        for name, value in phrases.columns("note", note, 2000).items():
            setattr(self, name, value)


class RolloutApproval(models.Model):
    """One approver's decision on one rollout plan (by its digest)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    rollout = models.ForeignKey(
        Rollout, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("rollout")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, verbose_name=_("decision"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    plan_digest = models.CharField(max_length=64, verbose_name=_("plan digest"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("rollout approval")
        verbose_name_plural = _("rollout approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["rollout", "user", "plan_digest"], name="one_rollout_decision_per_approver_and_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.user_id} ({self.plan_digest[:12]})"


class RolloutEvent(models.Model):
    """The rollout's own timeline: created, approved, waves started, soaks, halts, operator actions."""

    rollout = models.ForeignKey(
        Rollout, on_delete=models.CASCADE, related_name="events", verbose_name=_("rollout")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    kind = models.CharField(max_length=20, verbose_name=_("kind"))  # state | wave | unit | operation | error
    message = models.TextField(verbose_name=_("message"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("rollout event")
        verbose_name_plural = _("rollout events")

    def __str__(self) -> str:
        return self.message[:80]

    @property
    def text(self) -> str:
        """The message in the reader's language (written as a phrase: see ocpdash.core.phrases)."""
        spec = (self.data or {}).get("phrase")
        return phrases.render(spec, self.message) if spec else self.message
