"""A whole upgrade through the API with the real engine: the OCP password, an AK secret and the
encryption key appear in no API response, log record, worker log or Celery message; the database
holds ciphertext only."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster, OcpSite
from tests.fixtures.services import wait_for

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

HAPPY_CLUSTER = "orion"
HAPPY_PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


class RedisRecorder:
    """Snapshots every key's content in the broker while the upgrade runs (queues, unacked, …)."""

    def __init__(self, client) -> None:
        self.client, self.seen, self.stop = client, [], threading.Event()

    def snapshot(self) -> None:
        for key in self.client.keys("*"):
            kind = self.client.type(key)
            if kind == b"list":
                self.seen.extend(self.client.lrange(key, 0, -1))
            elif kind == b"hash":
                self.seen.extend(self.client.hgetall(key).values())
            elif kind == b"zset":
                self.seen.extend(self.client.zrange(key, 0, -1))
            elif kind == b"string":
                self.seen.append(self.client.get(key) or b"")

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.snapshot()


def raw_secrets(site_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, access_key_secret FROM sites_ocpsite WHERE id = %s", [site_id])
        return cursor.fetchone()


def test_whole_upgrade_leaks_no_secret(engine, simulator, operator, caplog, monkeypatch):
    import kombu.messaging

    published = []
    original = kombu.messaging.Producer.publish

    def recording_publish(self, body, *args, **kwargs):
        published.append(repr(body) + repr(kwargs.get("headers")))
        return original(self, body, *args, **kwargs)

    monkeypatch.setattr(kombu.messaging.Producer, "publish", recording_publish)
    aksk = OcpSite.objects.create(
        name="aksk-site", base_url=simulator.url, auth_mode="aksk",
        access_key_id=simulator.access_key_id, access_key_secret=simulator.access_key_secret,
    )  # fmt: skip
    secrets = [simulator.password, simulator.access_key_secret, *settings.FIELD_ENCRYPTION_KEYS]
    recorder = RedisRecorder(engine.redis.client())
    watcher = threading.Thread(target=recorder.run, daemon=True)
    watcher.start()
    engine.start_worker()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    bodies = []

    def call(method, url, data=None):
        response = getattr(client, method)(url, data, format="json")
        bodies.append(response.content.decode())
        return response

    cluster = Cluster.objects.get(name=HAPPY_CLUSTER)
    package = RpmPackage.objects.get(file_name=HAPPY_PACKAGE)
    body = {"cluster": cluster.pk, "package": package.pk, "reason": "secret check"}
    assert call("post", "/api/upgrades/precheck/", body).json()["ok"] is True
    submitted = call("post", "/api/upgrades/", body)
    assert submitted.status_code == 202, submitted.json()
    upgrade_id = submitted.json()["id"]
    wait_for(
        lambda: call("get", f"/api/upgrades/{upgrade_id}/").json()["state"] == "successful", 90,
        "the upgrade to succeed",
    )  # fmt: skip
    for url in ("/api/upgrades/", "/api/sites/", f"/api/sites/{aksk.pk}/", "/api/clusters/"):
        call("get", url)
    second = call("post", "/api/upgrades/", body)
    assert second.status_code in (400, 409)
    recorder.stop.set()
    watcher.join(5)
    recorder.snapshot()
    engine.stop_all()

    worker_logs = "\n".join(p.read_text(errors="replace") for p in engine.tmp.glob("*.log"))
    haystacks = {
        "API responses": "\n".join(bodies),
        "log records": "\n".join(r.getMessage() + repr(r.args) for r in caplog.records),
        "worker logs": worker_logs,
        "published Celery messages": "\n".join(published),
        "Redis contents": "\n".join(v.decode(errors="replace") for v in recorder.seen),
    }
    assert published and worker_logs and recorder.seen, "something was captured"
    for where, text in haystacks.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:3]}…) is in the {where}"
    for site in (OcpSite.objects.get(name="sim"), aksk):
        for stored in filter(None, raw_secrets(site.pk)):
            assert stored.startswith("fernet:") and not any(s in stored for s in secrets)
