"""An upgrade's pictures (DAG, overview strip, Gantt) now or as they were at a moment: what the upgrade
page draws, and self-contained SVG of the same for files (the evidence pack).

The public functions for files, each one self-contained SVG (presentation attributes, no script, no
stylesheet, every OCP string escaped): :func:`render_gantt_svg`, :func:`render_dag_svg` and
:func:`render_overview_svg`, each with ``at`` (a moment: the replay) or without (as stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ocpdash.upgrades import replay as replays
from ocpdash.upgrades.models import POLLED_STATES, Upgrade, UpgradeStep
from ocpdash.upgrades.schedule import NONE, Schedule, predicted_schedule
from ocpdash.web import dagview, gantt, overview, palette
from ocpdash.web.markup import escape
from ocpdash.web.templatetags.ocpdash import status_class, status_icon, truncate_middle

# What the pictures read of each step (the page's STEP_FIELDS are the same plus changed_at).
STEP_FIELDS = ("ocp_task_id", "ocp_subtask_id", "name", "status", "operation", "run_time", "upstreams",
               "started_at", "finished_at", "changed_at")  # fmt: skip


def members(upgrade: Upgrade) -> list:
    """The clusters the upgrade covers: its own, then its pair's (one query)."""
    return [upgrade.cluster, *upgrade.also_upgrades.all()]


def zone_names(clusters: Sequence) -> list[str]:
    """Every zone name of those clusters, once each (a standby may name its zones otherwise)."""
    return list(dict.fromkeys(z for c in clusters for z in c.zone_names if z))


def steps_at(steps: Sequence[UpgradeStep], replay: replays.Replay, at: datetime) -> list[UpgradeStep]:
    """Copies of the steps as they were at ``at``: status, operation, runs so far and the times of
    the latest run (a run going on then ends at ``at`` in the copy, so its duration is as of then)."""
    found = []
    for step in steps:
        change = replay.at(step.ocp_subtask_id, at)
        runs = replay.runs(step.ocp_subtask_id, until=at)
        then = _copy(step)
        then.status, then.operation, then.run_time = change.status, change.operation, len(runs)
        then.started_at = runs[-1].start if runs else None
        then.finished_at = (runs[-1].end or at) if runs else None
        found.append(then)
    return found


def _copy(row):
    """A copy of a model instance to show (never saved): its fields only, cheaper than copy.copy,
    which pickles the instance's state (a thousand steps per replay)."""
    then = row.__class__.__new__(row.__class__)
    then.__dict__.update(row.__dict__)
    return then


_TASK_STATUS = {overview.DONE: "SUCCESSFUL", overview.RUNNING: "RUNNING", overview.PENDING: "PENDING",
                overview.FAILED: "FAILED"}  # fmt: skip


def tasks_at(tasks: Sequence, steps: Sequence[UpgradeStep]) -> list:
    """Copies of the tasks with the status their steps (as at a moment) give them."""
    by_task: dict[int, list[str]] = {}
    for step in steps:
        by_task.setdefault(step.ocp_task_id, []).append(step.display_status)
    found = []
    for task in tasks:
        then = _copy(task)
        then.status = _TASK_STATUS[overview.cell_state(by_task.get(task.ocp_task_id, []))]
        found.append(then)
    return found


class Picture:
    """The upgrade's DAG and overview rows as drawn: as stored, or at ``at`` from the replay."""

    def __init__(self, upgrade: Upgrade, root: dagview.TaskDag, rows: list[overview.Row], steps, replay=None,
                 at: datetime | None = None) -> None:  # fmt: skip
        self.upgrade, self.root, self.rows, self.at = upgrade, root, rows, at
        self._steps, self._replay = steps, replay

    @property
    def replay(self) -> replays.Replay:
        """The step changes (read when first needed: the Gantt, a replay)."""
        if self._replay is None:
            self._replay = replays.load_for(self.upgrade, self._steps)
        return self._replay

    @property
    def dags(self) -> list[dagview.TaskDag]:
        return [self.root, *self.root.children]

    def titles(self) -> dict[int, str]:
        """Child task titles as the overview names them (version, and member in a pair)."""
        return {
            r.task_id: f"Child task #{r.task_id} · {r.version}" + (f" · {r.member}" if r.member else "")
            for r in self.rows
            if r.task_id is not None
        }

    def gantt(self, *, now: datetime | None = None, schedule: Schedule | None = None) -> gantt.Gantt:
        """The Gantt; a running upgrade's pending steps from ``schedule`` (the ETA's, when not given)."""
        now = now or timezone.now()
        if schedule is None:
            running = self.at is None and self.upgrade.state in POLLED_STATES
            schedule = predicted_schedule(self.upgrade, now=now) if running else NONE
        drawn = gantt.build(
            self.dags, self.replay, now=now, at=self.at, schedule=schedule, titles=self.titles()
        )
        if not self.upgrade.is_active:
            drawn.now = None  # no "now" line on a finished upgrade
        return drawn


def picture(
    upgrade: Upgrade,
    *,
    at: datetime | None = None,
    tasks: Sequence | None = None,
    steps: Sequence[UpgradeStep] | None = None,
    clusters: Sequence | None = None,
    root: dagview.TaskDag | None = None,
) -> Picture:
    """The upgrade's picture, now or at ``at``. What the caller already has is passed in (tasks,
    steps, its clusters, the DAG as stored), the rest is read here: tasks, steps, clusters, and the
    step events when a replay or the Gantt needs them."""
    tasks = list(upgrade.tasks.all()) if tasks is None else tasks
    if steps is None:
        steps = list(UpgradeStep.objects.filter(upgrade_id=upgrade.pk).only(*STEP_FIELDS))
    clusters = members(upgrade) if clusters is None else clusters
    replay = None
    if at is not None:
        replay = replays.load_for(upgrade, steps)
        at = replays.clamp(at, replay)
        then = steps_at(steps, replay, at)
        root = dagview.build(tasks_at(tasks, then), then, zone_names(clusters))
    elif root is None:
        root = dagview.build(tasks, steps, zone_names(clusters))
    return Picture(upgrade, root, overview.build(root, upgrade, clusters), steps, replay, at)


# --- Self-contained SVG for files --------------------------------------------------------------------


def render_gantt_svg(
    upgrade: Upgrade, *, at: datetime | None = None, now: datetime | None = None
) -> SafeString:
    """The Gantt (axis included) of ``upgrade`` at ``at`` (or as stored; a running one with its ETA)."""
    return gantt.svg(picture(upgrade, at=at).gantt(now=now))


def render_dag_svg(upgrade: Upgrade, *, at: datetime | None = None) -> SafeString:
    """One SVG per OCP task (parent first), each headed by its title, nodes coloured by status."""
    shot = picture(upgrade, at=at)
    titles = shot.titles()
    parts = []
    for dag in shot.dags:
        if not dag.steps:
            continue
        task = dag.task
        title = (
            "Parent task" if task is None or task.is_parent else titles.get(task.ocp_task_id, "Child task")
        )
        parts.append(dag_file_svg(dag, f"{title} #{task.ocp_task_id} {task.name}" if task else title))
    return mark_safe("".join(parts))  # noqa: S308 - built by dag_file_svg


def dag_file_svg(dag: dagview.TaskDag, title: str) -> SafeString:
    """One task's DAG as the page draws it, with presentation attributes instead of the stylesheet."""
    top = 22
    width, height = max(dag.width, 200), dag.height + top
    parts = [
        f'<svg class="dag-file" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<text x="4" y="15" font-weight="700" fill="{gantt.INK}">{escape(title)}</text>'
        f'<g transform="translate(0,{top})">'
    ]
    for lane in dag.lanes:
        if lane.name:
            parts.append(
                f'<rect x="0" y="{lane.y}" width="{dag.width}" height="{lane.height}" fill="#f5f8ff" '
                f'stroke="#e4e7ec"></rect><text x="6" y="{lane.y + 13}" fill="{gantt.MUTED}" '
                f'font-size="11" font-weight="600">{escape(lane.name)}</text>'
            )
    parts += [
        f'<path d="{path}" fill="none" stroke="#98a2b3" stroke-width="1.4"></path>'
        for _, _, path in dag.edges
    ]
    parts += [_node(node) for node in dag.nodes]
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every variable part is escaped or a number


def _node(node: dagview.NodeView) -> str:
    step = node.step
    status = step.display_status
    line, fill = palette.of(status_class(status))
    return (
        f'<g transform="translate({node.x},{node.y})" data-step-id="{step.ocp_subtask_id}">'
        f"<title>{escape(step.name)} · {escape(status)}</title>"
        f'<rect width="180" height="46" rx="6" fill="{fill}" stroke="{line}" stroke-width="1.5"></rect>'
        f'<text x="8" y="19" fill="{line}" font-weight="700" font-size="14">{status_icon(status)}</text>'
        f'<text x="26" y="19" fill="{gantt.INK}" font-weight="600">'
        f"{escape(truncate_middle(step.name, 23))}</text>"
        f'<text x="26" y="37" fill="{gantt.MUTED}" font-size="11">{escape(status.lower())}</text></g>'
    )


def render_overview_svg(upgrade: Upgrade, *, at: datetime | None = None) -> SafeString:
    """The overview strip: a row per child task, a cell per zone with its symbol and word."""
    return overview_svg(picture(upgrade, at=at).rows)


def overview_svg(rows: Sequence[overview.Row]) -> SafeString:
    cell_w, row_h, label_w = 92, 24, 250
    width = label_w + cell_w * max((len(r.cells) for r in rows), default=1)
    height = row_h * max(len(rows), 1)
    parts = [
        f'<svg class="overview-file" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Overview" '
        f'font-family="system-ui, sans-serif" font-size="11">'
    ]
    for i, row in enumerate(rows):
        y = i * row_h
        label = f"{row.symbol} {row.version}" + (f" · {row.member}" if row.member else "")
        label += (" (standby)" if row.standby else "") + (f" {row.done}/{row.total}" if row.total else "")
        parts.append(
            f'<text x="4" y="{y + 16}" fill="{gantt.INK}">{escape(truncate_middle(label, 44))}</text>'
        )
        for j, cell in enumerate(row.cells):
            line, fill = palette.of(_CELL_CLASS[cell.state])
            x = label_w + j * cell_w
            parts.append(
                f'<g data-zone="{escape(cell.zone)}" data-state="{cell.state}">'
                f"<title>{escape(cell.zone)}: {cell.state}</title>"
                f'<rect x="{x + 1}" y="{y + 2}" width="{cell_w - 2}" height="{row_h - 4}" rx="4" '
                f'fill="{fill}" stroke="{line}"></rect>'
                f'<text x="{x + 6}" y="{y + 16}" fill="{gantt.INK}">'
                f"{cell.symbol} {escape(truncate_middle(cell.zone, 10))}</text></g>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every variable part is escaped or a number


_CELL_CLASS = {
    overview.DONE: "st-successful",
    overview.RUNNING: "st-running",
    overview.PENDING: "st-pending",
    overview.FAILED: "st-failed",
}
