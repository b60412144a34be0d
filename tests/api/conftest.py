import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ocpdash.upgrades.models import State, Upgrade, UpgradeStep


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(db):
    """api(user) -> an APIClient authenticated with that user's token; api() -> anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def make_upgrade(make_cluster, make_package, make_user):
    def make(state=State.RUNNING, cluster=None, package=None, steps=0, **fields):
        cluster = cluster or make_cluster()
        n = Upgrade.objects.count()
        package = package or make_package(f"oceanbase-3.1.{n}-20210108170301.el7.x86_64.rpm")
        upgrade = Upgrade.objects.create(
            cluster=cluster, package=package, requested_by=fields.pop("requested_by", None) or make_user(),
            from_version=cluster.version, to_version=package.full_version, state=state, **fields,
        )  # fmt: skip
        for n in range(steps):
            UpgradeStep.objects.create(
                upgrade=upgrade, ocp_task_id=7, ocp_subtask_id=100 + n, name=f"step {n}",
                status="RUNNING" if n == 0 else "PENDING", upstreams=[n - 1] if n else [],
            )  # fmt: skip
        upgrade.events.create(kind="state", message="Upgrade requested.", actor=upgrade.requested_by)
        return upgrade

    return make


def assert_error(response, status, code):
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert set(body) >= {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["fields"], dict) and body["message"]
    return body
