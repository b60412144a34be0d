"""Every page in real Chromium, in English and in Simplified Chinese, checked by axe-core (issue 18).

One test per language walks all the pages (login, dashboard, cluster, the upgrade form, an upgrade
mid-run, a finished one on its Gantt, one awaiting approval, history, To approve, Upcoming, the
catalog, System, the rollouts, a new rollout's form and a halted rollout) and runs axe-core over
each (axe-playwright-python bundles axe's JavaScript, so no network is needed). A serious or
critical violation fails the test, named with its page, rule and first element. Each walk checks
<html lang>, the Chinese one saves a screenshot of every page to test-artifacts/zh-hans-<page>.png,
and each ends by switching language from the header by keyboard.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone

from bench import data
from ocpdash.core import phrases
from ocpdash.core.catalogues import compile_catalogues
from ocpdash.core.phrases import phrase
from ocpdash.ops import heartbeat
from ocpdash.rollouts.models import Rollout, RolloutState, RolloutUnit, UnitState
from ocpdash.rollouts.plan import Strategy
from ocpdash.upgrades.models import State, Upgrade
from tests.browser.conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
FRAMED = "() => [...document.querySelectorAll('.dag-scroll')].some(b => b.dataset.scale)"


def waiting_plan(cluster, package) -> dict:
    """A frozen plan as ocpdash.changes.plan writes it (see tests/web/test_change_pages.py)."""
    return {
        "cluster": {"id": cluster.pk, "name": cluster.name, "site": cluster.site.name,
                    "ocp_id": cluster.ocp_id},
        "members": [{"id": cluster.pk, "name": cluster.name, "role": "PRIMARY", "version": cluster.version,
                     "ocp_version": cluster.version}],
        "package": {"id": package.pk, "file_name": package.file_name, "version": package.full_version,
                    "enabled": True, "sha256": ""},
        "path": [{"version": "4.2.1.1", "binary": True, "rpm": package.file_name}],
        "route_source": "OCP's upgrade dependency file",
        "options": {"upgrade_mode": "ROLLING", "zone_order": ["zone1", "zone2", "zone3"],
                    "freeze_server": False},
        "start": {"mode": "now", "at": None},
        "precheck": {"ok": True, "failing": []},
        "details": {"checks": [{"key": "cluster_running", "ok": True, "message": "The cluster is RUNNING.",
                                "level": "ok"}],
                    "missing_rpms": [], "approval": {"approvals": 1, "because": "1 approval"}, "eta": None},
    }  # fmt: skip


@pytest.fixture
def site_pages(live_server, make_cluster, make_package, operator, admin_user):
    """(name, path, ready) for every page, with the upgrades they show; ``ready`` a JS condition."""
    compile_catalogues()
    heartbeat.record(heartbeat.WORKER, "worker@test")
    heartbeat.record(heartbeat.BEAT, "beat@test")
    package = make_package("oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")

    def cluster(name):
        zones = [{"name": f"zone{z}", "region": "r1", "idc": "idc1", "status": "RUNNING",
                  "servers": [{"ip": f"10.3.{z}.1", "port": 2882, "version": "4.2.1.0", "status": "RUNNING",
                               "rootserver": z == 1}]} for z in (1, 2, 3)]  # fmt: skip
        return make_cluster(name=name, zones=zones, zone_count=3, version="4.2.1.0-100000102023092807")

    running_cluster = cluster("lyra")
    running = data.make_upgrade(30, shape=(1, 3), cluster=running_cluster, package=package, user=operator)
    finished = data.make_finished_upgrade(
        30, shape=(1, 3), cluster=cluster("vega"), package=package, user=operator
    )
    quiet = cluster("deneb")
    waiting = Upgrade.objects.create(
        cluster=quiet, package=package, requested_by=operator, state=State.AWAITING_APPROVAL,
        from_version=quiet.version, to_version=package.full_version, plan=waiting_plan(quiet, package),
        plan_digest="ab12" * 16, approvals_required=1, reason="quarterly patch", created_at=timezone.now(),
    )  # fmt: skip
    rollout = halted_rollout(operator, package, [cluster("rigel"), cluster("sadr")], running)
    return [
        ("dashboard", "/", None),
        ("cluster", f"/clusters/{running_cluster.pk}/", None),
        ("upgrade-form", f"/clusters/{quiet.pk}/upgrade/", None),
        ("upgrade-running", f"/upgrades/{running.pk}/", FRAMED),
        ("upgrade-finished-gantt", f"/upgrades/{finished.pk}/?view=gantt", None),
        ("upgrade-awaiting-approval", f"/upgrades/{waiting.pk}/", None),
        ("history", "/history/", None),
        ("approvals", "/approvals/", None),
        ("upcoming", "/upcoming/", None),
        ("catalog", "/catalog/", None),
        ("system", "/system/", None),
        ("rollouts", "/rollouts/", None),
        ("rollout-new", "/rollouts/new/", None),
        ("rollout-halted", f"/rollouts/{rollout.pk}/", None),
    ]


def halted_rollout(operator, package, clusters, upgrade):
    """A rollout halted in its first wave: one unit upgraded, one failed, one never started."""
    units = [
        {"cluster": c.pk, "name": c.name, "site": c.site.name, "wave": i, "from_version": c.version,
         "members": [{"id": c.pk, "name": c.name, "role": "PRIMARY", "version": c.version}],
         "package": package.pk, "path": [package.full_version],
         "eta": {"median_seconds": 600, "p90_seconds": 900, "text": "about 10 min"}}
        for i, c in enumerate(clusters)
    ]  # fmt: skip
    plan = {"units": units, "strategy": Strategy().as_dict(), "waves": [], "left_out": []}
    failing = phrase("%(unit)s failed: %(note)s", unit=clusters[1].name, note="injected")
    rollout = Rollout.objects.create(
        name="Q4 fleet", target_version=package.full_version, created_by=operator,
        state=RolloutState.HALTED, plan=plan, plan_digest="d" * 64, current_wave=1,
        **phrases.columns("halt_reason", failing),
    )  # fmt: skip
    states = [UnitState.UPGRADED, UnitState.FAILED]
    for i, c in enumerate(clusters):
        RolloutUnit.objects.create(
            rollout=rollout, cluster=c, package=package, wave=i, position=i, members=units[i]["members"],
            from_version=c.version, path=units[i]["path"], state=states[i],
            upgrade=upgrade if states[i] == UnitState.FAILED else None,
        )  # fmt: skip
    return rollout


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×, e.g. {v['nodes'][0]['target']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_has_no_serious_accessibility_violation(page, live_server, site_pages, language):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    found = {}
    page.goto(live_server.url + "/login/")
    found["login"] = blocking_violations(page)
    if language != "en":
        shot(page, f"{language}-login")
    login(page, live_server, "root")
    for name, path, ready in site_pages:
        page.goto(live_server.url + path)
        if ready:
            page.wait_for_function(ready)
        assert page.get_attribute("html", "lang") == language, name
        found[name] = blocking_violations(page)
        if language != "en":
            shot(page, f"{language}-{name}")
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert page.console_errors == []
    # The header's switch by keyboard: focus the other language's button, press Enter.
    other = "zh-hans" if language == "en" else "en"
    page.focus(f"header button[value='{other}']")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.documentElement.lang === '{other}'")
    assert page.get_attribute(f"header button[value='{other}']", "aria-pressed") == "true"
