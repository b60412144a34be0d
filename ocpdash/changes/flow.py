"""Requests under change management, approvals, declines, plan re-checks and scheduled starts.

The moves (upgrades/models.py has the whole state machine):

    request ──▶ awaiting_approval (a policy applies) | scheduled (later, or held) | queued (now)
    awaiting_approval ──approve (enough approvers, none the requester, plan unchanged)──▶ scheduled
    awaiting_approval/scheduled ──decline──▶ declined
    scheduled ──try_start (due, in its window, no freeze, plan unchanged in OCP)──▶ queued
    scheduled ──try_start (plan changed)──▶ awaiting_approval (approvals void) | scheduled (held)

Every move is a conditional UPDATE under a row lock, so two beats, two approvers or an approver and a
canceller racing leave one outcome. OCP is read (the pre-check, as the requester) outside any
transaction; what it said is then written only if the upgrade is still where it was. Schedules use
this process's clock (tests travel in time with time-machine); the leases keep the database's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ocpdash.changes import plan as plans
from ocpdash.changes import policy, timing, windows
from ocpdash.changes.models import Approval
from ocpdash.core import phrases
from ocpdash.core.phrases import Phrase, joined, known, phrase
from ocpdash.upgrades import enqueue, events
from ocpdash.upgrades.errors import NotAllowed, OcpUnavailable, OperationRefused
from ocpdash.upgrades.models import REASON_MAX_LENGTH, WAITING_STATES, State, Upgrade, UpgradeEvent
from ocpdash.upgrades.options import UpgradeOptions

log = logging.getLogger(__name__)

START_MODES = ("now", "at", "next_window")
MAX_AHEAD = timedelta(days=90)
PAST_SLACK = timedelta(minutes=1)  # a time typed a moment ago still counts as now
RETRY_UNREACHABLE = timedelta(minutes=1)
RETRY_HELD = timedelta(minutes=5)
START = "ocpdash.changes.tasks.start_upgrade"
APPROVE_PERMISSION = "upgrades.approve_upgrade"


@dataclass(frozen=True)
class Start:
    """When a request should start: ``now`` (default), ``at`` a time, or at the ``next_window``."""

    mode: str = "now"
    at: datetime | None = None

    @classmethod
    def parse(cls, value) -> Start:
        """``now``, ``next_window``, or an ISO 8601 time with its offset. Raises ValueError."""
        if value is None or value == "" or value == "now":
            return cls()
        if isinstance(value, datetime):
            at = value
        else:
            text = str(value).strip()
            if text in ("next_window", "next-window"):
                return cls("next_window")
            at = parse_datetime(text) if len(text) <= 40 else None
            if at is None:
                raise ValueError(
                    "Start must be 'now', 'next_window' or a time such as 2026-12-05T01:00:00+08:00, "
                    f"not {text[:40]!r}."
                )
        if timezone.is_naive(at):
            raise ValueError("Give the start time with its UTC offset, e.g. 2026-12-05T01:00:00+08:00.")
        return cls("at", at)

    def describe(self) -> Phrase:
        if self.mode == "at":
            return phrase("at %(when)s", when=windows.when(self.at))
        return phrase("at the next maintenance window") if self.mode == "next_window" else phrase("now")


@dataclass
class Arrangement:
    """How a pre-checked request starts (``submit_upgrade`` creates the upgrade from it)."""

    state: str
    plan: dict
    digest: str
    requirement: policy.Requirement
    decision: windows.StartDecision | None
    sentence: str

    def fields(self, start: Start) -> dict:
        return {
            "state": self.state,
            "plan": self.plan,
            "plan_digest": self.digest,
            "approvals_required": self.requirement.approvals,
            "start_mode": start.mode,
            "start_at": start.at,
            "planned_start": None
            if self.decision is None or self.state == State.QUEUED
            else self.decision.wait_until,
            **phrases.columns(
                "start_note",
                "" if self.decision is None or self.state == State.QUEUED else self.decision.note,
            ),
        }


def arrange(
    cluster, package, report, options: UpgradeOptions, start: Start, *, approved_with: str = ""
) -> Arrangement:
    """Freeze the plan, find the approvals it needs and when it may start. Raises OperationRefused
    for a start that cannot be (in the past, too far, outside every window, no window at all).
    ``approved_with``: the approval was given to a larger plan this one belongs to (a fleet
    rollout's, in words), so it needs none of its own."""
    now = timezone.now()
    members = report.pair or [cluster]
    cluster_windows = windows.windows_for(cluster)
    _check_start(cluster, start, cluster_windows, now)
    plan = plans.freeze(report, cluster, package)
    plan["requested_options"] = options.as_dict()
    plan["start"] = {"mode": start.mode, "at": start.at.isoformat() if start.at else None}
    need = policy.requirement(members)
    plan[plans.DETAILS]["approval"] = need.as_dict()
    if approved_with:
        plan[plans.DETAILS]["approval"]["approved_with"] = approved_with
    digest = plans.digest(plan)
    eta = timing.plan_estimate(cluster, [s.version for s in report.path], report.options.upgrade_mode)
    plan[plans.DETAILS]["eta"] = eta.as_dict()
    if need.approvals and not approved_with:
        count = phrase("%(n)s approvals", n=need.approvals) if need.approvals > 1 else phrase("1 approval")
        return Arrangement(
            State.AWAITING_APPROVAL, plan, digest, need, None,
            phrase("It waits for %(count)s by approvers other than the requester (%(because)s); it then "
                   "starts %(start)s.", count=count, because=need.because, start=start.describe()),
        )  # fmt: skip
    decision = _decide(cluster, members, report.path, report.options.upgrade_mode, start, now, None)
    if decision.start:
        return Arrangement(State.QUEUED, plan, digest, need, decision, approved_with)
    sentence = phrase("Scheduled: %(note)s", note=decision.note)
    return Arrangement(
        State.SCHEDULED,
        plan,
        digest,
        need,
        decision,
        joined(approved_with, sentence),
    )


def _check_start(cluster, start: Start, cluster_windows, now: datetime) -> None:
    if start.mode == "next_window" and not cluster_windows:
        raise OperationRefused(
            phrase(
                "%(cluster)s and its site have no maintenance window: add one in the admin (Change "
                "management › Maintenance windows), or start it now or at a time.",
                cluster=cluster.name,
            )
        )
    if start.mode != "at":
        return
    if start.at < now - PAST_SLACK:
        raise OperationRefused(phrase("The start time %(at)s is in the past.", at=windows.when(start.at)))
    if start.at > now + MAX_AHEAD:
        raise OperationRefused(
            phrase("The start time can be at most %(days)s days ahead.", days=MAX_AHEAD.days)
        )
    if cluster_windows and windows.containing(cluster_windows, start.at) is None:
        nxt = windows.upcoming(cluster_windows, max(start.at, now), count=3)
        raise OperationRefused(
            phrase(
                "%(at)s is outside %(cluster)s's maintenance windows (next: %(next)s); choose a time inside "
                "one, or the next window.",
                at=windows.when(start.at, cluster_windows[0].time_zone),
                cluster=cluster.name,
                next=joined(*(o.describe() for o in nxt), sep="; ") if nxt else phrase("none"),
            )
        )


def _decide(cluster, members, path, mode_of_upgrade, start: Start, now, exclude_id) -> windows.StartDecision:
    versions = [getattr(s, "version", None) or s["version"] for s in path]
    eta = timing.plan_estimate(cluster, versions, mode_of_upgrade, exclude_id)
    horizon = now + windows.HORIZON
    decision = windows.decide(
        now=now,
        mode=start.mode,
        start_at=start.at,
        windows=windows.windows_for(cluster),
        blackouts=windows.blackouts_for(members, now, horizon),
        p90=eta.p90,
    )
    decision.facts["eta"] = eta.as_dict()
    return decision


def start_of(upgrade: Upgrade) -> Start:
    return Start(upgrade.start_mode or "now", upgrade.start_at)


def notify(kind: str, upgrade_id: int, actor=None, **context) -> None:
    events.announce(kind, upgrade_id, actor=actor, **context)


# --- Plan re-checks --------------------------------------------------------------------------


@dataclass
class Recheck:
    plan: dict
    digest: str
    ok: bool
    unreachable: str  # why OCP could not confirm the plan ("" when it could)
    failures: list[str]


def recheck_plan(upgrade: Upgrade, *, deadline_seconds: float | None = None) -> Recheck:
    """The upgrade's plan as it would be frozen now: the pre-check again, as the requester (whose
    permission still counts), with the requested options; the upgrade itself does not count as
    another active upgrade."""
    from ocpdash.upgrades.precheck import precheck

    requested = upgrade.plan.get("requested_options") or {}
    options = UpgradeOptions.parse(
        requested.get("upgrade_mode"), requested.get("zone_order"), requested.get("freeze_server")
    )
    cluster = upgrade.cluster
    cluster.refresh_from_db()
    package = upgrade.package
    package.refresh_from_db()
    report = precheck(
        upgrade.requested_by,
        cluster,
        package,
        options,
        exclude_upgrade_id=upgrade.pk,
        deadline_seconds=deadline_seconds,
    )
    plan = plans.freeze(report, cluster, package)
    for key in ("requested_options", "start"):
        if key in upgrade.plan:
            plan[key] = upgrade.plan[key]
    plan[plans.DETAILS]["approval"] = upgrade.plan.get(plans.DETAILS, {}).get("approval", {})
    unreachable = next((c.message for c in report.failures if c.key == "ocp_reachable"), "")
    return Recheck(plan, plans.digest(plan), report.ok, unreachable, [c.message for c in report.failures])


def _apply_plan(upgrade_id: int, check: Recheck) -> None:
    """Store a re-frozen plan with what the engine sends (path, options, from-version)."""
    options = check.plan.get("options", {})
    first = check.plan.get("members") or [{}]
    mine = next((m for m in first if m.get("id") == check.plan["cluster"]["id"]), {})
    Upgrade.objects.filter(pk=upgrade_id).update(
        plan=check.plan,
        plan_digest=check.digest,
        upgrade_path=[s["version"] for s in check.plan.get("path", [])],
        upgrade_mode=options.get("upgrade_mode", ""),
        zone_order=options.get("zone_order", []),
        freeze_server=options.get("freeze_server"),
        from_version=mine.get("version") or Upgrade.objects.get(pk=upgrade_id).from_version,
    )


def _void(upgrade: Upgrade, why: str, now: datetime) -> int:
    return Approval.objects.filter(upgrade=upgrade, voided_at__isnull=True).update(
        voided_at=now, **phrases.columns("void_reason", why, 2000)
    )


def _plan_changed(upgrade: Upgrade, check: Recheck, actor=None) -> str:
    """Inside a transaction holding the upgrade's row: record the new plan; approvals are void; the
    upgrade waits for approval again (or, needing none, goes on or waits for its pre-check)."""
    now = timezone.now()
    why = joined(*plans.differences(upgrade.plan, check.plan), sep="; ")
    voided = _void(upgrade, phrase("The plan changed: %(why)s.", why=why), now)
    _apply_plan(upgrade.pk, check)
    if upgrade.approvals_required:
        Upgrade.objects.filter(pk=upgrade.pk).update(
            state=State.AWAITING_APPROVAL, planned_start=None, start_note=""
        )
        message = (
            phrase(
                "The plan changed: %(why)s. %(count)s approval(s) are void; it waits for approval of the "
                "new plan.",
                why=why,
                count=voided,
            )
            if voided
            else phrase("The plan changed: %(why)s. It waits for approval of the new plan.", why=why)
        )
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, message, actor=actor, plan_digest=check.digest)
        notify("approval_requested", upgrade.pk, actor=actor, reason=message)
        return "awaiting_approval"
    if check.ok:
        Upgrade.objects.filter(pk=upgrade.pk).update(planned_start=now, start_note="")
        message = phrase(
            "The plan changed: %(why)s. No approval is needed, so it goes on with the new plan.", why=why
        )
        events.record(upgrade.pk, UpgradeEvent.Kind.INFO, message, actor=actor, plan_digest=check.digest)
        transaction.on_commit(lambda: enqueue.send(START, upgrade.pk), robust=True)
        return "replanned"
    note = phrase(
        "Held: the pre-check fails now (%(failures)s). ocpdash checks again every %(minutes)s.",
        failures=joined(*check.failures, sep="; "),
        minutes=_minutes(RETRY_HELD),
    )
    _hold(upgrade, note, now + RETRY_HELD)
    return "held"


def _minutes(delta: timedelta) -> str:
    return phrase("%(n)s minutes", n=int(delta.total_seconds() // 60))


def _hold(upgrade: Upgrade, note: str, until: datetime | None, *, decision=None) -> None:
    """A scheduled upgrade waits: when it is looked at next, and why (an event only when the
    reason is new, not on every look). A wait for its time, a window or a freeze (``decision``) is
    announced as "scheduled"; a wait for OCP or a failing pre-check is only an event."""
    with transaction.atomic():
        current = Upgrade.objects.select_for_update().filter(pk=upgrade.pk, state=State.SCHEDULED).first()
        if current is None:
            return
        Upgrade.objects.filter(pk=upgrade.pk).update(
            planned_start=until, **phrases.columns("start_note", note)
        )
        if _without_times(current.start_note) != _without_times(note):
            events.record(upgrade.pk, UpgradeEvent.Kind.INFO, note)
            if decision is not None:
                eta = decision.facts.get("eta", {}).get("text", "")
                notify("scheduled", upgrade.pk, window_text=note, eta_text=eta)


def _without_times(note: str) -> str:
    """A wait's reason without its numbers: '12 min left' and '11 min left' are the same reason."""
    return "".join(ch for ch in note if not ch.isdigit())


def may_recheck(user) -> bool:
    """Requesters (operators) and approvers may have a waiting plan checked with OCP again."""
    return user.has_perm(APPROVE_PERMISSION) or user.has_perm("upgrades.submit_upgrade")


def recheck(user, upgrade: Upgrade, *, deadline_seconds: float | None = None) -> str:
    """An operator's or approver's "check the plan again": the plan re-frozen from OCP now."""
    if not may_recheck(user):
        raise NotAllowed(phrase("You are not allowed to re-check upgrade plans."))
    if upgrade.state not in WAITING_STATES:
        raise OperationRefused(phrase("Only a plan waiting for approval or its start can be checked again."))
    check = recheck_plan(upgrade, deadline_seconds=deadline_seconds)
    if check.unreachable:
        raise OcpUnavailable(
            phrase("OCP could not be reached to check the plan: %(error)s", error=check.unreachable)
        )
    with transaction.atomic():
        current = (
            Upgrade.objects.select_for_update()
            .filter(pk=upgrade.pk, state__in=WAITING_STATES, plan_digest=upgrade.plan_digest)
            .first()
        )
        if current is None:
            raise OperationRefused(phrase("The upgrade changed meanwhile; reload the page."))
        if check.digest == current.plan_digest:
            message = phrase("The plan was checked again with OCP: unchanged.")
            events.record(upgrade.pk, UpgradeEvent.Kind.INFO, message, actor=user)
            return message
        _plan_changed(current, check, actor=user)
    return phrase("The plan changed; see the upgrade's events.")


# --- Approvals -------------------------------------------------------------------------------


def may_approve(user, upgrade: Upgrade) -> bool:
    return (
        user.has_perm(APPROVE_PERMISSION)
        and upgrade.requested_by_id != user.pk
        and upgrade.state == State.AWAITING_APPROVAL
        and not upgrade.approvals.filter(
            user=user, plan_digest=upgrade.plan_digest, voided_at__isnull=True
        ).exists()
    )


def may_decline(user, upgrade: Upgrade) -> bool:
    return (
        user.has_perm(APPROVE_PERMISSION)
        and upgrade.requested_by_id != user.pk
        and upgrade.state in WAITING_STATES
    )


def _check_approver(user, upgrade: Upgrade, what: str) -> None:
    if not user.has_perm(APPROVE_PERMISSION):
        raise NotAllowed(
            phrase("You are not allowed to approve upgrades (Approvers role needed).")
            if what == "approve"
            else phrase("You are not allowed to decline upgrades (Approvers role needed).")
        )
    if upgrade.requested_by_id == user.pk:
        raise NotAllowed(
            phrase("You requested this upgrade: another approver must approve it.")
            if what == "approve"
            else phrase("You requested this upgrade: another approver must decline it (you can cancel it).")
        )


def approve(
    user, upgrade: Upgrade, *, comment: str = "", plan_digest: str | None = None, deadline_seconds=None
) -> str:
    """Approve the upgrade's current plan. The plan is checked again with OCP first: approving what
    OCP would no longer run is refused (and the plan the approvers see is updated)."""
    _check_approver(user, upgrade, "approve")
    _check_comment(comment)
    if upgrade.state != State.AWAITING_APPROVAL:
        raise OperationRefused(
            phrase(
                "Only an upgrade awaiting approval can be approved (it is %(state)s).",
                state=known(upgrade.get_state_display()),
            )
        )
    if plan_digest and plan_digest != upgrade.plan_digest:
        raise OperationRefused(
            phrase("The plan changed since you loaded it: review the current plan and approve again.")
        )
    check = recheck_plan(upgrade, deadline_seconds=deadline_seconds)
    if check.unreachable:
        raise OcpUnavailable(
            phrase(
                "Nothing was approved: OCP could not be reached to confirm the plan (%(error)s). Try again.",
                error=check.unreachable,
            )
        )
    with transaction.atomic():
        current = (
            Upgrade.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=upgrade.pk, state=State.AWAITING_APPROVAL, plan_digest=upgrade.plan_digest)
            .first()
        )
        if current is None:
            raise OperationRefused(
                "The upgrade changed meanwhile (approved, declined, cancelled or re-planned); reload it."
            )
        if check.digest != current.plan_digest:
            _plan_changed(current, check, actor=user)
            changed = True
        else:
            changed = False
            if not check.ok:
                raise OperationRefused(
                    phrase(
                        "The pre-check fails for this plan, so it cannot be approved: %(failures)s",
                        failures=joined(*check.failures, sep="; "),
                    )
                )
            outcome = _record_approval(user, current, comment)
    if changed:
        raise OperationRefused(
            "The plan changed since it was requested (see the upgrade's events): nothing was approved. "
            "Review the new plan and approve again."
        )
    return outcome


def _check_comment(comment: str) -> None:
    if len(comment or "") > REASON_MAX_LENGTH:
        raise OperationRefused(
            phrase("A comment can be at most %(count)s characters.", count=f"{REASON_MAX_LENGTH:,}")
        )


def _record_approval(user, upgrade: Upgrade, comment: str) -> str:
    if upgrade.approvals.filter(user=user, plan_digest=upgrade.plan_digest, voided_at__isnull=True).exists():
        raise OperationRefused("You already approved this plan.")
    need = policy.requirement(upgrade.cluster.pair_members())
    if need.approvals > upgrade.approvals_required:  # a policy made stricter since the request
        Upgrade.objects.filter(pk=upgrade.pk).update(approvals_required=need.approvals)
        upgrade.approvals_required = need.approvals
    Approval.objects.create(
        upgrade=upgrade,
        user=user,
        decision=Approval.Decision.APPROVED,
        comment=comment,
        plan_digest=upgrade.plan_digest,
    )
    given = _valid_approvers(upgrade)
    name = user.get_username()
    said = (
        phrase("Approved by %(user)s: %(comment)s.", user=name, comment=comment)
        if comment
        else phrase("Approved by %(user)s.", user=name)
    )
    if len(given) < upgrade.approvals_required:
        count = phrase(
            "%(given)s of %(needed)s approvals.", given=len(given), needed=upgrade.approvals_required
        )
        said = joined(said, count)
        events.record(upgrade.pk, UpgradeEvent.Kind.OPERATION, said, actor=user, operation="approve",
                      plan_digest=upgrade.plan_digest, comment=comment)  # fmt: skip
        notify("approved", upgrade.pk, actor=user, comment=comment, complete=False)
        return said
    Upgrade.objects.filter(pk=upgrade.pk).update(
        state=State.SCHEDULED, planned_start=timezone.now(), start_note=""
    )
    approved = phrase(
        "Approved (%(approvers)s); it starts %(start)s.",
        approvers=", ".join(given),
        start=start_of(upgrade).describe(),
    )
    said = joined(said, approved)
    events.record(upgrade.pk, UpgradeEvent.Kind.STATE, said, actor=user, operation="approve",
                  plan_digest=upgrade.plan_digest, comment=comment, approvers=given)  # fmt: skip
    notify("approved", upgrade.pk, actor=user, comment=comment, complete=True)
    transaction.on_commit(lambda: enqueue.send(START, upgrade.pk), robust=True)
    return said


def decline(user, upgrade: Upgrade, *, comment: str) -> str:
    """Decline (with a reason) an upgrade awaiting approval or its start: it ends, never sent."""
    _check_approver(user, upgrade, "decline")
    _check_comment(comment)
    if not (comment or "").strip():
        raise OperationRefused(phrase("Say why you decline it: the requester reads it."))
    with transaction.atomic():
        current = Upgrade.objects.select_for_update().filter(pk=upgrade.pk, state__in=WAITING_STATES).first()
        if current is None:
            raise OperationRefused(phrase("Only an upgrade awaiting approval or its start can be declined."))
        Approval.objects.create(
            upgrade=current, user=user, decision=Approval.Decision.DECLINED,
            comment=comment, plan_digest=current.plan_digest,
        )  # fmt: skip
        Upgrade.objects.filter(pk=upgrade.pk).update(
            state=State.DECLINED, finished_at=timezone.now(), planned_start=None
        )
        said = phrase("Declined by %(user)s: %(comment)s", user=user.get_username(), comment=comment)
        events.record(
            upgrade.pk, UpgradeEvent.Kind.STATE, said, actor=user, operation="decline", comment=comment
        )
        notify("declined", upgrade.pk, actor=user, comment=comment, reason=comment)
    return said


def _valid_approvers(upgrade: Upgrade) -> list[str]:
    return list(
        upgrade.approvals.filter(
            plan_digest=upgrade.plan_digest, voided_at__isnull=True, decision=Approval.Decision.APPROVED
        ).values_list("user__username", flat=True)
    )


def _policy_tightened(upgrade: Upgrade, members, actor=None) -> bool:
    """A policy made stricter after the request applies to it before it starts (never looser)."""
    need = policy.requirement(members)
    if need.approvals <= upgrade.approvals_required:
        return False
    Upgrade.objects.filter(pk=upgrade.pk).update(approvals_required=need.approvals)
    given = _valid_approvers(upgrade)
    if len(given) >= need.approvals:
        return False
    Upgrade.objects.filter(pk=upgrade.pk).update(
        state=State.AWAITING_APPROVAL, planned_start=None, start_note=""
    )
    message = phrase(
        "The approval policy now asks for %(because)s; %(given)s given. It waits for approval.",
        because=need.because,
        given=len(given),
    )
    events.record(upgrade.pk, UpgradeEvent.Kind.STATE, message, actor=actor)
    notify("approval_requested", upgrade.pk, actor=actor, reason=message)
    return True


# --- Starting scheduled upgrades -------------------------------------------------------------


def start_due(now: datetime | None = None) -> list[int]:
    """Beat: queue a start look for every scheduled upgrade whose planned start has come."""
    now = now or timezone.now()
    due = list(
        Upgrade.objects.filter(state=State.SCHEDULED)
        .filter(Q(planned_start__isnull=True) | Q(planned_start__lte=now))
        .order_by("planned_start", "pk")
        .values_list("pk", flat=True)
    )
    for upgrade_id in due:
        enqueue.send(START, upgrade_id)
    return due


def try_start(upgrade_id: int, now: datetime | None = None) -> str:
    """Start a scheduled upgrade if its time, window and the change freezes allow, and its plan is
    unchanged in OCP. Returns what happened: started, waiting, held, awaiting_approval, replanned, gone."""
    upgrade = (
        Upgrade.objects.select_related("cluster__site", "package", "requested_by")
        .filter(pk=upgrade_id)
        .first()
    )
    if upgrade is None or upgrade.state != State.SCHEDULED:
        return "gone"
    now = now or timezone.now()
    members = upgrade.cluster.pair_members()
    decision = _decide(
        upgrade.cluster,
        members,
        upgrade.plan.get("path", []),
        upgrade.upgrade_mode,
        start_of(upgrade),
        now,
        upgrade.pk,
    )
    if not decision.start:
        _hold(upgrade, decision.note, decision.wait_until, decision=decision)
        return "waiting"
    check = recheck_plan(upgrade)
    if check.unreachable:
        _hold(
            upgrade,
            phrase(
                "Due, but OCP could not be reached to confirm the plan (%(error)s); ocpdash tries again "
                "every minute. It is not failed: it starts when OCP answers and the plan is unchanged.",
                error=check.unreachable,
            ),
            now + RETRY_UNREACHABLE,
        )
        return "waiting"
    with transaction.atomic():
        current = (
            Upgrade.objects.select_for_update()
            .filter(pk=upgrade.pk, state=State.SCHEDULED, plan_digest=upgrade.plan_digest)
            .first()
        )
        if current is None:
            return "gone"
        if check.digest != current.plan_digest:
            return _plan_changed(current, check)
        if _policy_tightened(current, members):
            return "awaiting_approval"
        Upgrade.objects.filter(pk=upgrade.pk).update(state=State.QUEUED, planned_start=None, start_note="")
        message = phrase(
            "Started by ocpdash: %(note)s The plan was checked with OCP and is unchanged.", note=decision.note
        )
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.STATE,
            message,
            window=decision.window.as_dict() if decision.window else None,
        )
        # "started" is announced when OCP accepts it (submission.adopt), as for any upgrade.
        transaction.on_commit(lambda: enqueue.send(enqueue.SUBMIT, upgrade.pk), robust=True)
    return "started"
