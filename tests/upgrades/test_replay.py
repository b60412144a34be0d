"""Replay (ocpdash.upgrades.replay): the steps as the events say they were at any moment."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ocpdash.upgrades import replay
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class S:
    ocp_subtask_id: int
    status: str = "SUCCESSFUL"
    operation: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None


def ev(seconds, subtask_id, status, operation=""):
    return (at(seconds), subtask_id, {"status": status, "operation": operation, "previous": "?"})


RETRIED = [ev(0, 1, "RUNNING"), ev(10, 1, "SUCCESSFUL"), ev(10, 2, "RUNNING"), ev(20, 2, "FAILED"),
           ev(80, 2, "RUNNING", "RETRY"), ev(95, 2, "SUCCESSFUL", "RETRY")]  # fmt: skip


def test_a_step_shows_its_last_change_at_or_before_the_moment_and_pending_before_its_first():
    shown = replay.build([S(1), S(2, operation="RETRY"), S(3, "PENDING")], RETRIED)
    assert {k: c.status for k, c in shown.statuses_at(at(5)).items()} == {
        1: "RUNNING",
        2: "PENDING",
        3: "PENDING",
    }
    assert {k: c.status for k, c in shown.statuses_at(at(10)).items()} == {
        1: "SUCCESSFUL",
        2: "RUNNING",
        3: "PENDING",
    }
    assert shown.at(2, at(50)).status == "FAILED"
    assert shown.at(2, at(90)).operation == "RETRY"
    assert shown.at(2, at(-1)) is replay.NOT_STARTED


def test_a_retried_step_has_a_run_per_try_with_how_each_ended():
    shown = replay.build([S(1), S(2)], RETRIED)
    assert shown.runs(2) == [replay.Run(at(10), at(20), "FAILED"), replay.Run(at(80), at(95), "SUCCESSFUL")]
    assert shown.runs(2, until=at(85)) == [replay.Run(at(10), at(20), "FAILED"), replay.Run(at(80), None, "")]
    assert shown.runs(2, until=at(5)) == []


def test_the_span_runs_from_the_first_to_the_last_change_unless_given():
    assert (replay.build([S(1), S(2)], RETRIED).start, replay.build([S(1)], RETRIED).end) == (at(0), at(10))
    given = replay.build([S(1)], RETRIED, start=at(-60), end=at(200))
    assert (given.start, given.end) == (at(-60), at(200))


def test_a_step_without_events_is_replayed_from_ocps_own_times():
    steps = [S(1, started_at=at(5), finished_at=at(30)), S(2, "FAILED"), S(3, "PENDING")]
    shown = replay.build(steps, [], end=at(100))
    assert [shown.at(1, at(t)).status for t in (0, 5, 29, 30)] == [
        "PENDING",
        "RUNNING",
        "RUNNING",
        "SUCCESSFUL",
    ]
    assert shown.at(2, at(99)).status == "PENDING" and shown.at(2, at(100)).status == "FAILED"
    assert shown.changes[3] == []


def test_events_of_other_steps_or_without_a_status_are_left_out():
    events = [ev(0, 9, "RUNNING"), (at(1), 1, {}), (at(2), 1, {"status": ""}), (at(3), None, {"status": "X"})]
    shown = replay.build([S(1, "PENDING")], events)
    assert shown.changes == {1: []}


def test_moments_lists_every_change_once_in_order():
    assert replay.build([S(1), S(2)], RETRIED).moments() == [at(t) for t in (0, 10, 20, 80, 95)]


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("1772352000", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("1772352000.5", datetime(2026, 3, 1, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-01T08:00:00Z", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("2026-03-01T16:00:00+08:00", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("2026-03-01T16:00:00 08:00", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),  # '+' sent unescaped
        ("2026-03-01 08:00", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),  # the current time zone (UTC)
    ],
)
def test_at_takes_an_iso_time_or_epoch_seconds(text, moment, settings):
    settings.TIME_ZONE = "UTC"
    assert replay.parse_moment(text) == moment


@pytest.mark.parametrize(
    "text", ["", None, "x", "nan", "inf", "-1", "1e20", "2026-13-01T00:00", "2026-02-30"]
)
def test_at_that_is_no_time_is_none(text):
    assert replay.parse_moment(text) is None


def test_clamp_keeps_a_moment_within_the_span():
    shown = replay.build([S(1)], RETRIED)
    assert [replay.clamp(at(t), shown) for t in (-5, 3, 50)] == [at(0), at(3), at(10)]


@pytest.mark.django_db
def test_load_reads_the_step_events_of_the_upgrade_from_its_submission_to_its_end(
    make_cluster, make_package, operator
):
    upgrade = Upgrade.objects.create(
        cluster=make_cluster(), package=make_package(), requested_by=operator, state=State.SUCCESSFUL,
        from_version="1", to_version="2", submitted_at=at(-30), finished_at=at(120),
    )  # fmt: skip
    for sid in (1, 2):
        UpgradeStep.objects.create(
            upgrade=upgrade, ocp_task_id=7, ocp_subtask_id=sid, name=f"s{sid}", status="SUCCESSFUL"
        )
    UpgradeEvent.objects.bulk_create(
        UpgradeEvent(upgrade=upgrade, kind="step", created_at=t, ocp_subtask_id=sid, message="m", data=data)
        for t, sid, data in RETRIED
    )
    UpgradeEvent.objects.create(upgrade=upgrade, kind="info", created_at=at(1), ocp_subtask_id=1, message="x",
                                data={"status": "FAILED"})  # fmt: skip
    shown = replay.load(upgrade)
    assert (shown.start, shown.end) == (at(-30), at(120))
    assert [c.status for c in shown.changes[2]] == ["RUNNING", "FAILED", "RUNNING", "SUCCESSFUL"]
    assert shown.at(1, at(1)).status == "RUNNING", "only step events count"
