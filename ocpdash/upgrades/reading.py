"""What one poll read of an upgrade's OCP tasks, and what the upgrade's state is then.

The parent task, the child tasks it started (found as ocpdash.upgrades.children explains) and the
rule that a parent left failed at a 'Wait dag success' whose child runs again, or succeeded, is not a
failed upgrade.
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from ocpdash.core.meta import column_of
from ocpdash.ocp import TaskInstance
from ocpdash.ocp.types import FAILED, ROLLBACK, RUNNING, SUCCESSFUL
from ocpdash.upgrades.children import WAIT_CHILD, Adopted, discover, needs_discovery
from ocpdash.upgrades.models import State, Upgrade, UpgradeTask


@cache
def _read_children_sql() -> str:
    columns = ", ".join(
        column_of(UpgradeTask, name) for name in ("ocp_task_id", "status", "parent_subtask_id")
    )
    return (
        f"SELECT {columns} FROM {UpgradeTask._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE {column_of(UpgradeTask, 'upgrade')} = %s AND {column_of(UpgradeTask, 'is_parent')} = %s"
    )


@cache
def _read_many_children_sql(count: int) -> str:
    upgrade = column_of(UpgradeTask, "upgrade")
    columns = ", ".join(
        column_of(UpgradeTask, name) for name in ("ocp_task_id", "status", "parent_subtask_id")
    )
    return (
        f"SELECT {upgrade}, {columns} FROM {UpgradeTask._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE {upgrade} IN ({', '.join(['%s'] * count)}) AND {column_of(UpgradeTask, 'is_parent')} = %s"
    )


Tracked = dict[int, tuple[str, int | None]]


def _tracked_children(upgrade_id: int) -> Tracked:
    """Each child task this upgrade already follows: its last stored status and its wait step."""
    with connection.cursor() as cursor:
        cursor.execute(_read_children_sql(), [upgrade_id, False])
        return {task_id: (status, wait_id) for task_id, status, wait_id in cursor.fetchall()}


def tracked_children(upgrade_ids: list[int]) -> dict[int, Tracked]:
    """:func:`_tracked_children` of many upgrades in one query (a batch of polls)."""
    found: dict[int, Tracked] = {upgrade_id: {} for upgrade_id in upgrade_ids}
    if not upgrade_ids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_read_many_children_sql(len(upgrade_ids)), [*upgrade_ids, False])
        for upgrade_id, task_id, status, wait_id in cursor.fetchall():
            found[upgrade_id][task_id] = (status, wait_id)
    return found


class Snapshot:
    """What one poll read: the parent task, the child tasks with the wait step each belongs to (the
    ones that finished earlier are not read again), and the children adopted by this poll."""

    def __init__(
        self, parent: TaskInstance, children, adopted: list[Adopted], finished: dict[int, int | None]
    ):
        self.parent = parent
        self.children: list[tuple[TaskInstance, int | None]] = children
        self.adopted = {a.task.id: a for a in adopted}
        self.finished = finished  # child id → wait step id of children SUCCESSFUL before this poll

    def statuses_by_wait(self) -> dict[int | None, list[str]]:
        found: dict[int | None, list[str]] = {}
        for child, wait_id in self.children:
            found.setdefault(wait_id, []).append(child.status or "")
        for wait_id in self.finished.values():
            found.setdefault(wait_id, []).append(SUCCESSFUL)
        return found

    def waits_left_failed(self) -> list:
        """The parent's failed steps, when each is a 'Wait dag success' whose child runs again or
        finished (after a retry or skip in the child): the upgrade is not failed. Else empty."""
        if self.parent.status != FAILED or self.parent.operation == ROLLBACK:
            return []
        failed = [s for s in self.parent.subtasks if s.status == FAILED]
        by_wait = self.statuses_by_wait()
        recovered = all(
            s.name == WAIT_CHILD and any(st in (RUNNING, SUCCESSFUL) for st in by_wait.get(s.id, ()))
            for s in failed
        )
        return failed if recovered else []

    def parent_retry_key(self) -> str:
        """Set when OCP left the parent failed although every child it waited for succeeded: the
        parent must be retried (OCP's docs do not say that it resumes by itself)."""
        failed, by_wait = self.waits_left_failed(), self.statuses_by_wait()
        if not failed or not all(set(by_wait.get(s.id, ())) == {SUCCESSFUL} for s in failed):
            return ""
        return f"{self.parent.id}:" + ",".join(f"{s.id}.{s.run_time}" for s in failed)

    def state(self, current: str) -> str:
        if self.waits_left_failed():
            return State.RUNNING
        return _state_for(self.parent, current)


def fetch(
    client, upgrade: Upgrade, parent: TaskInstance | None = None, tracked: Tracked | None = None
) -> Snapshot:
    """The parent task, its child tasks, and any child task this poll finds (see children.py).
    ``parent`` and ``tracked`` when the caller has read them already (a batch: :func:`read_known`)."""
    parent = parent or client.get_task(upgrade.ocp_task_id)
    tracked = _tracked_children(upgrade.pk) if tracked is None else tracked
    adopted: list[Adopted] = []
    steps = needs_discovery(parent, tracked)
    if steps:
        adopted = discover(
            client,
            parent,
            steps,
            _cluster_ids(upgrade),
            lambda ids: _claimed(upgrade, ids),
            _binaries(upgrade),
        )
    children, finished = _read_children(client, parent, tracked)
    children += [(a.task, a.wait_id) for a in adopted]
    return Snapshot(parent, children, adopted, finished)


def read_known(client, task_id: int, tracked: Tracked, pace=None) -> tuple[TaskInstance, Snapshot | None]:
    """What a batch reads on a site's thread, HTTP only: the parent task and the child tasks already
    followed. The snapshot is None when a child task must be looked for (:func:`fetch` goes on from
    the parent with the database at hand). ``pace()`` is called before each request."""
    pace = pace or (lambda: None)
    pace()
    parent = client.get_task(task_id)
    if needs_discovery(parent, tracked):
        return parent, None
    children, finished = _read_children(client, parent, tracked, pace)
    return parent, Snapshot(parent, children, [], finished)


def _read_children(client, parent: TaskInstance, tracked: Tracked, pace=None):
    children, finished = [], {}
    rolling_back = parent.operation == ROLLBACK
    for child_id, (status, wait_id) in sorted(tracked.items()):
        if status == SUCCESSFUL and not rolling_back:
            finished[child_id] = wait_id  # finished children do not change any more
            continue
        if pace is not None:
            pace()
        children.append((client.get_task(child_id), wait_id))
    return children, finished


def _cluster_ids(upgrade: Upgrade) -> list[int]:
    """The OCP clusters the upgrade's task works on: its context's ``cluster_ids`` (standby first),
    else the cluster and the pair members ocpdash knows."""
    listed = (upgrade.ocp_context or {}).get("list_map", {}).get("cluster_ids") or []
    ids = [int(i) for i in listed if str(i).isdigit()]
    known = [upgrade.cluster.ocp_id, *upgrade.also_upgrades.values_list("ocp_id", flat=True)]
    return list(dict.fromkeys([*ids, *known]))


def _binaries(upgrade: Upgrade) -> list[str]:
    return list((upgrade.ocp_context or {}).get("list_map", {}).get("binary_upgrade_versions") or [])


def _claimed(upgrade: Upgrade, task_ids: set[int]) -> set[int]:
    """Which of these OCP tasks (of the same site) an upgrade already follows."""
    tasks = UpgradeTask.objects.filter(
        ocp_task_id__in=task_ids, upgrade__cluster__site_id=upgrade.cluster.site_id
    )
    return set(tasks.values_list("ocp_task_id", flat=True))


def _state_for(parent: TaskInstance, current: str) -> str:
    if parent.status == RUNNING:
        return State.RUNNING
    if parent.status == FAILED:
        return State.FAILED
    if parent.status == SUCCESSFUL:
        return State.ROLLED_BACK if parent.operation == ROLLBACK else State.SUCCESSFUL
    return current  # a status this version does not know: keep following
