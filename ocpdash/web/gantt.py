"""The Gantt view of an upgrade: one row per step, a bar per run from its start to its finish, grouped
by OCP task (parent first, then each child task) and, inside a child task, by zone; drawn as SVG on
the server.

- **Runs** come from the replay (ocpdash.upgrades.replay): a retried step has a bar per run, the
  failed ones in the failure colour, and a thin line over the wait for the retry, with the number of runs.
- **Predicted** parts (a running upgrade) come from ocpdash.upgrades.schedule: dashed bars from the
  ETA, and a line at the expected end.
- **The critical path** is the chain of steps each of which ended last among its upstreams, from the
  step that ends last; a step that waits for child tasks continues into the child that ended last.
  Its steps carry a ◆ before their name and a dark outline.
- **At a moment** (a replay): only what had happened by then, cut at that moment.

Every OCP string is escaped (markup.escape) and lands only in SVG text or quoted attributes. Colours
are presentation attributes (ocpdash.web.palette), so the SVG looks the same without the stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext

from ocpdash.upgrades.replay import Replay, Run
from ocpdash.upgrades.schedule import NONE, Schedule
from ocpdash.web import palette
from ocpdash.web.dagview import ALL_ZONES, TaskDag
from ocpdash.web.markup import escape, status_text
from ocpdash.web.templatetags.ocpdash import status_class, truncate_middle

ROW, HEAD, BAR = 16, 20, 10
LABEL_W, CHART_W, PAD = 300, 640, 12
WIDTH = LABEL_W + CHART_W + PAD
AXIS_H = 34
TICKS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
INK, MUTED, CRITICAL = "#1d2330", "#667085", "#14213d"


@dataclass
class Bar:
    start: datetime
    end: datetime
    css: str  # status class of what it shows
    predicted: bool = False


@dataclass
class Line:
    step: object  # UpgradeStep (as at the moment drawn)
    bars: list[Bar] = field(default_factory=list)
    runs: int = 0
    mark: datetime | None = None  # a change without a run (a skip), drawn as a tick

    @property
    def end(self) -> datetime | None:
        return max((b.end for b in self.bars), default=self.mark)


@dataclass
class Gantt:
    """What is drawn: rows (a heading is a str, a step a Line) and the time span."""

    rows: list[str | Line]
    start: datetime
    end: datetime
    now: datetime | None = None  # the "now" line (a running upgrade)
    at: datetime | None = None  # the replay's moment
    expected_end: datetime | None = None
    critical: set[int] = field(default_factory=set)

    @property
    def height(self) -> int:
        return sum(HEAD if isinstance(r, str) else ROW for r in self.rows) + PAD

    def x(self, moment: datetime) -> float:
        span = max((self.end - self.start).total_seconds(), 1.0)
        return LABEL_W + (moment - self.start).total_seconds() / span * CHART_W


def build(
    dags: Sequence[TaskDag],
    replay: Replay,
    *,
    now: datetime,
    at: datetime | None = None,
    schedule: Schedule = NONE,
    titles: dict[int, str] | None = None,
) -> Gantt:
    """The Gantt of the tasks ``dags`` (the parent first); ``titles`` names child tasks by OCP task id."""
    until = at or now
    rows: list[str | Line] = []
    for dag in dags:
        if not dag.steps:
            continue
        rows.append(_title(dag, titles or {}))
        for lane, nodes in _lanes(dag):
            if lane:
                rows.append("  " + (gettext(ALL_ZONES) if lane == ALL_ZONES else lane))
            rows += [_line(n.step, replay, schedule, until, at) for n in nodes]
    lines = [r for r in rows if isinstance(r, Line)]
    times = [t for line in lines for b in line.bars for t in (b.start, b.end)]
    times += [line.mark for line in lines if line.mark] + ([at] if at else [])
    if at is None and schedule.expected_end:
        times.append(schedule.expected_end)
    start = min(times, default=until)
    end = max([*times, start + timedelta(minutes=1)])
    gantt = Gantt(rows, start, end, None if at else now, at, None if at else schedule.expected_end)
    gantt.critical = critical_path(dags, {line.step.ocp_subtask_id: line.end for line in lines})
    return gantt


def _title(dag: TaskDag, titles: dict[int, str]) -> str:
    task = dag.task
    if task is None or task.is_parent:
        if task is None:
            return gettext("Parent task")
        return gettext("Parent task #%(id)s %(name)s") % {"id": task.ocp_task_id, "name": task.name}
    if titles.get(task.ocp_task_id):
        return titles[task.ocp_task_id]
    child = gettext("Child task #%(id)s %(version)s")
    return (child % {"id": task.ocp_task_id, "version": task.binary_version}).strip()


def _lanes(dag: TaskDag) -> list[tuple[str, list]]:
    """The task's steps in layer order, grouped by zone (in the order they are reached); no zone
    headings for a task without zones."""
    nodes = sorted(dag.nodes, key=lambda n: (n.x, n.y))
    if not any(z != ALL_ZONES for z in dag.zone_of.values()):
        return [("", nodes)]
    groups: dict[str, list] = {}
    for node in nodes:
        groups.setdefault(dag.zone_of.get(node.step.ocp_subtask_id, ALL_ZONES), []).append(node)
    return list(groups.items())


def _line(step, replay: Replay, schedule: Schedule, until: datetime, at: datetime | None) -> Line:
    sid = step.ocp_subtask_id
    runs: list[Run] = replay.runs(sid, until=at)
    line = Line(step, runs=len(runs))
    for run in runs:
        end = run.end or until
        css = status_class(run.outcome) if run.outcome else "st-running"
        line.bars.append(Bar(run.start, max(end, run.start), css))
    slot = schedule.slots.get(sid) if at is None else None
    if slot is not None and slot.predicted:
        begin = max(slot.start, line.bars[-1].end) if line.bars else slot.start
        if slot.end > begin and step.status != "SUCCESSFUL":
            line.bars.append(Bar(begin, slot.end, "st-pending", predicted=True))
    if not line.bars:
        change = replay.at(sid, until)
        if change.status != "PENDING" and change.at <= until and change.at.year > 1:
            line.mark = change.at
    return line


def critical_path(dags: Sequence[TaskDag], ends: dict[int, datetime | None]) -> set[int]:
    """The steps on the critical path (see the module's docstring), by OCP subtask id."""
    if not dags:
        return set()
    children = {d.wait_step.ocp_subtask_id: [] for d in dags[1:] if d.wait_step is not None}
    for d in dags[1:]:
        if d.wait_step is not None:
            children[d.wait_step.ocp_subtask_id].append(d)
    found: set[int] = set()
    _walk(dags[0], ends, children, found)
    return found


def _walk(dag: TaskDag, ends: dict, children: dict, found: set[int]) -> None:
    by_id = {s.ocp_subtask_id: s for s in dag.steps}
    timed = [s for s in dag.steps if ends.get(s.ocp_subtask_id)]
    step = max(timed, key=lambda s: ends[s.ocp_subtask_id], default=None)
    while step is not None and step.ocp_subtask_id not in found:
        found.add(step.ocp_subtask_id)
        kids = [d for d in children.get(step.ocp_subtask_id, ()) if d.steps]
        if kids:
            _walk(max(kids, key=lambda d: max((ends.get(s.ocp_subtask_id) or _EARLY) for s in d.steps)),
                  ends, children, found)  # fmt: skip
        ups = [by_id[u] for u in step.upstreams or () if u in by_id and ends.get(u)]
        step = max(ups, key=lambda s: ends[s.ocp_subtask_id], default=None)


_EARLY = datetime.min.replace(tzinfo=UTC)


# --- SVG ------------------------------------------------------------------------------------------


def axis_svg(gantt: Gantt) -> SafeString:
    """The time axis (ticks, the now / replay / expected-end labels) as its own SVG, to stay on top."""
    return mark_safe(_open("gantt-axis", WIDTH, AXIS_H, gettext("Time axis")) + _axis(gantt) + "</svg>")  # noqa: S308


def body_svg(gantt: Gantt, upgrade_url: str | None = None) -> SafeString:
    """The rows. With ``upgrade_url``, a row opens its step (static/js/ocpdash.js's listener)."""
    extra = ' hx-target="#step-detail" hx-swap="outerHTML" hx-push-url="true"' if upgrade_url else ""
    head = _open("gantt", WIDTH, gantt.height, gettext("Gantt of the steps"), extra)
    return mark_safe(head + _body(gantt, upgrade_url) + "</svg>")  # noqa: S308 - escaped parts


def svg(gantt: Gantt) -> SafeString:
    """Axis and rows in one self-contained SVG (no script, no stylesheet): for files and print."""
    height = AXIS_H + gantt.height
    return mark_safe(  # noqa: S308 - escaped parts
        _open("gantt-file", WIDTH, height, gettext("Gantt of the steps"))
        + _axis(gantt)
        + f'<g transform="translate(0,{AXIS_H})">{_body(gantt, None)}</g></svg>'
    )


def _open(css: str, width: int, height: int, label: str, extra: str = "") -> str:
    return (
        f'<svg class="{css}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="system-ui, sans-serif" font-size="11"{extra}>'
    )


def _axis(gantt: Gantt) -> str:
    return (
        f'<rect width="{WIDTH}" height="{AXIS_H}" fill="#ffffff"></rect>'
        + _ticks(gantt, AXIS_H - 4, labels=True)
        + _markers(gantt, 0, AXIS_H, labels=True)
    )


def _body(gantt: Gantt, upgrade_url: str | None) -> str:
    height = gantt.height
    parts = [_defs(), _ticks(gantt, height, labels=False)]
    y = 0
    for row in gantt.rows:
        if isinstance(row, str):
            parts.append(_heading(row, y))
            y += HEAD
        else:
            parts.append(_row(gantt, row, y, upgrade_url))
            y += ROW
    parts.append(_markers(gantt, 0, height, labels=False))
    return "".join(parts)


def _defs() -> str:
    line, _ = palette.of("st-failed")
    return (
        '<defs><pattern id="gantt-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#ffffff"></rect>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="{line}" stroke-width="2"></line></pattern></defs>'
    )


def _heading(text: str, y: int) -> str:
    lane = text.startswith("  ")
    return (
        f'<text class="{"lane" if lane else "task"}" x="{14 if lane else 4}" y="{y + 14}" '
        f'fill="{MUTED if lane else INK}" font-weight="{600 if lane else 700}">'
        f"{escape(truncate_middle(text.strip(), 60))}</text>"
        f'<line x1="0" y1="{y + HEAD - 0.5}" x2="{WIDTH}" y2="{y + HEAD - 0.5}" stroke="#e4e7ec"></line>'
    )


def _row(gantt: Gantt, line: Line, y: int, upgrade_url: str | None) -> str:
    step = line.step
    sid = step.ocp_subtask_id
    status = step.display_status
    critical = sid in gantt.critical
    name = ("◆ " if critical else "") + step.name
    title = f"{step.name} · {status_text(status)}"
    title += (" · " + gettext("%(runs)d runs") % {"runs": line.runs}) if line.runs > 1 else ""
    title += _span(line)
    link = f' data-step-url="{upgrade_url}?step={sid}"' if upgrade_url else ""
    parts = [
        f'<g class="row {status_class(status)}{" critical" if critical else ""}" data-step-id="{sid}" '
        f'data-status="{escape(step.status)}"{link}><title>{escape(title)}</title>'
        f'<text x="24" y="{y + 12}" fill="{INK}">{escape(truncate_middle(name, 46))}</text>'
    ]
    parts += _bars(gantt, line, y, critical)
    if line.runs > 1:
        x = max(gantt.x(b.end) for b in line.bars) + 4
        parts.append(f'<text class="runs" x="{x:.1f}" y="{y + 12}" fill="{MUTED}">×{line.runs}</text>')
    parts.append("</g>")
    return "".join(parts)


def _span(line: Line) -> str:
    done = [b for b in line.bars if not b.predicted]
    parts = []
    if done:
        parts.append(f"{_clock(done[0].start)}–{_clock(done[-1].end)}")
    predicted = [b for b in line.bars if b.predicted]
    if predicted:
        expected = gettext("expected %(span)s")
        parts.append(expected % {"span": f"{_clock(predicted[0].start)}–{_clock(predicted[-1].end)}"})
    if line.mark and not line.bars:
        parts.append(_clock(line.mark))
    return "".join(f" · {p}" for p in parts)


def _bars(gantt: Gantt, line: Line, y: int, critical: bool) -> list[str]:
    top = y + (ROW - BAR) / 2
    parts = []
    previous = None
    for bar in line.bars:
        x1, x2 = gantt.x(bar.start), gantt.x(bar.end)
        if previous is not None and x1 > previous:  # waiting for a retry
            mid = top + BAR / 2
            parts.append(f'<line class="wait" x1="{previous:.1f}" y1="{mid}" x2="{x1:.1f}" y2="{mid}" '
                         f'stroke="{MUTED}" stroke-dasharray="1 2"></line>')  # fmt: skip
        stroke, fill = palette.of(bar.css)
        extra = ' stroke-dasharray="3 2" fill-opacity="0.5"' if bar.predicted else ""
        if bar.css in ("st-failed", "st-rollback_failed", "st-canceled") and line.runs > 1:
            fill = "url(#gantt-hatch)"
        if critical and not bar.predicted:
            stroke = CRITICAL
        parts.append(
            f'<rect class="bar {bar.css}{" predicted" if bar.predicted else ""}" x="{x1:.1f}" y="{top}" '
            f'width="{max(x2 - x1, 2):.1f}" height="{BAR}" rx="2" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{1.6 if critical else 1}"{extra}></rect>'
        )
        previous = x2
    if line.mark is not None and not line.bars:
        x = gantt.x(line.mark)
        stroke, _ = palette.of(status_class(line.step.display_status))
        parts.append(f'<path class="mark" d="M{x:.1f},{top} l4,{BAR / 2} l-4,{BAR / 2} l-4,-{BAR / 2} z" '
                     f'fill="{stroke}"></path>')  # fmt: skip
    return parts


def _ticks(gantt: Gantt, height: float, *, labels: bool) -> str:
    span = max((gantt.end - gantt.start).total_seconds(), 1.0)
    step = next((t for t in TICKS if span / t <= 8), TICKS[-1])
    first = gantt.start.timestamp() // step * step + step
    parts = []
    moment = first
    while moment < gantt.end.timestamp():
        when = gantt.start + timedelta(seconds=moment - gantt.start.timestamp())
        x = gantt.x(when)
        if labels:
            text = localtime(when).strftime("%H:%M:%S" if step < 60 else "%H:%M")
            parts.append(f'<text x="{x:.1f}" y="{height - 4}" fill="{MUTED}" font-size="10" '
                         f'text-anchor="middle">{text}</text>')  # fmt: skip
        else:
            parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#eef0f3"></line>')
        moment += step
    return "".join(parts)


def _markers(gantt: Gantt, top: float, bottom: float, *, labels: bool) -> str:
    parts = []
    for moment, word, colour, dash in (
        (gantt.now, gettext("now"), "#1f6feb", ""),
        (gantt.at, gettext("as at"), "#b54708", ""),
        (gantt.expected_end, gettext("expected end"), "#7a5af8", ' stroke-dasharray="4 3"'),
    ):
        if moment is None:
            continue
        x = gantt.x(moment)
        parts.append(f'<line class="marker" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
                     f'stroke="{colour}" stroke-width="1.5"{dash}></line>')  # fmt: skip
        if labels:
            anchor = "end" if x > LABEL_W + CHART_W * 0.8 else "start"
            parts.append(f'<text x="{x + (-3 if anchor == "end" else 3):.1f}" y="11" fill="{colour}" '
                         f'font-size="10" text-anchor="{anchor}">{word} {_clock(moment)}</text>')  # fmt: skip
    return "".join(parts)


def _clock(moment: datetime) -> str:
    return localtime(moment).strftime("%H:%M:%S")
