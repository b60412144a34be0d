import pytest

from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.sites.sync import cluster_version, sync_site


def zones(*versions):
    return [{"name": "z1", "servers": [{"version": v} for v in versions]}]


@pytest.mark.parametrize(
    ("ob_version", "servers", "expected"),
    [
        (
            "4.2.1.0",
            ("4.2.1.0_100000102023092807-abc(Sep 28 2023 07:00:00)",) * 3,
            "4.2.1.0-100000102023092807",
        ),
        ("4.2.1.0", ("4.2.1.0_1-abc", "4.2.1.1_2-def"), "4.2.1.0"),  # mid-upgrade: keep OCP's word
        ("2.2.73", (), "2.2.73"),
        ("weird", ("4.2.1.0_1-abc",), "weird"),
        ("4.2.1.0", ("4.2.1.1_5-abc",), "4.2.1.0"),  # servers on another release: OCP wins
    ],
)
def test_cluster_version_takes_the_build_from_the_servers(ob_version, servers, expected):
    assert cluster_version(ob_version, zones(*servers)) == expected


def test_sync_reads_clusters_zones_servers_and_platform(simulator, db):
    site = OcpSite.objects.create(
        name="sim", base_url=simulator.url, username=simulator.username, password=simulator.password
    )
    result = sync_site(site)
    assert not result.error and result.clusters >= 12
    orion = Cluster.objects.get(site=site, name="orion")
    assert orion.version == "4.2.1.0-100000102023092807"
    assert (orion.architecture, orion.operating_system, orion.zone_count) == ("x86_64", "alios7", 3)
    assert orion.kernel.endswith(".alios7.x86_64") and orion.platform.family == "el7"
    lyra = Cluster.objects.get(name="lyra")
    assert (lyra.architecture, lyra.platform.family, lyra.platform.certain) == ("aarch64", "el7", False)
    assert Cluster.objects.get(name="nova").platform.family == "el8"
    assert Cluster.objects.get(name="sirius").status == "STOPPED"
    assert sync_site(site).created == 0  # a second sync updates, never duplicates


def test_sync_reads_ocp_version_and_who_is_whose_standby(simulator, db):
    simulator.config(ocp_version="4.3.2")
    site = OcpSite.objects.create(
        name="sim", base_url=simulator.url, username=simulator.username, password=simulator.password
    )
    assert not sync_site(site).error
    site.refresh_from_db()
    assert site.ocp_version.startswith("4.3.2") and site.ocp_release[:2] == (4, 3)
    castor, pollux = Cluster.objects.get(name="castor"), Cluster.objects.get(name="pollux")
    assert pollux.primary_id == castor.pk and castor.primary_id is None
    assert [c.name for c in castor.pair_members()] == ["pollux", "castor"], "standby first"
    assert [c.name for c in pollux.pair_members()] == ["pollux", "castor"]
    assert Cluster.objects.get(name="terran").pair_members()[0].name == "sirius"


def test_sync_stores_real_length_host_values(simulator, db):
    """A kernel string is longer than the 20 characters the OS column once had (PostgreSQL refused it)."""
    long_release = "Kylin Linux Advanced Server release V10 (Sword) " * 2
    simulator.set_cluster(1, release=long_release)
    site = OcpSite.objects.create(
        name="sim", base_url=simulator.url, username=simulator.username, password=simulator.password
    )
    assert not sync_site(site).error
    orion = Cluster.objects.get(name="orion")
    assert orion.operating_system == long_release[:100] and len(orion.kernel) > 20


def test_sync_with_wrong_password_reports_the_error(simulator, db):
    site = OcpSite.objects.create(name="sim", base_url=simulator.url, username="admin", password="wrong")
    result = sync_site(site)
    assert "credentials" in result.error.lower() or "401" in result.error
    site.refresh_from_db()
    assert site.last_sync_error == result.error and "wrong" not in result.error
