import pytest
from django.urls import reverse

from ocpdash.sites.models import Cluster, OcpSite

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_syncs_clusters_from_the_dashboard(client, operator, simulator):
    site = OcpSite.objects.create(
        name="sim", base_url=simulator.url, username=simulator.username, password=simulator.password
    )
    client.force_login(operator)
    assert b"Sync from OCP" in client.get(reverse("dashboard")).content
    response = client.post(reverse("sync_clusters"), follow=True)
    assert response.status_code == 200
    assert Cluster.objects.filter(site=site).count() >= 8
    assert "OCP site sim: " in response.content.decode() and "cluster(s) synced" in response.content.decode()


def test_a_failed_sync_says_why_on_the_dashboard(client, operator, simulator):
    OcpSite.objects.create(name="sim", base_url=simulator.url, username="admin", password="nope")
    client.force_login(operator)
    page = client.post(reverse("sync_clusters"), follow=True).content.decode()
    assert "sync failed" in page and "nope" not in page


def test_viewer_sees_no_sync_button(client, viewer):
    client.force_login(viewer)
    assert b"Sync from OCP" not in client.get(reverse("dashboard")).content
