"""Storing what a poll read: the task rows, the steps, and an event for every step change.

Values go through ocpdash.sites.storable first (text cut to the columns, NULs dropped, numbers
clamped, a subtask sent twice kept once), and what was adjusted is returned for the event log.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from ocpdash.core.phrases import joined, known, phrase
from ocpdash.ocp import Subtask, TaskInstance
from ocpdash.sites.storable import MAX_BIGINT, MAX_INT, MIN_INT, Adjustments, unique_subtasks
from ocpdash.upgrades import events
from ocpdash.upgrades.children import Adopted
from ocpdash.upgrades.models import Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask

STEP_FIELDS = (
    "name",
    "description",
    "status",
    "operation",
    "run_time",
    "upstreams",
    "downstreams",
    "parallel_idx",
    "series_id",
    "prohibit_rollback",
    "started_at",
    "finished_at",
)


def store_tasks(
    upgrade_id: int,
    parent: TaskInstance,
    children: Iterable[tuple[TaskInstance, int | None]],
    adopted: dict[int, Adopted] | None = None,
) -> list[str]:
    """Upsert the task rows and steps; append an event for every step status change. Returns what
    had to be adjusted to store it (empty when OCP's values fit). Raises storable.Unstorable."""
    adjust, seen = Adjustments(), set[int]()
    parent = unique_subtasks(parent, adjust, seen)
    children = [(unique_subtasks(child, adjust, seen), wait_id) for child, wait_id in children]
    known = {t.ocp_task_id: t for t in UpgradeTask.objects.filter(upgrade_id=upgrade_id)}
    _store_task(upgrade_id, known.get(parent.id), parent, adjust, is_parent=True, wait_id=None)
    for child, wait_id in children:
        found = (adopted or {}).get(child.id)
        _store_task(
            upgrade_id, known.get(child.id), child, adjust, is_parent=False, wait_id=wait_id, adopted=found
        )
    existing = {s.ocp_subtask_id: s for s in UpgradeStep.objects.filter(upgrade_id=upgrade_id)}
    new_steps, changed = [], []
    for task in [parent, *(child for child, _ in children)]:
        for sub in task.subtasks:
            values = _step_values(sub, adjust)
            step = existing.get(sub.id)
            if step is None:
                new_steps.append(
                    UpgradeStep(upgrade_id=upgrade_id, ocp_task_id=task.id, ocp_subtask_id=sub.id, **values)
                )
                if values["status"] not in ("PENDING", ""):
                    _step_event(upgrade_id, values["name"], sub.id, "", values)
                continue
            if any(getattr(step, f) != values[f] for f in STEP_FIELDS):
                if _visible_change(step, values):
                    _step_event(upgrade_id, values["name"], sub.id, step.display_status, values)
                for f in STEP_FIELDS:
                    setattr(step, f, values[f])
                step.changed_at = timezone.now()
                changed.append(step)
    UpgradeStep.objects.bulk_create(new_steps)
    UpgradeStep.objects.bulk_update(changed, [*STEP_FIELDS, "changed_at"])
    if new_steps or changed:
        Upgrade.objects.filter(pk=upgrade_id).update(revision=F("revision") + 1)
    return adjust.notes


def _visible_change(step: UpgradeStep, values: dict) -> bool:
    """A status or operation change, or a re-run (run count up from a known run)."""
    if (step.status, step.operation) != (values["status"], values["operation"]):
        return True
    return step.run_time > 0 and values["run_time"] > step.run_time


def _store_task(
    upgrade_id: int,
    row: UpgradeTask | None,
    task: TaskInstance,
    adjust: Adjustments,
    *,
    is_parent: bool,
    wait_id: int | None,
    adopted: Adopted | None = None,
) -> None:
    """Create or update the task's row; an unchanged task costs no write (most polls change nothing)."""
    binary = task.context.string_map.get("upgrade_version", "") or (adopted.binary_version if adopted else "")
    what = f"task #{task.id}"
    defaults = {
        "name": adjust.text(task.name or f"task {task.id}", 300, f"{what}'s name"),
        "status": adjust.text(task.status, 30, f"{what}'s status"),
        "operation": adjust.text(task.operation, 30, f"{what}'s operation"),
        "is_parent": is_parent,
        "prohibit_rollback": task.prohibit_rollback,
        "started_at": adjust.moment(task.start_time, f"{what}'s start time"),
        "finished_at": adjust.moment(task.finish_time, f"{what}'s finish time"),
    }
    if wait_id is not None:
        defaults["parent_subtask_id"] = wait_id
    if binary:
        defaults["binary_version"] = adjust.text(binary, 100, f"{what}'s version")
    if adopted is not None:
        defaults["cluster_ocp_id"] = adjust.number(adopted.cluster_id, 0, MAX_BIGINT, f"{what}'s cluster id")
    if task.type:
        defaults["task_type"] = adjust.text(task.type, 30, f"{what}'s type")
    if row is None:
        UpgradeTask.objects.create(upgrade_id=upgrade_id, ocp_task_id=task.id, **defaults)
        return
    changed = [name for name, value in defaults.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, defaults[name])
        row.save(update_fields=changed)


def _step_values(sub: Subtask, adjust: Adjustments) -> dict:
    what = f"subtask #{sub.id}"
    return {
        "name": adjust.text(sub.name or f"subtask {sub.id}", 300, f"{what}'s name"),
        "description": adjust.text(sub.description, 10_000, f"{what}'s description"),
        "status": adjust.text(sub.status, 30, f"{what}'s status"),
        "operation": adjust.text(sub.operation, 30, f"{what}'s operation"),
        "run_time": adjust.number(sub.run_time, 0, MAX_INT, f"{what}'s run count", default=0),
        "upstreams": [i for i in sub.upstreams if 0 <= i <= MAX_BIGINT],
        "downstreams": [i for i in sub.downstreams if 0 <= i <= MAX_BIGINT],
        "parallel_idx": adjust.number(
            sub.parallel_idx, MIN_INT, MAX_INT, f"{what}'s parallelIdx", default=-1
        ),
        "series_id": adjust.number(sub.series_id, MIN_INT, MAX_INT, f"{what}'s seriesId"),
        "prohibit_rollback": sub.prohibit_rollback,
        "started_at": adjust.moment(sub.start_time, f"{what}'s start time"),
        "finished_at": adjust.moment(sub.finish_time, f"{what}'s finish time"),
    }


def _step_event(upgrade_id: int, name: str, subtask_id: int, before: str, values: dict) -> None:
    after = UpgradeStep(status=values["status"], operation=values["operation"]).display_status
    status = known(after, "OCP status")
    text = (
        phrase(
            "Step '%(step)s': %(before)s → %(after)s",
            step=name,
            before=known(before, "OCP status"),
            after=status,
        )
        if before
        else phrase("Step '%(step)s': %(after)s", step=name, after=status)
    )
    if values["operation"] in ("RETRY", "SKIP", "CANCEL", "ROLLBACK") and after != values["operation"]:
        operation = known(values["operation"].lower(), "OCP operation")
        text = joined(
            text, phrase("(%(operation)s, run %(run)s)", operation=operation, run=values["run_time"])
        )
    events.record(
        upgrade_id,
        UpgradeEvent.Kind.STEP,
        text,
        subtask_id=subtask_id,
        status=values["status"],
        operation=values["operation"],
        previous=before,
    )
