"""Change management end to end: real `celery worker` processes, real Redis, the simulator over HTTP
and a real local HTTP receiver checking every webhook's signature. A production request waits for
an approval, is approved by another user, waits for its maintenance window, starts at the window's
opening (time moved with time-machine in this process, which plays beat) and succeeds."""

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes import flow, windows
from ocpdash.changes.models import ApprovalPolicy, MaintenanceWindow
from ocpdash.notify.models import Channel, Delivery, EventKind, Subscription
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import State, Upgrade
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import wait_for
from tests.notify.conftest import PATHS, WEBHOOK_SECRET
from tests.notify.receiver import webhook_signature_ok
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE, TERMINAL, wait_state

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

FLOW = [
    EventKind.APPROVAL_REQUESTED,
    EventKind.APPROVED,
    EventKind.SCHEDULED,
    EventKind.STARTED,
    EventKind.FINISHED,
]


def test_request_approval_window_start_and_success_with_signed_notifications(
    engine, simulator, notify_env, receiver, operator, approver, sim_site
):
    simulator.config(step_seconds=0.1)
    orion = Cluster.objects.get(site=sim_site, name=HAPPY_CLUSTER)
    orion.labels = ["production"]
    orion.save(update_fields=["labels"])
    ApprovalPolicy.objects.create(label="production", approvals_required=1)
    # A weekly window three days from today (UTC), so the real clock of the worker is never inside it.
    weekday = (timezone.now().weekday() + 3) % 7
    MaintenanceWindow.objects.create(
        site=sim_site, weekday=weekday, start_time=time(1), end_time=time(5), time_zone="UTC"
    )
    opening = windows.next_opening(windows.windows_for(orion), timezone.now()).start
    hook = Channel.objects.create(
        name="team hook",
        kind=Channel.Kind.WEBHOOK,
        url=receiver.url + PATHS["webhook"],
        secret=WEBHOOK_SECRET,
    )
    Subscription.objects.create(channel=hook, events=[k.value for k in EventKind if k != EventKind.TEST])
    engine.start_worker()

    upgrade = submit_upgrade(
        operator, orion, RpmPackage.objects.get(file_name=HAPPY_PACKAGE), start=flow.Start("next_window")
    )
    assert upgrade.state == State.AWAITING_APPROVAL
    flow.approve(approver, upgrade, comment="tonight", plan_digest=upgrade.plan_digest)
    # The worker looks at it with the real clock: outside the window, it waits and says for which.
    waiting = wait_for(
        lambda: Upgrade.objects.filter(pk=upgrade.pk, start_note__startswith="Waits for the next").first(),
        30,
        "the worker's start look",
    )
    assert waiting.state == State.SCHEDULED and waiting.planned_start == opening
    assert simulator.upgrade_posts() == 0

    with time_machine.travel(opening + timedelta(seconds=5), tick=True):
        assert upgrade.pk in flow.start_due()
        assert flow.try_start(upgrade.pk) == "started"
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    messages = list(upgrade.events.values_list("message", flat=True))
    assert any(m.startswith("Started by ocpdash: Starts now in the window") for m in messages)

    deliveries = Delivery.objects.filter(upgrade=upgrade)
    try:
        wait_for(
            lambda: (
                deliveries.count() == len(FLOW)
                and not deliveries.exclude(status=Delivery.Status.DELIVERED).exists()
            ),
            30,
            f"{len(FLOW)} delivered notifications",
        )
    except AssertionError:
        rows = list(deliveries.values_list("kind", "status", "attempts", "reason"))
        raise AssertionError(f"deliveries: {rows}\n{engine.logs()}") from None
    assert list(deliveries.order_by("pk").values_list("kind", flat=True)) == FLOW, (
        "in the order they happened"
    )
    received = receiver.to(PATHS["webhook"])
    assert sorted(r.json["event"] for r in received) == sorted(FLOW), "each once (two workers send them)"
    assert all(webhook_signature_ok(r, WEBHOOK_SECRET) for r in received)
    assert len({r.delivery_id for r in received}) == len(FLOW)
    by_kind = {r.json["event"]: r.json for r in received}
    assert (
        by_kind["approved"]["actor"] == approver.username
        and by_kind["approved"]["context"]["comment"] == "tonight"
    )
    assert by_kind["scheduled"]["context"]["window_text"].startswith("Waits for the next maintenance window")
    assert by_kind["finished"]["upgrade"]["state"] == State.SUCCESSFUL
    assert all(WEBHOOK_SECRET not in r.body.decode() for r in received)
