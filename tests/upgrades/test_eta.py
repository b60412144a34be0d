"""ETA from history (ocpdash.upgrades.eta): past upgrades are seeded as rows, the estimate is read back.

Each past upgrade's step times are chosen here; the expected figures are worked out from those
choices (by hand or with the standard library), never read from the implementation.
"""

import itertools
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocpdash.upgrades import eta
from ocpdash.upgrades.eta import Estimate, estimate_plan, estimate_remaining, expected_end, humanize
from ocpdash.upgrades.eta import normalize_step_name as norm
from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
_ids = itertools.count(50_000)


def zones(*names):
    return [
        {"name": n, "servers": [{"ip": f"10.1.{i}.7", "rootserver": i == 0}]} for i, n in enumerate(names)
    ]


@dataclass
class S:
    """A step of a seeded DAG: ``seconds`` from when it could start to its finish; ``ups`` by name."""

    name: str
    seconds: float = 0
    ups: tuple[str, ...] = ()
    child: list["S"] | None = None  # a child task that runs inside this step
    gap: float = 0  # seconds between becoming ready and starting (part of its time)


def chain(*pairs):
    """S steps one after the other: chain(("A", 10), ("B", 20))."""
    return [S(name, seconds, (pairs[i - 1][0],) if i else ()) for i, (name, seconds) in enumerate(pairs)]


@pytest.fixture
def world(make_cluster, make_package, make_user):
    class World:
        package = make_package()
        user = make_user()
        created = itertools.count(1)

        def cluster(self, *names):
            names = names or ("zone1", "zone2", "zone3")
            return make_cluster(zones=zones(*names), zone_count=len(names))

        def upgrade(self, cluster, state=State.SUCCESSFUL, path=("4.2.1.1",), mode="", **fields):
            # created_at increases: the newest upgrade is the last one made
            fields.setdefault("created_at", T0 + timedelta(minutes=next(self.created)))
            return Upgrade.objects.create(
                cluster=cluster, package=self.package, requested_by=self.user, state=state,
                from_version="4.2.0.0", to_version=path[-1], upgrade_path=list(path), upgrade_mode=mode,
                **fields,
            )  # fmt: skip

        def past(self, cluster, steps, start=T0, **kwargs):
            """A successful upgrade whose parent task runs ``steps`` from ``start``."""
            upgrade = self.upgrade(cluster, **kwargs)
            end = self.task(upgrade, steps, start, parent=True)
            Upgrade.objects.filter(pk=upgrade.pk).update(submitted_at=start, finished_at=end)
            return upgrade

        def task(self, upgrade, steps, start, parent=False, wait_id=None):
            task_id = next(_ids)
            UpgradeTask.objects.create(
                upgrade=upgrade, ocp_task_id=task_id, name="t", is_parent=parent,
                parent_subtask_id=wait_id, started_at=start, status="SUCCESSFUL",
            )  # fmt: skip
            ids = {s.name: next(_ids) for s in steps}
            ends = {}
            for s in steps:
                ready = max((ends[u] for u in s.ups), default=start)
                begin = ready + timedelta(seconds=s.gap)
                end = ready + timedelta(seconds=s.seconds)
                if s.child is not None:
                    end = self.task(upgrade, s.child, begin, wait_id=ids[s.name])
                ends[s.name] = end
                UpgradeStep.objects.create(
                    upgrade=upgrade, ocp_task_id=task_id, ocp_subtask_id=ids[s.name], name=s.name,
                    status="SUCCESSFUL", upstreams=[ids[u] for u in s.ups], started_at=begin, finished_at=end,
                )  # fmt: skip
            return max(ends.values())

        def running(self, cluster, rows, **kwargs):
            """A running upgrade; rows: (name, status, ups, started, finished[, task key, wait name])."""
            upgrade = self.upgrade(cluster, state=State.RUNNING, submitted_at=T0, **kwargs)
            task_ids, ids = {}, {}
            for row in rows:
                name, status, ups, started, finished, task, wait = (*row, "parent", None)[:7]
                if task not in task_ids:
                    task_ids[task] = next(_ids)
                    UpgradeTask.objects.create(
                        upgrade=upgrade, ocp_task_id=task_ids[task], name=task, is_parent=task == "parent",
                        parent_subtask_id=ids[wait] if wait else None, started_at=T0,
                    )  # fmt: skip
                ids[name] = next(_ids)
                UpgradeStep.objects.create(
                    upgrade=upgrade, ocp_task_id=task_ids[task], ocp_subtask_id=ids[name], name=name,
                    status=status, upstreams=[ids[u] for u in ups], started_at=started, finished_at=finished,
                )  # fmt: skip
            return upgrade

    return World()


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def minutes(estimate):
    return (estimate.median.total_seconds() / 60, estimate.p90.total_seconds() / 60)


# --- Names, numbers and words ------------------------------------------------------------------


def test_the_same_step_on_another_cluster_zone_and_host_gets_the_same_name():
    pairs = [
        ("Stop zone zone1", ["zone1", "zone2"], "Stop zone hz-b", ["hz-a", "hz-b"]),
        ("Install OceanBase RPM (oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm)", [],
         "Install OceanBase RPM (oceanbase-4.3.3.0-100000142024101215.el8.aarch64.rpm)", []),
        ("Restart observer 10.0.0.7:2882", [], "Restart observer 192.168.10.21:2882", []),
        ("Check host ob1.dc1.example.com", [], "Check host ob-17.sh.example.net", []),
        ("Upgrade to 4.2.1.2-100000082024010818", [], "Upgrade to 4.3.0.0", []),
        ("Execute upgrade script 3 of 5", [], "Execute upgrade script 12 of 12", []),
    ]  # fmt: skip
    for a, zones_a, b, zones_b in pairs:
        assert norm(a, zones_a) == norm(b, zones_b), (a, b)


def test_different_steps_keep_different_names():
    names = ["Stop zone zone1", "Start zone zone1", "Restart observer", "Install OceanBase RPM (x.rpm)"]
    assert len({norm(n, ["zone1"]) for n in names}) == 4


def test_normalised_names_say_what_was_replaced():
    assert norm("Stop  zone zone2", ["zone1", "zone2"]) == "Stop zone <zone>"
    assert norm("Restart 10.0.0.7:2882") == "Restart <ip>"
    assert norm("Restart 10.0.0.7") == "Restart <ip>"
    assert norm("Upgrade to 4.2.1.0") == "Upgrade to <version>"
    assert norm("Wait dag success") == "Wait dag success"


def test_a_zone_name_inside_another_word_is_not_replaced():
    assert norm("Stop zone1x", ["zone1"]) == "Stop zone<n>x"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "under a minute"), (59, "under a minute"), (47 * 60 + 10, "47 min"), (65 * 60, "1 h 05 min"),
     (2 * 86400 + 3 * 3600, "2 d 3 h"), (3 * 86400, "3 d")],
)  # fmt: skip
def test_humanize(seconds, text):
    assert humanize(timedelta(seconds=seconds)) == text


def test_describe_and_as_dict():
    estimate = Estimate(timedelta(minutes=47), timedelta(minutes=65), 12, "12 past upgrades")
    assert estimate.known
    assert estimate.describe() == "about 47 min (p90 1 h 05 min)"
    assert estimate.as_dict() == {
        "median_seconds": 2820, "p90_seconds": 3900, "samples": 12, "basis": "12 past upgrades",
        "text": "about 47 min (p90 1 h 05 min)",
    }  # fmt: skip


def test_quantile_interpolates_linearly_between_ranks():
    values = [7, 1, 30, 12, 5, 60, 3]
    assert eta.quantile(values, 0.5) == statistics.median(values)
    assert eta.quantile(values, 0.9) == pytest.approx(
        statistics.quantiles(values, n=10, method="inclusive")[8]
    )


# --- Plans -----------------------------------------------------------------------------------------


def test_no_history_says_so(world):
    estimate = estimate_plan(world.cluster(), upgrade_path=["4.2.1.1"])
    assert not estimate.known
    assert (estimate.samples, estimate.describe()) == (0, "no history yet")
    assert estimate.as_dict()["median_seconds"] is None


def test_plan_follows_the_critical_path_not_the_sum_of_parallel_branches(world):
    cluster = world.cluster()
    fork = [S("A", 60), S("B", 100, ("A",)), S("C", 300, ("A",)), S("D", 30, ("B", "C"))]
    for _ in range(3):
        world.past(cluster, fork)
    estimate = estimate_plan(cluster, upgrade_path=["4.2.1.1"])
    assert estimate.median == timedelta(seconds=60 + 300 + 30)
    assert estimate.samples == 3


def test_plan_of_one_past_upgrade_adds_up_to_its_real_length_gaps_included(world):
    cluster = world.cluster()
    steps = [
        S("A", 61, gap=4),
        S("B", 100, ("A",), gap=9),
        S("C", 333, ("A",), gap=2),
        S("D", 31, ("B", "C")),
    ]
    past = world.past(cluster, steps, start=at(0))
    past.refresh_from_db()
    estimate = estimate_plan(cluster, upgrade_path=["4.2.1.1"])
    assert estimate.median == past.finished_at - past.submitted_at


def test_median_and_p90_come_from_the_step_times_of_past_upgrades(world):
    cluster = world.cluster()
    times = [300, 320, 340, 360, 380, 400, 420, 600, 900, 1200]
    for seconds in times:
        world.past(cluster, chain(("Prepare", 60), ("Restart observer", seconds)))
    estimate = estimate_plan(cluster, upgrade_path=["4.2.1.1"])
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    assert estimate.median.total_seconds() == pytest.approx(60 + statistics.median(times))
    assert estimate.p90.total_seconds() == pytest.approx(60 + p90)
    assert estimate.describe().startswith("about ")


def test_a_child_task_runs_inside_the_step_that_waits_for_it(world):
    cluster = world.cluster()
    for x, y in [(100, 100), (500, 100), (100, 500)]:  # the wait step took 200, 600, 600
        child = chain(("Stop zone zone1", x), ("Start zone zone1", y))
        parent = [S("Start node", 10), S("Submit cluster upgrade task", 20, ("Start node",)),
                  S("Wait dag success", 0, ("Submit cluster upgrade task",), child=child),
                  S("Update OB cluster status", 40, ("Wait dag success",))]  # fmt: skip
        world.past(cluster, parent)
    estimate = estimate_plan(cluster, upgrade_path=["4.2.1.1"])
    # the child's steps at their medians (100 + 100), not the wait step's own median (600)
    assert estimate.median == timedelta(seconds=10 + 20 + 100 + 100 + 40)


def test_plan_takes_the_dag_of_an_upgrade_with_the_same_zones_and_hops(world):
    three, five = world.cluster(), world.cluster("a", "b", "c", "d", "e")
    for _ in range(2):
        world.past(three, chain(("A", 100)), path=("4.2.1.1",))
        world.past(three, chain(("A", 100), ("B", 500)), path=("4.2.1.0", "4.2.1.1"))
        world.past(five, chain(("A", 100), ("B", 500), ("C", 900)), path=("4.2.1.1",))
    one_hop = estimate_plan(world.cluster("x", "y", "z"), upgrade_path=["4.2.1.1"])
    two_hops = estimate_plan(three, upgrade_path=["4.2.1.0", "4.2.1.1"])
    assert one_hop.median == timedelta(seconds=100)
    assert one_hop.basis.startswith("2 past upgrades with 3 zones and 1 hop;")
    assert two_hops.median == timedelta(seconds=600)
    assert "with 3 zones and 2 hops" in two_hops.basis


def test_plan_falls_back_to_coarser_similarity_and_says_so(world):
    three = world.cluster()
    for _ in range(3):
        world.past(three, chain(("A", 100), ("B", 500)), path=("4.2.1.1",))
    more_hops = estimate_plan(three, upgrade_path=["4.1.0.0", "4.2.0.0", "4.2.1.1"])
    other_zones = estimate_plan(world.cluster("a", "b"), upgrade_path=["4.2.1.1"])
    assert more_hops.median == other_zones.median == timedelta(seconds=600)
    assert more_hops.basis.startswith("3 past upgrades with 3 zones;")
    assert other_zones.basis.startswith("3 past upgrades of any size;")
    assert "by name only" in other_zones.basis  # no step history for 2 zones: pooled by name


def test_a_mode_asked_for_picks_upgrades_in_that_mode_first(world):
    cluster = world.cluster()
    world.past(cluster, chain(("Stop zone zone1", 100), ("Stop zone zone2", 100)), mode="ROLLING")
    world.past(cluster, [S("Stop zone zone1", 100), S("Stop zone zone2", 100)], mode="STOP_SERVICE")
    rolling = estimate_plan(cluster, upgrade_path=["4.2.1.1"], upgrade_mode="ROLLING")
    downtime = estimate_plan(cluster, upgrade_path=["4.2.1.1"], upgrade_mode="STOP_SERVICE")
    assert (rolling.median, downtime.median) == (timedelta(seconds=200), timedelta(seconds=100))
    assert rolling.basis.startswith("1 past upgrade with 3 zones and 1 hop, ROLLING;")


def test_without_step_history_whole_durations_are_used(world):
    cluster = world.cluster()
    lengths = [40, 50, 55, 60, 90]
    for length in lengths:
        world.upgrade(cluster, submitted_at=at(0), finished_at=at(length * 60))
    estimate = estimate_plan(cluster, upgrade_path=["4.2.1.1"])
    assert estimate.median == timedelta(minutes=statistics.median(lengths))
    assert estimate.p90.total_seconds() == pytest.approx(
        60 * statistics.quantiles(lengths, n=10, method="inclusive")[8]
    )
    assert "whole durations" in estimate.basis and estimate.samples == 5


def test_failed_and_running_upgrades_are_not_history(world):
    cluster = world.cluster()
    world.upgrade(cluster, state=State.FAILED, submitted_at=at(0), finished_at=at(600))
    world.upgrade(cluster, state=State.ROLLED_BACK, submitted_at=at(0), finished_at=at(600))
    assert not estimate_plan(cluster, upgrade_path=["4.2.1.1"]).known


def test_the_upgrade_being_estimated_is_left_out(world):
    cluster = world.cluster()
    only = world.past(cluster, chain(("A", 100)))
    assert not estimate_plan(cluster, upgrade_path=["4.2.1.1"], exclude_upgrade_id=only.pk).known


# --- Per-step grouping ---------------------------------------------------------------------------


def pending(*names_and_ups):
    return [(name, "PENDING", ups, None, None) for name, ups in names_and_ups]


def test_steps_are_grouped_by_name_task_step_count_and_zone_count(world):
    cluster = world.cluster()
    for _ in range(3):
        world.past(cluster, chain(("A", 10), ("Restart observer", 100), ("C", 10)))
        world.past(cluster, chain(("A", 10), ("Restart observer", 500), ("C", 10), ("D", 10), ("E", 10)))
    short = world.running(
        cluster, pending(("A", ()), ("Restart observer", ("A",)), ("C", ("Restart observer",)))
    )
    assert estimate_remaining(short, now=at(0)).median == timedelta(seconds=10 + 100 + 10)
    short.delete()
    four = world.running(
        cluster,
        pending(("A", ()), ("Restart observer", ("A",)), ("C", ("Restart observer",)), ("D", ("C",))),
    )
    estimate = estimate_remaining(four, now=at(0))
    # no 4-step task in the history: the step is pooled over every step count with 3 zones
    assert estimate.median == timedelta(seconds=10 + statistics.median([100] * 3 + [500] * 3) + 10 + 10)
    assert "by name and zone count" in estimate.basis


def test_zone_count_separates_step_times_then_falls_back_to_the_name(world):
    three, five = world.cluster(), world.cluster("a", "b", "c", "d", "e")
    for _ in range(3):
        world.past(three, chain(("Restart observer", 100)))
        world.past(five, chain(("Restart observer", 700)))
    rows = pending(("Restart observer", ()))
    on_five = world.running(world.cluster("p", "q", "r", "s", "t"), rows)
    on_four = world.running(world.cluster("p", "q", "r", "s"), rows)
    assert estimate_remaining(on_five, now=at(0)).median == timedelta(seconds=700)
    estimate = estimate_remaining(on_four, now=at(0))
    assert estimate.median == timedelta(seconds=statistics.median([100] * 3 + [700] * 3))
    assert "by name only" in estimate.basis


def test_a_grouping_with_too_few_samples_gives_way_to_a_coarser_one(world):
    cluster = world.cluster()
    world.past(cluster, chain(("Restart observer", 1000)))  # the only 1-step task: one sample
    for _ in range(3):
        world.past(cluster, chain(("Restart observer", 100), ("B", 10)))
    upgrade = world.running(cluster, pending(("Restart observer", ())))
    assert eta.MIN_SAMPLES > 1
    expected = statistics.median([1000, 100, 100, 100])
    assert estimate_remaining(upgrade, now=at(0)).median == timedelta(seconds=expected)


def test_steps_match_across_clusters_with_other_zone_names_and_rpms(world):
    history = world.cluster("hz1", "hz2", "hz3")
    install = "Install OceanBase RPM ({})"
    for _ in range(3):
        world.past(
            history,
            chain(("Stop zone hz2", 120), (install.format("oceanbase-4.2.1.1-1.el7.x86_64.rpm"), 240)),
        )
    other = world.cluster("sh-a", "sh-b", "sh-c")
    rows = pending(
        ("Stop zone sh-c", ()), (install.format("oceanbase-4.3.3.0-1.el8.aarch64.rpm"), ("Stop zone sh-c",))
    )
    upgrade = world.running(other, rows)
    estimate = estimate_remaining(upgrade, now=at(0))
    assert estimate.median == timedelta(seconds=360)
    assert "never seen" not in estimate.basis


def test_a_step_never_seen_takes_a_typical_step_time_and_the_basis_says_so(world):
    cluster = world.cluster()
    for _ in range(3):
        world.past(cluster, [S("A", 100), S("Wait dag success", 0, ("A",), child=chain(("B", 300)))])
    upgrade = world.running(cluster, pending(("A", ()), ("Brand new step", ("A",))))
    estimate = estimate_remaining(upgrade, now=at(0))
    # typical: A's and B's times; the wait step (B's whole child task) is not a step of its own
    assert estimate.median == timedelta(seconds=100 + statistics.median([100, 300] * 3))
    assert "1 never seen" in estimate.basis


# --- A running upgrade -----------------------------------------------------------------------------


@pytest.fixture
def abc_history(world):
    cluster = world.cluster()
    for _ in range(3):
        world.past(cluster, chain(("A", 100), ("B", 200), ("C", 300)))
    return cluster


def test_remaining_is_recomputed_as_steps_finish(world, abc_history):
    upgrade = world.running(
        abc_history, [("A", "RUNNING", (), at(0), None), *pending(("B", ("A",)), ("C", ("B",)))]
    )
    assert estimate_remaining(upgrade, now=at(30)).median == timedelta(seconds=70 + 200 + 300)
    UpgradeStep.objects.filter(upgrade=upgrade, name="A").update(status="SUCCESSFUL", finished_at=at(110))
    UpgradeStep.objects.filter(upgrade=upgrade, name="B").update(status="RUNNING", started_at=at(110))
    assert estimate_remaining(upgrade, now=at(160)).median == timedelta(seconds=150 + 300)
    UpgradeStep.objects.filter(upgrade=upgrade).update(
        status="SUCCESSFUL", started_at=at(0), finished_at=at(1)
    )
    done = estimate_remaining(upgrade, now=at(700))
    assert done.median == done.p90 == timedelta(0)


def test_an_overdue_step_counts_zero_not_negative(world, abc_history):
    upgrade = world.running(
        abc_history, [("A", "RUNNING", (), at(0), None), *pending(("B", ("A",)), ("C", ("B",)))]
    )
    assert estimate_remaining(upgrade, now=at(5000)).median == timedelta(seconds=200 + 300)


def test_a_failed_step_counts_its_full_time(world, abc_history):
    upgrade = world.running(
        abc_history, [("A", "FAILED", (), at(0), at(50)), *pending(("B", ("A",)), ("C", ("B",)))]
    )
    assert estimate_remaining(upgrade, now=at(4000)).median == timedelta(seconds=600)


def test_remaining_takes_the_longest_open_branch(world):
    cluster = world.cluster()
    fork = [S("A", 60), S("B", 100, ("A",)), S("C", 300, ("A",)), S("D", 30, ("B", "C"))]
    for _ in range(3):
        world.past(cluster, fork)
    rows = [("A", "SUCCESSFUL", (), at(0), at(60)), ("B", "RUNNING", ("A",), at(60), None),
            ("C", "RUNNING", ("A",), at(60), None), ("D", "PENDING", ("B", "C"), None, None)]  # fmt: skip
    upgrade = world.running(cluster, rows)
    assert estimate_remaining(upgrade, now=at(160)).median == timedelta(seconds=200 + 30)
    UpgradeStep.objects.filter(upgrade=upgrade, name="C").update(status="SUCCESSFUL", finished_at=at(170))
    assert estimate_remaining(upgrade, now=at(170)).median == timedelta(seconds=30)  # B is overdue


def running_in_child_task(world):
    """An upgrade 160 s in: its parent's wait step runs child task X → Y → Z (three past runs of it),
    X done, Y running since 50 s."""
    cluster = world.cluster()
    child = chain(("X", 100), ("Y", 300), ("Z", 200))
    parent = [S("Start node", 10), S("Wait dag success", 0, ("Start node",), child=child),
              S("Update OB cluster status", 40, ("Wait dag success",))]  # fmt: skip
    for _ in range(3):
        world.past(cluster, parent)
    rows = [
        ("Start node", "SUCCESSFUL", (), at(0), at(10)),
        ("Wait dag success", "RUNNING", ("Start node",), at(10), None),
        ("Update OB cluster status", "PENDING", ("Wait dag success",), None, None),
        ("X", "SUCCESSFUL", (), at(10), at(50), "child", "Wait dag success"),
        ("Y", "RUNNING", ("X",), at(50), None, "child", "Wait dag success"),
        ("Z", "PENDING", ("Y",), None, None, "child", "Wait dag success"),
    ]
    return world.running(cluster, rows)


def test_remaining_goes_through_the_child_task_of_the_running_wait_step(world):
    upgrade = running_in_child_task(world)
    estimate = estimate_remaining(upgrade, now=at(160))
    # Y has run 110 s of its 300; the wait step's own time (600 since 10 s) would give 450 + 40
    assert estimate.median == timedelta(seconds=(300 - 110) + 200 + 40)
    assert estimate.samples == 3


def test_a_running_upgrade_without_steps_yet_uses_its_plan_less_the_time_it_ran(world, abc_history):
    upgrade = world.running(abc_history, [])
    assert estimate_remaining(upgrade, now=at(100)).median == timedelta(seconds=600 - 100)


def test_a_queued_upgrade_is_estimated_from_its_plan(world, abc_history):
    upgrade = world.upgrade(abc_history, state=State.QUEUED)
    assert estimate_remaining(upgrade, now=at(5000)).median == timedelta(seconds=600)


def test_a_rollback_gets_no_estimate(world, abc_history):
    upgrade = world.running(abc_history, pending(("A", ())), ocp_task_operation="ROLLBACK")
    assert not estimate_remaining(upgrade, now=at(0)).known


def test_expected_end_is_now_plus_what_is_left(world, abc_history):
    upgrade = world.running(
        abc_history, [("A", "RUNNING", (), at(0), None), *pending(("B", ("A",)), ("C", ("B",)))]
    )
    median_end, p90_end = expected_end(upgrade, now=at(30))
    assert median_end == at(30 + 70 + 200 + 300)
    assert p90_end >= median_end


def test_expected_end_of_a_scheduled_upgrade_counts_from_its_start(world, abc_history):
    upgrade = world.upgrade(abc_history, state=State.SCHEDULED, start_at=at(3600))
    assert expected_end(upgrade, now=at(0))[0] == at(3600 + 600)


def test_expected_end_is_none_without_history(world):
    upgrade = world.running(world.cluster(), pending(("A", ())))
    assert expected_end(upgrade, now=at(0)) is None
    assert estimate_remaining(upgrade, now=at(0)).describe() == "no history yet"


# --- Cost ------------------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_history(world, django_assert_max_num_queries):
    cluster = world.cluster()
    child = chain(("X", 100), ("Y", 300))
    parent = [S("Start node", 10), S("Wait dag success", 0, ("Start node",), child=child)]
    upgrade = world.running(cluster, pending(("Start node", ())))

    def count():
        with CaptureQueriesContext(connection) as plan:
            estimate_plan(cluster, upgrade_path=["4.2.1.1"])
        with CaptureQueriesContext(connection) as remaining:
            estimate_remaining(upgrade, now=at(0))
        return len(plan), len(remaining)

    world.past(cluster, parent)
    few = count()
    for _ in range(25):
        world.past(cluster, parent)
    assert count() == few
    with django_assert_max_num_queries(4):
        assert estimate_remaining(upgrade, now=at(0)).known


def test_only_the_newest_step_rows_that_fit_are_read(world, monkeypatch):
    cluster = world.cluster()
    for _ in range(3):
        world.past(cluster, chain(("A", 100), ("B", 100)))
    for _ in range(3):
        world.past(cluster, chain(("A", 900), ("B", 900)))
    monkeypatch.setattr(eta, "MAX_STEP_ROWS", 6)  # the three newest upgrades' two steps each
    assert estimate_plan(cluster, upgrade_path=["4.2.1.1"]).median == timedelta(seconds=1800)


def test_a_history_loaded_once_serves_many_estimates(world, abc_history, django_assert_num_queries):
    rows = [("A", "RUNNING", (), at(0), None), *pending(("B", ("A",)), ("C", ("B",)))]
    running = world.running(abc_history, rows)
    queued = world.upgrade(world.cluster(), state=State.QUEUED)
    alone = estimate_remaining(running, now=at(30))
    history = eta.load_history()
    with django_assert_num_queries(0):
        plan = estimate_plan(abc_history, upgrade_path=["4.2.1.1"], history=history)
        assert estimate_remaining(queued, now=at(30), history=history) == plan
    with django_assert_num_queries(2):  # its own tasks and steps
        assert estimate_remaining(running, now=at(30), history=history) == alone
    assert plan.median == timedelta(seconds=600)


def test_a_shared_history_leaves_out_the_upgrade_being_estimated(world):
    cluster = world.cluster()
    only = world.past(cluster, chain(("A", 100)))
    history = eta.load_history()
    assert estimate_plan(cluster, upgrade_path=["4.2.1.1"], history=history).known
    assert not estimate_plan(
        cluster, upgrade_path=["4.2.1.1"], exclude_upgrade_id=only.pk, history=history
    ).known


# --- Per-step schedule (ocpdash.upgrades.schedule, drawn by the Gantt) ---------------------------------


def slots(upgrade, now):
    from ocpdash.upgrades.schedule import predicted_schedule

    found = predicted_schedule(upgrade, now=now)
    names = dict(UpgradeStep.objects.filter(upgrade=upgrade).values_list("ocp_subtask_id", "name"))
    return {names[i]: s for i, s in found.slots.items()}, found.expected_end


def test_schedule_keeps_what_ran_and_lays_the_rest_out_by_the_eta(world, abc_history):
    upgrade = world.running(
        abc_history,
        [
            ("A", "SUCCESSFUL", (), at(0), at(90)),
            ("B", "RUNNING", ("A",), at(90), None),
            *pending(("C", ("B",))),
        ],  # fmt: skip
    )
    found, end = slots(upgrade, at(100))
    assert (found["A"].start, found["A"].end, found["A"].predicted) == (at(0), at(90), False)
    assert (found["B"].start, found["B"].end, found["B"].predicted) == (at(90), at(90 + 200), True)
    assert (found["C"].start, found["C"].end) == (at(290), at(290 + 300))
    assert end == at(590) == expected_end(upgrade, now=at(100))[0]


def test_schedule_of_an_overdue_or_failed_step_starts_from_now(world, abc_history):
    overdue = world.running(abc_history, [("A", "RUNNING", (), at(0), None), *pending(("B", ("A",)))])
    found, _ = slots(overdue, at(5000))
    assert found["A"].end == at(5000) and found["B"].start == at(5000)
    Upgrade.objects.filter(pk=overdue.pk).update(state=State.CLOSED)
    failed = world.running(abc_history, [("A", "FAILED", (), at(0), at(50)), *pending(("B", ("A",)))])
    found, end = slots(failed, at(4000))
    assert found["A"].end == at(4100) and end == expected_end(failed, now=at(4000))[0] == at(4300)


def test_schedule_runs_a_child_task_inside_its_wait_step(world):
    upgrade = running_in_child_task(world)
    found, end = slots(upgrade, at(160))
    assert found["Y"].end == at(50 + 300) and found["Z"].end == at(350 + 200)
    assert found["Wait dag success"].end == found["Z"].end
    assert found["Update OB cluster status"].start == at(550)
    assert end == at(590) == expected_end(upgrade, now=at(160))[0]


def test_no_schedule_without_history(world):
    from ocpdash.upgrades.schedule import predicted_schedule

    assert predicted_schedule(world.running(world.cluster(), pending(("A", ()))), now=at(0)).slots == {}


def test_no_schedule_for_a_finished_upgrade(world, abc_history):
    from ocpdash.upgrades.schedule import predicted_schedule

    done = world.past(abc_history, chain(("A", 100)))
    assert predicted_schedule(done, now=at(0)).expected_end is None
