"""The operator's day in real Chromium: submit, watch the DAG live, retry a failed step, review."""

import re

import pytest
from playwright.sync_api import expect

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster
from ocpdash.sites.sync import sync_site
from ocpdash.upgrades.models import State, Upgrade
from tests.browser.conftest import TIMEOUT_MS, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.engine, pytest.mark.django_db(transaction=True)]

PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
ALL_SUCCESSFUL = """() => {
  const nodes = [...document.querySelectorAll('svg.dag .node')];
  return nodes.length > 10 && nodes.every(n => n.dataset.status === 'SUCCESSFUL');
}"""


def submit_from_form(page, live_server, cluster, package, reason):
    page.goto(f"{live_server.url}/clusters/{cluster.pk}/upgrade/")
    page.check(f"input[name=package][value='{package.pk}']")
    expect(page.locator("#precheck")).to_contain_text("passed", timeout=30_000)
    page.fill("input[name=reason]", reason)
    page.dblclick("#submit-upgrade")  # a double click still submits once
    page.wait_for_url(re.compile(r"/upgrades/\d+/$"))
    upgrade_id = int(re.search(r"/upgrades/(\d+)/", page.url).group(1))
    page.evaluate("() => { window.noReload = true; }")
    return upgrade_id


def test_submit_watch_retry_and_review(page, live_server, engine, simulator, operator, make_user, settings):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 0.5
    simulator.config(step_seconds=0.4)
    engine.start_worker()
    engine.start_beat()
    package = RpmPackage.objects.get(file_name=PACKAGE)
    (ocp_id,) = simulator.add_clusters("orion", 1)  # a second cluster, still on the old version
    sync_site(engine.site)
    login(page, live_server, "op")

    # 1. Happy path on orion: the DAG turns green in place.
    upgrade_id = submit_from_form(
        page, live_server, Cluster.objects.get(name="orion"), package, "browser test"
    )
    running = page.locator("svg.dag .node[data-status='RUNNING']").first
    running.wait_for()
    step_id = running.get_attribute("data-step-id")
    shot(page, "upgrade-running-dag")
    node = page.locator(f"svg.dag .node[data-step-id='{step_id}']")
    expect(node).to_have_attribute("data-status", "SUCCESSFUL", timeout=TIMEOUT_MS)
    page.wait_for_function(ALL_SUCCESSFUL, timeout=TIMEOUT_MS)
    expect(page.locator("#upgrade-header .badge")).to_have_attribute("data-state", "successful")
    assert page.evaluate("() => window.noReload === true"), "the page was never reloaded"
    assert Upgrade.objects.filter(cluster__name="orion").count() == 1, "the double click submitted once"
    shot(page, "upgrade-finished-dag")

    # 2. A failing step on a second cluster, retried from the page.
    simulator.faults(fail_subtask={"name": "Restart observer", "times": 1})
    second = submit_from_form(page, live_server, Cluster.objects.get(ocp_id=ocp_id), package, "second")
    failed = page.locator("svg.dag .node[data-status='FAILED']", has_text="Restart observer")
    failed.wait_for(timeout=TIMEOUT_MS)
    dashboard = page.context.new_page()  # another tab: the upgrade page keeps running untouched
    dashboard.goto(live_server.url + "/")
    expect(dashboard.locator(f"#active-upgrades tr[data-upgrade-id='{second}']")).to_have_count(1)
    shot(dashboard, "dashboard")
    dashboard.close()
    failed.click()
    page.wait_for_url(re.compile(r"\?step=\d+$"))
    expect(page.locator("#step-info")).to_contain_text("Restart observer")
    page.fill("#step-info input[name=reason]", "transient")
    page.click("#step-info button.op-retry")
    expect(page.locator("#step-ops-result")).to_contain_text("OCP accepted the retry")
    page.wait_for_function(ALL_SUCCESSFUL, timeout=TIMEOUT_MS)
    assert page.evaluate("() => window.noReload === true")
    assert Upgrade.objects.get(pk=second).state == State.SUCCESSFUL

    # 3. Review from the history's "not yet reviewed" list, by a colleague (the requester may not sign
    #    off their own upgrade).
    make_user("reviewer", "Operators")
    page.context.clear_cookies()
    login(page, live_server, "reviewer")
    page.goto(live_server.url + "/history/?reviewed=no")
    page.click(f"tr[data-upgrade-id='{upgrade_id}'] a[href$='#review']")
    page.fill("#review textarea[name=body]", "Looked fine, <b>no</b> alarms")
    page.click("#review button:has-text('Add comment')")
    expect(page.locator("#review .comments")).to_contain_text("<b>no</b> alarms")
    page.click("#review button.sign-off")
    expect(page.locator("#review .reviewed")).to_contain_text("Signed off by reviewer")
    page.goto(live_server.url + "/history/?reviewed=no")
    expect(page.locator(f"tr[data-upgrade-id='{upgrade_id}']")).to_have_count(0)
    assert not page.console_errors, page.console_errors
