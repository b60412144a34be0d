"""Demo history (ocpdash.core.demo_history) against the real simulator: the clusters are synced from it,
and a real upgrade it runs is what the seeded history must look like and last."""

import time
from collections import Counter

import pytest
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.demo_history import DEMO_ID_BASE, DEMO_REASON, seed_demo_history
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.eta import estimate_plan, normalize_step_name
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.upgrades.precheck import dep_source

STEP_SECONDS = 0.1  # the simulator fixture's
HELIOS_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


@pytest.fixture
def admin(make_user):
    return make_user("admin", superuser=True)


def seeded(cluster):
    return Upgrade.objects.filter(cluster=cluster, reason=DEMO_REASON)


def test_seeded_upgrades_are_successful_marked_and_in_the_past(sim_site, admin):
    helios = Cluster.objects.get(site=sim_site, name="helios")
    assert seed_demo_history([helios], step_seconds=STEP_SECONDS) == 3
    for upgrade in seeded(helios):
        assert upgrade.state == State.SUCCESSFUL and upgrade.is_terminal
        assert upgrade.requested_by == admin
        assert upgrade.created_at < upgrade.submitted_at < upgrade.finished_at < timezone.now()
        assert UpgradeEvent.objects.filter(upgrade=upgrade, message__startswith=DEMO_REASON).exists()
        assert set(UpgradeStep.objects.filter(upgrade=upgrade).values_list("status", flat=True)) == {
            "SUCCESSFUL"
        }


def test_seeding_twice_creates_nothing_more(sim_site, admin):
    clusters = list(Cluster.objects.filter(site=sim_site, name__in=["helios", "orion"]))
    first = seed_demo_history(clusters, step_seconds=STEP_SECONDS)
    rows = (Upgrade.objects.count(), UpgradeTask.objects.count(), UpgradeStep.objects.count())
    assert first == 6
    assert seed_demo_history(clusters, step_seconds=STEP_SECONDS) == 0
    assert (Upgrade.objects.count(), UpgradeTask.objects.count(), UpgradeStep.objects.count()) == rows


def test_seeded_ids_are_far_from_ocps(sim_site, admin):
    helios = Cluster.objects.get(site=sim_site, name="helios")
    seed_demo_history([helios], step_seconds=STEP_SECONDS)
    assert min(UpgradeTask.objects.values_list("ocp_task_id", flat=True)) >= DEMO_ID_BASE
    assert min(UpgradeStep.objects.values_list("ocp_subtask_id", flat=True)) >= DEMO_ID_BASE


def test_a_pair_is_upgraded_in_one_parent_with_a_child_per_member(sim_site, admin):
    castor = Cluster.objects.get(site=sim_site, name="castor")
    pollux = Cluster.objects.get(site=sim_site, name="pollux")
    seed_demo_history([castor], step_seconds=STEP_SECONDS)
    upgrade = seeded(castor).first()
    assert list(upgrade.also_upgrades.all()) == [pollux]
    children = UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False)
    route = dep_source(upgrade.package).route(upgrade.from_version, upgrade.to_version)
    assert len(children) == 2 * len(route.binary_versions)
    assert {c.cluster_ocp_id for c in children} == {castor.ocp_id, pollux.ocp_id}
    waits = UpgradeStep.objects.filter(upgrade=upgrade, name="Wait dag success")
    assert {c.parent_subtask_id for c in children} == set(waits.values_list("ocp_subtask_id", flat=True))


def test_a_cluster_no_catalog_package_can_upgrade_gets_no_history(make_cluster, admin, db):
    RpmPackage.objects.create(file_name=HELIOS_RPM)
    newest = make_cluster(version="4.9.0.0-100000012030010100", architecture="x86_64")
    assert seed_demo_history([newest], step_seconds=STEP_SECONDS) == 0


def run_in_simulator(site, cluster, rpm):
    """Upgrade ``cluster`` in the simulator; returns its parent task and child tasks, finished."""
    with site.client() as client:
        parent = client.upgrade_cluster(cluster.ocp_id, rpm)
        deadline = time.monotonic() + 60
        while not (parent := client.get_task(parent.id)).is_terminal:
            assert time.monotonic() < deadline, "the simulator's upgrade did not finish"
            time.sleep(0.2)
        summaries = client.list_tasks(cluster_id=cluster.ocp_id)
        children = [client.get_task(t.id) for t in summaries if t.id > parent.id]
    return parent, children


def test_history_has_the_dag_and_length_of_a_real_simulator_upgrade(sim_site, admin):
    helios = Cluster.objects.get(site=sim_site, name="helios")
    seed_demo_history([helios], step_seconds=STEP_SECONDS)
    package = RpmPackage.objects.get(file_name=HELIOS_RPM)
    path = list(dep_source(package).route(helios.version, package.full_version).versions)
    estimate = estimate_plan(helios, upgrade_path=path, upgrade_mode="ROLLING")

    parent, children = run_in_simulator(sim_site, helios, HELIOS_RPM)
    assert parent.is_successful
    real = (parent.finish_time - parent.start_time).total_seconds()
    zones = helios.zone_names
    real_names = Counter(normalize_step_name(s.name, zones) for t in [parent, *children] for s in t.subtasks)
    same_path = next((u for u in seeded(helios) if u.upgrade_path == path), None)
    assert same_path is not None, "a seeded upgrade follows the same path"
    names = UpgradeStep.objects.filter(upgrade=same_path).values_list("name", flat=True)
    seeded_names = Counter(normalize_step_name(n, zones) for n in names)
    assert seeded_names == real_names
    assert "with 3 zones and" in estimate.basis
    assert estimate.median.total_seconds() == pytest.approx(real, rel=0.2)
