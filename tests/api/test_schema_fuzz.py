"""Schemathesis over /api/schema/: no 5xx and no response that breaks the schema, for every operation.

Bounded (10 examples per operation) and derandomized so the run is fast and repeatable. It runs as
an admin with a token against the WSGI app, with an upgrade (with steps) to act on.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import response_schema_conformance

from ocpdash.upgrades.models import State
from ocpdash.wsgi import application


@pytest.fixture
def _keep_test_connection():
    """Like Django's test client: the WSGI app must not close the test's DB connection per request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(_keep_test_connection, admin_user, make_upgrade, redis_service):
    """With the queue up (syncs are queued for workers), as in production."""
    pytest.token = Token.objects.create(user=admin_user).key
    make_upgrade(State.FAILED, steps=2, ocp_task_id=7, ocp_task_status="FAILED")
    make_upgrade(State.SUCCESSFUL)
    auth = {"Authorization": f"Token {pytest.token}"}
    return schemathesis.openapi.from_wsgi("/api/schema/", application, headers=auth)


FUZZ = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_api_answers_within_its_schema_and_never_5xx(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25, [op.label for op in operations]
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers={"Authorization": f"Token {pytest.token}"})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
            case.validate_response(response, checks=[response_schema_conformance])

        check()
