"""The overview strip at the top of an upgrade: one row per child task (a binary version on the path,
on one member of a primary/standby pair, standby first), one cell per zone in the order the task
upgrades them.

A row comes from a child task OCP made, or, before OCP made it, from the plan (the binary versions
and members the parent task will go through), all pending. A cell's state comes from its zone's steps
(the swimlane of ocpdash.web.dagview): failed when one failed, done when all succeeded (or were
skipped), pending when none started, otherwise running. Each state has its own symbol and word, so
colour is never the only cue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ocpdash.web.dagview import ALL_ZONES, TaskDag

DONE, RUNNING, PENDING, FAILED = "done", "running", "pending", "failed"
SYMBOLS = {DONE: "✓", RUNNING: "▶", PENDING: "○", FAILED: "✗"}
_FAILED = frozenset({"FAILED", "ROLLBACK_FAILED", "CANCELED"})
_DONE = frozenset({"SUCCESSFUL", "SKIPPED"})
_STARTED = frozenset({"RUNNING", "READY", "CANCELING", "ROLLING_BACK"})


@dataclass(frozen=True)
class Cell:
    zone: str
    state: str
    done: int
    total: int
    step_id: int | None  # the step to show for this zone: its failed or running one, else its first
    steps: frozenset[int] = field(default=frozenset(), compare=False, repr=False)  # its steps' ids

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.state]


@dataclass
class Row:
    version: str
    member: str  # the cluster's name when a pair is upgraded, else ''
    standby: bool
    task_id: int | None  # None: OCP has not made this child task yet
    state: str
    done: int = 0
    total: int = 0
    cells: list[Cell] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.state]


def cell_state(statuses: Iterable[str]) -> str:
    """The state of a group of steps from their display statuses."""
    statuses = list(statuses)
    if any(s in _FAILED for s in statuses):
        return FAILED
    done = sum(1 for s in statuses if s in _DONE)
    if statuses and done == len(statuses):
        return DONE
    if done or any(s in _STARTED for s in statuses):
        return RUNNING
    return PENDING


def task_row(dag: TaskDag, member: str = "", standby: bool = False) -> Row:
    """The row of a child task OCP made: its zones in the order its steps reach them."""
    by_zone: dict[str, list] = {}
    for node in sorted(dag.nodes, key=lambda n: (n.x, n.y)):
        zone = dag.zone_of.get(node.step.ocp_subtask_id, ALL_ZONES)
        if zone != ALL_ZONES:
            by_zone.setdefault(zone, []).append(node.step)
    cells = [_cell(zone, steps) for zone, steps in by_zone.items()]
    statuses = [s.display_status for s in dag.steps]
    task = dag.task
    return Row(
        version=task.binary_version if task else "",
        member=member,
        standby=standby,
        task_id=task.ocp_task_id if task else None,
        state=cell_state(statuses),
        done=sum(1 for s in statuses if s in _DONE),
        total=len(statuses),
        cells=cells,
    )


def _cell(zone: str, steps: Sequence) -> Cell:
    statuses = [s.display_status for s in steps]
    state = cell_state(statuses)
    pick = next((s for s in steps if s.display_status in _FAILED), None) or next(
        (s for s in steps if s.display_status in _STARTED), None
    )
    pick = pick or next((s for s in steps if s.display_status not in _DONE), None) or steps[0]
    done = sum(1 for s in statuses if s in _DONE)
    ids = frozenset(s.ocp_subtask_id for s in steps)
    return Cell(zone, state, done, len(statuses), pick.ocp_subtask_id, ids)


def heads(rows: Sequence[Row]) -> str:
    """What a live page's overview must be redrawn whole for when it changes, a short digest per row
    (its task, version, member, state and zones): while it stays the same, a poll sends only the
    labels and cells whose steps changed (ocpdash.web.views.upgrades)."""
    return ".".join(
        hashlib.sha1(  # noqa: S324 - a change detector, not security
            repr((r.task_id, r.version, r.member, r.standby, r.state, [c.zone for c in r.cells])).encode()
        ).hexdigest()[:8]
        for r in rows
    )


def build(root: TaskDag, upgrade, members: Sequence) -> list[Row]:
    """The rows of ``upgrade``: its child tasks (``root.children``), then, while it is not over, the
    ones OCP has not made yet. ``members`` are the upgrade's clusters (its own and its pair's)."""
    by_ocp_id = {m.ocp_id: m for m in members}
    paired = len(members) > 1
    rows, made = [], []
    for child in root.children:
        task = child.task
        member = by_ocp_id.get(task.cluster_ocp_id) if task else None
        if member is None and not paired:
            member = upgrade.cluster
        rows.append(task_row(child, member.name if member and paired else "", _standby(member)))
        made.append((rows[-1].version, member.ocp_id if member else None))
    if not upgrade.is_terminal:
        rows += _planned(upgrade, _member_order(upgrade, members), made, paired)
    return rows


def _planned(upgrade, members: Sequence, made: list[tuple[str, int | None]], paired: bool) -> list[Row]:
    """Rows for the child tasks to come: each binary version of OCP's context on each member, less
    those made (one made without a known version stands for its member's earliest version)."""
    binaries = (upgrade.ocp_context or {}).get("list_map", {}).get("binary_upgrade_versions") or []
    binaries = [str(v) for v in binaries] or ([] if made else [upgrade.to_version])
    planned = []
    for member in members:
        versions = [v for v in binaries if (v, member.ocp_id) not in made]
        unknown = sum(1 for v, ocp_id in made if ocp_id == member.ocp_id and v not in binaries)
        for version in versions[unknown:]:
            planned.append((binaries.index(version), version, member))
    rows = []
    for _, version, member in sorted(planned, key=lambda p: p[0]):
        own = member.pk == upgrade.cluster_id and upgrade.zone_order
        cells = [
            Cell(z, PENDING, 0, 0, None) for z in (upgrade.zone_order if own else member.zone_names) if z
        ]
        rows.append(Row(version, member.name if paired else "", _standby(member), None, PENDING, cells=cells))
    return rows


def _standby(member) -> bool:
    return bool(member and (member.cluster_type or "").upper() == "STANDBY")


def _member_order(upgrade, members: Sequence) -> list:
    """OCP's order: the task's ``cluster_ids`` (standbys first), else standbys first by name."""
    listed = (upgrade.ocp_context or {}).get("list_map", {}).get("cluster_ids") or []
    rank = {str(ocp_id): i for i, ocp_id in enumerate(listed)}
    return sorted(members, key=lambda m: (rank.get(str(m.ocp_id), len(rank)), not _standby(m), m.name))
