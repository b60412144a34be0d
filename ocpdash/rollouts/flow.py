"""Creating, approving and operating rollouts, and the reconciler that drives them.

The reconciler (``reconcile``) is run by beat for every live rollout and after every change of a
member's upgrade (signals.py). It is idempotent: it reads the units' upgrades, moves the rollout on
(models.py has the state machine) under the rollout's row lock, then starts the units whose turn has
come, each by creating an ordinary upgrade bound to its unit in one transaction (``_start_unit``).
Anything it was doing when killed is simply done again by the next run: a unit whose upgrade was
created is bound to it, and a wave moves on only by a conditional update of ``current_wave``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ocpdash.catalog.models import RpmPackage
from ocpdash.core import phrases
from ocpdash.core.phrases import Phrase, joined, phrase, translated
from ocpdash.ocp import OcpError
from ocpdash.ocp.versions import ObVersion
from ocpdash.rollouts import plan as plans
from ocpdash.rollouts.models import (
    ENDED_STATES,
    LIVE_STATES,
    PAUSABLE_STATES,
    RESUMABLE_STATES,
    UNIT_DONE,
    Rollout,
    RolloutApproval,
    RolloutEvent,
    RolloutState,
    RolloutUnit,
    UnitState,
)
from ocpdash.sites.models import Cluster
from ocpdash.upgrades import enqueue
from ocpdash.upgrades.errors import (
    NotAllowed,
    OperationRefused,
    PrecheckFailed,
    UpgradeConflict,
    UpgradeError,
)
from ocpdash.upgrades.models import ACTIVE_STATES, REASON_MAX_LENGTH, State, Upgrade

log = logging.getLogger(__name__)

RECONCILE = "ocpdash.rollouts.tasks.reconcile"
SUBMIT_PERMISSION = "upgrades.submit_upgrade"
OPERATE_PERMISSION = "upgrades.operate_upgrade"
APPROVE_PERMISSION = "upgrades.approve_upgrade"
# A unit's upgrade that is active is upgrading, unless it waits for an operator (failing).
FAILING_STATES = (State.FAILED, State.NEEDS_ATTENTION)
UPGRADING_STATES = tuple(s for s in ACTIVE_STATES if s not in FAILING_STATES)
# Pre-check failures a unit waits out rather than fails for: OCP could not be asked (never failed by a
# blip), or an operator's OCP task still runs on a member (OCP refuses an upgrade until it ends).
WAIT_KEYS = ("ocp_reachable", "no_running_task")


def record(rollout_id: int, kind: str, message: str, *, actor=None, **data) -> None:
    """Append to the rollout's timeline. A message written with ``phrase`` keeps its msgid and
    parameters, so each reader sees it in their language (RolloutEvent.text)."""
    if isinstance(message, Phrase):
        data["phrase"] = message.spec
    RolloutEvent.objects.create(
        rollout_id=rollout_id, kind=kind, message=str(message), actor=actor, data=data
    )
    Rollout.objects.filter(pk=rollout_id).update(revision=F("revision") + 1)


def enqueue_reconcile(rollout_id: int, countdown: float | None = None) -> None:
    enqueue.send(RECONCILE, rollout_id, countdown)


# --- Creating and approving ------------------------------------------------------------------


def preview(user, *, clusters, packages, canary=(), strategy: plans.Strategy) -> plans.Plan:
    """The plan a rollout would have (pre-checks every unit with OCP); nothing is stored."""
    _need(user, SUBMIT_PERMISSION, _("You are not allowed to start rollouts (Operators role needed)."))
    return plans.make(user, clusters, packages, canary_ids=list(canary), strategy=strategy)


def create(
    user,
    *,
    name: str,
    clusters,
    packages,
    canary=(),
    strategy: plans.Strategy,
    start_at=None,
    reason: str = "",
) -> Rollout:
    """Plan, freeze and store a rollout: awaiting approval when a member's policy asks for it, else
    scheduled (``start_at`` later) or running at once."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise OperationRefused(_("Give the rollout a name (at most 200 characters)."))
    if len(reason or "") > REASON_MAX_LENGTH:
        raise OperationRefused(
            _("A reason can be at most %(n)s characters.") % {"n": f"{REASON_MAX_LENGTH:,}"}
        )
    now = timezone.now()
    if start_at is not None and start_at > now + timedelta(days=90):
        raise OperationRefused(_("The start time can be at most 90 days ahead."))
    packages = list(packages)
    made = preview(user, clusters=clusters, packages=packages, canary=canary, strategy=strategy)
    if not made.units:
        raise OperationRefused(
            _("No cluster can be upgraded to %(version)s: %(why)s")
            % {
                "version": made.target_version,
                "why": "; ".join(f"{u['name']}: {translated(u['why'])}" for u in made.left_out),
            }
        )
    plan = made.as_dict()
    if made.approvals:
        state = RolloutState.AWAITING_APPROVAL
    elif start_at is not None and start_at > now:
        state = RolloutState.SCHEDULED
    else:
        state = RolloutState.RUNNING
    with transaction.atomic():
        rollout = Rollout.objects.create(
            name=name,
            target_version=made.target_version,
            created_by=user,
            reason=reason,
            state=state,
            start_at=start_at,
            plan=plan,
            plan_digest=plans.digest(plan),
            approvals_required=made.approvals,
            approval_because=made.approval_because,
            started_at=now if state == RolloutState.RUNNING else None,
            **strategy.as_dict(),
        )
        rollout.packages.set(packages)
        RolloutUnit.objects.bulk_create(
            RolloutUnit(
                rollout=rollout,
                cluster_id=unit["cluster"],
                package_id=unit["package"],
                wave=unit["wave"],
                position=i,
                members=unit["members"],
                from_version=unit["from_version"],
                path=unit["path"],
            )
            for i, unit in enumerate(plan["units"])
        )
        waves = plan["waves"]
        left = len(plan["left_out"])
        said = joined(
            phrase(
                "Rollout created: %(units)s units (%(clusters)s clusters) to %(version)s in %(waves)s waves.",
                units=len(plan["units"]),
                clusters=sum(w["clusters"] for w in waves),
                version=made.target_version,
                waves=len(waves),
            ),
            phrase("%(n)s left out (see the plan).", n=left) if left else "",
            phrase(
                "It waits for %(n)s approval(s) (%(because)s).",
                n=made.approvals,
                because=made.approval_because,
            )
            if state == RolloutState.AWAITING_APPROVAL
            else "",
        )
        record(rollout.pk, "state", said, actor=user, reason=reason, plan_digest=rollout.plan_digest)
        if state == RolloutState.RUNNING:
            transaction.on_commit(lambda: enqueue_reconcile(rollout.pk), robust=True)
    return rollout


def approve(user, rollout: Rollout, *, comment: str = "", plan_digest: str | None = None) -> str:
    """Approve the rollout's plan (bound to its digest). The plan is made again with OCP first: if
    it changed, nothing is approved and the approvers see the new plan."""
    _check_approver(user, rollout)
    if rollout.state != RolloutState.AWAITING_APPROVAL:
        raise OperationRefused(_("Only a rollout awaiting approval can be approved."))
    if plan_digest and plan_digest != rollout.plan_digest:
        raise OperationRefused(_("The plan changed since you loaded it: review it and approve again."))
    fresh = _replan(rollout)
    with transaction.atomic():
        current = (
            Rollout.objects.select_for_update()
            .filter(pk=rollout.pk, state=RolloutState.AWAITING_APPROVAL, plan_digest=rollout.plan_digest)
            .first()
        )
        if current is None:
            raise OperationRefused(_("The rollout changed meanwhile; reload it."))
        new_digest = plans.digest(fresh)
        if new_digest != current.plan_digest:
            Rollout.objects.filter(pk=current.pk).update(plan=fresh, plan_digest=new_digest)
            record(
                current.pk, "state",
                phrase("The plan changed when it was checked again with OCP (versions, paths or pre-checks); "
                       "approvals given before do not count. Review the new plan."),
                actor=user,
            )  # fmt: skip
            changed = True
        else:
            changed = False
            RolloutApproval.objects.get_or_create(
                rollout=current,
                user=user,
                plan_digest=current.plan_digest,
                defaults={"decision": RolloutApproval.Decision.APPROVED, "comment": comment},
            )
            given = current.approvals.filter(
                plan_digest=current.plan_digest, decision=RolloutApproval.Decision.APPROVED
            ).count()
            message = phrase(
                "Approved by %(user)s (%(given)s of %(needed)s).",
                user=user.get_username(),
                given=given,
                needed=current.approvals_required,
            )
            if given >= current.approvals_required:
                now = timezone.now()
                later = current.start_at is not None and current.start_at > now
                Rollout.objects.filter(pk=current.pk).update(
                    state=RolloutState.SCHEDULED if later else RolloutState.RUNNING,
                    started_at=None if later else now,
                )
                message = joined(
                    message, phrase("It starts at its start time.") if later else phrase("It starts now.")
                )
                transaction.on_commit(lambda: enqueue_reconcile(current.pk), robust=True)
            record(current.pk, "state", message, actor=user, comment=comment)
    if changed:
        raise OperationRefused(
            _("The plan changed since it was made: nothing was approved. Review it again.")
        )
    return message


def _replan(rollout: Rollout) -> dict:
    """The plan made again from the same clusters, packages, canary and strategy, as the creator."""
    units = rollout.plan.get("units", [])
    ids = [m["id"] for u in units for m in u["members"]] + [
        m["id"] for u in rollout.plan.get("left_out", []) for m in u["members"]
    ]
    canary = [m["id"] for u in units if u["wave"] == 0 for m in u["members"]]
    clusters = Cluster.objects.select_related("site", "primary").filter(pk__in=ids).order_by("pk")
    strategy = plans.Strategy(**rollout.plan["strategy"])
    made = plans.make(
        rollout.created_by, clusters, list(rollout.packages.all()), canary_ids=canary, strategy=strategy
    )
    return made.as_dict()


def decline(user, rollout: Rollout, *, comment: str) -> str:
    _check_approver(user, rollout)
    if not (comment or "").strip():
        raise OperationRefused(_("Say why you decline it."))
    moved = Rollout.objects.filter(pk=rollout.pk, state=RolloutState.AWAITING_APPROVAL).update(
        state=RolloutState.DECLINED, finished_at=timezone.now()
    )
    if not moved:
        raise OperationRefused(_("Only a rollout awaiting approval can be declined."))
    RolloutApproval.objects.get_or_create(
        rollout=rollout,
        user=user,
        plan_digest=rollout.plan_digest,
        defaults={"decision": RolloutApproval.Decision.DECLINED, "comment": comment},
    )
    message = phrase("Declined by %(user)s: %(comment)s", user=user.get_username(), comment=comment)
    RolloutUnit.objects.filter(rollout=rollout, state=UnitState.PENDING).update(state=UnitState.NOT_STARTED)
    record(rollout.pk, "state", message, actor=user)
    return message


def _check_approver(user, rollout: Rollout) -> None:
    _need(user, APPROVE_PERMISSION, _("You are not allowed to approve (Approvers role needed)."))
    if user.pk == rollout.created_by_id:
        raise NotAllowed(_("The creator of a rollout cannot approve or decline it; another approver must."))


def _need(user, permission: str, refusal: str) -> None:
    if not user.has_perm(permission):
        raise NotAllowed(refusal)


# --- Operator actions ------------------------------------------------------------------------


def pause(user, rollout: Rollout, *, reason: str = "") -> str:
    _need(user, OPERATE_PERMISSION, _("You are not allowed to operate rollouts (Operators role needed)."))
    with transaction.atomic():
        current = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if current.state not in PAUSABLE_STATES:
            raise OperationRefused(
                _("Only a scheduled, running or soaking rollout can be paused (it is %(state)s).")
                % {"state": current.get_state_display().lower()}
            )
        Rollout.objects.filter(pk=current.pk).update(state=RolloutState.PAUSED, paused_from=current.state)
        message = phrase(
            "Paused by %(user)s: nothing new starts; upgrades already started run on.",
            user=user.get_username(),
        )
        record(current.pk, "operation", _with_reason(message, reason), actor=user, operation="pause")
    return message


def resume(user, rollout: Rollout, *, reason: str = "") -> str:
    """Resume a paused rollout where it was, or a halted one: its failures so far are accepted (they
    no longer halt it; fixing them first is better)."""
    _need(user, OPERATE_PERMISSION, _("You are not allowed to operate rollouts (Operators role needed)."))
    with transaction.atomic():
        current = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if current.state not in RESUMABLE_STATES:
            raise OperationRefused(
                _("Only a paused or halted rollout can be resumed (it is %(state)s).")
                % {"state": current.get_state_display().lower()}
            )
        if current.state == RolloutState.PAUSED:
            back = current.paused_from or RolloutState.RUNNING
            message = phrase("Resumed by %(user)s.", user=user.get_username())
        else:
            back, message = RolloutState.RUNNING, _after_halt(user, current)
        Rollout.objects.filter(pk=current.pk).update(
            state=back,
            paused_from="",
            halt_reason="",
            halt_reason_spec=None,
            started_at=current.started_at or timezone.now(),
        )
        record(current.pk, "operation", _with_reason(message, reason), actor=user, operation="resume")
        transaction.on_commit(lambda: enqueue_reconcile(current.pk), robust=True)
    return message


def _after_halt(user, rollout: Rollout) -> Phrase:
    """Resuming a halted rollout: a unit that failed before its upgrade was made (its pre-check at
    start) is tried again; one whose upgrade failed, or that failed its soak, is accepted as it is."""
    failed = RolloutUnit.objects.filter(rollout=rollout, state=UnitState.FAILED, failure_accepted=False)
    retried = list(failed.filter(upgrade__isnull=True, soak_fault=""))
    accepted = list(failed.exclude(pk__in=[u.pk for u in retried]))
    RolloutUnit.objects.filter(pk__in=[u.pk for u in retried]).update(
        state=UnitState.PENDING, note="", note_spec=None, finished_at=None
    )
    RolloutUnit.objects.filter(pk__in=[u.pk for u in accepted]).update(failure_accepted=True)
    return joined(
        phrase("Resumed by %(user)s after the halt.", user=user.get_username()),
        phrase("Tried again: %(units)s.", units=", ".join(map(str, retried))) if retried else "",
        phrase("Still failed and accepted: %(units)s.", units=", ".join(map(str, accepted)))
        if accepted
        else "",
    )


def abort(user, rollout: Rollout, *, reason: str = "") -> str:
    """Start nothing more; upgrades already started run on and are operated as usual."""
    _need(user, OPERATE_PERMISSION, _("You are not allowed to operate rollouts (Operators role needed)."))
    with transaction.atomic():
        current = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if current.state in ENDED_STATES:
            raise OperationRefused(_("The rollout has ended already."))
        Rollout.objects.filter(pk=current.pk).update(state=RolloutState.ABORTED, finished_at=timezone.now())
        left = RolloutUnit.objects.filter(rollout=current, state=UnitState.PENDING).update(
            state=UnitState.NOT_STARTED,
            **phrases.columns("note", phrase("The rollout was aborted before it started."), 2000),
        )
        message = phrase(
            "Aborted by %(user)s: %(n)s units will not start; upgrades already started run on.",
            user=user.get_username(),
            n=left,
        )
        record(current.pk, "operation", _with_reason(message, reason), actor=user, operation="abort")
    return message


def _with_reason(message: str, reason: str) -> str:
    if len(reason or "") > REASON_MAX_LENGTH:
        raise OperationRefused(
            _("A reason can be at most %(n)s characters.") % {"n": f"{REASON_MAX_LENGTH:,}"}
        )
    return joined(message, phrase("Reason: %(reason)s", reason=reason) if reason else "")


# --- The reconciler --------------------------------------------------------------------------


@dataclass
class Pass:
    """What one reconcile did (for tests, logs and the bench)."""

    state: str = ""
    started: list[int] = field(default_factory=list)  # unit ids
    moved: str = ""


def reconcile_live() -> list[int]:
    """Beat: queue a reconcile of every live rollout (and of aborted ones still following upgrades)."""
    live = list(Rollout.objects.filter(state__in=LIVE_STATES).values_list("pk", flat=True))
    following = Rollout.objects.filter(state=RolloutState.ABORTED, units__state=UnitState.UPGRADING)
    ids = sorted(set(live) | set(following.values_list("pk", flat=True)))
    for rollout_id in ids:
        enqueue_reconcile(rollout_id)
    return ids


def reconcile(rollout_id: int, now=None) -> Pass:
    now = now or timezone.now()
    result = Pass()
    # The soak's re-read of OCP comes first, outside the transaction (no lock is held over HTTP).
    peek = Rollout.objects.filter(pk=rollout_id, state=RolloutState.SOAKING).first()
    soaked = _soaked(peek) if peek is not None else True
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().filter(pk=rollout_id).first()
        if rollout is None:
            return result
        units, changed = _refresh_units(rollout, now)
        to_start = _advance(rollout, units, now, result, soaked)
        bump = {"revision": F("revision") + 1} if changed or result.moved else {}
        Rollout.objects.filter(pk=rollout.pk).update(reconciled_at=now, **bump)
    for unit in to_start:
        if _start_unit(rollout, unit, now):
            result.started.append(unit.pk)
    result.state = Rollout.objects.filter(pk=rollout_id).values_list("state", flat=True).first() or ""
    return result


def _unit_state(unit: RolloutUnit, upgrade: Upgrade | None, target: str) -> tuple[str, str]:
    """(state, note) of a unit from its upgrade (and its cluster's version for one that ended badly)."""
    if unit.soak_fault:
        return UnitState.FAILED, unit.soak_fault_phrase
    if upgrade is None:
        if unit.state in (UnitState.FAILED, UnitState.NOT_STARTED):
            if unit.state == UnitState.FAILED and _at(unit.cluster.version, target):
                return UnitState.UPGRADED, phrase("Upgraded outside the rollout.")
            return unit.state, unit.note_phrase
        return UnitState.PENDING, unit.note_phrase
    if upgrade.state == State.SUCCESSFUL:
        return UnitState.UPGRADED, ""
    if upgrade.state in UPGRADING_STATES:
        return UnitState.UPGRADING, upgrade.start_note_phrase if upgrade.state == State.SCHEDULED else ""
    if upgrade.state in FAILING_STATES:
        return UnitState.FAILED, phrase(
            "Its upgrade #%(id)s is %(state)s: operate it on its page.",
            id=upgrade.pk,
            state=_state_word(upgrade),
        )
    if _at(unit.cluster.version, target):
        return UnitState.UPGRADED, phrase("Upgraded outside the rollout.")
    return UnitState.FAILED, phrase(
        "Its upgrade #%(id)s ended %(state)s.", id=upgrade.pk, state=_state_word(upgrade)
    )


def _state_word(upgrade: Upgrade) -> Phrase:
    from ocpdash.core.phrases import known

    return known(str(State(upgrade.state).label))


def _at(version: str, target: str) -> bool:
    try:
        return ObVersion.parse(version).release == ObVersion.parse(target).release
    except ValueError:
        return False


# What a reconcile reads of each unit (and of its upgrade and cluster): no plans, paths or JSON it
# does not use, so a 200-unit rollout reads little.
UNIT_FIELDS = ("id", "rollout_id", "state", "note", "note_spec", "soak_fault", "soak_fault_spec", "members",
               "upgrade_id", "cluster_id",
               "finished_at", "wave", "failure_accepted", "package_id", "from_version", "path",
               "position")  # fmt: skip


def _refresh_units(rollout: Rollout, now) -> tuple[list[RolloutUnit], bool]:
    """The rollout's units, each's state read again from its upgrade; and whether any changed."""
    units = list(
        RolloutUnit.objects.filter(rollout=rollout)
        .select_related("upgrade", "cluster")
        .only(
            *UNIT_FIELDS,
            "upgrade__state",
            "upgrade__start_note",
            "upgrade__start_note_spec",
            "cluster__version",
        )
    )
    changed = False
    for unit in units:
        state, note = _unit_state(unit, unit.upgrade, rollout.target_version)
        if (state, str(note)) == (unit.state, unit.note):
            continue
        was = unit.state
        unit.state = state
        unit.set_note(note)
        unit.finished_at = now if state in UNIT_DONE else None
        unit.save(update_fields=["state", "note", "note_spec", "finished_at"])
        changed = True
        if state == UnitState.UPGRADED and was != state:
            record(
                rollout.pk, "unit", phrase("%(unit)s upgraded.", unit=str(unit)), unit=unit.pk, state=state
            )
        elif state == UnitState.FAILED and was != state:
            said = phrase("%(unit)s failed: %(note)s", unit=str(unit), note=note)
            record(rollout.pk, "unit", said, unit=unit.pk, state=state)
    return units, changed


def _advance(
    rollout: Rollout, units: list[RolloutUnit], now, result: Pass, soaked: bool
) -> list[RolloutUnit]:
    """Move the rollout on (under its row lock) and say which units to start now."""
    if rollout.state == RolloutState.SCHEDULED and (rollout.start_at is None or rollout.start_at <= now):
        _move(rollout, RolloutState.RUNNING, result, started_at=now)
        record(rollout.pk, "state", phrase("Its start time came: the rollout starts."))
    if rollout.state not in (RolloutState.RUNNING, RolloutState.SOAKING):
        return []
    failing = [u for u in units if u.state == UnitState.FAILED and not u.failure_accepted]
    if len(failing) >= rollout.halt_after_failures:
        reason = phrase(
            "Halted after %(n)s failed: %(units)s. Fix them (retry or roll back their upgrades), then "
            "resume; or abort.",
            n=len(failing),
            units=joined(
                *(phrase("%(unit)s (%(note)s)", unit=str(u), note=u.note_phrase) for u in failing), sep="; "
            ),
        )
        _move(rollout, RolloutState.HALTED, result, **phrases.columns("halt_reason", reason))
        record(rollout.pk, "state", reason, failed=[u.pk for u in failing])
        return []
    if rollout.current_wave < 0:
        first = min(u.wave for u in units)
        _move(rollout, RolloutState.RUNNING, result, current_wave=first, started_at=rollout.started_at or now)
        record(rollout.pk, "wave", _wave_words(first), wave=first)
    if rollout.state == RolloutState.SOAKING:
        if rollout.soak_until and now < rollout.soak_until:
            return []
        if not soaked:
            return []  # the last re-read could not be made (OCP unreachable): it waits
    in_wave = [u for u in units if u.wave == rollout.current_wave]
    if rollout.state == RolloutState.RUNNING and all(u.state in UNIT_DONE for u in in_wave):
        upgraded = any(u.state == UnitState.UPGRADED for u in in_wave)
        if rollout.soak_minutes and upgraded:
            until = now + timedelta(minutes=rollout.soak_minutes)
            _move(rollout, RolloutState.SOAKING, result, soak_until=until)
            record(rollout.pk, "wave", _soak_words(rollout.current_wave, rollout.soak_minutes))
            return []
    if rollout.state == RolloutState.SOAKING or all(u.state in UNIT_DONE for u in in_wave):
        later = sorted({u.wave for u in units if u.wave > rollout.current_wave})
        if not later:
            failed = [u for u in units if u.state == UnitState.FAILED]
            end = RolloutState.FAILED if failed else RolloutState.SUCCESSFUL
            _move(rollout, end, result, finished_at=now, soak_until=None)
            record(
                rollout.pk, "state",
                phrase(
                    "All waves done: %(ok)s upgraded, %(failed)s failed.",
                    ok=sum(u.state == UnitState.UPGRADED for u in units),
                    failed=len(failed),
                ),
            )  # fmt: skip
            return []
        _move(rollout, RolloutState.RUNNING, result, current_wave=later[0], soak_until=None)
        record(rollout.pk, "wave", _wave_words(later[0]), wave=later[0])
        in_wave = [u for u in units if u.wave == later[0]]
    busy = sum(1 for u in units if u.state == UnitState.UPGRADING)
    slots = max(0, rollout.max_parallel - busy)
    return [u for u in in_wave if u.state == UnitState.PENDING and u.upgrade_id is None][:slots]


def _wave_words(wave: int) -> Phrase:
    if wave == 0:
        return phrase("The canary starts.")
    return phrase("Wave %(n)s starts.", n=wave)


def _soak_words(wave: int, minutes: int) -> Phrase:
    name = phrase("The canary") if wave == 0 else phrase("Wave %(n)s", n=wave)
    return phrase(
        "%(wave)s is done: it soaks for %(n)s min "
        "(each upgraded cluster must stay RUNNING on the new version).",
        wave=name,
        n=minutes,
    )


def _move(rollout: Rollout, state: str, result: Pass, **fields) -> None:
    """A move under the row lock; the conditional filter keeps two racing reconcilers to one move."""
    moved = Rollout.objects.filter(
        pk=rollout.pk, state=rollout.state, current_wave=rollout.current_wave
    ).update(state=state, **fields)
    if moved:
        rollout.state = state
        for name, value in fields.items():
            setattr(rollout, name, value)
        result.moved = state


class _NotNow(Exception):
    """The rollout may not start this unit now (paused, halted, no slot, started already)."""


class _PlanChanged(Exception):
    pass


def _start_unit(rollout: Rollout, unit: RolloutUnit, now) -> bool:
    """Create the unit's upgrade and bind it, in one transaction under the rollout's lock, only while
    the rollout runs this unit's wave and has a free slot. True when it started."""
    from ocpdash.changes import windows
    from ocpdash.changes.flow import Start
    from ocpdash.upgrades.submission import submit_upgrade

    cluster = Cluster.objects.select_related("site", "primary").get(pk=unit.cluster_id)
    package = RpmPackage.objects.get(pk=unit.package_id)

    def bind(upgrade: Upgrade) -> None:
        current = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if current.state != RolloutState.RUNNING or current.current_wave != unit.wave:
            raise _NotNow()
        busy = RolloutUnit.objects.filter(rollout=current, state=UnitState.UPGRADING).count()
        if busy >= current.max_parallel:
            raise _NotNow()
        if upgrade.from_version != unit.from_version or list(upgrade.upgrade_path) != list(unit.path):
            raise _PlanChanged(
                phrase(
                    "Its plan changed since the rollout was approved "
                    "(%(old)s by %(path)s, now %(new)s by %(now)s).",
                    old=unit.from_version,
                    path=" → ".join(unit.path),
                    new=upgrade.from_version,
                    now=" → ".join(upgrade.upgrade_path),
                )
            )
        bound = RolloutUnit.objects.filter(pk=unit.pk, state=UnitState.PENDING, upgrade__isnull=True).update(
            upgrade=upgrade, state=UnitState.UPGRADING, started_at=now, note="", note_spec=None
        )
        if bound != 1:
            raise _NotNow()
        said = phrase("%(unit)s: upgrade #%(id)s started.", unit=str(unit), id=upgrade.pk)
        record(current.pk, "unit", said, unit=unit.pk, upgrade=upgrade.pk)

    start = Start("next_window") if windows.windows_for(cluster) else Start()
    approved = phrase(
        "Part of rollout «%(name)s» (#%(id)s), whose plan was approved as a whole.",
        name=rollout.name,
        id=rollout.pk,
    )
    try:
        submit_upgrade(
            rollout.created_by,
            cluster,
            package,
            reason=str(
                phrase(
                    "Rollout «%(name)s» to %(version)s.", name=rollout.name, version=rollout.target_version
                )
            ),
            start=start,
            approved_with=approved if rollout.approvals_required else "",
            bind=bind,
        )
    except _NotNow:
        return False
    except _PlanChanged as exc:
        _fail_unit(unit, exc.args[0])
        return False
    except PrecheckFailed as exc:
        failures = exc.report.failures
        if failures and all(c.key.split(":")[0] in WAIT_KEYS for c in failures):
            _note_unit(unit, phrase("Waiting for OCP: %(why)s", why=failures[0].message))
            return False
        why = joined(*(c.message for c in failures))
        _fail_unit(unit, phrase("Its pre-check failed: %(why)s", why=why))
        return False
    except (UpgradeConflict, NotAllowed, OperationRefused) as exc:
        _fail_unit(unit, exc.message)
        return False
    except UpgradeError as exc:  # OCP unreachable and the like: try again next time
        _note_unit(unit, exc.message)
        return False
    return True


def _fail_unit(unit: RolloutUnit, note: str) -> None:
    with transaction.atomic():
        moved = RolloutUnit.objects.filter(pk=unit.pk, state=UnitState.PENDING, upgrade__isnull=True).update(
            state=UnitState.FAILED, finished_at=timezone.now(), **phrases.columns("note", note, 2000)
        )
        if moved:
            said = phrase("%(unit)s failed: %(note)s", unit=str(unit), note=note)
            record(unit.rollout_id, "unit", said, unit=unit.pk)
    enqueue_reconcile(unit.rollout_id)


def _note_unit(unit: RolloutUnit, note: str) -> None:
    fields = phrases.columns("note", note, 2000)
    if (
        RolloutUnit.objects.filter(pk=unit.pk, state=UnitState.PENDING)
        .exclude(note=fields["note"])
        .update(**fields)
    ):
        Rollout.objects.filter(pk=unit.rollout_id).update(revision=F("revision") + 1)


def _soaked(rollout: Rollout) -> bool:
    """While soaking, re-read the wave's upgraded clusters from OCP: each must be RUNNING on the target
    version. One that is not fails its unit (so the rollout halts); OCP unreachable fails nothing, but
    the wave does not move on until a re-read succeeds. True when every cluster read well."""
    units = RolloutUnit.objects.filter(
        rollout=rollout, wave=rollout.current_wave, state=UnitState.UPGRADED
    ).select_related("cluster__site")
    ok = True
    for unit in units:
        members = Cluster.objects.filter(pk__in=[m["id"] for m in unit.members]).order_by("pk")
        try:
            with unit.cluster.site.client(max_retries=1) as client:  # a pair lives on one OCP
                bad = [said for c in members for said in _soak_faults(client, c, rollout.target_version)]
        except OcpError as exc:
            log.info("Soak re-read of %s failed: %s", unit, exc)
            ok = False
            continue
        if not bad:
            continue
        ok = False
        fault = phrase("During the soak: %(what)s.", what=joined(*bad, sep="; "))
        if RolloutUnit.objects.filter(pk=unit.pk, soak_fault="").update(
            **phrases.columns("soak_fault", fault, 2000)
        ):
            record(
                rollout.pk, "unit", phrase("%(unit)s: %(fault)s", unit=str(unit), fault=fault), unit=unit.pk
            )
    return ok


def _soak_faults(client, cluster: Cluster, target: str) -> list[Phrase]:
    """What is wrong with ``cluster`` in OCP for a soak: not RUNNING, not on ``target``."""
    remote = client.get_cluster(cluster.ocp_id, name=cluster.name)
    bad = []
    if remote.status != "RUNNING":
        bad.append(phrase("%(name)s is %(status)s in OCP", name=cluster.name, status=remote.status))
    if not _at(remote.ob_version or "", target):
        bad.append(phrase("%(name)s runs %(version)s in OCP", name=cluster.name, version=remote.ob_version))
    return bad
