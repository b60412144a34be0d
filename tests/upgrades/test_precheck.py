"""Pre-check against the simulator over HTTP: each refusal OCP would give is caught before sending."""

import pytest

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import NotAllowed, PrecheckFailed
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.precheck import is_newer, precheck
from ocpdash.upgrades.submission import submit_upgrade

pytestmark = pytest.mark.django_db(transaction=True)


def report_for(user, cluster_name, file_name):
    return precheck(user, Cluster.objects.get(name=cluster_name), RpmPackage.objects.get(file_name=file_name))


def failed_keys(report):
    return {check.key for check in report.failures}


def test_happy_path_passes_and_shows_the_path(sim_site, operator):
    report = report_for(operator, "orion", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert report.ok, report.failures
    assert report.path and report.path[-1].version.startswith("4.2.1.1")
    assert all(step.in_ocp for step in report.path if step.binary)


def test_a_40_cluster_to_4212_stops_twice_for_the_binary_and_names_both_rpms(sim_site, operator):
    """Issue 22: barriers re-based after each binary stop (4.1.0.2, then 4.2.1.1, then the target)."""
    report = report_for(operator, "atlas", "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm")
    binaries = [step.version for step in report.path if step.binary]
    assert [ObVersion.parse(v).base for v in binaries] == ["4.1.0.2", "4.2.1.1", "4.2.1.2"]
    assert "rpms_uploaded" in failed_keys(report)
    missing = next(c.message for c in report.failures if c.key == "rpms_uploaded")
    assert "4.1.0.2" in missing and "4.2.1.1" not in missing, "4.2.1.1's RPM is in OCP"
    assert [step.file_name for step in report.path if step.binary][1].startswith("oceanbase-4.2.1.1-")
    assert "upstream" in report.route_source


def test_architecture_mismatch_and_stopped_cluster(sim_site, operator, simulator):
    report = report_for(operator, "lyra", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert "architecture" in failed_keys(report)
    simulator.set_cluster_status(1, "STOPPED")
    report = report_for(operator, "orion", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert failed_keys(report) == {"cluster_running"}
    assert "STOPPED" in report.failures[0].message


def test_kylin_hosts_take_el7_as_obd_does_and_el8_is_only_a_warning(sim_site, operator, make_package):
    lyra = Cluster.objects.get(name="lyra")
    report = report_for(operator, "lyra", "oceanbase-4.2.1.1-100000162023111615.el7.aarch64.rpm")
    assert report.ok, report.failures
    el8 = make_package("oceanbase-4.2.1.1-100000162023111615.el8.aarch64.rpm")
    check = next(c for c in precheck(operator, lyra, el8).checks if c.key == "operating_system")
    assert (check.ok, check.level) == (True, "warning") and "obd installs el7" in check.message


def test_a_clear_os_mismatch_refuses_and_an_unknown_os_warns(sim_site, operator, simulator, make_package):
    from ocpdash.sites.sync import sync_site

    el8 = make_package("oceanbase-4.2.1.1-100000162023111615.el8.x86_64.rpm")
    report = precheck(operator, Cluster.objects.get(name="orion"), el8)
    assert "operating_system" in failed_keys(report)
    assert "choose the el7 build" in next(c.message for c in report.failures if c.key == "operating_system")
    simulator.set_cluster(1, release="hurd0.9")
    sync_site(sim_site)
    Cluster.objects.filter(name="orion").update(kernel="")
    report = report_for(operator, "orion", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    check = next(c for c in report.checks if c.key == "operating_system")
    assert report.ok and check.level == "warning" and "cannot tell" in check.message


def test_not_newer_and_disabled_package(sim_site, operator, make_package):
    package = make_package("oceanbase-4.2.0.0-100000202023052215.el7.x86_64.rpm", enabled=False)
    report = precheck(operator, Cluster.objects.get(name="orion"), package)
    assert {"newer", "package_enabled"} <= failed_keys(report)


def test_obproxy_and_unreadable_packages_in_ocp_never_satisfy_a_path_step(sim_site, operator, simulator):
    """Review M6: OCP's list has obproxy and agent packages; only server RPMs count, and a version
    ocpdash cannot read is skipped with a warning instead of a 500."""
    simulator.add_package("oceanbase-V1.0-20240101000000.el7.x86_64.rpm")
    report = report_for(operator, "orion", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert report.ok, report.failures
    assert any(c.key == "ocp_packages" and c.level == "warning" for c in report.checks)
    names = [s.file_name for s in report.path]
    assert not any("obproxy" in n for n in names)


def test_a_pair_is_checked_together_and_said(sim_site, operator, simulator):
    report = report_for(operator, "castor", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert report.ok, report.failures
    assert [c.name for c in report.also_upgrades] == ["pollux"]
    pair = next(c for c in report.checks if c.key == "pair")
    assert "This also upgrades standby pollux" in pair.message and "the standby first" in pair.message
    simulator.set_cluster_status(10, "STOPPED")
    report = report_for(operator, "pollux", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert failed_keys(report) == {"cluster_running"}, "pollux's own check"
    report = report_for(operator, "castor", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert failed_keys(report) == {"cluster_running:pollux"}


def test_options_are_checked_against_zones_and_the_ocp_version(sim_site, operator, simulator):
    from ocpdash.sites.sync import sync_site
    from ocpdash.upgrades.options import UpgradeOptions

    vega = Cluster.objects.get(name="vega")
    package = RpmPackage.objects.get(file_name="oceanbase-3.1.2-20210812221645.el7.x86_64.rpm")
    report = precheck(operator, vega, package)
    assert report.ok and report.options.upgrade_mode == "STOP_SERVICE", report.failures
    assert "options" in failed_keys(precheck(operator, vega, package, UpgradeOptions.parse("ROLLING")))
    orion = Cluster.objects.get(name="orion")
    happy = RpmPackage.objects.get(file_name="oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    chosen = UpgradeOptions.parse("ROLLING", "zone3, zone2, zone1")
    assert "options" in failed_keys(precheck(operator, orion, happy, chosen)), "OCP 4.2.2 takes none"
    simulator.config(ocp_version="4.3.2")
    sync_site(sim_site)
    orion.refresh_from_db()
    orion.site.refresh_from_db()
    report = precheck(operator, orion, happy, chosen)
    assert report.ok, report.failures
    assert report.options.zone_order == ("zone3", "zone2", "zone1")
    bad = precheck(operator, orion, happy, UpgradeOptions.parse("ROLLING", "zone1, zone9"))
    assert "options" in failed_keys(bad)


def test_ocp_down_fails_the_precheck_and_sends_nothing(sim_site, operator, simulator):
    simulator.faults(http_error={"status": 503, "rate": 1.0, "seconds": 30})
    cluster = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name="oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    with pytest.raises(PrecheckFailed) as info:
        submit_upgrade(operator, cluster, package)
    assert "ocp_reachable" in failed_keys(info.value.report)
    assert not Upgrade.objects.exists()
    assert simulator.upgrade_posts() == 0


def test_viewer_may_not_submit(sim_site, viewer):
    cluster = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name="oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert "permission" in failed_keys(precheck(viewer, cluster, package))
    with pytest.raises(NotAllowed):
        submit_upgrade(viewer, cluster, package)


def test_a_pre_check_run_in_english_reads_in_chinese_where_it_is_kept(sim_site, operator, make_package):
    """A worker or a rollout runs the pre-check in English: its messages are phrases (English text,
    msgid and parameters), so the frozen plan, a failed submission's error or a note that carries them
    reads in the reader's language."""
    import json
    import re

    from django.utils import translation

    from ocpdash.changes import plan as plans
    from ocpdash.core import phrases
    from ocpdash.core.catalogues import compile_catalogues

    compile_catalogues()
    cjk = re.compile(r"[\u4e00-\u9fff]")
    orion = Cluster.objects.get(name="orion")
    old = make_package("oceanbase-4.2.0.0-100000202023052215.el7.x86_64.rpm", enabled=False)
    happy = RpmPackage.objects.get(file_name="oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    with translation.override("en"):
        failing = precheck(operator, orion, old)
        passing = precheck(operator, orion, happy)
    failures = {check.key: check.message for check in failing.failures}
    assert {"newer", "package_enabled"} <= failures.keys()
    disabled = "The package is disabled in the catalog; a catalog admin must enable it."
    assert failures["package_enabled"] == disabled, "English where it is stored as text"
    assert all(isinstance(message, phrases.Phrase) for message in failures.values())
    path = next(check.message for check in passing.checks if check.key == "upgrade_path")
    assert path.startswith("Upgrade path: ") and "(from upstream oceanbase_upgrade_dep.yml @" in path
    error = PrecheckFailed(failing).message
    assert error.startswith("The pre-check failed: ") and disabled in error
    stored = json.loads(json.dumps(plans.freeze(failing, orion, old)))["details"]["checks"]
    assert [c["message"] for c in stored] == [str(c.message) for c in failing.checks]
    with translation.override("zh-hans"):
        assert failures["package_enabled"].translated() == "该软件包已在目录中禁用；需由目录管理员启用。"
        assert all(cjk.search(message.translated()) for message in failures.values()), failures
        assert path.translated().startswith("升级路径：") and "来自 上游 oceanbase_upgrade_dep.yml @" in (
            path.translated()
        )
        assert phrases.translated(error).startswith("预检查未通过：")
        assert "该软件包已在目录中禁用" in phrases.translated(error)
        read = [phrases.render(c["message_phrase"], c["message"]) for c in stored]
        assert all(cjk.search(text) for text in read), read


@pytest.mark.parametrize(
    ("candidate", "current", "expected"),
    [
        ("4.2.1.1-100000162023111615", "4.2.1.0", True),
        ("4.2.1.1-100000162023111615", "4.2.1.1", False),
        ("4.2.1.1-200", "4.2.1.1-100", True),
        ("4.2.1.1-100", "4.2.1.1-200", False),
        ("3.1.2", "3.1.2.0", False),
        ("2.2.75-20210108170301", "2.2.73-20201211175814", True),
    ],
)
def test_is_newer(candidate, current, expected):
    assert is_newer(ObVersion.parse(candidate), ObVersion.parse(current)) is expected
