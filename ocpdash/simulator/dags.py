"""The DAGs of an upgrade: the parent "Submit upgrade OB cluster dag" and one child per binary version
and cluster (a primary/standby pair is upgraded in one parent, standby first); background tasks' chains.

Shapes follow ocp-api.md §5.4/§8.5. Subtask ids are a shuffled block, so (as in OCP's sample) they
are not in topological order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ocpdash.simulator.tasks import Subtask, Task

PRE_CHECKS = ("Check upgrade environment", "Execute upgrade checker script", "Execute upgrade pre script")


@dataclass
class MemberPlan:
    """One cluster of the upgrade (the requested one, or its primary/standby)."""

    cluster_id: int
    package_files: list[str]  # the RPM installed for each binary version
    mode: str = "ROLLING"  # ROLLING | STOP_SERVICE
    zone_order: list[str] = field(default_factory=list)


@dataclass
class UpgradePlan:
    cluster_id: int  # the cluster the upgrade was requested on (the parent task's cluster)
    from_version: str
    target: str
    upgrade_versions: list[str]
    binary_versions: list[str]  # "<version>-<build>" of every binary replaced, target last
    members: list[MemberPlan]  # in context ``cluster_ids`` order: standbys first
    primary_cluster_id: int
    freeze_server: bool = False
    dep_source: str = ""  # which dependency file gave the route

    @property
    def cluster_ids(self) -> list[int]:
        return [m.cluster_id for m in self.members]

    @property
    def package_files(self) -> list[str]:
        return [f for m in self.members for f in m.package_files]

    def member(self, cluster_id: int) -> MemberPlan:
        return next(m for m in self.members if m.cluster_id == cluster_id)


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
    cluster_id: int | None = None


def parent_nodes(plan: UpgradePlan) -> list[Node]:
    """``Start node → Prepare upgrade cluster → (Submit cluster upgrade task → Wait dag success)`` for
    each binary version and, within it, each cluster in ``cluster_ids`` order ``→ Update OB cluster
    status``. Submit steps forbid rolling the parent back once they have started."""
    nodes = [Node("Start node", "start", timeout=60), Node("Prepare upgrade cluster", "prepare", (0,))]
    for i in range(len(plan.binary_versions)):
        for member in plan.members:
            last = len(nodes) - 1
            kw = {"binary_index": i, "cluster_id": member.cluster_id}
            nodes.append(Node("Submit cluster upgrade task", "submit", (last,), prohibit_rollback=True, **kw))
            nodes.append(Node("Wait dag success", "wait", (last + 1,), timeout=172800, **kw))
    nodes.append(Node("Update OB cluster status", "update", (len(nodes) - 1,), timeout=60))
    return nodes


def child_nodes(plan: UpgradePlan, member: MemberPlan, index: int) -> list[Node]:
    rpm = member.package_files[index]
    nodes: list[Node] = []

    def add(name: str, kind: str = "step", ups: tuple[int, ...] | None = None, **kw) -> int:
        nodes.append(Node(name, kind, (len(nodes) - 1,) if ups is None and nodes else ups or (), **kw))
        return len(nodes) - 1

    for name in PRE_CHECKS:
        add(name, timeout=1800)
    zone_kw = {"prohibit_rollback": True, "timeout": 1800}
    if member.mode == "ROLLING":
        for zone in member.zone_order:
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
        for i, zone in enumerate(member.zone_order):
            kw = {"zone": zone, "parallel_idx": i, **zone_kw}
            add(f"Stop zone {zone}", "stop_zone", ups=(fork,), **kw)
            add(f"Install OceanBase RPM ({rpm})", "install", **kw)
            add("Restart observer", "restart", **{**kw, "timeout": 5400})
            ends.append(add(f"Start zone {zone}", "start_zone", **kw))
        add("Execute upgrade post script", ups=tuple(ends), prohibit_rollback=True, timeout=1800)
    add("Check cluster version", prohibit_rollback=True, timeout=600)
    return nodes


def linear_nodes(names: list[str], timeout: int = 600) -> list[Node]:
    """A chain of plain steps (background tasks)."""
    return [Node(name, ups=(i - 1,) if i else (), timeout=timeout) for i, name in enumerate(names)]


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
            cluster_id=node.cluster_id,
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
        "Upgrade route from {source}: {route}; binary versions: {binaries}.",
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
    binary = task.binary_version or ""
    plan = task.plan
    if isinstance(plan, UpgradePlan) and sub.binary_index >= 0:
        binary = plan.binary_versions[sub.binary_index]
    values = {
        "zone": sub.zone or "all zones",
        "rpm": task.string_map.get("rpm_file_name", ""),
        "name": sub.name,
        "binary": binary,
        "source": "",
        "route": "",
        "binaries": "",
    }
    if isinstance(plan, UpgradePlan):
        values["source"] = plan.dep_source
        values["route"] = " -> ".join([plan.from_version, *plan.upgrade_versions])
        values["binaries"] = ", ".join(plan.binary_versions)
    return [line.format(**values) for line in PROGRESS.get(sub.kind, PROGRESS["step"])]
