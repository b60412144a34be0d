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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=RolloutState.choices)
    # Strategy.
    wave_size = models.PositiveIntegerField(default=5)
    max_parallel = models.PositiveIntegerField(default=5)
    soak_minutes = models.PositiveIntegerField(default=0)
    halt_after_failures = models.PositiveIntegerField(default=1)
    start_at = models.DateTimeField(null=True, blank=True)
    # The plan as approved: units, waves, each unit's path and ETA, and who is left out and why.
    plan = models.JSONField(default=dict, blank=True, editable=False)
    plan_digest = models.CharField(max_length=64, blank=True, editable=False)
    approvals_required = models.PositiveSmallIntegerField(default=0)
    approval_because = models.CharField(max_length=300, blank=True)
    # Progress.
    current_wave = models.IntegerField(default=-1)  # -1 before the first start
    soak_until = models.DateTimeField(null=True, blank=True)
    paused_from = models.CharField(max_length=20, blank=True)  # the state resume returns to
    halt_reason = models.TextField(blank=True)
    halt_spec = models.JSONField(null=True, blank=True, editable=False)  # halt_reason as a phrase
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change a viewer can see (the page polls with it, as the upgrade page does).
    revision = models.PositiveIntegerField(default=0)

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

    @property
    def halt_text(self) -> str:
        """Why it halted, in the reader's language."""
        return phrases.render(self.halt_spec, self.halt_reason) if self.halt_spec else self.halt_reason

    @property
    def waves(self) -> int:
        """How many waves after the canary (wave 0)."""
        return max((unit.get("wave", 0) for unit in self.plan.get("units", [])), default=0)


class RolloutUnit(models.Model):
    """A cluster, or a primary/standby pair, of a rollout: one upgrade."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="units")
    cluster = models.ForeignKey("sites.Cluster", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey("catalog.RpmPackage", on_delete=models.PROTECT, related_name="+")
    wave = models.PositiveIntegerField()  # 0: canary
    position = models.PositiveIntegerField()  # order within the rollout
    # Every cluster the upgrade upgrades (standby first), ids and names, as planned.
    members = models.JSONField(default=list)
    from_version = models.CharField(max_length=100)
    path = models.JSONField(default=list)
    state = models.CharField(max_length=20, choices=UnitState.choices, default=UnitState.PENDING)
    upgrade = models.OneToOneField(
        "upgrades.Upgrade", null=True, blank=True, on_delete=models.PROTECT, related_name="rollout_unit"
    )
    note = models.TextField(blank=True)  # why it failed, or was not started (English)
    note_spec = models.JSONField(null=True, blank=True, editable=False)  # the note as a phrase
    # Set when a soak re-read found the upgraded cluster not RUNNING on the target version.
    soak_fault = models.TextField(blank=True)
    soak_fault_spec = models.JSONField(null=True, blank=True, editable=False)
    failure_accepted = models.BooleanField(default=False)  # failed before a resume: no longer halts
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("rollout unit")
        verbose_name_plural = _("rollout units")
        constraints = [
            models.UniqueConstraint(fields=["rollout", "cluster"], name="rollout_unit_once_per_cluster"),
        ]

    def __str__(self) -> str:
        return " + ".join(m["name"] for m in self.members) or str(self.cluster_id)

    @staticmethod
    def note_fields(note: str) -> dict:
        """``note`` (a phrase or plain text) as the fields that keep it."""
        return {
            "note": str(note)[:2000],
            "note_spec": note.spec if isinstance(note, phrases.Phrase) else None,
        }

    def set_note(self, note: str) -> None:
        for name, value in self.note_fields(note).items():
            setattr(self, name, value)

    @property
    def note_phrase(self) -> str:
        """The note as it was written (a phrase again, when it was one)."""
        return phrases.Phrase(self.note_spec) if self.note_spec else self.note

    @property
    def soak_fault_phrase(self) -> str:
        return phrases.Phrase(self.soak_fault_spec) if self.soak_fault_spec else self.soak_fault

    @property
    def note_text(self) -> str:
        """The note in the reader's language."""
        return phrases.render(self.note_spec, self.note) if self.note_spec else self.note


class RolloutApproval(models.Model):
    """One approver's decision on one rollout plan (by its digest)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    plan_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

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

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20)  # state | wave | unit | operation | error
    message = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

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
