# ruff: noqa: E501 - long f-strings of the results notes
"""Figures 13a-13c (issue 19): a fleet rollout of 200 simulated clusters at ``max_parallel`` 50.

    python -m bench.rollouts [--quick]

13a/13b: the reconciler's own cost (``flow.reconcile`` called in this process, no worker running)
with 200 units in the database: while nothing changes, when one unit's upgrade ends, and when a wave
moves on and 50 units start, the pre-checks those starts make over HTTP reported apart. 13c: a second
rollout of 200 started by real workers and beat; the poll rate held for its 50 running upgrades,
measured as figure 4 measures it (``bench.engine.scale``). Alone, this starts its own stack under
var/bench-rollouts/; ``make bench`` runs ``figures`` before its worker starts and writes the table.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from bench.report import Figure

UNITS, PARALLEL = 200, 50
RECONCILE_P95_MS = 100  # target of 13a
START_MS_PER_UNIT = 20  # target of 13b: orchestration per unit started, pre-checks apart
STARTED_BY = "started in the simulator (orion clones, step time 600 s so all run throughout) and handed to the engine as RUNNING"


def figures(stack, quick: bool) -> list[Figure]:
    """All three figures. Expects redis and the simulator running and no worker; starts worker1 and
    beat for 13c and stops them again, leaving nothing of its own running or polled."""
    from bench import engine

    engine.sim("/_sim/config", {"step_seconds": 600})  # nothing ends by itself: the bench ends units
    costs = _cost_figures(
        reconcile_costs(_rollout("bench rollout, in-process"), steady_per_wave=5 if quick else 15)
    )
    for figure in costs:
        print(f"{figure.key} {figure.name}: {figure.value} (target {figure.target})", flush=True)
    return [*costs, held_poll_rate(stack, quick)]


# --- 13a, 13b: the reconciler in this process ------------------------------------------------------
class _Timer:
    """Wall time spent in pre-checks and in OCP requests, wrapped around the real functions."""

    def __init__(self) -> None:
        self.precheck_s = self.http_s = 0.0
        self.prechecks = self.requests = 0

    @contextmanager
    def wrapped(self):
        from ocpdash.ocp.client import OcpClient
        from ocpdash.upgrades import submission

        precheck, send = submission.precheck, OcpClient._send_once

        def timed_precheck(*args, **kwargs):
            start = time.perf_counter()
            try:
                return precheck(*args, **kwargs)
            finally:
                self.precheck_s += time.perf_counter() - start
                self.prechecks += 1

        def timed_send(client, *args, **kwargs):
            start = time.perf_counter()
            try:
                return send(client, *args, **kwargs)
            finally:
                self.http_s += time.perf_counter() - start
                self.requests += 1

        submission.precheck, OcpClient._send_once = timed_precheck, timed_send
        try:
            yield self
        finally:
            submission.precheck, OcpClient._send_once = precheck, send


def _rollout(name: str):
    """A running rollout of UNITS fresh orion clones, waves of PARALLEL, at most PARALLEL at once."""
    from django.contrib.auth import get_user_model

    from bench import engine
    from ocpdash.catalog.models import RpmPackage
    from ocpdash.rollouts import flow
    from ocpdash.rollouts.models import RolloutState
    from ocpdash.rollouts.plan import Strategy

    clusters = engine.clone_clusters(UNITS)
    admin = get_user_model().objects.get(username="admin")
    start = time.perf_counter()
    rollout = flow.create(
        admin, name=name, clusters=clusters, packages=[RpmPackage.objects.get(file_name=engine.PACKAGE)],
        strategy=Strategy(wave_size=PARALLEL, max_parallel=PARALLEL),
    )  # fmt: skip
    rollout.create_s = time.perf_counter() - start
    if rollout.state != RolloutState.RUNNING or rollout.plan["left_out"] or rollout.units.count() != UNITS:
        raise RuntimeError(f"rollout {rollout.state}, left out: {rollout.plan['left_out'][:3]}")
    return rollout


def _measure(rollout_id: int, timer: _Timer) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ocpdash.rollouts import flow

    before = (timer.precheck_s, timer.prechecks, timer.http_s, timer.requests)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        done = flow.reconcile(rollout_id)
        wall = time.perf_counter() - start
    precheck_s = timer.precheck_s - before[0]
    return {
        "ms": (wall - precheck_s) * 1000,  # the orchestration's own: everything but the pre-checks
        "precheck_ms": precheck_s * 1000,
        "prechecks": timer.prechecks - before[1],
        "http_ms": (timer.http_s - before[2]) * 1000,
        "requests": timer.requests - before[3],
        "queries": len(queries),
        "started": len(done.started),
        "moved": done.moved,
    }


def reconcile_costs(rollout, steady_per_wave: int) -> dict[str, list[dict]]:
    """Drive the rollout through its waves by hand: each wave's upgrades run, then end one at a time
    (a reconcile after each, as the upgrade's change signal asks), the last one moving the wave on."""
    from ocpdash.rollouts.models import RolloutState, RolloutUnit, UnitState
    from ocpdash.upgrades.models import State, Upgrade

    samples: dict[str, list[dict]] = {"start": [], "steady": [], "unit_ended": []}
    with _Timer().wrapped() as timer:
        samples["start"].append(_measure(rollout.pk, timer))  # the first wave starts
        while True:
            upgrading = list(
                RolloutUnit.objects.filter(rollout=rollout, state=UnitState.UPGRADING)
                .order_by("position")
                .values_list("upgrade_id", flat=True)
            )
            if not upgrading:
                break
            Upgrade.objects.filter(pk__in=upgrading).update(state=State.RUNNING)  # as once submitted
            samples["steady"] += [_measure(rollout.pk, timer) for _ in range(steady_per_wave)]
            for upgrade_id in upgrading:
                Upgrade.objects.filter(pk=upgrade_id).update(state=State.SUCCESSFUL)
                sample = _measure(rollout.pk, timer)
                samples["start" if sample["started"] else "unit_ended"].append(sample)
    rollout.refresh_from_db()
    if rollout.state != RolloutState.SUCCESSFUL:
        raise RuntimeError(f"the in-process rollout ended {rollout.state}: {rollout.halt_reason}")
    # Never sent to OCP: closed, so later figures (the ETA's history of successful upgrades) never see them.
    Upgrade.objects.filter(rollout_unit__rollout=rollout).update(state=State.CLOSED, next_poll_at=None)
    samples["create_s"] = rollout.create_s
    samples["load"] = os.getloadavg()[0]
    return samples


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def _cost_figures(samples: dict) -> list[Figure]:
    steady, ended, starts = samples["steady"], samples["unit_ended"], samples["start"]
    steady_p95, ended_p95 = _p95([s["ms"] for s in steady]), _p95([s["ms"] for s in ended])
    per_unit = [s["ms"] / s["started"] for s in starts]
    worst = max(starts, key=lambda s: s["ms"])

    def queries(rows):
        return "-".join(
            str(q) for q in sorted({min(r["queries"] for r in rows), max(r["queries"] for r in rows)})
        )

    return [
        Figure(
            "13a",
            f"Rollout reconcile at {UNITS} units, in-process, p95: nothing changes / a unit's upgrade ends",
            f"{steady_p95:.1f} / {ended_p95:.1f} ms; {queries(steady)} / {queries(ended)} queries",
            f"≤ {RECONCILE_P95_MS} ms",
            steady_p95 <= RECONCILE_P95_MS and ended_p95 <= RECONCILE_P95_MS,
            [
                f"flow.reconcile called in the bench process (no worker running) on a running rollout of {UNITS} "
                f"orion clones in waves of {PARALLEL}, max_parallel {PARALLEL}, SQLite as in every figure. "
                f"Nothing changes: {len(steady)} reconciles while a wave's {PARALLEL} upgrades run (median "
                f"{statistics.median(s['ms'] for s in steady):.1f} ms, max {max(s['ms'] for s in steady):.1f} ms). "
                f"A unit's upgrade ends: {len(ended)} reconciles, each after one upgrade of the wave was set "
                f"successful in the database, as the upgrade's change signal wakes the reconciler (median "
                f"{statistics.median(s['ms'] for s in ended):.1f} ms, max {max(s['ms'] for s in ended):.1f} ms; the "
                f"unit's new state and its event are written). Creating the rollout (the plan's {UNITS} pre-checks "
                f"with OCP over HTTP) took {samples['create_s']:.1f} s. Load average at the end: {samples['load']:.1f} on "
                f"{os.cpu_count()} cores."
            ],
        ),
        Figure(
            "13b",
            f"Rollout reconcile that moves a wave on and starts {PARALLEL} units, in-process, worst of {len(starts)}: orchestration (pre-checks apart)",
            f"{worst['ms']:.0f} ms ({max(per_unit):.1f} ms per unit started); pre-checks {worst['precheck_ms']:.0f} ms",
            f"≤ {START_MS_PER_UNIT} ms per unit started; pre-checks reported",
            max(per_unit) <= START_MS_PER_UNIT,
            [
                f"The reconciles that started units ({len(starts)}: the first wave, then each wave's last "
                f"upgrade ending). Each unit's start creates its upgrade, pre-checked with OCP and bound to the "
                f"unit under the rollout's row lock. Orchestration = wall time of flow.reconcile minus the wall "
                f"time inside the pre-checks: "
                + ", ".join(f"{s['ms']:.0f} ms for {s['started']} units" for s in starts)
                + "; SQL queries: "
                + ", ".join(f"{s['queries']} ({s['queries'] / s['started']:.1f} per unit)" for s in starts)
                + ". The pre-checks (HTTP to the simulator on loopback): "
                + ", ".join(f"{s['prechecks']} in {s['precheck_ms']:.0f} ms" for s in starts)
                + f", of which OCP requests {sum(s['requests'] for s in starts)} in "
                f"{sum(s['http_ms'] for s in starts):.0f} ms wall in all."
            ],
        ),
    ]


# --- 13c: the poll rate held with the rollout's 50 upgrades running -------------------------------
def held_poll_rate(stack, quick: bool) -> Figure:
    import redis

    from bench import engine
    from bench.stack import VAR
    from ocpdash.rollouts.models import RolloutUnit, UnitState
    from ocpdash.upgrades.models import State, Upgrade

    # The in-process rollout's queued submissions and reconciles are not 13c's: drop them.
    redis.Redis(unix_socket_path=str(VAR / "redis.sock")).flushall()
    rollout = _rollout("bench rollout, workers")
    stack.start_worker("worker1")
    stack.start_beat()
    try:
        upgrades = _wait_running(rollout, 180)
        clusters = [u.cluster for u in upgrades]
        window, warmup = (20, 10) if quick else (60, 20)
        figure, _ = engine.scale(stack, clusters, window=window, warmup=warmup, upgrades=upgrades, key="13c")
        at_once = RolloutUnit.objects.filter(rollout=rollout, state=UnitState.UPGRADING).count()
        still = Upgrade.objects.filter(pk__in=[u.pk for u in upgrades], state=State.RUNNING).count()
    finally:
        _close(rollout)
        stack.kill("beat", signal.SIGTERM)
        stack.kill("worker1", signal.SIGTERM)
    figure.name = (
        f"Rollout of {UNITS} at max_parallel {PARALLEL}: poll rate held for its {PARALLEL} running upgrades"
    )
    figure.met = figure.met and at_once == PARALLEL and still == PARALLEL
    figure.notes = [
        note.replace(
            STARTED_BY,
            f"started by a rollout of {UNITS} orion clones (waves of {PARALLEL}, max_parallel {PARALLEL}) whose "
            f"reconciler ran on the same worker and beat (submitted through ocpdash; simulator step time 600 s "
            f"so all run throughout; {at_once} units upgrading and {still} upgrades running at the window's end)",
        )
        for note in figure.notes
    ]
    return figure


def _wait_running(rollout, timeout: float) -> list:
    from ocpdash.upgrades.models import State, Upgrade

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upgrades = list(
            Upgrade.objects.filter(rollout_unit__rollout=rollout, state=State.RUNNING)
            .exclude(ocp_task_id=None)
            .select_related("cluster")
        )
        if len(upgrades) >= PARALLEL:
            return upgrades
        time.sleep(0.5)
    raise RuntimeError(f"{len(upgrades)} of the rollout's upgrades running after {timeout:.0f} s")


def _close(rollout) -> None:
    """Abort the rollout and close its upgrades, so nothing of 13c is polled in later figures."""
    from django.contrib.auth import get_user_model

    from bench import engine
    from ocpdash.rollouts import flow
    from ocpdash.upgrades.models import Upgrade

    flow.abort(get_user_model().objects.get(username="admin"), rollout, reason="bench done")
    engine.keep_running(list(Upgrade.objects.filter(rollout_unit__rollout=rollout)), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer steady samples, short windows")
    args = parser.parse_args()
    os.environ["BENCH_VAR"] = str(Path(__file__).resolve().parents[1] / "var" / "bench-rollouts")
    from bench import stack as stack_module

    stack_module.fresh_var()
    stack_module.setup_django()
    from bench.report import table

    stack = stack_module.Stack()
    stack_module.prepare_database()
    started = time.monotonic()
    try:
        stack.start_redis()
        stack.start_simulator()
        stack.start_web()  # figure 4's measure counts the web's CPU too
        measured = figures(stack, args.quick)
    finally:
        stack.stop_all()
    print(table(measured))
    print("\n".join(f"- {f.key}: {note}" for f in measured for note in f.notes))
    print(f"\n{(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
