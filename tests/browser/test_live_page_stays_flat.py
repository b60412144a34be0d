"""A page watched for hours must not grow: every live update replaces, never accumulates.

Two counts, both exactly flat after a warm-up: the nodes in the document (a TreeWalker over the body)
and every DOM node the renderer still holds after a forced GC (CDP Memory.getDOMCounters), which also
sees nodes that left the page but are kept alive. Chromium kept a step node whose pulse animation
still ran as htmx swapped it out (for a child task's graph), and with it the whole subtree it was part
of: 32 nodes per change on the node-by-node path, 1,065 per change (the whole old graph) for a 30-step
child task re-sent whole. Only the second count saw that (static/js/ocpdash.js, stopPulses). Waits
go through locators: an element handle (page.wait_for_selector) would itself keep a replaced node.
"""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from ocpdash.upgrades import events
from ocpdash.upgrades.models import Upgrade, UpgradeStep, UpgradeTask
from ocpdash.web.views.upgrades import WHOLE_DAG_UP_TO
from tests.browser.conftest import add_steps, login, running_upgrade

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page polls every second here (2 s by default) where the path a poll takes does not depend on
# how many changes fall in its window: the same changes, half the waiting.
QUICK_POLLS = 1.0

COUNT_NODES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ALL);
  let n = 0; while (walker.nextNode()) n++; return n;
}"""


def _dom_nodes(page) -> tuple[int, int]:
    """(nodes in the document, DOM nodes alive in the renderer after a GC)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        alive = cdp.send("Memory.getDOMCounters")["nodes"]
    finally:
        cdp.detach()
    return page.evaluate(COUNT_NODES), alive


def _change(page, upgrade, subtask_id: int, *, finish_previous: bool) -> None:
    """One change as the engine stores it; returns once the page shows it and htmx has settled."""
    now = timezone.now()
    if finish_previous:
        UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=subtask_id - 1).update(
            status="SUCCESSFUL", changed_at=now
        )
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=subtask_id).update(
        status="RUNNING", changed_at=now
    )
    events.record(upgrade.pk, "step", f"Step 'Step {subtask_id}': PENDING → RUNNING", subtask_id=subtask_id)
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=F("revision") + 1)
    for shown in (f"#node-{subtask_id}", f"#row-{subtask_id}"):
        page.locator(f"{shown}[data-status='RUNNING']").wait_for(state="attached")
    page.wait_for_timeout(500)  # let htmx settle


def test_live_updates_keep_the_dom_the_same_size(
    page, live_server, operator, make_cluster, make_package, settings
):
    """A small task: every change re-sends its whole graph and table."""
    settings.OCPDASH_PAGE_POLL_INTERVAL = QUICK_POLLS
    upgrade = running_upgrade(operator, make_cluster, make_package, "steady")
    add_steps(upgrade, 1, 1, 30, status="PENDING")
    for i in range(120):  # a full timeline, as hours into an upgrade
        events.record(upgrade.pk, "info", f"earlier event {i}")
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")

    for n in range(1, 4):
        _change(page, upgrade, n, finish_previous=n > 1)
    baseline = _dom_nodes(page)
    for n in range(4, 16):
        _change(page, upgrade, n, finish_previous=n > 1)
    assert _dom_nodes(page) == baseline, "live updates leave nodes behind (in the page, or detached)"
    assert page.locator("#timeline > li").count() == 100
    assert page.locator("#poller").count() == 1
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize("child_steps", [30, 80], ids=["whole-task", "node-by-node"])
def test_live_updates_of_a_child_task_keep_the_dom_the_same_size(
    page, live_server, operator, make_cluster, make_package, child_steps, settings
):
    """A child task (drawn inside a <details>), the running step moving on as in a real upgrade.
    Up to WHOLE_DAG_UP_TO steps each poll re-sends the task's whole graph and table; above, only
    the changed nodes and rows, out of band inside a <template>. (Node by node, a poll sends the
    whole graph when a tenth of it changed within its clock slack, so that case keeps the page's
    own interval: quicker polls would put more changes in the window.)"""
    if child_steps <= WHOLE_DAG_UP_TO:
        settings.OCPDASH_PAGE_POLL_INTERVAL = QUICK_POLLS
    upgrade = running_upgrade(operator, make_cluster, make_package, "large")
    UpgradeTask.objects.create(
        upgrade=upgrade, ocp_task_id=2, name="Upgrade OB cluster", parent_subtask_id=3, status="RUNNING"
    )
    long_ago = timezone.now() - timedelta(hours=1)
    add_steps(upgrade, 1, 1, 3, status="SUCCESSFUL", changed_at=long_ago)
    # the parent waits on its step 3 ("Wait dag success") while the child task runs
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=3).update(status="RUNNING")
    add_steps(upgrade, 2, 101, child_steps, status="PENDING", changed_at=long_ago)
    whole = child_steps <= WHOLE_DAG_UP_TO
    for i in range(120):
        events.record(upgrade.pk, "info", f"earlier event {i}")
    polls = []
    page.on("response", lambda r: "/poll/" in r.url and r.status == 200 and polls.append(r.text()))
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")

    for n in range(101, 105):
        _change(page, upgrade, n, finish_previous=n > 101)
    baseline = _dom_nodes(page)
    polls.clear()
    for n in range(105, 125):
        _change(page, upgrade, n, finish_previous=True)
    after = _dom_nodes(page)
    assert polls, "the page did not poll"
    assert whole == any('id="dag-task-2"' in body for body in polls), "not the path this case is for"
    assert whole != any(
        '<template><svg xmlns="http://www.w3.org/2000/svg"><g class="node' in body for body in polls
    )
    assert after == baseline, (
        f"{(after[1] - baseline[1]) / 20:.1f} nodes kept per change: {baseline} → {after}"
    )
    assert page.locator("svg.dag .node[data-status='RUNNING']").count() == 2  # the wait step and step 124
    assert page.locator("#timeline > li").count() == 100
    assert not page.console_errors, page.console_errors
