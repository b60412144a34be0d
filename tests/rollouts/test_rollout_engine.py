"""Fleet rollouts end to end: real `celery worker` and `celery beat` processes, real Redis and the
simulator over HTTP. Two rollouts run at once on the same workers: a fleet of 20 clusters (two
primary/standby pairs among them) in a canary and four waves at most 5 at once, which halts on a
failure in wave 2, resumes once the operator fixed it, is paused, and has its workers and beat
killed with -9 mid-wave; and a small one that is aborted after its first start."""

import time

import pytest
from django.db.models import Count

from ocpdash.rollouts import flow
from ocpdash.rollouts.models import Rollout, RolloutState, RolloutUnit, UnitState
from ocpdash.rollouts.plan import Strategy
from ocpdash.upgrades.models import State, Upgrade, UpgradeTask
from ocpdash.upgrades.operations import operate_task
from tests.fixtures.services import wait_for

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def state(rollout: Rollout) -> str:
    rollout.refresh_from_db()
    return rollout.state


def wait_rollout(rollout, predicate, timeout, what, engine):
    try:
        return wait_for(lambda: predicate(rollout), timeout, what, interval=0.3)
    except AssertionError:
        rollout.refresh_from_db()
        units = "\n".join(f"{u.wave} {u} {u.state} {u.note}" for u in rollout.units.order_by("position"))
        events = "\n".join(rollout.events.values_list("message", flat=True))
        raise AssertionError(
            f"rollout {rollout.state} (wave {rollout.current_wave})\n{units}\n{events}\n{engine.logs()}"
        ) from None


def wave_units(rollout, wave):
    return list(RolloutUnit.objects.filter(rollout=rollout, wave=wave).select_related("upgrade"))


def most_at_once(upgrades) -> int:
    """The most upgrades that were between their creation and their end at one time."""
    marks = sorted([(u.created_at, 1) for u in upgrades] + [(u.finished_at, -1) for u in upgrades])
    running = peak = 0
    for _at, step in marks:
        running += step
        peak = max(peak, running)
    return peak


@pytest.mark.timeout(420)
def test_fleet_rollout_waves_pairs_halt_resume_pause_kill_9_and_abort(
    engine, simulator, make_fleet, operator
):
    simulator.config(step_seconds=0.05)
    fleet = make_fleet(x86=10, arm=6, pairs=2)
    small = make_fleet(x86=3)
    assert len(fleet.clusters) == 20
    rollout = flow.create(
        operator, name="Q4 fleet", clusters=fleet.clusters, packages=fleet.packages,
        canary=[fleet.x86[0].pk, fleet.arm[0].pk],
        strategy=Strategy(wave_size=4, max_parallel=5, halt_after_failures=1),
    )  # fmt: skip
    assert [w["units"] for w in rollout.plan["waves"]] == [2, 4, 4, 4, 4]
    assert rollout.plan["left_out"] == []
    broken = wave_units(rollout, 2)[1]
    simulator.faults(fail_subtask={"name": "Restart observer", "times": 1, "cluster": broken.cluster.ocp_id})
    aborted = flow.create(
        operator, name="small", clusters=small.clusters, packages=small.packages,
        strategy=Strategy(wave_size=1, max_parallel=1),
    )  # fmt: skip
    engine.start_beat(wait=False)
    engine.start_workers("w1", "w2")

    # The small one: abort after its first start; the started upgrade runs to its end.
    wait_rollout(aborted, lambda r: r.units.filter(state=UnitState.UPGRADING).exists(), 60, "a start", engine)
    flow.abort(operator, aborted, reason="wrong fleet")

    # A failure in wave 2 halts the fleet: wave 3 never starts.
    wait_rollout(rollout, lambda r: state(r) == RolloutState.HALTED, 240, "the halt", engine)
    broken.refresh_from_db()
    assert broken.state == UnitState.FAILED and broken.cluster.name in rollout.halt_reason
    assert not RolloutUnit.objects.filter(rollout=rollout, wave__gte=3).exclude(upgrade=None).exists()
    time.sleep(2)  # beat passes (every second) and the wave's other upgrades end: still nothing new
    assert state(rollout) == RolloutState.HALTED
    assert not RolloutUnit.objects.filter(rollout=rollout, wave__gte=3).exclude(upgrade=None).exists()

    # The operator retries the failed upgrade; it succeeds; the rollout resumes.
    operate_task(operator, broken.upgrade, "retry", reason="observer restarted by hand")
    wait_for(lambda: Upgrade.objects.get(pk=broken.upgrade_id).state == State.SUCCESSFUL, 90, "the fix")
    flow.resume(operator, rollout, reason="fixed")

    # Wave 3 starts; pause it: what started runs to its end, nothing new starts.
    wait_rollout(
        rollout, lambda r: state(r) == RolloutState.RUNNING and r.current_wave == 3, 90, "wave 3", engine
    )
    flow.pause(operator, rollout)
    started = set(
        RolloutUnit.objects.filter(rollout=rollout).exclude(upgrade=None).values_list("pk", flat=True)
    )
    wait_rollout(
        rollout,
        lambda r: not r.units.filter(state=UnitState.UPGRADING).exists(),
        120, "the started upgrades to end", engine,
    )  # fmt: skip
    time.sleep(2)  # beat passes and the ends' own wake-ups: still nothing new
    assert state(rollout) == RolloutState.PAUSED
    assert (
        set(RolloutUnit.objects.filter(rollout=rollout).exclude(upgrade=None).values_list("pk", flat=True))
        == started
    )
    flow.resume(operator, rollout)

    # kill -9 of both workers and beat as wave 4 runs; new ones finish the rollout.
    wait_rollout(
        rollout, lambda r: r.units.filter(wave=4).exclude(upgrade=None).exists(), 60, "wave 4", engine
    )
    for name in ("w1", "w2", "beat"):
        engine.kill(name)
    engine.start_beat(wait=False)
    engine.start_worker("w3")
    wait_rollout(
        rollout, lambda r: state(r) in (RolloutState.SUCCESSFUL, RolloutState.FAILED), 240, "the end", engine
    )

    assert rollout.state == RolloutState.SUCCESSFUL, rollout.halt_reason
    units = list(RolloutUnit.objects.filter(rollout=rollout).select_related("upgrade").order_by("position"))
    assert {u.state for u in units} == {UnitState.UPGRADED}
    upgrades = [u.upgrade for u in units]
    assert all(u.state == State.SUCCESSFUL for u in upgrades)
    # Never the same upgrade twice: one upgrade per cluster, one POST per upgrade.
    per_cluster = Upgrade.objects.values("cluster").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_cluster.exists()
    assert simulator.upgrade_posts() == Upgrade.objects.count()
    # Order: each wave starts after the previous one ended; never more than 5 at once.
    for wave in range(1, 5):
        before = [u.upgrade for u in units if u.wave == wave - 1]
        now = [u.upgrade for u in units if u.wave == wave]
        assert min(u.created_at for u in now) >= max(u.finished_at for u in before), f"wave {wave}"
    assert most_at_once(upgrades) <= 5
    # Pairs: one upgrade for both, the standby's child task first.
    for primary, standby in fleet.pairs:
        upgrade = Upgrade.objects.get(cluster=primary)
        assert list(upgrade.also_upgrades.all()) == [standby]
        children = {t.cluster_ocp_id: t for t in UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False)}
        assert children[standby.ocp_id].started_at <= children[primary.ocp_id].started_at
        assert not Upgrade.objects.filter(cluster=standby).exists()

    # The aborted one: its first upgrade ran to its end, the others never started.
    wait_rollout(
        aborted, lambda r: r.units.filter(state=UnitState.UPGRADING).count() == 0, 90, "its end", engine
    )
    states = list(aborted.units.order_by("position").values_list("state", flat=True))
    assert state(aborted) == RolloutState.ABORTED
    assert states == [UnitState.UPGRADED, UnitState.NOT_STARTED, UnitState.NOT_STARTED]
