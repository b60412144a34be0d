"""/healthz, /readyz and the System page, on the test database and the test Redis."""

from datetime import timedelta

import pytest
from django.db.models.functions import Now
from django.test import Client
from django.utils import timezone

from ocpdash.ops.models import Heartbeat
from ocpdash.sites.models import OcpSite


def test_healthz_answers_without_login_or_database(client):
    """No ``db`` fixture: pytest-django refuses any database access, so a query would fail here."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_readyz_is_200_with_every_required_check_ok(client, redis_service, beat_and_worker):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert [name for name in ("database", "broker", "workers", "beat") if not checks[name]["ok"]] == []


def test_readyz_needs_no_login(client, redis_service, beat_and_worker):
    assert client.get("/readyz").json()["ready"] is True


def test_readyz_counts_live_workers(client, redis_service, beat_and_worker):
    assert client.get("/readyz").json()["checks"]["workers"]["live"] == 1


def test_readyz_is_503_when_no_worker_was_ever_seen(client, redis_service, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {
        "ok": False, "required": True, "live": 0, "last_seen_seconds_ago": None, "stale_after_seconds": 180.0,
    }  # fmt: skip


def test_readyz_is_503_when_the_last_worker_heartbeat_is_stale(
    client, redis_service, beat_and_worker, settings
):
    settings.OCPDASH_HEARTBEAT_STALE_SECONDS = 60
    Heartbeat.objects.filter(kind="worker").update(seen_at=Now() - timedelta(seconds=90))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["last_seen_seconds_ago"] >= 90


def test_readyz_is_503_when_beat_is_gone(client, redis_service, beat_and_worker):
    Heartbeat.objects.filter(kind="beat").update(seen_at=Now() - timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False


def test_a_worker_that_shut_down_is_not_live(client, redis_service, beat_and_worker):
    Heartbeat.objects.filter(kind="worker").update(stopped_at=Now())
    assert client.get("/readyz").status_code == 503


def test_readyz_is_503_when_redis_does_not_answer(client, beat_and_worker, settings, tmp_path):
    settings.CELERY_BROKER_URL = f"redis+socket://{tmp_path}/nobody-listens.sock"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_readyz_reports_two_beats(client, redis_service, beat_and_worker):
    Heartbeat.objects.create(
        kind="beat", name="beat@host-b", host="host-b", pid=2, started_at=Now(), seen_at=Now()
    )
    assert "2 beats are running" in client.get("/readyz").json()["checks"]["beat"]["warning"]


def test_readyz_reports_refused_credentials_without_turning_503(client, redis_service, beat_and_worker, site):
    OcpSite.objects.filter(pk=site.pk).update(auth_refused_since=timezone.now(), last_sync_at=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    entry = response.json()["checks"][f"site:{site.name}"]
    assert (entry["ok"], entry["required"], entry["credentials"]) == (False, False, "refused")


def test_readyz_reports_a_site_in_contact(client, redis_service, beat_and_worker, site):
    OcpSite.objects.filter(pk=site.pk).update(last_sync_at=timezone.now(), ocp_version="4.3.0")
    entry = client.get("/readyz").json()["checks"][f"site:{site.name}"]
    assert (entry["ok"], entry["ocp_version"], entry["credentials"]) == (True, "4.3.0", "ok")


def test_readyz_never_shows_a_sync_error_text(client, redis_service, beat_and_worker, site):
    OcpSite.objects.filter(pk=site.pk).update(last_sync_error="connect to 10.1.2.3:8080 refused")
    body = client.get("/readyz").content.decode()
    assert "10.1.2.3" not in body


def test_readyz_costs_a_fixed_handful_of_queries(
    client, redis_service, beat_and_worker, site, django_assert_num_queries
):
    OcpSite.objects.create(name="second", base_url="http://127.0.0.1:2", username="u", password="p")
    with django_assert_num_queries(3):  # SELECT 1, the heartbeats, the sites
        client.get("/readyz")


# --- the banner ------------------------------------------------------------------------------------


@pytest.fixture
def logged_in(viewer):
    client = Client()
    client.force_login(viewer)
    return client


def test_every_page_says_when_no_worker_was_ever_seen(logged_in, beat_and_worker):
    Heartbeat.objects.filter(kind="worker").delete()
    assert "No worker has ever been seen" in logged_in.get("/").content.decode()


def test_the_banner_says_for_how_long_no_worker_was_seen(logged_in, beat_and_worker):
    Heartbeat.objects.filter(kind="worker").update(seen_at=Now() - timedelta(minutes=4, seconds=5))
    html = logged_in.get("/").content.decode()
    assert "No worker has been seen for 4 min: running upgrades are not being followed." in html


def test_the_banner_names_a_missing_beat(logged_in, beat_and_worker):
    Heartbeat.objects.filter(kind="beat").delete()
    assert "Celery beat has never been seen" in logged_in.get("/").content.decode()


def test_no_banner_while_worker_and_beat_are_live(logged_in, beat_and_worker):
    assert "process-alert" not in logged_in.get("/").content.decode()


def test_the_login_page_shows_no_banner(client, db):
    assert "process-alert" not in client.get("/login/").content.decode()


# --- the System page -------------------------------------------------------------------------------


def test_system_page_is_for_staff_only(logged_in, redis_service, beat_and_worker):
    assert logged_in.get("/system/").status_code == 403


def test_system_page_lists_each_process(admin_client, redis_service, beat_and_worker):
    html = admin_client.get("/system/").content.decode()
    assert 'data-process="worker@host-a" data-live="1"' in html
    assert 'data-process="beat@host-a" data-live="1"' in html


def test_system_page_shows_the_queue_depth(admin_client, redis_service, beat_and_worker):
    redis_service.client().rpush("celery", b"{}", b"{}")
    try:
        html = admin_client.get("/system/").content.decode()
    finally:
        redis_service.client().delete("celery")
    assert "<dd data-queue-depth>2</dd>" in html


def test_system_page_shows_poll_lag_of_followed_upgrades(
    admin_client, redis_service, beat_and_worker, make_upgrade_row
):
    from ocpdash.upgrades.models import State, Upgrade

    late = make_upgrade_row(State.RUNNING)
    make_upgrade_row(State.RUNNING)
    Upgrade.objects.filter(pk=late.pk).update(next_poll_at=Now() - timedelta(seconds=42))
    Upgrade.objects.exclude(pk=late.pk).update(next_poll_at=Now() + timedelta(seconds=5))
    context = admin_client.get("/system/").context
    assert (context["lag"]["followed"], context["lag"]["max"], context["lag"]["worst"]) == (
        2, timedelta(seconds=42), late.pk,
    )  # fmt: skip


def test_system_page_shows_sites_with_refused_credentials(admin_client, redis_service, beat_and_worker, site):
    OcpSite.objects.filter(pk=site.pk).update(auth_refused_since=timezone.now())
    assert "refused by OCP since" in admin_client.get("/system/").content.decode()


def test_staff_see_a_system_link(admin_client, beat_and_worker):
    assert 'href="/system/"' in admin_client.get("/").content.decode()
