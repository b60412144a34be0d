"""Approval in real Chromium: an operator requests an upgrade of a cluster under a one-approval
policy; an approver finds it under "To approve", reads the plan and approves it on the page, which
then follows it (scheduled → queued → running) without a reload."""

import re

import pytest
from playwright.sync_api import expect

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.models import ApprovalPolicy
from ocpdash.core.roles import APPROVER
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import State, Upgrade
from tests.browser.conftest import TIMEOUT_MS, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.engine, pytest.mark.django_db(transaction=True)]

PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
STARTED = re.compile(r"^(queued|submitting|running|successful)$")
ETA_OR_DONE = """() => {
  const state = document.querySelector('#upgrade-header .badge').dataset.state;
  const eta = document.querySelector('#upgrade-header #eta');
  return state === 'successful' || (eta !== null && eta.textContent.startsWith('ETA '));
}"""


def test_an_approver_approves_a_request_from_the_upgrade_page(
    page, live_server, engine, simulator, operator, make_user, settings
):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 0.5
    simulator.config(step_seconds=0.4)
    engine.start_worker()
    engine.start_beat()
    orion = Cluster.objects.get(name="orion")
    ApprovalPolicy.objects.create(cluster=orion, approvals_required=1)
    make_user("approver", APPROVER)
    package = RpmPackage.objects.get(file_name=PACKAGE)

    # 1. The operator's request waits for approval; the form said so before it was sent.
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/clusters/{orion.pk}/upgrade/")
    page.check(f"input[name=package][value='{package.pk}']")
    expect(page.locator("#precheck")).to_contain_text("passed", timeout=30_000)
    expect(page.locator("#plan-approval")).to_contain_text("1 approval (policy for cluster orion)")
    expect(page.locator("#plan-eta")).to_contain_text("ETA")
    page.fill("input[name=reason]", "quarterly patch")
    page.click("#submit-upgrade")
    page.wait_for_url(re.compile(r"/upgrades/\d+/$"))
    upgrade_id = int(re.search(r"/upgrades/(\d+)/", page.url).group(1))
    expect(page.locator("#upgrade-header .badge")).to_have_attribute("data-state", "awaiting_approval")
    expect(page.locator("#own-request")).to_be_visible()
    expect(page.locator("#change button.approve")).to_have_count(0)

    # 2. The approver finds it under "To approve" and approves the plan on the page.
    page.context.clear_cookies()
    login(page, live_server, "approver")
    expect(page.locator("#to-approve-count")).to_have_text("1")
    page.click("#nav-approvals")
    page.click(f"#to-approve tr[data-upgrade-id='{upgrade_id}'] a[href*='/upgrades/']")
    expect(page.locator("#approvals-count")).to_have_text("0 of 1")
    expect(page.locator("#plan-members")).to_contain_text("orion")
    expect(page.locator("#plan-checks")).to_contain_text("✓")
    shot(page, "change-panel-awaiting-approval")
    page.evaluate("() => { window.noReload = true; }")
    page.fill("#change .approve-form input[name=comment]", "go ahead <b>now</b>")
    page.click("#change button.approve")
    expect(page.locator("#change-result")).to_contain_text("Approved by approver: go ahead <b>now</b>.")

    # 3. The page follows it, polling: approved, then started by the worker, then running in OCP.
    badge = page.locator("#upgrade-header .badge")
    expect(badge).to_have_attribute("data-state", STARTED, timeout=TIMEOUT_MS)
    expect(page.locator("#change h2")).to_have_count(0)  # the Change panel is gone once it starts
    expect(badge).to_have_attribute("data-state", re.compile(r"^(running|successful)$"), timeout=TIMEOUT_MS)
    page.wait_for_function(ETA_OR_DONE, timeout=TIMEOUT_MS)  # while it runs, the header has its ETA
    page.locator("svg.dag .node").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "approved-upgrade-running")
    assert page.evaluate("() => window.noReload === true"), "the page was never reloaded"
    assert Upgrade.objects.get(pk=upgrade_id).state in (State.RUNNING, State.SUCCESSFUL)
    assert not page.console_errors, page.console_errors
