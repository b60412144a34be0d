"""The upgrade page: header, overview strip, DAG or Gantt, steps, timeline, operations; live through
one polling request.

The page's own query (:class:`PageQuery`): ``step`` the step in the side panel, ``view`` ``graph``
(the DAG, by default) or ``gantt``, and, on a finished upgrade, ``at`` (an ISO time or epoch seconds)
to replay it as it was then (DAG, overview and Gantt; the steps table and timeline stay final).

The poll carries what the page shows (``v`` revision, ``at`` render time, ``n`` task count, ``e``
last event id) and reads the page's own query from htmx's HX-Current-URL: unchanged → 204 (one read,
nothing else); changed → only the changed parts, out of band: the overview, and the changed DAG
parts or the whole Gantt, whichever view is open; terminal → 286.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap

from ocpdash.upgrades import operations, review
from ocpdash.upgrades import replay as replays
from ocpdash.upgrades.models import TERMINAL_STATES, Upgrade, UpgradeStep
from ocpdash.upgrades.params import parse_finite, parse_id
from ocpdash.upgrades.replay import parse_moment
from ocpdash.upgrades.steplog import step_log_tail
from ocpdash.web import dagview, gantt, overview, snapshot
from ocpdash.web.views import changes

EVENTS_SHOWN = 100  # newest events on the page (all of them are in the API and the admin)
CLOCK_SLACK = timedelta(seconds=5)  # workers' clocks and in-flight writes
WHOLE_DAG_UP_TO = 50  # a task DAG this small is re-sent whole when a step changes; larger, node by node
# The live poll's read (see upgrade_poll): the table and key column come from the model.
REVISION_SQL = f"SELECT revision, state FROM {Upgrade._meta.db_table} WHERE {Upgrade._meta.pk.column} = %s"  # noqa: S608


def _int(value, default=None):
    parsed = parse_id(value)
    return default if parsed is None else parsed


# What the DAG, the steps table and the live diff read of every step (ocpdash.web.markup, dagview):
# a 1,000-step page then skips each step's description and downstreams, one of its two JSON decodes.
# (Read through UpgradeStep.objects, not upgrade.steps, which would also attach the upgrade to each.)
STEP_FIELDS = snapshot.STEP_FIELDS
GRAPH, GANTT = "graph", "gantt"
RUNNING = "RUNNING"


@dataclass(frozen=True)
class PageQuery:
    """The page's own query string: the selected step, the view, and the replay's moment."""

    step: int | None = None
    view: str = GRAPH
    at: datetime | None = None

    @classmethod
    def parse(cls, params) -> PageQuery:
        view = params.get("view")
        return cls(
            _int(params.get("step")),
            view if view in (GRAPH, GANTT) else GRAPH,
            parse_moment(params.get("at")),
        )

    @classmethod
    def of_page(cls, request) -> PageQuery:
        """For a poll: the query of the page that polls (htmx sends its URL)."""
        current = request.htmx.current_url if request.htmx else None
        query = parse_qs(urlsplit(current).query) if current else {}
        return cls.parse({key: values[0] for key, values in query.items()})

    def url(self, upgrade: Upgrade, **changes) -> str:
        """The page's URL with some of the query changed (the step panel is left out)."""
        view, at = changes.get("view", self.view), changes.get("at", self.at)
        query = {"view": view} if view != GRAPH else {}
        if at is not None:
            query["at"] = at.isoformat()
        return reverse("upgrade", args=[upgrade.pk]) + (f"?{urlencode(query)}" if query else "")


def load(pk: int) -> Upgrade:
    return get_object_or_404(Upgrade.objects.for_list(), pk=pk)


def page_context(request, upgrade: Upgrade, query: PageQuery) -> dict:
    """Everything the page shows, in a fixed number of queries whatever the number of steps."""
    rendered_at = time.time()
    tasks = list(upgrade.tasks.all())
    statuses = list(upgrade.steps.values_list("status", flat=True))
    # The steps, the DAG and the timeline are loaded and built only when rendered: their markup is
    # shared by revision, so most page views of a watched upgrade never load them.
    steps = SimpleLazyObject(
        lambda: list(UpgradeStep.objects.filter(upgrade_id=upgrade.pk).only(*STEP_FIELDS))
    )
    events = SimpleLazyObject(lambda: _newest_events(upgrade))
    members = SimpleLazyObject(lambda: snapshot.members(upgrade))
    root = SimpleLazyObject(lambda: dagview.build(tasks, steps, snapshot.zone_names(members)))
    at = query.at if upgrade.is_terminal else None  # a replay, of a finished upgrade only
    selected_id = query.step
    selected = upgrade.steps.filter(ocp_subtask_id=selected_id).first() if selected_id is not None else None
    may_operate = operations.can_operate(request.user)
    done = statuses.count("SUCCESSFUL")
    running = any(status in ("RUNNING", "CANCELING") for status in statuses)
    last_event = upgrade.events.aggregate(last=Max("pk"))["last"] or _int(request.GET.get("e"), 0)
    context = {
        "upgrade": upgrade,
        "root": root,
        "dags": SimpleLazyObject(lambda: [root, *root.children]),
        "steps": steps,
        "events": events,
        "events_shown": EVENTS_SHOWN,
        "selected": selected,
        "done": done,
        "total": len(statuses),
        "may_operate": may_operate,
        "task_ops": operations.task_operations(upgrade) if may_operate else [],
        "poll_url": _poll_url(upgrade, rendered_at, len(tasks), last_event),
        "poll_seconds": settings.OCPDASH_PAGE_POLL_INTERVAL,
        "render_key": _render_key(upgrade, selected, running, query.view, at),
        "members": members,
        **drawing_context(upgrade, query, at, tasks=tasks, steps=steps, clusters=members, root=root),
    }
    if selected is not None:
        context.update(step_context(request, upgrade, selected))
    if upgrade.is_terminal:
        context.update(review_context(request, upgrade))
    context.update(changes.page_parts(request, upgrade))  # the Change panel, the ETA, who ended it
    return context


def drawing_context(upgrade: Upgrade, query: PageQuery, at: datetime | None, **known) -> dict:
    """The overview, the DAG or Gantt and the replay: as stored (on the DAG the steps table shares,
    ``known["root"]``), or as they were at ``at``; each built only when rendered."""
    if at is not None:
        known["root"] = None
    shot = SimpleLazyObject(lambda: snapshot.picture(upgrade, at=at, **known))
    return {
        "view": query.view,
        "at": at,
        "shot": shot,
        "graph_root": SimpleLazyObject(lambda: shot.root),
        "overview_rows": SimpleLazyObject(lambda: shot.rows),
        "overview_heads": SimpleLazyObject(lambda: overview.heads(shot.rows)),
        "gantt": SimpleLazyObject(lambda: _gantt_markup(upgrade, shot)),
        "view_tabs": [
            (GRAPH, _("Steps graph"), query.url(upgrade, view=GRAPH, at=at)),
            (GANTT, _("Gantt"), query.url(upgrade, view=GANTT, at=at)),
        ],
        "graph_url_final": query.url(upgrade, at=None),
        "replay": _replay_span(upgrade, at),
    }


def _newest_events(upgrade: Upgrade) -> list:
    newest = upgrade.events.select_related("actor").order_by("-created_at", "-id")[:EVENTS_SHOWN]
    return list(newest)[::-1]


def _render_key(upgrade: Upgrade, selected, running: bool, view: str, at: datetime | None) -> str:
    """With the revision, what the cached DAG and steps markup depend on: the selected step, the view
    and the replay's moment, and (for the durations of running steps) a 10-second clock while anything
    runs, and the language. Many screens watching one upgrade then share one rendering per change."""
    clock = int(time.time() // 10) if running else 0
    moment = at.timestamp() if at else ""
    selected_pk = selected.pk if selected else 0
    return f"{upgrade.created_at.timestamp()}:{selected_pk}:{clock}:{view}:{moment}:{get_language()}"


def _gantt_markup(upgrade: Upgrade, shot: snapshot.Picture) -> dict:
    drawn = shot.gantt()
    url = reverse("upgrade", args=[upgrade.pk])
    return {"axis": gantt.axis_svg(drawn), "body": gantt.body_svg(drawn, url), "rows": len(drawn.rows)}


def _replay_span(upgrade: Upgrade, at: datetime | None) -> dict | None:
    """The replay slider of a finished upgrade: from its submission (or request) to its end, in
    whole seconds since the epoch."""
    begin, end = upgrade.submitted_at or upgrade.created_at, upgrade.finished_at
    if not upgrade.is_terminal or begin is None or end is None or end <= begin:
        return None
    start, stop = int(begin.timestamp()), int(end.timestamp()) + 1
    value = min(max(int(at.timestamp()), start), stop) if at else stop
    return {"start": start, "end": stop, "value": value}


def step_context(request, upgrade: Upgrade, step: UpgradeStep) -> dict:
    ops = operations.step_operations(upgrade, step) if operations.can_operate(request.user) else []
    return {"selected": step, "step_ops": ops, "upgrade": upgrade}


def review_context(request, upgrade: Upgrade) -> dict:
    return {
        "comments": list(upgrade.comments.select_related("author")),
        "may_review": review.can_review(request.user),
        "may_sign_off": review.may_sign_off(request.user, upgrade),
        "comment_max": review.COMMENT_MAX_LENGTH,
        "note_max": review.NOTE_MAX_LENGTH,
        "upgrade": upgrade,
    }


def _poll_url(upgrade: Upgrade, at: float, tasks: int, last_event: int) -> str:
    query = urlencode({"v": upgrade.revision, "at": f"{at:.3f}", "n": tasks, "e": last_event})
    return reverse("upgrade_poll", args=[upgrade.pk]) + "?" + query


@vary_on_headers("HX-Request", "HX-Target")
def upgrade_page(request, pk: int):
    upgrade = load(pk)
    query = PageQuery.parse(request.GET)
    target = request.htmx.target if request.htmx else None
    if target == "step-detail":
        if not query.step:  # the panel's Close
            return render(request, "web/upgrade.html#step_detail", {"upgrade": upgrade, "selected": None})
        step = _step(upgrade, query.step)
        return render(request, "web/upgrade.html#step_detail", step_context(request, upgrade, step))
    if target == "dag":  # a view tab, or the replay's slider: the drawing, the overview and the time
        shown = PageQuery.of_page(request).step  # the step panel stays as it is
        context = page_context(request, upgrade, PageQuery(shown, query.view, query.at))
        if "from" in request.GET and (delta := _replay_delta(context, request.GET["from"])) is not None:
            response = render(request, "web/upgrade.html#replay_delta", {**context, **delta, "oob": True})
            return push_url(reswap(response, "none"), query.url(upgrade, at=context["at"]))
        response = render(request, "web/upgrade.html#drawing", {**context, "oob": True})
        return push_url(response, query.url(upgrade, at=context["at"]))
    return render(request, "web/upgrade.html", page_context(request, upgrade, query))


# A move of the replay's slider that changes more than this share of the graph's nodes redraws it whole.
DELTA_UP_TO = 0.3


def _replay_delta(context: dict, shown: str) -> dict | None:
    """The replay's slider moved, on the graph: only the nodes whose picture changed between the
    moment the page shows (``from``, as the page last received it; empty: the end) and the one asked
    for, and the running ones (their duration moved on). None: redraw the whole graph."""
    at, shot = context["at"], context["shot"]
    if at is None or context["view"] != GRAPH:
        return None
    before = parse_moment(shown)
    steps = context["steps"]
    if before is not None:
        steps = snapshot.steps_at(steps, shot.replay, replays.clamp(before, shot.replay))
    was = {s.ocp_subtask_id: _looks(s) for s in steps}
    nodes = [n for d in shot.dags for n in d.nodes]
    changed = [
        n for n in nodes if n.step.status == RUNNING or was.get(n.step.ocp_subtask_id) != _looks(n.step)
    ]
    if len(changed) > DELTA_UP_TO * len(nodes):
        return None
    return {"changed_nodes": changed, "summaries": shot.root.children}


def _looks(step: UpgradeStep) -> tuple:
    return step.status, step.operation, step.run_time, step.started_at, step.finished_at


def _step(upgrade: Upgrade, subtask_id) -> UpgradeStep:
    step = UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=_int(subtask_id, -1)).first()
    if step is None:
        raise Http404("No such step in this upgrade.")
    return step


def upgrade_poll(request, pk: int):
    # Every open upgrade page asks this every few seconds and nearly always gets 204: one indexed
    # read of two columns, in plain SQL (the ORM's query building would cost more than the read).
    with connection.cursor() as cursor:
        cursor.execute(REVISION_SQL, [pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such upgrade.")
    revision, state = row
    if revision == _int(request.GET.get("v")) and state not in TERMINAL_STATES:
        return HttpResponse(status=204)
    upgrade = load(pk)
    query = PageQuery.of_page(request)
    context = page_context(request, upgrade, PageQuery(query.step, query.view))  # live: no replay
    context.update(_changes(request, context))
    return render(request, "web/upgrade.html#poll", context, status=286 if upgrade.is_terminal else 200)


def _changes(request, context: dict) -> dict:
    """Which parts of the page to send: all of the DAG and table when a task appeared, otherwise
    only the tasks with a step changed since the page's last render (only the changed nodes and
    rows of a large task); only new events."""
    since_epoch = parse_finite(request.GET.get("at")) or 0.0
    since = datetime.fromtimestamp(since_epoch, tz=UTC) - CLOCK_SLACK
    same_tasks = _int(request.GET.get("n")) == len(context["dags"]) - (0 if context["root"].task else 1)
    changed_dags, summaries, changed_nodes = [], [], []
    for d in context["dags"] if same_tasks else []:
        nodes = [n for n in d.nodes if n.step.changed_at >= since]
        if not nodes:
            continue
        if len(d.nodes) <= WHOLE_DAG_UP_TO or len(nodes) * 10 > len(d.nodes):
            changed_dags.append(d)
        else:  # a large DAG: send only the changed nodes and rows, not hundreds of unchanged ones
            changed_nodes += nodes
            if d.task and not d.task.is_parent:
                summaries.append(d)
    last_event = _int(request.GET.get("e"), 0)
    return {
        **_overview_changes(request, context, same_tasks, since),
        "oob": True,
        "whole_dag": not same_tasks,
        "changed_dags": changed_dags,
        "summaries": summaries,
        "changed_nodes": changed_nodes,
        "new_events": [e for e in context["events"] if e.pk > last_event],
        "now": timezone.now(),
    }


def _overview_changes(request, context: dict, same_tasks: bool, since: datetime) -> dict:
    """Which parts of the overview to send: whole when the page's rows differ (``o``, the rows'
    heads as the page has them: a task appeared, a row's state changed), else only the labels and
    cells of rows with a step changed since the page's last render."""
    rows = context["overview_rows"]
    shown, now_shown = request.GET.get("o"), overview.heads(rows)
    heads, was = now_shown.split(".") if rows else [], shown.split(".") if shown else []
    if shown is None or not same_tasks or len(was) != len(heads):
        return {"ov_whole": True, "overview_heads": now_shown}
    changed = [s for s in context["steps"] if s.changed_at >= since]
    steps, tasks = {s.ocp_subtask_id for s in changed}, {s.ocp_task_id for s in changed}
    whole, labels, cells = [], [], []
    for i, (row, before, now) in enumerate(zip(rows, was, heads, strict=True)):
        if before != now:
            whole.append((i, row))
            continue
        touched = [(i, j, c) for j, c in enumerate(row.cells) if c.steps & steps]
        if touched or row.task_id in tasks:
            labels.append((i, row))
            cells += touched
    delta = {"ov_rows": whole, "ov_labels": labels, "ov_cells": cells}
    return {"ov_whole": False, **delta, "overview_heads": now_shown}


def step_log(request, pk: int, subtask_id: int):
    """The OCP log tail of one step; polls itself while the step runs and stops (286) after."""
    upgrade = load(pk)
    step = _step(upgrade, subtask_id)
    running = step.status in ("RUNNING", "CANCELING", "READY")
    log = step_log_tail(step)
    # Keep asking while the step runs, and until a tail fetched after its last change has arrived.
    final = not running and step.log_fetched_at is not None and step.log_fetched_at >= step.changed_at
    context = {"upgrade": upgrade, "selected": step, "log": log, "running": not final}
    return render(request, "web/upgrade.html#step_log", context, status=286 if final else 200)
