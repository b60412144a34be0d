"""The overview strip during a real upgrade of a primary/standby pair (castor and its standby pollux),
read against the API's steps at the same revision: real worker, Redis and the simulator over HTTP."""

import pytest

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster
from ocpdash.sites.sync import sync_site
from ocpdash.upgrades.models import State
from ocpdash.upgrades.submission import submit_upgrade
from tests.browser.conftest import TIMEOUT_MS, login, shot
from tests.upgrades.test_engine import TERMINAL, wait_state

pytestmark = [pytest.mark.browser, pytest.mark.engine, pytest.mark.django_db(transaction=True)]

PAIR_PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
# The page's overview and revision, read in one go after a poll has settled.
OVERVIEW = """() => ({
  revision: +document.getElementById('poller').dataset.revision,
  rows: [...document.querySelectorAll('#overview .ov-row')].map(r => ({
    task: r.dataset.taskId, state: r.dataset.state, text: r.querySelector('.ov-label').textContent,
    cells: Object.fromEntries([...r.querySelectorAll('.ov-cell')]
      .map(c => [c.dataset.zone, c.dataset.state])),
  })),
})"""
DONE = ("SUCCESSFUL", "SKIPPED")


def expected_cells(steps) -> dict[str, str]:
    """A zone is upgraded from 'Stop zone Z' to 'Start zone Z': done once its start succeeded,
    pending while its stop has not begun, failed when a step in between failed, else running."""
    by_name = {s["name"]: s["display_status"] for s in steps}
    zones = [s["name"].removeprefix("Stop zone ") for s in steps if s["name"].startswith("Stop zone ")]
    found = {}
    for zone in zones:
        stop, start = by_name[f"Stop zone {zone}"], by_name[f"Start zone {zone}"]
        if start in DONE:
            found[zone] = "done"
        elif stop == "PENDING":
            found[zone] = "pending"
        else:
            found[zone] = "running"
    return found


def test_the_overview_follows_a_pair_upgrade_as_the_api_reports_it(
    page, live_server, engine, simulator, operator, settings
):
    settings.OCPDASH_PAGE_POLL_INTERVAL = 0.5
    # Steps slow enough (about 1.5 s) for the page and the API to show one revision while a zone
    # upgrades; once compared there, the rest runs fast (a step's length is fixed as it starts).
    simulator.config(step_seconds=1.5)
    sync_site(engine.site)
    engine.start_worker()
    castor, pollux = Cluster.objects.get(name="castor"), Cluster.objects.get(name="pollux")
    upgrade = submit_upgrade(operator, castor, RpmPackage.objects.get(file_name=PAIR_PACKAGE))
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")
    compared, running_seen, sped_up, last = 0, False, None, -1
    while True:
        page.wait_for_function(f"() => +document.getElementById('poller').dataset.revision > {last}"
                               " || document.getElementById('poller').dataset.state === 'successful'",
                               timeout=TIMEOUT_MS)  # fmt: skip
        shown = page.evaluate(OVERVIEW)
        api = page.request.get(f"{live_server.url}/api/upgrades/{upgrade.pk}/").json()
        finished = api["state"] == State.SUCCESSFUL
        last = shown["revision"]
        if api["revision"] != shown["revision"]:
            continue  # moved on meanwhile: compare at the next revision (or the final one)
        made = [row for row in shown["rows"] if row["task"]]
        for row in made:
            steps = [s for s in api["steps"] if str(s["ocp_task_id"]) == row["task"]]
            assert row["cells"] == expected_cells(steps), (
                row,
                [(s["name"], s["display_status"]) for s in steps],
            )
            done = sum(1 for s in steps if s["display_status"] in DONE)
            assert f"{done}/{len(steps)}" in row["text"], row
            running_seen = running_seen or "running" in row["cells"].values()
        compared += 1 if made else 0
        if compared >= 3 and running_seen and not sped_up:
            shot(page, "upgrade-pair-overview-live", full_page=False)
            sped_up = simulator.config(step_seconds=0.05)
        if finished:
            break
    assert compared >= 3 and running_seen, (compared, running_seen)
    rows = shown["rows"]
    assert [r["text"].split("·")[1].split()[0] for r in rows] == ["pollux", "castor"], "standby first"
    assert "(standby)" in rows[0]["text"] and all(r["state"] == "done" for r in rows)
    assert wait_state(upgrade, TERMINAL, 5, engine) == State.SUCCESSFUL
    assert pollux.pk in upgrade.also_upgrades.values_list("pk", flat=True)
    assert not page.console_errors, page.console_errors
