"""Rollout planning and the reconciler's state machine, in this process against the simulator over
HTTP. Member upgrades are created for real (pre-check with OCP, plan, events); their outcome is then
written as the poller would, so every move of the rollout can be driven step by step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpdash.changes.models import ApprovalPolicy
from ocpdash.rollouts import flow
from ocpdash.rollouts.models import Rollout, RolloutState, RolloutUnit, UnitState
from ocpdash.rollouts.plan import Strategy
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import NotAllowed, OperationRefused
from ocpdash.upgrades.models import State, Upgrade
from tests.rollouts.conftest import TARGET_ARM, TARGET_X86

pytestmark = pytest.mark.django_db(transaction=True)
TARGET = "4.2.1.1-100000162023111615"


def finish(unit: RolloutUnit, state: str = State.SUCCESSFUL) -> None:
    """Write an upgrade's outcome as the poller does when OCP's task ends."""
    unit.refresh_from_db()
    Upgrade.objects.filter(pk=unit.upgrade_id).update(state=state, finished_at=timezone.now())


def units(rollout: Rollout) -> list[RolloutUnit]:
    return list(RolloutUnit.objects.filter(rollout=rollout).order_by("position"))


def upgrading(rollout: Rollout) -> list[RolloutUnit]:
    return [u for u in units(rollout) if u.state == UnitState.UPGRADING]


def test_plan_makes_pairs_one_unit_picks_the_package_per_architecture_and_says_who_is_left_out(
    make_fleet, operator
):
    fleet = make_fleet(x86=3, arm=1, pairs=1)
    nova = Cluster.objects.get(site=fleet.site, name="nova")  # already past 4.2.1.1
    primary, standby = fleet.pairs[0]
    chosen = [*fleet.clusters[:4], standby, nova]  # the pair is chosen by its standby alone
    plan = flow.preview(
        operator, clusters=chosen, packages=fleet.packages, canary=[fleet.arm[0].pk],
        strategy=Strategy(wave_size=2, max_parallel=2),
    )  # fmt: skip
    by_cluster = {u["cluster"]: u for u in plan.units}
    assert set(by_cluster) == {*(c.pk for c in fleet.clusters[:4]), primary.pk}
    pair = by_cluster[primary.pk]
    assert [m["name"] for m in pair["members"]] == [standby.name, primary.name]  # standby first
    assert by_cluster[fleet.arm[0].pk]["file_name"] == TARGET_ARM
    assert by_cluster[fleet.x86[0].pk]["file_name"] == TARGET_X86
    assert by_cluster[fleet.arm[0].pk]["wave"] == 0  # the canary
    assert sorted(u["wave"] for u in plan.units) == [0, 1, 1, 2, 2]
    assert [u["name"] for u in plan.left_out] == ["nova"]
    assert "4.3.0.0" in plan.left_out[0]["why"] or "newer" in plan.left_out[0]["why"]
    again = flow.preview(
        operator, clusters=chosen, packages=fleet.packages, canary=[fleet.arm[0].pk],
        strategy=Strategy(wave_size=2, max_parallel=2),
    )  # fmt: skip
    assert again.digest == plan.digest


def test_refusals_say_what_is_wrong(make_fleet, operator, viewer):
    fleet = make_fleet(x86=1)
    x86_only = [p for p in fleet.packages if p.arch == "x86_64"]
    with pytest.raises(OperationRefused, match="one target version"):
        flow.preview(
            operator, clusters=fleet.clusters, strategy=Strategy(),
            packages=[*x86_only, type(x86_only[0]).objects.exclude(version="4.2.1.1").first()],
        )  # fmt: skip
    with pytest.raises(OperationRefused, match="Canary"):
        flow.preview(
            operator, clusters=fleet.clusters, packages=x86_only, canary=[10**9], strategy=Strategy()
        )
    with pytest.raises(OperationRefused, match="wave_size"):
        flow.preview(operator, clusters=fleet.clusters, packages=x86_only, strategy=Strategy(wave_size=0))
    with pytest.raises(NotAllowed):
        flow.create(viewer, name="x", clusters=fleet.clusters, packages=x86_only, strategy=Strategy())


def test_waves_in_order_never_more_than_max_parallel_halt_on_failure_and_resume(make_fleet, operator):
    fleet = make_fleet(x86=6)
    rollout = flow.create(
        operator, name="fleet", clusters=fleet.clusters, packages=fleet.packages, canary=[fleet.x86[0].pk],
        strategy=Strategy(wave_size=3, max_parallel=2, halt_after_failures=1),
    )  # fmt: skip
    assert rollout.state == RolloutState.RUNNING
    assert flow.reconcile(rollout.pk).started == [units(rollout)[0].pk]  # the canary alone
    assert flow.reconcile(rollout.pk).started == []  # again: nothing more, nothing twice
    canary = units(rollout)[0]
    finish(canary)
    second = flow.reconcile(rollout.pk)
    assert len(second.started) == 2  # wave 1 has 3 units, 2 slots
    rollout.refresh_from_db()
    assert rollout.current_wave == 1
    first, other = [u for u in units(rollout) if u.pk in second.started]
    finish(first)
    assert len(flow.reconcile(rollout.pk).started) == 1  # a slot came free
    assert len(upgrading(rollout)) == 2
    finish(other, State.FAILED)
    halted = flow.reconcile(rollout.pk)
    assert halted.state == RolloutState.HALTED and halted.started == []
    rollout.refresh_from_db()
    assert other.cluster.name in rollout.halt_reason
    # The operator fixes it (a retry that succeeds), then resumes.
    Upgrade.objects.filter(pk=other.upgrade_id).update(state=State.RUNNING)
    finish(other)
    for unit in upgrading(rollout):
        finish(unit)
    flow.resume(operator, rollout)
    moved = flow.reconcile(rollout.pk)
    assert moved.state == RolloutState.RUNNING and len(moved.started) == 2  # wave 2
    for unit in upgrading(rollout):
        finish(unit)
    assert flow.reconcile(rollout.pk).state == RolloutState.SUCCESSFUL
    assert {u.state for u in units(rollout)} == {UnitState.UPGRADED}
    assert Upgrade.objects.filter(rollout_unit__rollout=rollout).count() == 6  # one upgrade per unit


def test_pause_starts_nothing_resume_goes_on_abort_leaves_running_upgrades(make_fleet, operator):
    fleet = make_fleet(x86=4)
    rollout = flow.create(
        operator, name="p", clusters=fleet.clusters, packages=fleet.packages,
        strategy=Strategy(wave_size=1, max_parallel=1),
    )  # fmt: skip
    flow.reconcile(rollout.pk)
    first = upgrading(rollout)[0]
    flow.pause(operator, rollout, reason="change freeze talk")
    finish(first)
    assert flow.reconcile(rollout.pk).started == []
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.PAUSED
    flow.resume(operator, rollout)
    assert len(flow.reconcile(rollout.pk).started) == 1
    running = upgrading(rollout)[0]
    flow.abort(operator, rollout, reason="enough")
    assert flow.reconcile(rollout.pk).started == []
    assert [u.state for u in units(rollout)] == [
        UnitState.UPGRADED, UnitState.UPGRADING, UnitState.NOT_STARTED, UnitState.NOT_STARTED,
    ]  # fmt: skip
    finish(running)
    flow.reconcile(rollout.pk)
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.ABORTED
    assert units(rollout)[1].state == UnitState.UPGRADED  # followed to its end
    with pytest.raises(OperationRefused):
        flow.resume(operator, rollout)


def test_approval_is_once_bound_to_the_plan_and_not_by_the_creator(make_fleet, operator, approver, simulator):
    fleet = make_fleet(x86=2)
    for cluster in fleet.clusters:
        cluster.labels = ["production"]
        cluster.save(update_fields=["labels"])
    ApprovalPolicy.objects.create(label="production", approvals_required=1)
    rollout = flow.create(
        operator, name="a", clusters=fleet.clusters, packages=fleet.packages, strategy=Strategy()
    )
    assert rollout.state == RolloutState.AWAITING_APPROVAL and rollout.approvals_required == 1
    assert flow.reconcile(rollout.pk).started == []
    operator.groups.add(*approver.groups.all())
    operator = type(operator).objects.get(pk=operator.pk)  # its permissions afresh
    with pytest.raises(NotAllowed, match="creator"):
        flow.approve(operator, rollout)
    flow.approve(approver, rollout, comment="ok")
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.RUNNING
    started = flow.reconcile(rollout.pk).started
    assert len(started) == 2
    upgrade = Upgrade.objects.get(rollout_unit__pk=started[0])
    assert upgrade.state == State.QUEUED  # no approval of its own: the rollout's counts
    assert "rollout" in upgrade.events.first().message.lower()


def test_a_changed_plan_voids_the_approval(make_fleet, operator, approver, simulator):
    fleet = make_fleet(x86=2)
    ApprovalPolicy.objects.create(site=fleet.site, approvals_required=1)
    rollout = flow.create(
        operator, name="a", clusters=fleet.clusters, packages=fleet.packages, strategy=Strategy()
    )
    simulator.set_cluster_status(fleet.x86[1].ocp_id, "STOPPED")  # now it fails its pre-check
    with pytest.raises(OperationRefused, match="plan changed"):
        flow.approve(approver, rollout)
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.AWAITING_APPROVAL
    assert [u["name"] for u in rollout.plan["left_out"]] == [fleet.x86[1].name]


def test_soak_rereads_ocp_and_halts_when_a_cluster_is_not_running_the_target(make_fleet, operator, simulator):
    fleet = make_fleet(x86=3)
    rollout = flow.create(
        operator, name="s", clusters=fleet.clusters, packages=fleet.packages, canary=[fleet.x86[0].pk],
        strategy=Strategy(wave_size=2, max_parallel=2, soak_minutes=30),
    )  # fmt: skip
    flow.reconcile(rollout.pk)
    canary = units(rollout)[0]
    finish(canary)
    simulator.set_cluster(fleet.x86[0].ocp_id, version=TARGET)
    assert flow.reconcile(rollout.pk).state == RolloutState.SOAKING
    later = timezone.now() + timedelta(minutes=10)
    assert flow.reconcile(rollout.pk, now=later).started == []  # still soaking
    done = flow.reconcile(rollout.pk, now=timezone.now() + timedelta(minutes=31))
    assert done.state == RolloutState.RUNNING and len(done.started) == 2  # soaked: wave 1
    for unit in upgrading(rollout):
        finish(unit)
    flow.reconcile(rollout.pk)  # wave 1 done: soaking; OCP still reports the old version
    halted = flow.reconcile(rollout.pk)
    assert halted.state == RolloutState.HALTED
    rollout.refresh_from_db()
    assert "During the soak" in rollout.halt_reason and "4.2.1.0" in rollout.halt_reason


def test_a_wave_waits_for_its_clusters_maintenance_windows(make_fleet, operator):
    from datetime import time

    from ocpdash.changes.models import MaintenanceWindow

    fleet = make_fleet(x86=2)
    weekday = (timezone.now().weekday() + 3) % 7  # three days ahead: never open during the test
    MaintenanceWindow.objects.create(
        cluster=fleet.x86[0], weekday=weekday, start_time=time(1), end_time=time(5), time_zone="UTC"
    )
    rollout = flow.create(
        operator, name="w", clusters=fleet.clusters, packages=fleet.packages,
        strategy=Strategy(wave_size=2, max_parallel=2),
    )  # fmt: skip
    flow.reconcile(rollout.pk)
    flow.reconcile(rollout.pk)  # reads the upgrades it started
    waiting, free = units(rollout)
    assert Upgrade.objects.get(pk=waiting.upgrade_id).state == State.SCHEDULED  # waits for its window
    assert waiting.state == UnitState.UPGRADING and "window" in waiting.note.lower()
    assert Upgrade.objects.get(pk=free.upgrade_id).state == State.QUEUED  # no window: starts now
    finish(free)
    assert flow.reconcile(rollout.pk).state == RolloutState.RUNNING  # the wave is not done yet


def test_a_unit_whose_pre_check_fails_at_its_start_halts_and_is_tried_again_on_resume(
    make_fleet, operator, simulator
):
    fleet = make_fleet(x86=2)
    rollout = flow.create(
        operator, name="r", clusters=fleet.clusters, packages=fleet.packages,
        strategy=Strategy(wave_size=1, max_parallel=1),
    )  # fmt: skip
    simulator.set_cluster_status(fleet.x86[0].ocp_id, "STOPPED")  # after planning, before its start
    flow.reconcile(rollout.pk)
    halted = flow.reconcile(rollout.pk)
    first = units(rollout)[0]
    assert (
        halted.state == RolloutState.HALTED and first.state == UnitState.FAILED and first.upgrade_id is None
    )
    assert "STOPPED" in first.note
    simulator.set_cluster_status(fleet.x86[0].ocp_id, "RUNNING")  # the operator starts it again
    assert "Tried again" in flow.resume(operator, rollout)
    assert flow.reconcile(rollout.pk).started == [first.pk]


def test_ocp_unreachable_at_a_start_waits_and_fails_nothing(make_fleet, operator, simulator):
    fleet = make_fleet(x86=1)
    rollout = flow.create(
        operator, name="u", clusters=fleet.clusters, packages=fleet.packages, strategy=Strategy()
    )
    simulator.faults(http_error={"status": 503, "rate": 1.0, "count": 50})
    assert flow.reconcile(rollout.pk).started == []
    unit = units(rollout)[0]
    assert unit.state == UnitState.PENDING and "Waiting for OCP" in unit.note
    simulator.clear_faults()
    assert flow.reconcile(rollout.pk).started == [unit.pk]
    assert flow.reconcile(rollout.pk).state == RolloutState.RUNNING
