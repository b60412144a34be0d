"""Sync from the dashboard: the request only queues it; a real worker reads OCP and the dashboard
shows the outcome (a web request never waits for OCP)."""

import pytest
from django.urls import reverse

from ocpdash.sites.models import Cluster, OcpSite
from tests.fixtures.services import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.engine
def test_operator_syncs_clusters_from_the_dashboard(client, operator, simulator, engine):
    site = OcpSite.objects.get(pk=engine.site.pk)
    Cluster.objects.filter(site=site).update(last_synced_at=None)
    engine.start_worker()
    client.force_login(operator)
    assert b"Sync from OCP" in client.get(reverse("dashboard")).content
    page = client.post(reverse("sync_clusters"), follow=True).content.decode()
    assert "Sync from OCP started" in page
    wait_for(lambda: not Cluster.objects.filter(site=site, last_synced_at=None).exists(), 30, "the sync")
    assert "synced" in client.get(reverse("dashboard")).content.decode()


@pytest.mark.engine
def test_a_failed_sync_says_why_on_the_dashboard(client, operator, simulator, engine):
    OcpSite.objects.filter(pk=engine.site.pk).update(password="nope")  # as a key rotation would leave it
    engine.start_worker()
    client.force_login(operator)
    client.post(reverse("sync_clusters"))
    wait_for(lambda: OcpSite.objects.get(pk=engine.site.pk).last_sync_error, 30, "the sync to fail")
    page = client.get(reverse("dashboard")).content.decode()
    assert "sync failed" in page and "nope" not in page


def test_without_the_queue_the_sync_button_says_so(client, operator, monkeypatch):
    """Redis down: the page says so (no 500); the broker's own error is what kombu raises then."""
    from kombu.exceptions import OperationalError

    from ocpdash.celery import app

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", refuse)
    client.force_login(operator)
    page = client.post(reverse("sync_clusters"), follow=True)
    assert page.status_code == 200
    assert "queue (Redis) is not reachable" in page.content.decode()


def test_viewer_sees_no_sync_button(client, viewer):
    client.force_login(viewer)
    assert b"Sync from OCP" not in client.get(reverse("dashboard")).content
