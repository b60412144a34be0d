"""The DAGs of an upgrade: the parent "Submit upgrade OB cluster dag" and one child per binary version.

Shapes follow ocp-api.md §5.4/§8.5. Subtask ids are a shuffled block, so (as in OCP's sample) they
are not in topological order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ocpdash.simulator.tasks import Subtask, Task

PRE_CHECKS = ("Check upgrade environment", "Execute upgrade checker script", "Execute upgrade pre script")


@dataclass
class UpgradePlan:
    cluster_id: int
    from_version: str
    target: str
    upgrade_versions: list[str]
    binary_versions: list[str]  # "<version>-<build>" of every binary replaced, target last
    package_files: list[str]  # the RPM installed for each binary version
    mode: str = "ROLLING"  # ROLLING | STOP_SERVICE
    freeze_server: bool = False
    zone_order: list[str] = field(default_factory=list)


@dataclass
class Node:
    name: str
    kind: str = "step"
    ups: tuple[int, ...] = ()  # indexes of upstream nodes
    zone: str | None = None
    parallel_idx: int = -1
    prohibit_rollback: bool = False
    timeout: int = 600
    binary_index: int = -1


def parent_nodes(plan: UpgradePlan) -> list[Node]:
    nodes = [Node("Start node", "start", timeout=60), Node("Prepare upgrade cluster", "prepare", (0,))]
    for i in range(len(plan.binary_versions)):
        last = len(nodes) - 1
        nodes.append(Node("Submit cluster upgrade task", "submit", (last,), binary_index=i))
        nodes.append(Node("Wait dag success", "wait", (last + 1,), timeout=172800, binary_index=i))
    nodes.append(Node("Update OB cluster status", "update", (len(nodes) - 1,), timeout=60))
    return nodes


def child_nodes(plan: UpgradePlan, index: int) -> list[Node]:
    rpm = plan.package_files[index]
    nodes: list[Node] = []

    def add(name: str, kind: str = "step", ups: tuple[int, ...] | None = None, **kw) -> int:
        nodes.append(Node(name, kind, (len(nodes) - 1,) if ups is None and nodes else ups or (), **kw))
        return len(nodes) - 1

    for name in PRE_CHECKS:
        add(name, timeout=1800)
    zone_kw = {"prohibit_rollback": True, "timeout": 1800}
    if plan.mode == "ROLLING":
        for zone in plan.zone_order:
            add("Execute upgrade health checker script", zone=zone, **zone_kw)
            if plan.freeze_server:
                add("Minor freeze before stop server", zone=zone, **zone_kw)
            add(f"Stop zone {zone}", "stop_zone", zone=zone, **zone_kw)
            add(f"Install OceanBase RPM ({rpm})", "install", zone=zone, **zone_kw)
            add("Restart observer", "restart", zone=zone, prohibit_rollback=True, timeout=5400)
            add("Execute upgrade zone health checker script", zone=zone, **zone_kw)
            add(f"Start zone {zone}", "start_zone", zone=zone, **zone_kw)
        add("Execute upgrade post script", prohibit_rollback=True, timeout=1800)
    else:
        fork = len(nodes) - 1
        if plan.freeze_server:
            fork = add("Minor freeze before stop server", prohibit_rollback=True, timeout=1800)
        ends = []
        for i, zone in enumerate(plan.zone_order):
            kw = {"zone": zone, "parallel_idx": i, **zone_kw}
            add(f"Stop zone {zone}", "stop_zone", ups=(fork,), **kw)
            add(f"Install OceanBase RPM ({rpm})", "install", **kw)
            add("Restart observer", "restart", **{**kw, "timeout": 5400})
            ends.append(add(f"Start zone {zone}", "start_zone", **kw))
        add("Execute upgrade post script", ups=tuple(ends), prohibit_rollback=True, timeout=1800)
    add("Check cluster version", prohibit_rollback=True, timeout=600)
    return nodes


def assemble(task: Task, nodes: list[Node], first_id: int, rng: random.Random, now: float) -> None:
    """Create the subtasks of ``task`` from ``nodes`` with a shuffled block of ids."""
    ids = list(range(first_id, first_id + len(nodes)))
    if len(ids) > 1:
        shuffled = ids[:]
        while shuffled == ids:
            rng.shuffle(shuffled)
        ids = shuffled
    for index, node in enumerate(nodes):
        sub = Subtask(
            id=ids[index],
            name=node.name,
            series_id=index,
            timeout=node.timeout,
            prohibit_rollback=node.prohibit_rollback,
            kind=node.kind,
            zone=node.zone,
            parallel_idx=node.parallel_idx,
            binary_index=node.binary_index,
            upstreams=[ids[u] for u in node.ups],
            create_time=now,
        )
        task.subtasks[sub.id] = sub
    for sub in task.subtasks.values():
        for up in sub.upstreams:
            task.subtasks[up].downstreams.append(sub.id)


PROGRESS = {
    "start": ["Task started."],
    "prepare": [
        "Check cluster status: RUNNING.",
        "Lock cluster.",
        "Prepare upgrade context done.",
    ],
    "submit": ["Build upgrade dag for binary version {binary}.", "Submitted child task."],
    "wait": ["Waiting for child dag to finish."],
    "update": ["Update cluster status to RUNNING."],
    "stop_zone": ["Execute sql: ALTER SYSTEM STOP ZONE '{zone}'.", "Zone {zone} stopped."],
    "install": [
        "Download package {rpm}.",
        "Check package sha1.",
        "rpm -Uvh --force {rpm}",
        "Installed.",
    ],
    "restart": [
        "Stop observer process.",
        "Start observer process.",
        "Wait observer ACTIVE.",
        "Restarted.",
    ],
    "start_zone": ["Execute sql: ALTER SYSTEM START ZONE '{zone}'.", "Zone {zone} started."],
    "step": ["Begin {name}.", "Running {name}.", "Finished {name}."],
}


def progress_lines(task: Task, sub: Subtask) -> list[str]:
    rpm = ""
    if task.plan is not None and task.is_child and task.binary_version:
        plan = task.plan
        rpm = plan.package_files[plan.binary_versions.index(task.binary_version)]
    binary = task.binary_version or ""
    if task.plan is not None and sub.binary_index >= 0:
        binary = task.plan.binary_versions[sub.binary_index]
    values = {"zone": sub.zone or "all zones", "rpm": rpm, "name": sub.name, "binary": binary}
    return [line.format(**values) for line in PROGRESS.get(sub.kind, PROGRESS["step"])]
