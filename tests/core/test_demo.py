from django.contrib.auth import get_user_model

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.models import ApprovalPolicy, MaintenanceWindow
from ocpdash.changes.policy import requirement
from ocpdash.changes.windows import windows_for
from ocpdash.core.demo import catalog_file_names, load_demo, sync_demo_estate
from ocpdash.sites.models import Cluster, OcpSite


def test_loading_demo_twice_changes_nothing(db):
    first = load_demo()
    users = list(get_user_model().objects.order_by("username").values_list("username", "password"))
    packages = list(RpmPackage.objects.order_by("file_name").values_list("file_name", flat=True))
    second = load_demo()
    assert first["users"] == 4 and first["packages"] == len(catalog_file_names()) > 0
    assert first["policies"] == 1
    assert set(second.values()) == {0}
    assert list(get_user_model().objects.order_by("username").values_list("username", "password")) == users
    assert list(RpmPackage.objects.order_by("file_name").values_list("file_name", flat=True)) == packages


def test_demo_roles(db):
    load_demo()
    users = get_user_model().objects
    assert users.get(username="operator").has_perm("upgrades.submit_upgrade")
    assert not users.get(username="viewer").has_perm("upgrades.submit_upgrade")
    assert users.get(username="viewer").has_perm("upgrades.view_upgrade")
    assert users.get(username="admin").is_superuser
    approver = users.get(username="approver")
    assert approver.has_perm("upgrades.approve_upgrade")
    assert not approver.has_perm("upgrades.submit_upgrade")
    assert not users.get(username="operator").has_perm("upgrades.approve_upgrade")


def test_demo_change_management_from_the_simulators_estate(db):
    """make run: the clusters come from an in-process simulator before its process runs, so helios
    is labelled production, needs one approval and has a weekly window; the other clusters have none
    (a demo rollout to them starts at once)."""
    site = OcpSite.objects.create(
        name="demo", base_url="http://127.0.0.1:9", username="admin", password="aaAA11__"
    )
    stored = sync_demo_estate(site)
    assert stored == Cluster.objects.filter(site=site).count() > 5
    load_demo()
    helios = Cluster.objects.get(site=site, name="helios")
    assert helios.labels == ["production"] and helios.version and helios.zones
    assert requirement(helios.pair_members()).approvals == 1
    orion = Cluster.objects.get(site=site, name="orion")
    assert requirement(orion.pair_members()).approvals == 0
    assert ApprovalPolicy.objects.count() == 1
    assert list(MaintenanceWindow.objects.values_list("cluster__name", flat=True)) == ["helios"]
    assert not windows_for(orion)
    assert OcpSite.objects.get(pk=site.pk).base_url == "http://127.0.0.1:9"  # the site itself unchanged
