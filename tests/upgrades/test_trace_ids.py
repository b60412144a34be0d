"""OCP's trace id of a failed call is kept on the event that reports it (the evidence pack lists
them): a poll that cannot read OCP, a refused operator action, a refused submission."""

import re

import pytest

from ocpdash.ocp import OcpRefused
from ocpdash.upgrades import lease, operations, submission
from ocpdash.upgrades.errors import OperationRefused
from ocpdash.upgrades.models import SUBMISSION_STATES, State, Upgrade, UpgradeEvent
from ocpdash.upgrades.polling import run_poll

HEX16 = re.compile(r"[0-9a-f]{16}")


@pytest.mark.django_db(transaction=True)
def test_a_poll_that_ocp_answers_with_500_keeps_ocps_trace_id(queued, simulator):
    assert submission.run_submit(queued.pk).result == "submitted"
    Upgrade.objects.filter(pk=queued.pk).update(next_poll_at=None)
    simulator.faults(http_error={"status": 500, "rate": 1.0, "seconds": 30})
    run_poll(queued.pk)
    fault = UpgradeEvent.objects.get(upgrade=queued, kind=UpgradeEvent.Kind.ERROR)
    assert HEX16.fullmatch(fault.data["trace_id"]), fault.data


@pytest.mark.django_db
def test_an_operation_ocp_refuses_keeps_ocps_trace_id(make_cluster, make_package, operator):
    upgrade = Upgrade.objects.create(
        cluster=make_cluster(), package=make_package(), requested_by=operator, state=State.FAILED,
        from_version="4.1", to_version="4.2",
    )  # fmt: skip

    def refuse():
        raise OcpRefused("Task is running", ocp_message="Task is running", trace_id="abc123def4567890")

    with pytest.raises(OperationRefused):
        operations._call(refuse, upgrade, operator)
    assert upgrade.events.get().data["trace_id"] == "abc123def4567890"


@pytest.mark.django_db(transaction=True)
def test_a_submission_ocp_refuses_keeps_ocps_trace_id(queued):
    held = lease.acquire(queued.pk, SUBMISSION_STATES)
    refused = OcpRefused("No such RPM", status=400, code=10006, trace_id="feedface00000001")
    submission.reject(Upgrade.objects.get(pk=queued.pk), refused, held)
    assert UpgradeEvent.objects.get(upgrade=queued, kind="state").data["trace_id"] == "feedface00000001"
