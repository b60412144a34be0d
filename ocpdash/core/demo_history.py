"""Past successful upgrades for the demo, so its ETA has a history from the first `make run`.

Each seeded upgrade is shaped as the bundled simulator would run it today for that cluster (its DAGs
from ocpdash.simulator.dags: the parent task, one child task per binary version and pair member, the
zones in the order a rolling upgrade takes them) along the path the pre-check would find to a catalog
package, with the simulator's own step timing (``Engine.duration``: ``step_seconds`` ±30 %, and its
ready delay between steps) for the ``OCP_SIM_STEP_SECONDS`` / ``OCP_SIM_SEED`` the demo's simulator
starts with. So the ETA the demo shows is about as long as a demo upgrade really takes.

The rows are marked: reason ``DEMO_REASON`` and an event saying so; their OCP ids are far above any
id OCP hands out (``DEMO_ID_BASE``), so child-task discovery never takes a real task for theirs.
Seeding a cluster that has demo history already does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.platform import rpm_family
from ocpdash.ocp.upgrade_path import NoUpgradePath
from ocpdash.ocp.versions import ObVersion, is_upgrade
from ocpdash.simulator import config as sim_config
from ocpdash.simulator.dags import MemberPlan, Node, UpgradePlan, child_nodes, parent_nodes
from ocpdash.simulator.engine import Engine
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.upgrades.options import UpgradeOptions
from ocpdash.upgrades.precheck import dep_source

DEMO_REASON = "Demo history seeded by make run"
PER_CLUSTER = 3
DEMO_ID_BASE = 9_000_000_000_000_000  # OCP's task and subtask ids are nowhere near
IDS_PER_UPGRADE = 100_000


def simulator_timing(step_seconds: float | None = None, seed: int | None = None) -> Engine:
    """The simulator's engine as the demo starts it (only its timing is used)."""
    defaults = sim_config.Settings()
    if step_seconds is None:
        raw = os.environ.get(sim_config.BY_KEY["step_seconds"].env, "")
        step_seconds = sim_config.parse_positive(raw) if raw.strip() else defaults.step_seconds
    if seed is None:
        raw = os.environ.get(sim_config.BY_KEY["seed"].env, "")
        seed = int(raw) if raw.strip() else defaults.seed
    return Engine(faults=None, effects=None, seed=seed, step_seconds=step_seconds)  # type: ignore[arg-type]


def seed_demo_history(
    clusters: Iterable,
    *,
    per_cluster: int = PER_CLUSTER,
    requested_by=None,
    now: datetime | None = None,
    step_seconds: float | None = None,
) -> int:
    """Create ``per_cluster`` past successful upgrades for each cluster without demo history yet, a
    week apart, the newest finished a day before ``now``. Returns how many were created. A cluster
    no catalog package can upgrade gets none (it has no ETA to show)."""
    clusters = list(clusters)
    now = now or timezone.now()
    user = requested_by or _demo_user()
    timing = simulator_timing(step_seconds)
    seeded = set(
        Upgrade.objects.filter(cluster__in=clusters, reason=DEMO_REASON).values_list("cluster_id", flat=True)
    )
    catalog = list(RpmPackage.objects.enabled())
    created = 0
    for cluster in clusters:
        if cluster.pk in seeded:
            continue
        targets = _targets(cluster, catalog)
        with transaction.atomic():
            for i in range(per_cluster if targets else 0):
                package, route = targets[i % len(targets)]
                ends = now - timedelta(days=1 + 7 * i)
                _past_upgrade(cluster, package, route, user, ends, timing, catalog)
                created += 1
    return created


def _demo_user():
    users = get_user_model().objects
    user = users.filter(username="admin").first() or users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise ValueError("Demo history needs a user to have requested it: run load_demo first.")
    return user


def _targets(cluster, catalog: list[RpmPackage]) -> list[tuple[RpmPackage, object]]:
    """Catalog packages an operator could upgrade ``cluster`` to, with the pre-check's route, the
    nearest version first."""
    try:
        current = ObVersion.parse(cluster.version)
    except ValueError:
        return []
    family = cluster.platform.family
    found = []
    for package in catalog:
        if cluster.architecture and package.arch != cluster.architecture:
            continue
        if family and rpm_family(package.dist) not in (None, family):
            continue
        if not is_upgrade(current, package.ob_version):
            continue
        try:
            route = dep_source(package).route(cluster.version, package.full_version)
        except (NoUpgradePath, ValueError):
            continue
        found.append((package.ob_version, package.file_name, package, route))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(package, route) for _, _, package, route in found]


@dataclass
class _Ids:
    next: int

    def take(self, count: int) -> list[int]:
        ids = list(range(self.next, self.next + count))
        self.next += count
        return ids


def _past_upgrade(cluster, package, route, user, ends: datetime, timing: Engine, catalog) -> Upgrade:
    options = UpgradeOptions().resolved(cluster)
    members = cluster.pair_members()
    binaries = list(route.binary_versions)
    plan = UpgradePlan(
        cluster_id=cluster.ocp_id, from_version=cluster.version, target=package.full_version,
        upgrade_versions=list(route.versions), binary_versions=binaries,
        members=[_member(m, package, binaries, options, cluster, catalog) for m in members],
        primary_cluster_id=members[-1].ocp_id,
    )  # fmt: skip
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=user, state=State.SUCCESSFUL,
        from_version=cluster.version, to_version=package.full_version, upgrade_path=list(route.versions),
        upgrade_mode=options.upgrade_mode, zone_order=list(options.zone_order), reason=DEMO_REASON,
    )  # fmt: skip
    upgrade.also_upgrades.set([m for m in members if m.pk != cluster.pk])
    ids = _Ids(DEMO_ID_BASE + upgrade.pk * IDS_PER_UPGRADE)
    writer = _Writer(upgrade, plan, timing, ids)
    parent_id = ids.take(1)[0]
    start = ends - timedelta(hours=2)  # moved below once the real length is known
    finish = writer.task(parent_id, "Submit upgrade OB cluster dag", parent_nodes(plan), start, None)
    shift = ends - finish
    writer.save(shift)
    Upgrade.objects.filter(pk=upgrade.pk).update(
        created_at=start + shift - timedelta(seconds=5), submitted_at=start + shift - timedelta(seconds=1),
        finished_at=ends, ocp_task_id=parent_id, ocp_task_status="SUCCESSFUL", ocp_task_operation="EXECUTE",
    )  # fmt: skip
    UpgradeEvent.objects.create(
        upgrade=upgrade, kind=UpgradeEvent.Kind.INFO, created_at=ends,
        message=f"{DEMO_REASON}: a past upgrade for the ETA's history; it never ran in OCP.",
    )  # fmt: skip
    return upgrade


def _member(member, package, binaries, options, requested, catalog) -> MemberPlan:
    def rpm(version: str) -> str:
        if member.pk == requested.pk and version == package.full_version:
            return package.file_name
        same = [p for p in catalog if p.full_version == version and p.arch == (member.architecture or p.arch)]
        return same[0].file_name if same else f"oceanbase-{version}.{package.dist}.{package.arch}.rpm"

    mine = options if member.pk == requested.pk else UpgradeOptions().resolved(member)
    order = list(mine.zone_order) or member.default_zone_order()  # the simulator's order in either mode
    return MemberPlan(member.ocp_id, [rpm(v) for v in binaries], mine.upgrade_mode, order)


class _Writer:
    """Times each node as the simulator's engine would, and collects the task and step rows."""

    def __init__(self, upgrade: Upgrade, plan: UpgradePlan, timing: Engine, ids: _Ids) -> None:
        self.upgrade, self.plan, self.timing, self.ids = upgrade, plan, timing, ids
        self.tasks: list[UpgradeTask] = []
        self.steps: list[UpgradeStep] = []

    def task(self, task_id: int, name: str, nodes: list[Node], start: datetime, wait_id: int | None, **kw):
        """Rows for one task from ``start``; returns when it finished."""
        ids = self.ids.take(len(nodes))
        times: list[tuple[datetime, datetime]] = []
        delay = timedelta(seconds=self.timing.ready_delay)
        for index, node in enumerate(nodes):
            begin = max((times[u][1] for u in node.ups), default=None)
            begin = start if begin is None else begin + delay
            seconds = self.timing.duration(SimpleNamespace(id=ids[index], run_time=1))
            finish = begin + timedelta(seconds=seconds)
            if node.kind == "wait":  # the child task its submit step started runs meanwhile
                submit = node.ups[0]
                finish = max(begin, self._child(times[submit][1], nodes[submit], ids[index]))
            times.append((begin, finish))
            self.steps.append(self._step(task_id, ids, index, node, begin, finish))
        end = max((f for _, f in times), default=start)
        row = UpgradeTask(
            upgrade=self.upgrade, ocp_task_id=task_id, name=name, status="SUCCESSFUL", operation="EXECUTE",
            is_parent=wait_id is None, parent_subtask_id=wait_id, task_type="MANUAL", started_at=start,
            finished_at=end, **kw,
        )  # fmt: skip
        self.tasks.append(row)
        return end

    def _child(self, submitted: datetime, submit: Node, wait_id: int) -> datetime:
        member = self.plan.member(submit.cluster_id)
        binary = self.plan.binary_versions[submit.binary_index]
        nodes = child_nodes(self.plan, member, submit.binary_index)
        task_id = self.ids.take(1)[0]
        return self.task(
            task_id, f"Upgrade OB cluster to {binary}", nodes, submitted, wait_id,
            binary_version=binary, cluster_ocp_id=member.cluster_id,
        )  # fmt: skip

    def _step(self, task_id, ids, index, node: Node, begin, finish) -> UpgradeStep:
        return UpgradeStep(
            upgrade=self.upgrade, ocp_task_id=task_id, ocp_subtask_id=ids[index], name=node.name,
            description=node.name, status="SUCCESSFUL", operation="EXECUTE", run_time=1,
            upstreams=[ids[u] for u in node.ups], parallel_idx=node.parallel_idx,
            series_id=index, prohibit_rollback=node.prohibit_rollback, started_at=begin, finished_at=finish,
            changed_at=finish,
        )  # fmt: skip

    def save(self, shift: timedelta) -> None:
        """Move every time by ``shift`` (so the upgrade ends when asked), link the downstreams and
        write the rows."""
        downstreams: dict[int, list[int]] = {}
        for step in self.steps:
            for up in step.upstreams:
                downstreams.setdefault(up, []).append(step.ocp_subtask_id)
        for step in self.steps:
            step.started_at, step.finished_at = step.started_at + shift, step.finished_at + shift
            step.changed_at, step.downstreams = step.finished_at, downstreams.get(step.ocp_subtask_id, [])
        for task in self.tasks:
            task.started_at, task.finished_at = task.started_at + shift, task.finished_at + shift
        UpgradeTask.objects.bulk_create(self.tasks)
        UpgradeStep.objects.bulk_create(self.steps)
