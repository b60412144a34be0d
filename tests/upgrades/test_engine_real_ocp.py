"""The engine against an OCP that behaves as the docs say (issue 13): OCP 4.3's request, OCP's own
tasks beside an upgrade, a primary/standby pair, a parent that OCP leaves failed after a child
retry, and credentials OCP refuses. Real worker processes, real Redis, the simulator over HTTP."""

import pytest

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.sites.sync import sync_site
from ocpdash.upgrades.errors import UpgradeConflict
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import wait_for
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE, TERMINAL, happy, wait_state

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

PAIR_PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


def submit_from_the_form(client, user, cluster, package, **fields) -> Upgrade:
    client.force_login(user)
    response = client.post(
        f"/clusters/{cluster.pk}/upgrade/", {"package": package.pk, "reason": "r", **fields}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upgrade.objects.get(cluster=cluster, state__in=(State.QUEUED, State.SUBMITTING, State.RUNNING))


def test_ocp_432_with_its_own_tasks_running_takes_one_43_request_and_nothing_else(
    engine, simulator, operator, client
):
    simulator.config(ocp_version="4.3.2", cluster_get=False, step_seconds=0.3)
    simulator.enable_background_tasks((1, 3))
    sync_site(engine.site)
    site = OcpSite.objects.get(pk=engine.site.pk)
    assert site.ocp_version.startswith("4.3.2") and site.ocp_release[:2] == (4, 3)
    engine.start_worker()
    cluster, package = happy(operator)
    other = simulator.start_task(cluster.ocp_id, "Inspect OB cluster", steps=40)
    upgrade = submit_from_the_form(client, operator, cluster, package, upgrade_mode="ROLLING")
    during = simulator.start_task(cluster.ocp_id, "Collect OB cluster parameters", steps=40)
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    bodies = simulator.upgrade_bodies()
    assert len(bodies) == 1
    assert bodies[0]["upgradeMode"] == "ROLLING"
    assert bodies[0]["destVersion"] == package.full_version
    assert bodies[0]["operatingSystem"] == "el7"
    assert "rpmFileName" not in bodies[0]
    followed = set(UpgradeTask.objects.filter(upgrade=upgrade).values_list("ocp_task_id", flat=True))
    assert other not in followed and during not in followed
    names = set(UpgradeStep.objects.filter(upgrade=upgrade).values_list("name", flat=True))
    assert not names & {"Run inspection", "Query cluster parameters", "Store parameter snapshot"}
    adopted = upgrade.events.filter(message__startswith="Following child task")
    assert adopted.count() == UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False).count() >= 1
    cluster.refresh_from_db()
    assert ObVersion.parse(cluster.version).same_release(package.ob_version)


def test_a_standby_pair_is_upgraded_together_standby_first(engine, simulator, operator):
    simulator.config(step_seconds=0.2)
    sync_site(engine.site)
    engine.start_worker()
    castor, pollux = Cluster.objects.get(name="castor"), Cluster.objects.get(name="pollux")
    assert pollux.primary_id == castor.pk
    package = RpmPackage.objects.get(file_name=PAIR_PACKAGE)
    upgrade = submit_upgrade(operator, castor, package)
    assert list(upgrade.also_upgrades.all()) == [pollux]
    with pytest.raises(UpgradeConflict):
        submit_upgrade(operator, pollux, package)  # refused here, before anything is sent
    assert simulator.upgrade_posts() <= 1
    assert wait_state(upgrade, TERMINAL, 150, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    children = list(
        UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False).order_by("started_at", "ocp_task_id")
    )
    assert [c.cluster_ocp_id for c in children] == [pollux.ocp_id, castor.ocp_id], "standby first"
    for member in (castor, pollux):
        member.refresh_from_db()
        assert ObVersion.parse(member.version).same_release(package.ob_version), member


@pytest.mark.parametrize("parent_resumes", [False, True])
def test_retrying_a_failed_child_step_from_the_page_leads_to_successful(
    engine, simulator, operator, client, parent_resumes
):
    simulator.config(parent_resumes_after_child_retry=parent_resumes, step_seconds=0.2)
    simulator.faults(fail_subtask={"name": "Restart observer", "times": 1})
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    assert wait_state(upgrade, TERMINAL, 90, engine) == State.FAILED
    step = UpgradeStep.objects.get(upgrade=upgrade, status="FAILED", name="Restart observer")
    client.force_login(operator)
    response = client.post(
        f"/upgrades/{upgrade.pk}/steps/{step.ocp_subtask_id}/operate/", {"op": "retry", "reason": "disk back"}
    )
    assert response.status_code == 302
    assert wait_state(upgrade, (State.SUCCESSFUL,), 90, engine) == State.SUCCESSFUL
    retried_parent = upgrade.events.filter(
        kind=UpgradeEvent.Kind.OPERATION, message__contains="ocpdash retries the parent task"
    )
    assert retried_parent.exists() is (not parent_resumes)
    assert simulator.upgrade_posts() == 1


def test_wrong_credentials_stop_every_call_before_ocp_locks_the_account(engine, simulator, operator, client):
    simulator.config(login_max_attempts=6, step_seconds=0.5)
    engine.start_workers("w1", "w2")
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_state(upgrade, (State.RUNNING,), 30, engine)
    site = engine.site
    # The password changed in OCP: ocpdash's stored one is now wrong (saving it would resume calls
    # anyway, so the row is changed the way a key rotation elsewhere would leave it).
    site.password = "rotated-in-ocp"
    site.save()
    wait_for(lambda: OcpSite.objects.get(pk=site.pk).credentials_refused, 60, "the site to be stopped")
    upgrade.refresh_from_db()
    assert upgrade.state == State.RUNNING
    assert "refused ocpdash's credentials since" in upgrade.ocp_fault or "credentials" in upgrade.ocp_fault
    calls = len(simulator.calls())
    logins = simulator.logins()
    assert not logins["locked"], logins
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert "nothing is being followed on this site" in page
    # Polls go on without calling OCP: a few more of them, and the call log has not grown.
    upgrade.refresh_from_db()
    failures = upgrade.poll_failures
    wait_for(lambda: Upgrade.objects.get(pk=upgrade.pk).poll_failures >= failures + 3, 30, "more polls")
    assert len(simulator.calls()) == calls
    assert OcpSite.objects.get(pk=site.pk).auth_failures >= 3
    site = OcpSite.objects.get(pk=site.pk)
    site.password = simulator.password
    site.save()  # fixed in the admin: calls resume
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    assert not simulator.logins()["locked"]


def test_the_happy_cluster_and_package_still_pass_the_precheck_on_kernel_string_hosts(sim_site, operator):
    from ocpdash.upgrades.precheck import precheck

    for name, release in (("orion", "alios7"), ("helios", "centos7")):
        cluster = Cluster.objects.get(name=name)
        assert cluster.operating_system == release and cluster.kernel, cluster.kernel
        file_name = (
            HAPPY_PACKAGE if name == HAPPY_CLUSTER else "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm"
        )
        package = RpmPackage.objects.get(file_name=file_name)
        report = precheck(operator, cluster, package)
        check = next(c for c in report.checks if c.key == "operating_system")
        assert check.ok and check.level == "ok", check.message


def test_a_rollback_step_that_fails_is_shown_and_can_be_skipped(engine, simulator, operator):
    """OCP Express: a failed rollback run is FAILED with operation ROLLBACK; skipping it is a
    ROLLBACK_SKIP and the rollback carries on."""
    from ocpdash.upgrades.operations import operate_step, operate_task, step_operations

    simulator.faults(fail_subtask={"name": "Prepare upgrade cluster", "times": 1})
    simulator.faults(fail_rollback={"name": "Start node", "times": 1})
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    assert wait_state(upgrade, TERMINAL, 60, engine) == State.FAILED
    upgrade.refresh_from_db()
    operate_task(operator, upgrade, "rollback", reason="abandon before any child")
    step = wait_for(
        lambda: UpgradeStep.objects.filter(upgrade=upgrade, name="Start node", status="FAILED").first(),
        60,
        "the rollback of 'Start node' to fail",
    )
    assert step.display_status == "ROLLBACK_FAILED"
    upgrade.refresh_from_db()
    assert upgrade.state == State.FAILED
    assert step_operations(upgrade, step) == ["skip"], "a failed rollback step is skipped, never retried"
    operate_step(operator, upgrade, step, "skip", reason="nothing to undo")
    assert wait_state(upgrade, (State.ROLLED_BACK,), 60, engine) == State.ROLLED_BACK
    step.refresh_from_db()
    assert step.display_status == "ROLLBACK_SKIPPED"
    assert simulator.upgrade_posts() == 1
