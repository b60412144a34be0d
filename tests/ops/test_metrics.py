"""/metrics: the bearer token, the state read at scrape time, and the hooks' arithmetic."""

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.db.models.functions import Now
from django.utils import timezone

from ocpdash.ops import metrics
from ocpdash.sites.guard import CredentialGuard
from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.models import State, Upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scrape(client, metrics_dir, redis_service, db):
    def get(**headers) -> str:
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 200, response.status_code
        return response.content.decode()

    return get


def test_metrics_are_prometheus_text(client, metrics_dir, redis_service, db):
    assert client.get("/metrics")["Content-Type"].startswith("text/plain; version=")


def test_metrics_need_the_bearer_token_when_one_is_set(client, metrics_dir, db, settings):
    settings.OCPDASH_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401


def test_metrics_refuse_a_wrong_token(client, metrics_dir, db, settings):
    settings.OCPDASH_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-tokem"}).status_code == 401


def test_metrics_answer_the_right_token(client, metrics_dir, redis_service, db, settings):
    settings.OCPDASH_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_refused_scrape_says_how_to_authenticate(client, metrics_dir, db, settings):
    settings.OCPDASH_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics")["WWW-Authenticate"].startswith("Bearer")


def test_upgrades_by_state_are_counted_at_scrape(scrape, make_upgrade_row):
    make_upgrade_row(State.RUNNING)
    make_upgrade_row(State.RUNNING)
    make_upgrade_row(State.SUCCESSFUL)
    text = scrape()
    assert 'ocpdash_upgrades{state="running"} 2.0' in text
    assert 'ocpdash_upgrades{state="queued"} 0.0' in text


def test_the_most_overdue_poll_is_a_gauge(scrape, make_upgrade_row):
    late = make_upgrade_row(State.RUNNING)
    Upgrade.objects.filter(pk=late.pk).update(next_poll_at=Now() - timedelta(seconds=90))
    value = float(line(scrape(), "ocpdash_poll_overdue_seconds").split()[-1])
    assert 90 <= value < 120


def test_live_processes_come_from_heartbeats(scrape, beat_and_worker):
    assert 'ocpdash_live_processes{kind="worker"} 1.0' in scrape()


def test_queue_depth_comes_from_redis(scrape, redis_service):
    redis_service.client().delete("celery")  # whatever earlier tests queued without a worker
    redis_service.client().rpush("celery", b"{}")
    try:
        text = scrape()
    finally:
        redis_service.client().delete("celery")
    assert 'ocpdash_queue_depth{queue="celery"} 1.0' in text


def test_sites_state_is_labelled_with_id_and_name(scrape, site):
    OcpSite.objects.filter(pk=site.pk).update(auth_refused_since=timezone.now())
    assert f'ocpdash_site_credentials_refused{{site="{site.name}",site_id="{site.pk}"}} 1.0' in scrape()


def line(text: str, name: str) -> str:
    return next(row for row in text.splitlines() if row.startswith(name + " ") or row.startswith(name + "{"))


# --- hooks ------------------------------------------------------------------------------------------


def test_credential_guard_counts_every_ocp_call():
    """A site id no other test uses, so the in-process counter is this test's alone."""
    counter = metrics._metrics().ocp_requests.labels("987001", "GET", "/tasks/instances/{id}", "200")
    before = counter._value.get()
    CredentialGuard(987001).after("GET", "/tasks/instances/42", 200, 0.02)
    assert counter._value.get() == before + 1


def test_ocp_latency_is_observed_per_endpoint():
    histogram = metrics._metrics().ocp_seconds.labels("987002", "POST", "/ob/clusters/{id}/upgrade")
    before = histogram._sum.get()
    metrics.ocp_call(987002, "POST", "/ob/clusters/7/upgrade", 200, 0.25)
    assert histogram._sum.get() == pytest.approx(before + 0.25)


def test_a_call_without_an_answer_counts_as_status_none():
    counter = metrics._metrics().ocp_requests.labels("987003", "GET", "/time", "none")
    before = counter._value.get()
    metrics.ocp_call(987003, "GET", "/time", None, 3.0)
    assert counter._value.get() == before + 1


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        ("/tasks/instances/123/subtasks/45/log", "/tasks/instances/{id}/subtasks/{id}/log"),
        ("/ob/clusters/7/upgrade", "/ob/clusters/{id}/upgrade"),
        ("/ob/clusters?page=2", "/ob/clusters"),
        ("/info", "/info"),
    ],
)
def test_endpoint_labels_hide_ids(path, endpoint):
    assert metrics.endpoint_of(path) == endpoint


@pytest.mark.parametrize(
    ("next_in", "calls", "outcome"),
    [
        (1.0, [200, 200], "ok"),
        (2.0, [200, 503], "fault"),
        (2.0, [None], "fault"),
        (2.0, [], "fault"),  # the guard stopped the call: credentials refused
        (None, [200], "stopped"),
        (None, [], "skipped"),
    ],
)
def test_poll_outcomes(next_in, calls, outcome):
    assert metrics.poll_outcome(next_in, calls) == outcome


def test_poll_lag_is_measured_from_the_countdowns_eta():
    histogram = metrics._metrics().poll_lag
    before = histogram._sum.get()
    due = datetime.now(UTC) - timedelta(seconds=30)
    with metrics.polling(due.isoformat()):
        pass
    assert 30 <= histogram._sum.get() - before < 35


def test_ocp_calls_inside_a_poll_are_collected():
    with metrics.polling(None) as calls:
        metrics.ocp_call(987004, "GET", "/tasks/instances/1", 200, 0.01)
    assert calls == [200]


# --- the commands around the metrics folder ------------------------------------------------------------


def test_clear_metrics_empties_the_folder(metrics_dir):
    from django.core.management import call_command

    (metrics_dir / "counter_123.db").write_bytes(b"x")
    call_command("clear_metrics", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert list(metrics_dir.iterdir()) == []


def test_serve_metrics_serves_a_worker_hosts_counters(metrics_dir):
    """A worker process's counter file, served by the command as a worker host would run it."""
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    count = [sys.executable, "-c", COUNT_ONE_POLL]
    subprocess.run(count, cwd=ROOT, env=env, check=True, timeout=60)
    command = [sys.executable, "manage.py", "serve_metrics", "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # listening
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.terminate()
        server.wait(10)
    assert 'ocpdash_polls_total{outcome="ok"} 1.0' in text


COUNT_ONE_POLL = """
import django
django.setup()
from ocpdash.ops import metrics
metrics.poll_done("ok")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
