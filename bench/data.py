# ruff: noqa: E501 - long f-strings of the results notes
"""Rows the benchmarks need, written straight into the bench database.

Large upgrades are generated with the shapes OCP uses (parent task, one child task per binary
version, one swimlane per zone). Nothing polls them (no OCP task id), so ``advance`` plays the
engine: it moves one step on, records the step event and bumps the revision, as polling does.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades import events
from ocpdash.upgrades.dag import topological_order
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask

PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
# steps -> (binary versions, zones per child task); the last child gets extra post steps to reach N.
SHAPES = {5: (0, 0), 50: (1, 6), 300: (2, 23), 1000: (3, 54)}
_ocp_ids = itertools.count(900_000)


def site() -> OcpSite:
    return OcpSite.objects.get(from_environment=True)


def make_cluster(zones: int, name: str | None = None) -> Cluster:
    ocp_id = next(_ocp_ids)
    zone_list = [{"name": f"zone{i}", "servers": [{"ip": f"10.9.{i}.1"}]} for i in range(1, zones + 1)]
    return Cluster.objects.create(
        site=site(), ocp_id=ocp_id, name=name or f"bench-{ocp_id}", version="4.2.1.0-100000102023092807",
        status="UPGRADING", cluster_type="PRIMARY", architecture="x86_64", operating_system="el7",
        zone_count=zones, server_count=zones, zones=zone_list,
    )  # fmt: skip


def _chain(names: list[str]) -> list[tuple[str, list[int]]]:
    return [(name, [i - 1] if i else []) for i, name in enumerate(names)]


def _child_names(zones: int, extra: int) -> list[str]:
    names = ["Check upgrade environment", "Execute upgrade checker script", "Execute upgrade pre script"]
    for z in range(1, zones + 1):
        names += ["Execute upgrade health checker script", f"Stop zone zone{z}", "Install OceanBase RPM",
                  "Restart observer", "Execute upgrade zone health checker script", f"Start zone zone{z}"]  # fmt: skip
    names += [f"Execute upgrade post script {i + 1}" for i in range(extra)]
    return [*names, "Execute upgrade post script", "Check cluster version"]


@transaction.atomic
def make_upgrade(
    steps: int,
    *,
    progress: float = 0.4,
    shape: tuple[int, int] | None = None,
    cluster=None,
    package=None,
    user=None,
) -> Upgrade:
    """A running upgrade with exactly ``steps`` steps, the first ``progress`` share done, one running.
    ``shape`` (binary versions, zones) for a size SHAPES has not; the tests pass their own cluster
    (zones named zone1…), package and user."""
    versions, zones = shape or SHAPES[steps]
    cluster = cluster or make_cluster(max(zones, 3))
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package or RpmPackage.objects.get(file_name=PACKAGE),
        requested_by=user or _user("operator"), state=State.RUNNING, from_version=cluster.version,
        to_version="4.2.1.1-100000162023111615", upgrade_path=["4.2.1.1-100000162023111615"],
        submitted_at=timezone.now(), ocp_task_status="RUNNING",
    )  # fmt: skip
    task_ids = itertools.count(500_000 + upgrade.pk * 100)
    sub_ids = itertools.count(10_000_000 + upgrade.pk * 2000)
    parent_names = ["Start node", "Prepare upgrade cluster"]
    for _ in range(versions):
        parent_names += ["Submit cluster upgrade task", "Wait dag success"]
    parent_names.append("Update OB cluster status")
    if not versions:
        parent_names = [
            *parent_names[:2],
            "Submit cluster upgrade task",
            "Wait dag success",
            *parent_names[2:],
        ]
    used = len(parent_names) + versions * len(_child_names(zones, 0))
    tasks = [("Submit upgrade OB cluster dag", True, None, _chain(parent_names))]
    rows: list[UpgradeStep] = []
    parent_id = next(task_ids)
    parent_subs = [next(sub_ids) for _ in parent_names]
    waits = [s for s, n in zip(parent_subs, parent_names, strict=True) if n == "Wait dag success"]
    task_rows = [UpgradeTask(upgrade=upgrade, ocp_task_id=parent_id, name=tasks[0][0], is_parent=True)]
    rows += _steps(upgrade, parent_id, parent_subs, tasks[0][3])
    for v in range(versions):
        child_id = next(task_ids)
        names = _child_names(zones, steps - used if v == versions - 1 else 0)
        subs = [next(sub_ids) for _ in names]
        task_rows.append(
            UpgradeTask(
                upgrade=upgrade,
                ocp_task_id=child_id,
                name=f"Upgrade OB cluster to 4.2.1.{v + 1}",
                parent_subtask_id=waits[v],
                binary_version=f"4.2.1.{v + 1}",
            )
        )
        rows += _steps(upgrade, child_id, subs, _chain(names))
    assert len(rows) == steps, (len(rows), steps)
    UpgradeTask.objects.bulk_create(task_rows)
    _set_progress(rows, progress)
    UpgradeStep.objects.bulk_create(rows)
    return upgrade


def _steps(upgrade, task_id, subs, chain) -> list[UpgradeStep]:
    return [
        UpgradeStep(
            upgrade=upgrade,
            ocp_task_id=task_id,
            ocp_subtask_id=sub,
            name=name,
            status="PENDING",
            upstreams=[subs[u] for u in ups],
            downstreams=[],
            run_time=0,
        )
        for sub, (name, ups) in zip(subs, chain, strict=True)
    ]


def _set_progress(rows: list[UpgradeStep], progress: float) -> None:
    done = int(len(rows) * progress)
    now = timezone.now()
    for i, step in enumerate(rows):
        if i < done:
            step.status, step.run_time = "SUCCESSFUL", 1
            step.started_at, step.finished_at = now - timedelta(seconds=5 * (done - i)), now
        elif i == done:
            step.status, step.run_time, step.started_at = "RUNNING", 1, now


def make_finished_upgrade(steps: int, *, step_seconds: float = 20, **kwargs) -> Upgrade:
    """A successful upgrade shaped as ``make_upgrade``'s, with the step events a real one leaves:
    every step ran ``step_seconds`` in OCP's order (a child task inside its parent's wait step), and
    the first 'Restart observer' failed once and was retried a minute later."""
    upgrade = make_upgrade(steps, progress=0.0, **kwargs)
    tasks = {t.ocp_task_id: t for t in UpgradeTask.objects.filter(upgrade=upgrade)}
    rows = {s.ocp_subtask_id: s for s in UpgradeStep.objects.filter(upgrade=upgrade)}
    child_of = {t.parent_subtask_id: t.ocp_task_id for t in tasks.values() if not t.is_parent}
    begin = timezone.now() - timedelta(seconds=step_seconds * (steps + 5) + 120)
    clock, found, retried = [begin], [], []

    def run(task_id: int) -> None:
        tasks[task_id].started_at = clock[0]
        mine = {i: s.upstreams for i, s in rows.items() if s.ocp_task_id == task_id}
        for sub in topological_order(mine):
            step = rows[sub]
            step.started_at, step.run_time = clock[0], 1
            found.append((clock[0], sub, "RUNNING", "", "PENDING"))
            if sub in child_of:
                run(child_of[sub])
            elif step.name == "Restart observer" and not retried:
                retried.append(sub)
                clock[0] += timedelta(seconds=step_seconds)
                found.append((clock[0], sub, "FAILED", "", "RUNNING"))
                clock[0] += timedelta(seconds=60)
                step.started_at, step.run_time = clock[0], 2
                found.append((clock[0], sub, "RUNNING", "RETRY", "FAILED"))
            clock[0] += timedelta(seconds=step_seconds)
            step.status, step.operation, step.finished_at = (
                "SUCCESSFUL",
                "RETRY" if sub in retried else "",
                clock[0],
            )
            found.append((clock[0], sub, "SUCCESSFUL", step.operation, "RUNNING"))
        tasks[task_id].status, tasks[task_id].finished_at = "SUCCESSFUL", clock[0]

    run(next(t.ocp_task_id for t in tasks.values() if t.is_parent))
    with transaction.atomic():
        UpgradeStep.objects.bulk_update(
            rows.values(), ["status", "operation", "run_time", "started_at", "finished_at"]
        )
        UpgradeTask.objects.bulk_update(tasks.values(), ["status", "started_at", "finished_at"])
        UpgradeEvent.objects.bulk_create(
            UpgradeEvent(upgrade=upgrade, kind=UpgradeEvent.Kind.STEP, created_at=at, ocp_subtask_id=sub,
                         message=f"Step '{rows[sub].name}': {before or 'new'} → {status}",
                         data={"status": status, "operation": op, "previous": before})
            for at, sub, status, op, before in found
        )  # fmt: skip
        Upgrade.objects.filter(pk=upgrade.pk).update(
            state=State.SUCCESSFUL, submitted_at=begin, finished_at=clock[0], ocp_task_status="SUCCESSFUL"
        )
    upgrade.refresh_from_db()
    return upgrade


def advance(upgrade_id: int) -> int | None:
    """One visible change as the engine would store it: the running step succeeds and the next one
    in topological order starts. Returns the subtask that started, or None at the end."""
    steps = {s.ocp_subtask_id: s for s in UpgradeStep.objects.filter(upgrade_id=upgrade_id)}
    order = topological_order({i: s.upstreams for i, s in steps.items()})
    now = timezone.now()
    running = next((i for i in order if steps[i].status == "RUNNING"), None)
    following = next((i for i in order if steps[i].status == "PENDING"), None)
    with transaction.atomic():
        if running is not None:
            UpgradeStep.objects.filter(pk=steps[running].pk).update(
                status="SUCCESSFUL", finished_at=now, changed_at=now
            )
            _event(upgrade_id, steps[running], "RUNNING", "SUCCESSFUL")
        if following is not None:
            UpgradeStep.objects.filter(pk=steps[following].pk).update(
                status="RUNNING", started_at=now, run_time=1, changed_at=now
            )
            _event(upgrade_id, steps[following], "PENDING", "RUNNING")
        Upgrade.objects.filter(pk=upgrade_id).update(revision=F("revision") + 1, last_polled_at=now)
    return following


def seed_events(upgrade_id: int, count: int) -> None:
    """The history a long-running upgrade already has (its timeline starts full, as in real life)."""
    UpgradeEvent.objects.bulk_create(
        UpgradeEvent(
            upgrade_id=upgrade_id, kind=UpgradeEvent.Kind.STEP, message=f"Step 'earlier step {i}': done"
        )
        for i in range(count)
    )


def _event(upgrade_id: int, step: UpgradeStep, before: str, after: str) -> None:
    events.record(upgrade_id, UpgradeEvent.Kind.STEP, f"Step '{step.name}': {before} → {after}",
                  subtask_id=step.ocp_subtask_id, status=after, operation="", previous=before)  # fmt: skip


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def make_history(count: int, clusters: int = 200) -> dict:
    """``count`` finished upgrades spread over two years on ``clusters`` clusters, in bulk."""
    made = [make_cluster(3, name=f"hist-{i:03d}") for i in range(clusters)]
    package = RpmPackage.objects.get(file_name=PACKAGE)
    users = [_user(u) for u in ("admin", "operator")]
    rng = random.Random(7)
    start = timezone.now() - timedelta(days=730)
    states = [State.SUCCESSFUL] * 8 + [State.ROLLED_BACK, State.CLOSED]
    batch = []
    for i in range(count):
        created = start + timedelta(seconds=i * 730 * 86400 / count + rng.random())
        batch.append(
            Upgrade(
                cluster=made[i % clusters],
                package=package,
                requested_by=users[i % 2],
                state=rng.choice(states),
                from_version="4.2.1.0-100000102023092807",
                to_version="4.2.1.1-100000162023111615",
                created_at=created,
                submitted_at=created,
                finished_at=created + timedelta(minutes=40),
                reason=f"bench history {i}",
            )
        )
        if len(batch) == 5000:
            Upgrade.objects.bulk_create(batch)
            batch = []
    Upgrade.objects.bulk_create(batch)
    return {"cluster": made[17].pk}
