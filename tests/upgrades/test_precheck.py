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


def test_missing_rpm_on_the_path_is_named(sim_site, operator):
    report = report_for(operator, "vega", "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm")
    assert "rpms_uploaded" in failed_keys(report)
    missing = [step.version for step in report.missing_rpms]
    assert any(version.startswith("3.1.3") for version in missing), missing
    assert "3.1.3" in next(c.message for c in report.failures if c.key == "rpms_uploaded")


def test_architecture_mismatch_and_stopped_cluster(sim_site, operator, simulator):
    report = report_for(operator, "lyra", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert {"architecture", "operating_system"} <= failed_keys(report)
    simulator.set_cluster_status(1, "STOPPED")
    report = report_for(operator, "orion", "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm")
    assert failed_keys(report) == {"cluster_running"}
    assert "STOPPED" in report.failures[0].message


def test_not_newer_and_disabled_package(sim_site, operator):
    package = RpmPackage.objects.get(file_name="oceanbase-4.2.0.0-100000202023052215.el7.x86_64.rpm")
    package.enabled = False
    package.save()
    report = precheck(operator, Cluster.objects.get(name="orion"), package)
    assert {"newer", "package_enabled"} <= failed_keys(report)


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
