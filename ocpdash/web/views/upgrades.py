"""The upgrade page: header, DAG, steps, timeline, operations; live through one polling request.

The poll carries what the page shows (``v`` revision, ``at`` render time, ``n`` task count, ``e``
last event id): unchanged → 204; changed → only the changed parts, out of band; terminal → 286.
"""

from __future__ import annotations

import time
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

from ocpdash.upgrades import operations, review
from ocpdash.upgrades.models import TERMINAL_STATES, Upgrade, UpgradeStep
from ocpdash.upgrades.params import parse_finite, parse_id
from ocpdash.upgrades.steplog import step_log_tail
from ocpdash.web import dagview
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
STEP_FIELDS = ("ocp_task_id", "ocp_subtask_id", "name", "status", "operation", "run_time", "upstreams",
               "started_at", "finished_at", "changed_at")  # fmt: skip


def load(pk: int) -> Upgrade:
    return get_object_or_404(Upgrade.objects.for_list(), pk=pk)


def page_context(request, upgrade: Upgrade, selected_id: int | None) -> dict:
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
    zones = [z.get("name", "") for z in upgrade.cluster.zones or []]
    root = SimpleLazyObject(lambda: dagview.build(tasks, steps, zones))
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
        "render_key": _render_key(upgrade, selected, running),
    }
    if selected is not None:
        context.update(step_context(request, upgrade, selected))
    if upgrade.is_terminal:
        context.update(review_context(request, upgrade))
    context.update(changes.page_parts(request, upgrade))  # the Change panel, the ETA, who ended it
    return context


def _newest_events(upgrade: Upgrade) -> list:
    newest = upgrade.events.select_related("actor").order_by("-created_at", "-id")[:EVENTS_SHOWN]
    return list(newest)[::-1]


def _render_key(upgrade: Upgrade, selected, running: bool) -> str:
    """With the revision, what the cached DAG and steps markup depend on: the selected step, and
    (for the durations of running steps) a 10-second clock while anything runs. Many screens
    watching one upgrade then share one rendering per change."""
    clock = int(time.time() // 10) if running else 0
    return f"{upgrade.created_at.timestamp()}:{selected.pk if selected else 0}:{clock}"


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


def upgrade_page(request, pk: int):
    upgrade = load(pk)
    selected_id = _int(request.GET.get("step"))
    if request.htmx and request.htmx.target == "step-detail":
        if not selected_id:  # the panel's Close
            return render(request, "web/upgrade.html#step_detail", {"upgrade": upgrade, "selected": None})
        step = _step(upgrade, selected_id)
        return render(request, "web/upgrade.html#step_detail", step_context(request, upgrade, step))
    return render(request, "web/upgrade.html", page_context(request, upgrade, selected_id))


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
    context = page_context(request, upgrade, _selected_from_current_url(request))
    context.update(_changes(request, context))
    return render(request, "web/upgrade.html#poll", context, status=286 if upgrade.is_terminal else 200)


def _selected_from_current_url(request) -> int | None:
    current = request.htmx.current_url if request.htmx else None
    if not current:
        return None
    return _int(parse_qs(urlsplit(current).query).get("step", [None])[0])


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
        "oob": True,
        "whole_dag": not same_tasks,
        "changed_dags": changed_dags,
        "summaries": summaries,
        "changed_nodes": changed_nodes,
        "new_events": [e for e in context["events"] if e.pk > last_event],
        "now": timezone.now(),
    }


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
