"""Figure 8: the ETA from history (ocpdash.upgrades.eta) at the history page's scale.

Inside `make bench` (after figure 5 made its 100,000 upgrades, in bench/__main__.run):

    figures.append(eta.figure(eta.seed_step_history(), eta.following(data.make_upgrade(1000))))

On its own, without the stack (a fresh SQLite database under var/bench-eta/):

    python -m bench.eta [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.stack import offline_database

RUNS = 9
TARGET_MS, TARGET_QUERIES = 300, 4


def seed_step_history(clusters: int = 200):
    """The newest ``clusters`` successful upgrades with their tasks and steps, shaped as the simulator
    runs them (ocpdash.core.demo_history), one per 3-zone cluster. Returns one of the clusters."""
    from bench import data
    from ocpdash.core.demo_history import seed_demo_history

    made = [data.make_cluster(3, name=f"eta-{i:03d}") for i in range(clusters)]
    for cluster in made:
        cluster.zones[0]["servers"][0]["rootserver"] = True
        cluster.save(update_fields=["zones"])
    seed_demo_history(made, per_cluster=1, step_seconds=60)
    return made[0]


def following(upgrade):
    """bench.data's running upgrade as OCP shows one: its rows are done in row order, the parent's
    first; here the parent's wait step of the first unfinished child task runs, the rest is pending."""
    from ocpdash.upgrades.dag import topological_order
    from ocpdash.upgrades.models import UpgradeStep, UpgradeTask

    steps = {s.ocp_subtask_id: s for s in UpgradeStep.objects.filter(upgrade=upgrade)}
    parent = UpgradeTask.objects.get(upgrade=upgrade, is_parent=True).ocp_task_id
    open_children = {
        t.parent_subtask_id
        for t in UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False)
        if any(s.ocp_task_id == t.ocp_task_id and s.status != "SUCCESSFUL" for s in steps.values())
    }
    mine = {i: s.upstreams for i, s in steps.items() if s.ocp_task_id == parent}
    status = "SUCCESSFUL"
    for i in topological_order(mine):
        if status == "SUCCESSFUL" and i in open_children:
            UpgradeStep.objects.filter(pk=steps[i].pk).update(status="RUNNING", finished_at=None)
            status = "PENDING"
        elif status == "PENDING":
            UpgradeStep.objects.filter(pk=steps[i].pk).update(
                status="PENDING", started_at=None, finished_at=None
            )
    return upgrade


def _measure(call) -> tuple[float, int]:
    """Median wall time (ms) of RUNS calls after one warm-up, and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    return statistics.median(times), len(queries)


def figure(cluster, running):
    """Estimating a plan for ``cluster`` and what is left of ``running`` (a 1,000-step upgrade)."""
    from bench.report import Figure
    from ocpdash.upgrades.eta import MAX_STEP_ROWS, MAX_UPGRADES, estimate_plan, estimate_remaining
    from ocpdash.upgrades.models import Upgrade, UpgradeStep

    path = ["4.2.1.1-100000162023111615"]
    plan_ms, plan_queries = _measure(lambda: estimate_plan(cluster, upgrade_path=path))
    left_ms, left_queries = _measure(lambda: estimate_remaining(running))
    plan, left = estimate_plan(cluster, upgrade_path=path), estimate_remaining(running)
    met = max(plan_ms, left_ms) <= TARGET_MS and max(plan_queries, left_queries) <= TARGET_QUERIES
    return Figure(
        "8",
        f"ETA at {Upgrade.objects.count():,} upgrades: plan / running 1,000-step upgrade, median",
        f"{plan_ms:.0f} / {left_ms:.0f} ms; {plan_queries} / {left_queries} queries",
        f"≤ {TARGET_MS} ms, ≤ {TARGET_QUERIES} queries",
        met,
        [
            f"In the bench process, median of {RUNS} calls after a warm-up; "
            f"{UpgradeStep.objects.count():,} step rows in the database. The estimate reads the newest "
            f"{MAX_UPGRADES} successful upgrades and the steps of as many of them as fit in "
            f"{MAX_STEP_ROWS:,} rows. Plan: {plan.describe()} "
            f"({plan.basis}). Running: {left.describe()} ({left.basis}).",
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Figure 8 alone, on a fresh SQLite database.")
    parser.add_argument("--quick", action="store_true", help="20,000 upgrades instead of 100,000")
    args = parser.parse_args()
    offline_database("bench-eta")
    from bench import data
    from bench.report import table

    data.make_history(20_000 if args.quick else 100_000)
    cluster = seed_step_history()
    result = figure(cluster, following(data.make_upgrade(1000)))
    print(table([result]))
    print("\n".join(result.notes))


if __name__ == "__main__":
    main()
