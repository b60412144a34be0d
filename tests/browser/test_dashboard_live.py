"""The dashboard in real Chromium: elapsed times tick with no request to the server, and the cluster
search filters as one types, keeps its URL, and survives the live poll's redraw."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from ocpdash.upgrades.models import Upgrade
from tests.browser.conftest import login, running_upgrade, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGED = "([selector, before]) => document.querySelector(selector).textContent !== before"


def test_elapsed_times_tick_without_asking_the_server(
    page, live_server, operator, make_cluster, make_package, settings
):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 3600  # no poll during the test: only the page's own clock
    upgrade = running_upgrade(operator, make_cluster, make_package, "tick")
    Upgrade.objects.filter(pk=upgrade.pk).update(submitted_at=timezone.now() - timedelta(seconds=125))
    login(page, live_server, "op")
    selector = f"#active-upgrades tr[data-upgrade-id='{upgrade.pk}'] time.elapsed"
    before = page.locator(selector).text_content()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.wait_for_function(CHANGED, arg=[selector, before])
    assert re.fullmatch(r"2m \d\ds", page.locator(selector).text_content())
    assert requests == []


def test_the_cluster_search_filters_as_one_types_and_the_poll_keeps_it(
    page, live_server, operator, make_cluster, make_package, settings
):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 0.5
    upgrade = running_upgrade(operator, make_cluster, make_package, "orion")
    make_cluster(name="vega", labels=["production"])
    make_cluster(name="lyra")
    login(page, live_server, "op")
    expect(page.locator("#clusters tbody tr")).to_have_count(3)
    page.fill("#id_q", "veg")
    expect(page.locator("#clusters tbody tr")).to_have_count(1)
    expect(page.locator("#clusters tbody tr a").first).to_have_text("vega")
    expect(page).to_have_url(re.compile(r"/\?q=veg"))
    key = page.locator("#dashboard").get_attribute("data-key")
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=F("revision") + 1)
    page.wait_for_function("k => document.querySelector('#dashboard').dataset.key !== k", arg=key)
    expect(page.locator("#clusters tbody tr")).to_have_count(1)
    assert page.input_value("#id_q") == "veg"
    page.select_option("#id_label", "production")
    expect(page).to_have_url(re.compile(r"label=production"))
    shot(page, "dashboard-filtered")
    page.reload()
    expect(page.locator("#clusters tbody tr")).to_have_count(1)
