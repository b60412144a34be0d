"""The upgrade's history in an evidence pack: tasks, steps with their recorded changes and operator
actions, events, faults with OCP's trace ids, who took part, the sign-off; and the time helpers
(UTC ISO 8601 with microseconds and ``Z``) the whole pack uses. Built from rows collect.py read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ocpdash.upgrades.models import Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask, display_status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from ocpdash.changes.models import Approval
    from ocpdash.upgrades.models import Comment

SIGNED_OFF = "Signed off."


def at(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None


def username(user: AbstractBaseUser | None) -> str | None:
    return user.get_username() if user is not None else None


def task_rows(tasks: list[UpgradeTask], steps: list[UpgradeStep]) -> list[dict]:
    counts: dict[int, int] = {}
    for step in steps:
        counts[step.ocp_task_id] = counts.get(step.ocp_task_id, 0) + 1
    return [
        {
            "id": t.ocp_task_id,
            "name": t.name,
            "status": t.status,
            "operation": t.operation,
            "is_parent": t.is_parent,
            "wait_step": t.parent_subtask_id,
            "binary_version": t.binary_version,
            "cluster_ocp_id": t.cluster_ocp_id,
            "type": t.task_type,
            "prohibit_rollback": t.prohibit_rollback,
            "started_at": at(t.started_at),
            "finished_at": at(t.finished_at),
            "steps": counts.get(t.ocp_task_id, 0),
        }
        for t in tasks
    ]


def step_rows(steps: list[UpgradeStep], events: list[UpgradeEvent]) -> list[dict]:
    changes: dict[int, list[dict]] = {}
    operations: dict[int, list[dict]] = {}
    for e in events:
        if e.ocp_subtask_id is None:
            continue
        data = e.data or {}
        if e.kind == UpgradeEvent.Kind.STEP:
            status = display_status(str(data.get("status", "")), str(data.get("operation", "")))
            changes.setdefault(e.ocp_subtask_id, []).append(
                {
                    "at": at(e.created_at),
                    "status": status,
                    "previous": data.get("previous", ""),
                    "event": e.pk,
                }
            )
        elif e.kind == UpgradeEvent.Kind.OPERATION:
            operations.setdefault(e.ocp_subtask_id, []).append(
                {
                    "at": at(e.created_at),
                    "by": username(e.actor),
                    "operation": data.get("operation", ""),
                    "outcome": data.get("outcome", "requested"),
                    "reason": data.get("reason", ""),
                    "event": e.pk,
                }
            )
    return [
        {
            "task_id": s.ocp_task_id,
            "subtask_id": s.ocp_subtask_id,
            "name": s.name,
            "description": s.description,
            "status": s.status,
            "operation": s.operation,
            "display_status": s.display_status,
            "runs": s.run_time,
            "started_at": at(s.started_at),
            "finished_at": at(s.finished_at),
            "duration_seconds": seconds(s.started_at, s.finished_at),
            "upstreams": list(s.upstreams or []),
            "downstreams": list(s.downstreams or []),
            "parallel_idx": s.parallel_idx,
            "series_id": s.series_id,
            "prohibit_rollback": s.prohibit_rollback,
            "changes": changes.get(s.ocp_subtask_id, []),
            "operations": operations.get(s.ocp_subtask_id, []),
        }
        for s in steps
    ]


def event_row(e: UpgradeEvent) -> dict:
    return {
        "id": e.pk,
        "at": at(e.created_at),
        "by": username(e.actor),
        "kind": e.kind,
        "message": e.message,
        "subtask_id": e.ocp_subtask_id,
        "data": e.data or {},
    }


def _is_fault(e: UpgradeEvent) -> bool:
    data = e.data or {}
    if e.kind == UpgradeEvent.Kind.ERROR or data.get("trace_id"):
        return True
    if e.kind == UpgradeEvent.Kind.STEP:
        return data.get("status") == "FAILED"
    return e.kind == UpgradeEvent.Kind.STATE and ("code" in data or data.get("state") == "failed")


def fault_rows(events: list[UpgradeEvent]) -> list[dict]:
    """Everything that went wrong: errors (OCP unreachable, refused calls), failed steps, OCP's
    refusals and the upgrade failing, each with OCP's trace id when OCP sent one."""
    return [
        {
            "event": e.pk,
            "at": at(e.created_at),
            "kind": e.kind,
            "message": e.message,
            "subtask_id": e.ocp_subtask_id,
            "trace_id": (e.data or {}).get("trace_id"),
        }
        for e in events
        if _is_fault(e)
    ]


def trace_id_rows(events: list[UpgradeEvent]) -> list[dict]:
    return [
        {"trace_id": str(e.data["trace_id"]), "event": e.pk, "at": at(e.created_at)}
        for e in events
        if (e.data or {}).get("trace_id")
    ]


def people_rows(
    upgrade: Upgrade,
    events: Iterable[UpgradeEvent],
    approvals: Iterable[Approval],
    comments: Iterable[Comment],
) -> list[dict]:
    """Who took part and how, with their first and last recorded action."""
    people: dict[str, dict] = {}

    def add(user: AbstractBaseUser | None, moment: datetime, what: str) -> None:
        if user is None:
            return
        row = people.setdefault(user.get_username(), {"user": user.get_username(), "did": set(), "times": []})
        row["did"].add(what)
        row["times"].append(moment)

    add(upgrade.requested_by, upgrade.created_at, "requested")
    for a in approvals:
        add(a.user, a.created_at, a.decision + (" (void)" if a.is_void else ""))
    for e in events:
        if e.kind == UpgradeEvent.Kind.OPERATION and e.actor_id:
            add(e.actor, e.created_at, (e.data or {}).get("operation") or "operated")
    for c in comments:
        add(c.author, c.created_at, "commented")
    if upgrade.reviewed_at:
        add(upgrade.reviewed_by, upgrade.reviewed_at, "signed off")
    rows = [
        {
            "user": p["user"],
            "did": sorted(p["did"]),
            "first_at": at(min(p["times"])),
            "last_at": at(max(p["times"])),
        }
        for p in people.values()
    ]
    return sorted(rows, key=lambda p: (p["first_at"], p["user"]))


def sign_off_of(upgrade: Upgrade, events: list[UpgradeEvent]) -> dict | None:
    if not upgrade.reviewed_at:
        return None
    note = ""
    for e in reversed(events):
        if (
            e.kind == UpgradeEvent.Kind.REVIEW
            and e.actor_id == upgrade.reviewed_by_id
            and e.message.startswith(SIGNED_OFF)
        ):
            note = e.message[len(SIGNED_OFF) :].strip()
            break
    return {"by": username(upgrade.reviewed_by), "at": at(upgrade.reviewed_at), "note": note}


def newest_time(
    upgrade: Upgrade,
    steps: Iterable[UpgradeStep],
    events: Sequence[UpgradeEvent],
    approvals: Iterable[Approval],
    comments: Iterable[Comment],
) -> str | None:
    moments = [upgrade.created_at, upgrade.submitted_at, upgrade.finished_at, upgrade.reviewed_at]
    moments += [e.created_at for e in events[-1:]]
    moments += [m for s in steps for m in (s.started_at, s.finished_at)]
    moments += [a.voided_at or a.created_at for a in approvals] + [c.created_at for c in comments]
    return at(max((m for m in moments if m is not None), default=None))
