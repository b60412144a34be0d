"""Which OCP tasks belong to an upgrade, besides its parent task.

OCP's parent task ("Submit upgrade OB cluster dag") starts one child task per binary version from its
"Submit cluster upgrade task" steps and waits for it in the following "Wait dag success" step, but its
API does not say which task that is (ocp-api.md §7; real-ocp-differences.md). Meanwhile OCP runs
scheduled and system tasks on the same clusters, during an upgrade too. So a task is adopted as a
child only when all of these hold, and the event log says why:

- it runs on one of the upgrade's clusters (the pair's ``cluster_ids``), and no other upgrade claimed it;
- it is newer than the parent and is not another upgrade parent;
- it started while a "Submit cluster upgrade task" step ran (from a few seconds before the step
  started to a minute after it finished; both times are OCP's own clock);
- its type, read from its details, is not SCHEDULED or SYS_SCHEDULED;
- where OCP gives a context (OCP's GET task has none, per its docs), it names the same cluster and a
  binary version of the upgrade.

Discovery runs only while a submit step's wait step waits for something ocpdash cannot see running:
no child found yet, or all found children finished while the wait step still runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ocpdash.core.phrases import phrase
from ocpdash.ocp import OcpClient, Subtask, TaskInstance
from ocpdash.ocp.types import (
    PENDING,
    READY,
    SCHEDULED_TYPES,
    SUBTASK_TERMINAL_STATUSES,
    TASK_TERMINAL_STATUSES,
)
from ocpdash.upgrades.dag import topological_order

SUBMIT_CHILD = "Submit cluster upgrade task"
WAIT_CHILD = "Wait dag success"
WINDOW_BEFORE = timedelta(seconds=5)
WINDOW_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class SubmitStep:
    """A "Submit cluster upgrade task" step of the parent and the "Wait dag success" after it."""

    index: int  # its place among the parent's submit steps (topological order)
    submit: Subtask
    wait_id: int | None

    def window_holds(self, started: datetime | None) -> bool:
        if started is None or self.submit.start_time is None:
            return False
        if started < self.submit.start_time - WINDOW_BEFORE:
            return False
        return self.submit.finish_time is None or started <= self.submit.finish_time + WINDOW_AFTER


@dataclass(frozen=True)
class Adopted:
    task: TaskInstance
    wait_id: int | None
    binary_version: str
    cluster_id: int | None
    task_type: str
    why: str


def submit_steps(parent: TaskInstance) -> list[SubmitStep]:
    """The parent's submit steps in order, each with its wait step."""
    by_id = {s.id: s for s in parent.subtasks}
    order = topological_order({s.id: s.upstreams for s in parent.subtasks})
    found: list[SubmitStep] = []
    for step_id in order:
        step = by_id[step_id]
        if step.name != SUBMIT_CHILD:
            continue
        wait = next((by_id[d] for d in step.downstreams if d in by_id and by_id[d].name == WAIT_CHILD), None)
        found.append(SubmitStep(len(found), step, wait.id if wait else None))
    return found


def needs_discovery(parent: TaskInstance, tracked: dict[int, tuple[str, int | None]]) -> list[SubmitStep]:
    """Submit steps whose wait step waits for a child ocpdash does not see running.

    ``tracked`` maps each known child task id to (its last status, the wait step id it belongs to)."""
    by_id = {s.id: s for s in parent.subtasks}
    wanted = []
    for step in submit_steps(parent):
        if step.submit.status in (PENDING, READY, None):
            continue  # not started: no child yet
        wait = by_id.get(step.wait_id) if step.wait_id else None
        if wait is not None and wait.status in SUBTASK_TERMINAL_STATUSES:
            continue
        mine = [status for status, wait_id in tracked.values() if wait_id == step.wait_id]
        if not any(status not in TASK_TERMINAL_STATUSES for status in mine):
            wanted.append(step)
    return wanted


def discover(
    client: OcpClient,
    parent: TaskInstance,
    steps: list[SubmitStep],
    cluster_ids: Iterable[int],
    claimed: Callable[[set[int]], set[int]],
    binaries: list[str],
) -> list[Adopted]:
    """Child tasks of ``steps`` among the clusters' tasks, with why each was taken. ``claimed(ids)``
    answers which of those task ids an upgrade already follows."""
    total = len(submit_steps(parent))
    candidates = []
    for cluster_id in cluster_ids:
        for summary in client.list_tasks(cluster_id=cluster_id, page_size=50, max_pages=1):
            if summary.id <= parent.id or summary.name == parent.name:
                continue
            step = next((s for s in steps if s.window_holds(summary.start_time)), None)
            if step is not None:
                candidates.append((summary, cluster_id, step))
    taken = claimed({summary.id for summary, _, _ in candidates}) if candidates else set()
    found: list[Adopted] = []
    for summary, cluster_id, step in candidates:
        if summary.id in taken:
            continue
        task = client.get_task(summary.id)
        if task.type in SCHEDULED_TYPES or not _context_fits(task, cluster_id, binaries):
            continue
        taken.add(summary.id)
        found.append(_adopted(task, summary.cluster_id or cluster_id, step, binaries, total))
    return found


def _context_fits(task: TaskInstance, cluster_id: int, binaries: list[str]) -> bool:
    strings = task.context.string_map
    if strings.get("cluster_id") and strings["cluster_id"] != str(cluster_id):
        return False
    version = strings.get("upgrade_version")
    return not (version and binaries and version not in binaries)


def _adopted(
    task: TaskInstance, cluster_id: int, step: SubmitStep, binaries: list[str], steps: int
) -> Adopted:
    binary = task.context.string_map.get("upgrade_version") or binary_for(step.index, binaries, steps)
    started = task.start_time.isoformat() if task.start_time else "?"
    facts = {
        "id": task.id,
        "name": task.name,
        "cluster": cluster_id,
        "started": started,
        "step": SUBMIT_CHILD,
        "submit": step.submit.id,
        "from": f"{step.submit.start_time:%H:%M:%S}",
        "to": f"{step.submit.finish_time:%H:%M:%S}" if step.submit.finish_time else phrase("now"),
        "type": task.type or phrase("not given"),
        "version": binary,
    }
    why = (
        phrase(
            "Following child task #%(id)s '%(name)s' on OCP cluster %(cluster)s: it started at %(started)s, "
            "while step '%(step)s' #%(submit)s ran (%(from)s–%(to)s); type %(type)s; no other upgrade "
            "follows it; its context names version %(version)s.",
            **facts,
        )
        if task.context.string_map.get("upgrade_version")
        else phrase(
            "Following child task #%(id)s '%(name)s' on OCP cluster %(cluster)s: it started at %(started)s, "
            "while step '%(step)s' #%(submit)s ran (%(from)s–%(to)s); type %(type)s; no other upgrade "
            "follows it.",
            **facts,
        )
    )
    return Adopted(task, step.wait_id, binary, cluster_id, task.type or "", why)


def binary_for(index: int, binaries: list[str], submit_count: int) -> str:
    """The binary version the ``index``-th submit step installs: OCP submits one child per binary
    version (per pair member, standby first, when a pair is upgraded)."""
    if not binaries:
        return ""
    per_binary = max(1, submit_count // len(binaries)) if submit_count >= len(binaries) else 1
    return binaries[min(index // per_binary, len(binaries) - 1)]
