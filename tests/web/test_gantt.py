"""The Gantt (ocpdash.web.gantt) and the overview's cell states, on DAGs built in memory."""

from datetime import UTC, datetime, timedelta

import pytest

from ocpdash.upgrades import replay
from ocpdash.upgrades.models import UpgradeStep, UpgradeTask
from ocpdash.upgrades.schedule import Schedule, Slot
from ocpdash.web import dagview, gantt, overview, palette

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def step(sid, task, ups=(), status="SUCCESSFUL", name=None):
    return UpgradeStep(ocp_subtask_id=sid, ocp_task_id=task, name=name or f"S{sid}", status=status,
                       upstreams=list(ups))  # fmt: skip


def ran(sid, start, end, status="SUCCESSFUL"):
    return [(at(start), sid, {"status": "RUNNING"}), (at(end), sid, {"status": status})]


# A fork in the parent (1 → 2 | 3 → 4), step 3 waiting for child task 20 (21 → 22).
PARENT = UpgradeTask(ocp_task_id=10, name="Submit upgrade OB cluster dag", is_parent=True)
CHILD = UpgradeTask(ocp_task_id=20, name="Upgrade", parent_subtask_id=3, binary_version="4.2.1.1")
STEPS = [step(1, 10), step(2, 10, [1]), step(3, 10, [1], name="Wait dag success"), step(4, 10, [2, 3]),
         step(21, 20), step(22, 20, [21])]  # fmt: skip
EVENTS = [
    *ran(1, 0, 10),
    *ran(2, 10, 40),
    *ran(3, 10, 100),
    *ran(21, 10, 50),
    *ran(22, 50, 95),
    *ran(4, 100, 120),
]


def drawn(steps=STEPS, events=EVENTS, **kwargs):
    dags = dagview.build([PARENT, CHILD], steps, [])
    shown = replay.build(steps, events)
    return gantt.build([dags, *dags.children], shown, now=at(200), **kwargs)


def lines(chart):
    return {row.step.ocp_subtask_id: row for row in chart.rows if isinstance(row, gantt.Line)}


def test_a_row_per_step_grouped_by_task_with_each_run_as_a_bar():
    chart = drawn()
    headings = [r for r in chart.rows if isinstance(r, str)]
    assert headings == ["Parent task #10 Submit upgrade OB cluster dag", "Child task #20 4.2.1.1"]
    bars = lines(chart)[2].bars
    assert [(b.start, b.end, b.css) for b in bars] == [(at(10), at(40), "st-successful")]
    assert (chart.start, chart.end) == (at(0), at(120))


def test_the_critical_path_goes_through_the_longest_branch_and_into_the_child_task():
    assert drawn().critical == {1, 3, 4, 21, 22}


def test_a_retried_step_shows_each_run_and_how_many():
    events = [
        *EVENTS,
        (at(20), 2, {"status": "FAILED"}),
        (at(30), 2, {"status": "RUNNING", "operation": "RETRY"}),
    ]
    events.sort(key=lambda e: e[0])
    line = lines(drawn(events=events))[2]
    assert line.runs == 2 and [b.css for b in line.bars] == ["st-failed", "st-successful"]
    markup = str(gantt.body_svg(drawn(events=events)))
    assert "×2" in markup and 'fill="url(#gantt-hatch)"' in markup and 'class="wait"' in markup


def test_a_running_upgrades_pending_steps_are_drawn_from_the_eta_up_to_the_expected_end():
    steps = [*STEPS[:3], step(4, 10, [2, 3], "PENDING"), *STEPS[4:5], step(22, 20, [21], "RUNNING")]
    events = [e for e in EVENTS if e[1] not in (4, 22)] + [(at(50), 22, {"status": "RUNNING"})]
    schedule = Schedule({22: Slot(at(50), at(260), True), 3: Slot(at(10), at(260), True),
                         4: Slot(at(260), at(300), True)}, at(300))  # fmt: skip
    chart = drawn(steps, sorted(events, key=lambda e: e[0]), schedule=schedule)
    found = lines(chart)
    assert [(b.start, b.end, b.predicted) for b in found[4].bars] == [(at(260), at(300), True)]
    assert [(b.start, b.end, b.predicted) for b in found[22].bars] == [(at(50), at(200), False),
                                                                       (at(200), at(260), True)]  # fmt: skip
    assert chart.expected_end == at(300) and chart.now == at(200) and chart.end == at(300)
    assert 'stroke-dasharray="3 2"' in str(gantt.body_svg(chart))
    assert "expected end 08:05:00" in str(gantt.axis_svg(chart))


def test_at_a_moment_only_what_had_started_is_drawn_and_cut_there():
    chart = drawn(at=at(45))
    found = lines(chart)
    assert not found[4].bars and not found[22].bars
    assert found[21].bars[0].end == at(45) and found[21].bars[0].css == "st-running"
    assert chart.at == at(45) and chart.now is None


def test_rows_open_their_step_only_on_the_page():
    chart = drawn()
    assert 'data-step-url="/upgrades/7/?step=21"' in str(gantt.body_svg(chart, "/upgrades/7/"))
    assert "data-step-url" not in str(gantt.svg(chart))


def test_the_palette_is_the_stylesheets():
    assert palette.of("st-running") == ("#1f6feb", "#eff8ff")
    assert palette.of("st-no-such") == palette.FALLBACK


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        (["SUCCESSFUL", "SKIPPED"], "done"),
        (["SUCCESSFUL", "PENDING"], "running"),
        (["READY", "PENDING"], "running"),
        (["PENDING", "PENDING"], "pending"),
        (["SUCCESSFUL", "FAILED", "PENDING"], "failed"),
        (["CANCELED"], "failed"),
        (["ROLLED_BACK"], "pending"),
        ([], "pending"),
    ],
)
def test_a_zone_cells_state_from_its_steps(statuses, state):
    assert overview.cell_state(statuses) == state
