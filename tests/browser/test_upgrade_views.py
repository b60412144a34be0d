"""The upgrade page's views in real Chromium on a laptop screen (1366×768): the overview strip, the DAG
opening on the running step, the keyboard, the Gantt and the replay (issue 17). Upgrades of 30, 300
and 1,000 steps are made with OCP's shapes (bench.data); screenshots go to test-artifacts/."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from bench import data
from ocpdash.ops import heartbeat
from ocpdash.upgrades import replay as replays
from ocpdash.upgrades.models import UpgradeStep
from tests.browser.conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
FRAMED = "() => [...document.querySelectorAll('.dag-scroll')].some(b => b.dataset.scale)"
# A node is in view when the whole of it is inside the screen and inside the visible part of its box.
IN_VIEW = """node => {
  const r = node.getBoundingClientRect(), b = node.closest('.dag-scroll').getBoundingClientRect();
  return r.top >= Math.max(b.top, 0) && r.bottom <= Math.min(b.bottom, innerHeight)
      && r.left >= Math.max(b.left, 0) && r.right <= Math.min(b.right, innerWidth);
}"""


def zoned_cluster(make_cluster, zones: int, name: str):
    return make_cluster(
        name=name,
        zones=[{"name": f"zone{z}", "servers": [{"ip": f"10.2.{z}.1"}]} for z in range(1, zones + 1)],
        zone_count=zones,
        version="4.2.1.0-100000102023092807",
    )


@pytest.fixture
def ocp_upgrade(make_cluster, make_package, operator):
    """make(steps): a running (or, with its step events, finished) upgrade shaped as OCP's."""
    package, made = make_package(), iter(range(1, 100))

    def make(steps, *, finished=False, progress=0.4):
        shape = {30: (1, 3), 300: (2, 23), 1000: (3, 54)}[steps]
        cluster = zoned_cluster(make_cluster, shape[1], f"c{steps}-{next(made)}")
        return _upgrade(steps, shape, cluster, package, operator, finished, progress)

    return make


def _upgrade(steps, shape, cluster, package, user, finished, progress):
    fields = dict(shape=shape, cluster=cluster, package=package, user=user)
    if finished:
        return data.make_finished_upgrade(steps, **fields)
    return data.make_upgrade(steps, progress=progress, **fields)


@pytest.fixture
def laptop(page, live_server, operator):
    """Logged in on a 1366×768 screen, with a worker and beat seen (no banner about them)."""
    heartbeat.record(heartbeat.WORKER, "worker@test")
    heartbeat.record(heartbeat.BEAT, "beat@test")
    page.set_viewport_size(LAPTOP)
    login(page, live_server, "op")
    return page


def open_page(page, url):
    page.goto(url)
    page.wait_for_function(FRAMED)


def test_the_running_step_is_in_view_on_opening_at_30_300_and_1000_steps(laptop, live_server, ocp_upgrade):
    page = laptop
    for steps in (30, 300, 1000):
        upgrade = ocp_upgrade(steps)
        running = UpgradeStep.objects.filter(upgrade=upgrade, status="RUNNING").exclude(
            name="Wait dag success"
        )
        open_page(page, f"{live_server.url}/upgrades/{upgrade.pk}/")
        node = page.locator(f"#node-{running.get().ocp_subtask_id}")
        assert node.evaluate(IN_VIEW), f"{steps} steps: the running step is not in view"
        overview = page.locator("#overview").bounding_box()
        assert overview["y"] + overview["height"] <= LAPTOP["height"], f"{steps} steps: the overview is cut"
        assert page.evaluate("() => scrollY") == 0, "the page itself did not scroll"
        if steps == 300:
            shot(page, "upgrade-300-overview-and-graph", full_page=False)
    assert not page.console_errors, page.console_errors


LONG_NAME = "Install OceanBase RPM (oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm)"


def test_from_the_page_to_a_steps_log_with_the_keyboard_only(laptop, live_server, ocp_upgrade):
    page = laptop
    upgrade = ocp_upgrade(30)
    running = UpgradeStep.objects.get(upgrade=upgrade, status="RUNNING")
    UpgradeStep.objects.filter(pk=running.pk).update(
        name=LONG_NAME, log_tail="rpm -Uvh done", log_fetched_at=timezone.now() + timedelta(hours=1)
    )
    open_page(page, f"{live_server.url}/upgrades/{upgrade.pk}/")
    for _ in range(60):  # Tab through the page to the running step's node
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == f"node-{running.ocp_subtask_id}":
            break
    else:
        pytest.fail("Tab never reached the running step's node")
    tip = page.locator("#dag-tip")
    assert tip.text_content().startswith(LONG_NAME), "a focused node shows its full name"
    assert tip.is_visible()
    page.keyboard.press("ArrowRight")
    after = page.evaluate("() => document.activeElement.id")
    assert after.startswith("node-") and after != f"node-{running.ocp_subtask_id}", "right arrow: next node"
    assert not tip.text_content().startswith(LONG_NAME)
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.activeElement.id") == f"node-{running.ocp_subtask_id}"
    page.keyboard.press("Enter")
    page.locator("#step-info", has_text=LONG_NAME).wait_for()
    page.locator("#step-log", has_text="rpm -Uvh done").wait_for()
    assert f"step={running.ocp_subtask_id}" in page.url
    assert not page.console_errors, page.console_errors


STATUSES = """() => Object.fromEntries([...document.querySelectorAll('svg.dag g.node')]
  .map(n => [n.dataset.stepId, n.dataset.status]))"""
SCRUB = """at => { const s = document.getElementById('replay-at');
  s.value = at; s.dispatchEvent(new Event('input', {bubbles: true})); }"""


def statuses_from_events(upgrade, moment) -> dict[str, str]:
    """Each step's status at ``moment`` as its step events say (PENDING before its first)."""
    found = {str(i): "PENDING" for i in upgrade.steps.values_list("ocp_subtask_id", flat=True)}
    for subtask_id, change in (
        upgrade.events.filter(kind="step", created_at__lte=moment)
        .order_by("created_at", "id")
        .values_list("ocp_subtask_id", "data")
    ):
        found[str(subtask_id)] = change["status"]
    return found


def test_gantt_and_replay_of_a_finished_300_step_upgrade(laptop, live_server, ocp_upgrade):
    page = laptop
    upgrade = ocp_upgrade(300, finished=True)
    retried = upgrade.steps.get(run_time=2)
    open_page(page, f"{live_server.url}/upgrades/{upgrade.pk}/")

    # The Gantt: a row per step, the retried step with a bar per run, the critical path marked.
    page.click(".view-tabs a:has-text('Gantt')")
    page.locator("svg.gantt").wait_for()
    assert "view=gantt" in page.url
    assert page.locator("svg.gantt g.row").count() == 300
    retried_row = page.locator(f"svg.gantt g.row[data-step-id='{retried.ocp_subtask_id}']")
    assert retried_row.locator("rect.bar").count() == 2 and "×2" in retried_row.text_content()
    assert page.locator("svg.gantt g.row.critical").count() >= 10
    shot(page, "upgrade-300-gantt", full_page=False)

    # Replay: the slider at a chosen time redraws the graph and the overview as the events say.
    page.click(".view-tabs a:has-text('Steps graph')")
    page.locator("svg.dag").first.wait_for()
    begin, end = upgrade.submitted_at, upgrade.finished_at
    moment = begin + (end - begin) * 0.45
    page.evaluate(SCRUB, int(moment.timestamp()))
    page.locator(
        "#replay-time", has_text=moment.astimezone(timezone.get_current_timezone()).strftime("%H:%M:%S")
    ).wait_for()
    page.locator(".replay-note").wait_for()
    expected = statuses_from_events(upgrade, moment.replace(microsecond=0))
    assert page.evaluate(STATUSES) == expected
    assert "RUNNING" in expected.values()
    assert "at=" in page.url
    shot(page, "upgrade-300-replay", full_page=False)
    page.reload()
    page.wait_for_function(FRAMED)
    assert page.evaluate(STATUSES) == expected, "the replay's URL shows the same moment"
    assert page.locator(".ov-row[data-state='running']").count() == 1

    # The Gantt as at that moment: only what had started by then.
    page.click(".view-tabs a:has-text('Gantt')")
    page.locator("svg.gantt").wait_for()
    started = sum(1 for s in expected.values() if s != "PENDING")
    assert page.locator("svg.gantt g.row:has(rect.bar)").count() == started

    # Play moves the slider on, one redraw after the other.
    before = int(page.input_value("#replay-at"))
    page.click("#replay-play")
    page.wait_for_function(f"() => +document.getElementById('replay-at').value > {before + 1}")
    page.click("#replay-play")
    # After Play (small steps: only the changed steps are sent), the graph is still the events' picture.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)  # the last swap's settle (20 ms)
    shown = parse_qs(urlsplit(page.url).query)["at"][0]
    assert page.input_value("#replay-from"), "the page knows which moment it shows"
    page.click(".view-tabs a:has-text('Steps graph')")
    page.locator("svg.dag").first.wait_for()
    assert page.evaluate(STATUSES) == statuses_from_events(upgrade, replays.parse_moment(shown))
    assert not page.console_errors, page.console_errors


FOCUS_TITLED = """name => {
  const node = [...document.querySelectorAll('svg.dag g.node')]
    .find(n => n.querySelector('title').textContent.startsWith(name));
  node.closest('details').open = true;
  node.focus();
}"""
EVIL_ZONE = "z<img src=x onerror=alert(1)>"
EVIL_STEP = '"><svg onload=alert(2)>'
EVIL_VERSION = "4.2<script>alert(3)</script>"


def test_hostile_ocp_strings_stay_inert_in_the_overview_gantt_replay_and_tooltip(
    laptop, live_server, ocp_upgrade
):
    page = laptop
    upgrade = ocp_upgrade(30, finished=True)
    cluster = upgrade.cluster
    cluster.zones[0]["name"] = EVIL_ZONE
    cluster.save()
    for step in upgrade.steps.filter(name__contains="zone1"):
        UpgradeStep.objects.filter(pk=step.pk).update(name=step.name.replace("zone1", EVIL_ZONE))
    renamed = UpgradeStep.objects.filter(upgrade=upgrade, name="Restart observer").update(name=EVIL_STEP)
    upgrade.tasks.filter(is_parent=False).update(binary_version=EVIL_VERSION)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    middle = upgrade.submitted_at + (upgrade.finished_at - upgrade.submitted_at) / 2
    base = f"{live_server.url}/upgrades/{upgrade.pk}/"
    for url in (base, f"{base}?at={int(middle.timestamp())}"):
        open_page(page, url)
        assert page.locator(f"#overview .ov-cell[data-zone='{EVIL_ZONE}']").count() == 1
        assert EVIL_VERSION in page.locator("#overview").text_content()
        assert page.locator("svg.dag .lane-label", has_text=EVIL_ZONE).count() == 1
        page.evaluate(FOCUS_TITLED, EVIL_STEP)
        assert page.locator("#dag-tip").text_content().startswith(EVIL_STEP)
        page.goto(url + ("&" if "?" in url else "?") + "view=gantt")
        assert page.locator("svg.gantt g.row > text", has_text=EVIL_STEP).count() == renamed
        assert page.locator("svg.gantt text", has_text=EVIL_VERSION).count() == 1
    page.wait_for_load_state("networkidle")
    for where in ("#overview", "#dag", "#dag-tip", "svg.gantt", "#replay"):
        assert page.locator(f"{where} img, {where} script, {where} svg svg").count() == 0, where
    assert not page.dialogs, page.dialogs
    assert not [u for u in requests if u.rstrip("/").endswith("/x")], requests
    assert not page.console_errors, page.console_errors
