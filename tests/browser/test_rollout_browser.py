"""A fleet rollout in real Chromium: chosen and previewed on the new-rollout page, created, and watched
on its live diagram until every unit is upgraded by real workers against the simulator."""

import re

import pytest
from playwright.sync_api import expect

from ocpdash.rollouts.models import Rollout, RolloutState, UnitState
from ocpdash.sites.models import Cluster
from ocpdash.sites.sync import sync_site
from tests.browser.conftest import TIMEOUT_MS, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.engine, pytest.mark.django_db(transaction=True)]

PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


def test_create_a_rollout_from_the_page_and_watch_it_finish(
    page, live_server, engine, simulator, operator, settings
):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 0.5
    simulator.config(step_seconds=0.05)
    ids = simulator.add_clusters("orion", 3)
    sync_site(engine.site)
    clusters = list(Cluster.objects.filter(site=engine.site, ocp_id__in=ids).order_by("pk"))
    engine.start_worker()
    engine.start_beat(wait=False)
    login(page, live_server, "op")

    page.click("#nav-rollouts")
    page.click("#new-rollout")
    page.fill("#rollout-name", "browser fleet")
    page.check(f"#rollout-form input[name=packages][value='{_package_pk()}']")
    for cluster in clusters:
        page.check(f"#rollout-clusters input[name=clusters][value='{cluster.pk}']")
    page.check(f"#rollout-clusters input[name=canary][value='{clusters[0].pk}']")
    page.fill("input[name=wave_size]", "2")
    page.fill("input[name=max_parallel]", "2")
    page.click("#preview-plan")
    expect(page.locator("#plan table.plan-wave")).to_have_count(2, timeout=30_000)  # canary, wave 1
    expect(page.locator("#plan .plan-wave-title").first).to_have_text("Canary")
    shot(page, "rollout-preview")
    page.click("#create-rollout")
    page.wait_for_url(re.compile(r"/rollouts/\d+/$"))
    rollout = Rollout.objects.get(name="browser fleet")
    expect(page.locator(".messages")).to_contain_text("Rollout created")
    page.evaluate("() => { window.noReload = true; }")

    page.locator("svg.rollout-diagram .unit[data-state='upgrading']").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "rollout-running")
    expect(page.locator("#rollout-state")).to_have_attribute("data-state", "successful", timeout=TIMEOUT_MS)
    expect(page.locator("svg.rollout-diagram .unit[data-state='upgraded']")).to_have_count(3)
    expect(page.locator("#rollout-progress")).to_contain_text("3/3")
    assert page.evaluate("() => window.noReload === true"), "the page was reloaded instead of updated"
    shot(page, "rollout-finished")
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.SUCCESSFUL
    assert {u.state for u in rollout.units.all()} == {UnitState.UPGRADED}

    page.click("#rollout-history")
    expect(page.locator("tr[data-upgrade-id]")).to_have_count(3)
    assert not page.console_errors, page.console_errors


def _package_pk() -> int:
    from ocpdash.catalog.models import RpmPackage

    return RpmPackage.objects.get(file_name=PACKAGE).pk
