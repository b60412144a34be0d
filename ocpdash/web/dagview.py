"""What the upgrade page draws: one DAG per OCP task, laid out by ocpdash.upgrades.dag.

The parent task comes first; each child task is drawn under the parent's "Wait dag success" step it
belongs to, with one swimlane per zone when its step names name the cluster's zones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ocpdash.upgrades import dag
from ocpdash.upgrades.models import UpgradeStep, UpgradeTask

ALL_ZONES = "all zones"


@dataclass
class NodeView:
    step: UpgradeStep
    x: int
    y: int
    label_x: int
    text_y: int
    sub_y: int


@dataclass
class TaskDag:
    task: UpgradeTask | None
    steps: list[UpgradeStep]
    nodes: list[NodeView] = field(default_factory=list)
    edges: list[tuple[int, int, str]] = field(default_factory=list)
    lanes: list[dag.Lane] = field(default_factory=list)
    width: int = 0
    height: int = 0
    wait_step: UpgradeStep | None = None
    children: list[TaskDag] = field(default_factory=list)
    zone_of: dict[int, str] = field(default_factory=dict)  # subtask id → its zone (swimlane)

    @property
    def dom_id(self) -> str:
        return f"dag-task-{self.task.ocp_task_id if self.task else 0}"

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.status == "SUCCESSFUL")

    @property
    def open(self) -> bool:
        """A child group starts expanded while it has something going on or has failed."""
        return any(s.status in ("RUNNING", "FAILED", "CANCELING", "READY") for s in self.steps)


def build(tasks: Sequence[UpgradeTask], steps: Sequence[UpgradeStep], zone_names: Iterable[str]) -> TaskDag:
    """The parent task's DAG, with the child task DAGs attached to it (``children``)."""
    by_task: dict[int, list[UpgradeStep]] = {}
    for step in steps:
        by_task.setdefault(step.ocp_task_id, []).append(step)
    parent = next((t for t in tasks if t.is_parent), None)
    parent_id = parent.ocp_task_id if parent else (min(by_task) if by_task else 0)
    root = _draw(parent, by_task.get(parent_id, []), {})
    step_by_id = {s.ocp_subtask_id: s for s in steps}
    zones = [z for z in zone_names if z]
    for task in tasks:
        if task.ocp_task_id == parent_id:
            continue
        child_steps = by_task.get(task.ocp_task_id, [])
        child = _draw(task, child_steps, zone_lanes(child_steps, zones))
        child.wait_step = step_by_id.get(task.parent_subtask_id)
        root.children.append(child)
    return root


def _draw(task: UpgradeTask | None, steps: list[UpgradeStep], lanes: dict[int, str]) -> TaskDag:
    ups = tuple(
        sorted((s.ocp_subtask_id, tuple(s.upstreams or ()), lanes.get(s.ocp_subtask_id, "")) for s in steps)
    )
    placed, edges, lane_list, width, height = _layout(ups)
    result = TaskDag(task, steps, edges=edges, lanes=lane_list, width=width, height=height, zone_of=lanes)
    for step in sorted(steps, key=lambda s: (placed[s.ocp_subtask_id].x, placed[s.ocp_subtask_id].y)):
        p = placed[step.ocp_subtask_id]
        result.nodes.append(NodeView(step, p.x, p.y, p.x + 26, p.y + 19, p.y + 36))
    return result


@lru_cache(maxsize=256)
def _layout(key: tuple) -> tuple:
    """Layout by DAG shape only: statuses change every poll, the shape almost never does."""
    upstreams = {node: ups for node, ups, _ in key}
    lanes = {node: lane for node, _, lane in key if lane}
    drawn = dag.layout(upstreams, lanes)
    return drawn.nodes, drawn.edges, drawn.lanes, drawn.width, drawn.height


def zone_lanes(steps: Sequence[UpgradeStep], zones: Sequence[str]) -> dict[int, str]:
    """Step → zone, asking the data: a step naming a zone belongs to it, and so does every step on
    a plain chain between two steps of the same zone (e.g. install and restart between stop and start)."""
    if not zones:
        return {}
    shape = tuple(sorted((s.ocp_subtask_id, s.name, tuple(s.upstreams or ())) for s in steps))
    return dict(_zone_lanes(shape, tuple(zones)))


@lru_cache(maxsize=256)
def _zone_lanes(shape: tuple, zones: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """By names and links only, like the layout: a 1,000-step task over many zones is a regex
    search per step and zone, the costliest part of a page render, and the answer rarely changes."""
    patterns = [(zone, re.compile(rf"(?<![\w-]){re.escape(zone)}(?![\w-])")) for zone in zones]
    named: dict[int, str] = {}
    for subtask_id, name, _ in shape:
        hits = {zone for zone, pattern in patterns if pattern.search(name)}
        if len(hits) == 1:
            named[subtask_id] = hits.pop()
    if not named:
        return ()
    ups = {subtask_id: [u for u in upstreams if u != subtask_id] for subtask_id, _, upstreams in shape}
    downs: dict[int, list[int]] = {node: [] for node in ups}
    for node, node_ups in ups.items():
        for up in node_ups:
            if up in downs:
                downs[up].append(node)
    lanes = dict(named)
    for node in ups:
        if node not in named:
            before, after = _nearest(node, ups, named), _nearest(node, downs, named)
            if before and before == after:
                lanes[node] = before
    return tuple((node, lanes.get(node, ALL_ZONES)) for node in ups)


def _nearest(node: int, links: dict[int, list[int]], named: dict[int, str]) -> str | None:
    """Follow single links from ``node`` to the first zone-named step; None if the chain forks."""
    seen = {node}
    while len(links.get(node, ())) == 1:
        node = links[node][0]
        if node in named:
            return named[node]
        if node in seen:
            return None
        seen.add(node)
    return None
