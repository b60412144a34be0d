"""The evidence pack in real Chromium: downloaded from the upgrade page's link and opened from disk
with JavaScript disabled, it shows every step of a 300-step upgrade in the table and the graph, and
the JSON embedded in it hashes to the SHA-256 it states; opened with JavaScript on, hostile OCP and
user text does nothing. Screenshots and a PDF print go to test-artifacts/."""

import hashlib

import pytest

from ocpdash.upgrades.models import UpgradeStep
from tests.browser.conftest import ARTIFACTS, login
from tests.fixtures.evidence import EVIL_STEP, audited_upgrade, large_upgrade

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def download(page, live_server, upgrade, tmp_path):
    """The pack as the upgrade page's link downloads it, in a context without JavaScript."""
    context = page.context.browser.new_context(
        java_script_enabled=False, accept_downloads=True, viewport={"width": 1400, "height": 2000}
    )
    offline = context.new_page()
    login(offline, live_server, "op")
    offline.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")
    with offline.expect_download() as info:
        offline.click("a:text-is('Export evidence')")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return offline, path


def test_the_evidence_html_shows_every_step_without_javascript(
    page, live_server, operator, make_cluster, make_package, tmp_path
):
    upgrade = large_upgrade(operator, make_cluster(name="big"), make_package(), 300)
    offline, path = download(page, live_server, upgrade, tmp_path)
    assert path.name == f"ocpdash-upgrade-{upgrade.pk}-evidence.html"
    offline.goto(path.as_uri())
    ids = {
        str(i) for i in UpgradeStep.objects.filter(upgrade=upgrade).values_list("ocp_subtask_id", flat=True)
    }
    rows = offline.locator("table.steps tbody tr").evaluate_all("rows => rows.map(r => r.dataset.stepId)")
    nodes = offline.locator("svg.dag g.node").evaluate_all("nodes => nodes.map(n => n.dataset.stepId)")
    assert (len(rows), set(rows)) == (300, ids)
    assert (len(nodes), set(nodes)) == (300, ids)
    assert offline.locator("svg.gantt g.row").count() == 300
    offline.screenshot(path=str(ARTIFACTS / "evidence-300-steps.png"))
    offline.locator("#gantt figure").first.screenshot(path=str(ARTIFACTS / "evidence-300-steps-gantt.png"))
    offline.context.close()


def test_the_embedded_json_hashes_to_the_stated_sha256(page, live_server, operator, make_user, tmp_path):
    upgrade = audited_upgrade(make_user)
    offline, path = download(page, live_server, upgrade, tmp_path)
    offline.goto(path.as_uri())
    embedded = offline.locator("#evidence-json").text_content()
    stated = offline.locator("#evidence-sha256 code").nth(1).text_content()
    assert hashlib.sha256(embedded.encode()).hexdigest() == stated
    pdf = offline.pdf(path=str(ARTIFACTS / "evidence-audited.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    offline.context.close()


def test_hostile_text_in_the_evidence_html_stays_inert_with_javascript_on(
    page, live_server, operator, make_user, tmp_path
):
    upgrade = audited_upgrade(make_user)
    offline, path = download(page, live_server, upgrade, tmp_path)
    offline.context.close()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert page.locator("table.steps td.step-name", has_text=EVIL_STEP).count() == 1
    assert page.locator("img, iframe, script:not([type='application/json'])").count() == 0
    page.wait_for_load_state("load")
    assert (page.dialogs, [u for u in requests if not u.startswith("file://")]) == ([], [])
