"""The evidence pack's drawings: each task's DAG and a Gantt of every step, as static SVG for paper.

Drawn from the pack's data (plain dicts, collect.py), not from the database, so the pictures show
exactly what the hashed JSON says. Both are cut into figures of a page's height that stack down the
page (a print never slices a figure, a 1,000-step task is a few pages, not a metre-wide strip):

- DAG: the layers of ocpdash.upgrades.dag left to right, ``DAG_COLUMNS`` to a band, bands read
  like lines of text (a 1,000-step chain is 200 bands, not a 200,000-pixel strip); parallel steps
  stack in their layer; an edge into a later band leaves and arrives as short dashed stubs.
- Gantt: one row per step, grouped by task, a bar from its start to its finish (to ``as_of`` while
  it runs); earlier runs of a retried step as faint bars before it, and a run count after a step OCP
  ran more than once; every figure repeats the time axis (UTC).

Every string from OCP or a user goes through :func:`esc` (text and attributes alike), and so do our
own words, which read in the active language (the reader's; the hashed JSON keeps no drawing). OCP's
step names and statuses are data: they are drawn as OCP wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from django.utils.translation import gettext as _

from ocpdash.upgrades import dag

PAD = 14
NODE_W, NODE_H, GAP_X, GAP_Y, BAND_GAP, STUB = 186, 28, 30, 8, 24, 12
DAG_COLUMNS = 5  # layers side by side in one band
WIDTH = 2 * PAD + DAG_COLUMNS * NODE_W + (DAG_COLUMNS - 1) * GAP_X
FIGURE_MAX_H = 1400  # about an A4 page at the width the page prints the figure
LABEL_W, ROW_H, AXIS_H = 330, 16, 22
PLOT_W = WIDTH - 2 * PAD - LABEL_W
GANTT_ROWS_PER_FIGURE = 56
NAME_CHARS, LABEL_CHARS = 29, 52
TICKS = (1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GLYPHS = {
    "PENDING": "○", "READY": "◔", "RUNNING": "▶", "SUCCESSFUL": "✓", "FAILED": "✗", "CANCELING": "⊘",
    "SKIPPED": "↷", "CANCELED": "⊗", "ROLLING_BACK": "↶", "ROLLED_BACK": "⟲", "ROLLBACK_FAILED": "✗",
    "ROLLBACK_SKIPPED": "↷",
}  # fmt: skip


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def status_class(status: str) -> str:
    return f"st-{status.lower()}" if status in GLYPHS else "st-unknown"


def short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass
class Section:
    """A task's drawing: its heading and the figures (SVG markup) stacked under it."""

    title: str
    figures: list[str] = field(default_factory=list)


def task_title(task: dict | None, task_id: int) -> str:
    if task is None:
        return _("Task #%(id)s") % {"id": task_id}
    values = {
        "id": task_id,
        "name": task["name"],
        "version": task.get("binary_version"),
        "steps": task["steps"],
    }
    if task["is_parent"]:
        if values["version"]:
            return _("Parent task #%(id)s %(name)s, binary %(version)s (%(steps)s steps)") % values
        return _("Parent task #%(id)s %(name)s (%(steps)s steps)") % values
    if values["version"]:
        return _("Child task #%(id)s %(name)s, binary %(version)s (%(steps)s steps)") % values
    return _("Child task #%(id)s %(name)s (%(steps)s steps)") % values


def by_task(data: dict) -> list[tuple[dict | None, int, list[dict]]]:
    """(task, task id, its steps): the parent first, then the children in OCP's order."""
    grouped: dict[int, list[dict]] = {}
    for step in data["steps"]:
        grouped.setdefault(step["task_id"], []).append(step)
    tasks = {t["id"]: t for t in data["tasks"]}
    order = sorted(grouped, key=lambda i: (not (tasks.get(i) or {}).get("is_parent"), i))
    return [(tasks.get(i), i, grouped[i]) for i in order]


# --- DAG -------------------------------------------------------------------------------------------


def dag_sections(data: dict) -> list[Section]:
    return [Section(task_title(task, task_id), dag_figures(steps)) for task, task_id, steps in by_task(data)]


def dag_figures(steps: list[dict]) -> list[str]:
    nodes = {s["subtask_id"]: s for s in steps}
    upstreams = {i: [u for u in s["upstreams"] if u in nodes and u != i] for i, s in nodes.items()}
    layers = dag.order_layers(upstreams)
    bands = [layers[i : i + DAG_COLUMNS] for i in range(0, len(layers), DAG_COLUMNS)]
    place: dict[int, tuple[int, int, int]] = {}  # node -> (band, x, y within the band)
    for b, band in enumerate(bands):
        for column, layer in enumerate(band):
            for row, node in enumerate(layer):
                place[node] = (b, PAD + column * (NODE_W + GAP_X), row * (NODE_H + GAP_Y))
    heights = [max(len(layer) for layer in band) * (NODE_H + GAP_Y) - GAP_Y for band in bands]
    figures: list[list[int]] = []
    used = FIGURE_MAX_H
    for b, height in enumerate(heights):
        if used + BAND_GAP + height > FIGURE_MAX_H - 2 * PAD:
            figures.append([])
            used = -BAND_GAP
        figures[-1].append(b)
        used += BAND_GAP + height
    later = {up for node, ups in upstreams.items() for up in ups if place[up][0] < place[node][0]}
    graph = Graph(nodes, upstreams, bands, place, heights, later)
    return [_dag_figure(graph, members) for members in figures]


@dataclass
class Graph:
    nodes: dict[int, dict]
    upstreams: dict[int, list[int]]
    bands: list[list[list[int]]]
    place: dict[int, tuple[int, int, int]]
    heights: list[int]
    continues: set[int]  # nodes with a downstream step in a later band


def _dag_figure(graph: Graph, members: list[int]) -> str:
    """Bands ``members`` of the graph: layers left to right, ``DAG_COLUMNS`` to a band, as lines of
    text; an edge to a later band leaves as a dashed stub on the right and comes in on the left."""
    tops, y = {}, PAD
    for b in members:
        tops[b] = y
        y += graph.heights[b] + BAND_GAP
    height = y - BAND_GAP + PAD
    aria = esc(_("Steps graph"))
    edges, boxes = [], []
    for b in members:
        for layer in graph.bands[b]:
            for node in layer:
                _band, x, dy = graph.place[node]
                top = tops[b] + dy
                mid = top + NODE_H // 2
                for up in graph.upstreams[node]:
                    ub, ux, uy = graph.place[up]
                    if ub == b and ux < x:
                        y1, x1, half = tops[b] + uy + NODE_H // 2, ux + NODE_W, (ux + NODE_W + x) // 2
                        edges.append(f'<path d="M{x1},{y1} C{half},{y1} {half},{mid} {x},{mid}"/>')
                    elif ub < b:
                        edges.append(f'<path class="stub" d="M{x - STUB},{mid} L{x},{mid}"/>')
                if node in graph.continues:
                    edges.append(f'<path class="stub" d="M{x + NODE_W},{mid} L{x + NODE_W + STUB},{mid}"/>')
                boxes.append(_node(graph.nodes[node], x, top))
    return (
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{aria}">'
        f'<g class="edges">{"".join(edges)}</g>{"".join(boxes)}</svg>'
    )


def _node(step: dict, x: int, y: int) -> str:
    status = step["display_status"]
    times = " → ".join(_clock(t) for t in (step["started_at"], step["finished_at"]) if t)
    title = f"{step['name']} — {status} (#{step['subtask_id']}{', ' + times if times else ''})"
    label = f"{GLYPHS.get(status, '?')} {short(step['name'], NAME_CHARS)}"
    css, step_id = status_class(status), step["subtask_id"]
    return (
        f'<g class="node {css}" data-step-id="{step_id}"><title>{esc(title)}</title>'
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="4"/>'
        f'<text x="{x + 6}" y="{y + 18}">{esc(label)}</text></g>'
    )


# --- Gantt -----------------------------------------------------------------------------------------


def parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def _clock(moment: str) -> str:
    return datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Bar:
    label: str
    status: str = ""
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)  # earlier runs
    start: datetime | None = None
    end: datetime | None = None
    open_end: bool = False
    runs: int = 0
    title: str = ""
    heading: bool = False


def gantt_figures(data: dict) -> list[str]:
    """The Gantt's figures; empty when no step has started."""
    as_of = parse(data.get("as_of"))
    rows: list[Bar] = []
    for task, task_id, steps in by_task(data):
        rows.append(Bar(task_title(task, task_id), heading=True))
        rows += sorted((_bar(s, as_of) for s in steps), key=lambda b: (b.start is None, b.start or EPOCH))
    moments = [m for b in rows for m in (b.start, b.end) if m] + [m for b in rows for s in b.spans for m in s]
    if not moments:
        return []
    t0, t1 = min(moments), max(moments)
    scale = Scale(t0, max((t1 - t0).total_seconds(), 1.0))
    return [
        _gantt_figure(rows[i : i + GANTT_ROWS_PER_FIGURE], scale)
        for i in range(0, len(rows), GANTT_ROWS_PER_FIGURE)
    ]


def _bar(step: dict, as_of: datetime | None) -> Bar:
    start, end = parse(step["started_at"]), parse(step["finished_at"])
    open_end = False
    if start is not None and end is None:
        open_end, end = True, max(as_of or start, start)
    status = step["display_status"]
    title = f"{step['name']} — {status} (#{step['subtask_id']})"
    if start:
        until = _clock(step["finished_at"]) if step["finished_at"] else _("running")
        title += f", {_clock(step['started_at'])} → {until}"
    if step["runs"] > 1:
        title += ", " + _("ran %(runs)s times") % {"runs": step["runs"]}
    label = f"{GLYPHS.get(status, '?')} {short(step['name'], LABEL_CHARS)}"
    return Bar(label, status, _earlier_runs(step, start), start, end, open_end, step["runs"], title)


def _earlier_runs(step: dict, last_start: datetime | None) -> list[tuple[datetime, datetime]]:
    """Runs before the last one, from the step's recorded changes (RUNNING → anything)."""
    spans: list[tuple[datetime, datetime]] = []
    began: datetime | None = None
    for change in step["changes"]:
        at = datetime.fromisoformat(change["at"])
        if change["status"] == "RUNNING":
            began = began or at
        elif began is not None:
            spans.append((began, at))
            began = None
    return [(a, b) for a, b in spans if last_start is None or b <= last_start]


@dataclass
class Scale:
    t0: datetime
    seconds: float

    def x(self, moment: datetime) -> float:
        return round(PAD + LABEL_W + (moment - self.t0).total_seconds() / self.seconds * PLOT_W, 1)

    def ticks(self) -> Iterable[tuple[float, str]]:
        step = next((t for t in TICKS if self.seconds / t <= 8), TICKS[-1])
        first = int(self.t0.timestamp()) // step * step + step
        fmt = "%m-%d %H:%M" if self.seconds > 86400 else ("%H:%M:%S" if step < 60 else "%H:%M")
        for stamp in range(first, int(self.t0.timestamp() + self.seconds) + 1, step):
            moment = datetime.fromtimestamp(stamp, UTC)
            yield self.x(moment), moment.strftime(fmt)


def _gantt_figure(rows: list[Bar], scale: Scale) -> str:
    height = AXIS_H + len(rows) * ROW_H + PAD
    aria = esc(_("Gantt of the steps"))
    parts = [f'<text class="axis" x="{PAD}" y="14">UTC</text>']
    for x, label in scale.ticks():
        parts.append(f'<line class="grid" x1="{x}" y1="{AXIS_H - 4}" x2="{x}" y2="{height - PAD}"/>')
        parts.append(f'<text class="axis" x="{x}" y="14" text-anchor="middle">{esc(label)}</text>')
    for i, bar in enumerate(rows):
        y = AXIS_H + i * ROW_H
        if bar.heading:
            parts.append(f'<text class="task" x="{PAD}" y="{y + 12}">{esc(short(bar.label, 150))}</text>')
            continue
        parts.append(f'<g class="row {status_class(bar.status)}"><title>{esc(bar.title)}</title>')
        parts.append(f'<text x="{PAD}" y="{y + 12}">{esc(bar.label)}</text>')
        for a, b in bar.spans:
            parts.append(_rect("earlier", scale.x(a), scale.x(b), y))
        if bar.start is not None and bar.end is not None:  # a bar that started has an end (open: as of now)
            x1, x2 = scale.x(bar.start), scale.x(bar.end)
            parts.append(_rect("bar open" if bar.open_end else "bar", x1, x2, y))
            if bar.runs > 1:
                parts.append(f'<text class="runs" x="{max(x1, x2) + 4}" y="{y + 12}">×{bar.runs}</text>')
        parts.append("</g>")
    return (
        f'<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{aria}">{"".join(parts)}</svg>'
    )


def _rect(css: str, x1: float, x2: float, y: int) -> str:
    width = max(x2 - x1, 2.0)
    return f'<rect class="{css}" x="{x1}" y="{y + 3}" width="{width:.1f}" height="{ROW_H - 6}" rx="2"/>'
