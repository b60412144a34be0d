"""Heartbeats, /readyz, the banner and /metrics against real `celery worker`/`beat` processes, real
Redis and the simulator. Thresholds are set to seconds so the tests wait seconds, never minutes."""

import re

import pytest
from django.test import Client

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import wait_for
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

HEARTBEAT_INTERVAL = 0.5  # Celery's own worker heartbeat comes every 2 s; beat's loop every 0.5 s
STALE_SECONDS = 6.0


@pytest.fixture
def fast_heartbeats(monkeypatch, settings):
    """For the processes the engine starts (environment) and for this one (settings)."""
    monkeypatch.setenv("OCPDASH_HEARTBEAT_INTERVAL", str(HEARTBEAT_INTERVAL))
    monkeypatch.setenv("OCPDASH_HEARTBEAT_STALE_SECONDS", str(STALE_SECONDS))
    settings.OCPDASH_HEARTBEAT_INTERVAL = HEARTBEAT_INTERVAL
    settings.OCPDASH_HEARTBEAT_STALE_SECONDS = STALE_SECONDS


def readyz_status(client: Client) -> int:
    return client.get("/readyz").status_code


def test_killing_every_worker_turns_readyz_503_and_shows_the_banner(engine, fast_heartbeats, viewer):
    from ocpdash.ops.models import Heartbeat

    client = Client()
    engine.start_beat()
    engine.start_workers("w1", "w2")
    names = wait_for(
        lambda: len(found := set(Heartbeat.objects.values_list("name", flat=True))) == 3 and found,
        40,
        "a heartbeat from each worker and from beat",
    )
    assert sorted(name.split("@")[0] for name in names) == ["beat", "w1", "w2"]
    wait_for(lambda: readyz_status(client) == 200, 40, "/readyz 200 with two workers and beat")
    engine.kill("w1")
    engine.kill("w2")
    wait_for(lambda: readyz_status(client) == 503, 60, "/readyz 503 once no worker is left")
    checks = client.get("/readyz").json()["checks"]
    assert (checks["workers"]["ok"], checks["beat"]["ok"]) == (False, True), checks
    client.force_login(viewer)
    assert "No worker has been seen for" in client.get("/").content.decode()


def counter(text: str, name: str, **labels) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for row in text.splitlines():
        found = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", row)
        if found and all(f'{key}="{value}"' in (found.group(1) or "") for key, value in labels.items()):
            total += float(found.group(2))
    return total


def test_metrics_scraped_during_an_upgrade_show_the_polls_moving(
    engine, simulator, operator, metrics_dir, monkeypatch
):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))  # the worker counts there
    simulator.config(step_seconds=0.5)
    engine.start_worker()
    client = Client()
    cluster = Cluster.objects.get(name=HAPPY_CLUSTER)
    submit_upgrade(operator, cluster, RpmPackage.objects.get(file_name=HAPPY_PACKAGE))

    def polls() -> float:
        return counter(client.get("/metrics").content.decode(), "ocpdash_polls_total", outcome="ok")

    first = wait_for(polls, 30, "a first poll counted")
    wait_for(lambda: polls() >= first + 3, 30, "the poll counter moving")
    text = client.get("/metrics").content.decode()
    assert counter(text, "ocpdash_submissions_total", outcome="submitted") == 1
    site = str(engine.site.pk)
    assert counter(text, "ocpdash_ocp_requests_total", site_id=site, endpoint="/tasks/instances/{id}") > 3
    assert counter(text, "ocpdash_poll_lag_seconds_count") >= 3  # every poll after the first
    assert 'ocpdash_upgrades{state="running"} 1.0' in text
