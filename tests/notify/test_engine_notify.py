"""Notifications through real `celery worker` (and beat) processes, real Redis and a real local HTTP
receiver: formats and signatures as each platform checks them, retries with one delivery id, a
worker killed mid-delivery and recovery, beat's outage check, and no secret in any log."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from ocpdash.notify import notify
from ocpdash.notify.delivery import recover
from ocpdash.notify.models import Delivery, EventKind, OutageNotice
from ocpdash.upgrades.models import State, Upgrade
from tests.fixtures.services import wait_for
from tests.notify.conftest import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_SECRET,
    PATHS,
    SECRETS,
    WEBHOOK_SECRET,
    WECOM_KEY,
)
from tests.notify.receiver import (
    Reply,
    dingtalk_signature_ok,
    feishu_signature_ok,
    query,
    webhook_signature_ok,
)

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def delivered(count: int = 1):
    return lambda: Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == count


def test_every_channel_kind_is_formatted_and_signed_as_its_platform_checks(
    engine, notify_env, receiver, channels, subscribe, make_upgrade, operator, caplog
):
    for channel in channels.values():
        subscribe(channel, events=[EventKind.STEP_FAILED])
    upgrade = make_upgrade()
    engine.start_worker()
    with caplog.at_level(logging.DEBUG, logger="ocpdash"):
        assert notify(EventKind.STEP_FAILED, upgrade.pk, actor=operator, step_name="Upgrade zone1") == 5
        wait_for(delivered(5), 30, "five deliveries, one per channel kind")

    keys = {d.channel.kind: str(d.key) for d in Delivery.objects.select_related("channel")}
    [hook] = receiver.to(PATHS["webhook"])
    assert webhook_signature_ok(hook, WEBHOOK_SECRET)
    assert hook.delivery_id == keys["webhook"]
    assert hook.json["context"] == {"step_name": "Upgrade zone1"}
    [slack] = receiver.to(PATHS["slack"])
    assert slack.json["text"].startswith("Upgrade of orion: a step failed")
    [ding] = receiver.to(PATHS["dingtalk"])
    assert dingtalk_signature_ok(ding, DINGTALK_SECRET)
    assert query(ding)["access_token"] == [DINGTALK_TOKEN]
    assert ding.json["msgtype"] == "markdown"
    [feishu] = receiver.to(PATHS["feishu"])
    assert feishu_signature_ok(feishu, FEISHU_SECRET)
    assert feishu.json["msg_type"] == "post"
    [wecom] = receiver.to(PATHS["wecom"])
    assert query(wecom)["key"] == [WECOM_KEY]
    assert wecom.json["msgtype"] == "markdown"
    for request in (hook, slack, ding, feishu, wecom):
        assert f"https://ocpdash.example.com/upgrades/{upgrade.pk}/" in request.body.decode()

    logs = engine.logs() + caplog.text
    assert "Notification" in logs  # the worker did log its deliveries
    assert [secret for secret in SECRETS if secret in logs] == []


def test_a_failing_receiver_gets_the_same_delivery_until_it_accepts_and_never_again(
    engine, notify_env, receiver, channels, subscribe, make_upgrade
):
    receiver.script(PATHS["webhook"], Reply(503), Reply(503))
    subscribe(channels["webhook"], events=[EventKind.FINISHED])
    engine.start_worker()
    notify(EventKind.FINISHED, make_upgrade(state=State.SUCCESSFUL).pk)
    wait_for(delivered(), 30, "the delivery accepted on the third attempt")

    delivery = Delivery.objects.get()
    requests = receiver.to(PATHS["webhook"])
    assert [request.delivery_id for request in requests] == [str(delivery.key)] * 3
    assert (delivery.attempts, delivery.response_status) == (3, 200)
    assert all(webhook_signature_ok(request, WEBHOOK_SECRET) for request in requests)
    assert len({request.body for request in requests}) == 1  # the same message every time

    from ocpdash.notify.tasks import deliver

    assert deliver(delivery.pk) == "skipped"  # a late duplicate message
    assert recover() == 0
    assert len(receiver.to(PATHS["webhook"])) == 3


def test_a_receiver_that_answers_too_late_gets_it_again_with_the_same_id(
    engine, notify_env, receiver, channels, subscribe, make_upgrade
):
    receiver.script(PATHS["webhook"], Reply(200, hold=True))  # takes it, answers after our timeout
    subscribe(channels["webhook"], events=[EventKind.STARTED])
    engine.start_worker()
    notify(EventKind.STARTED, make_upgrade().pk)
    wait_for(lambda: len(receiver.to(PATHS["webhook"])) == 2, 30, "a second attempt after the timeout")
    receiver.release()
    wait_for(delivered(), 30, "the second attempt accepted")

    delivery = Delivery.objects.get()
    first, second = receiver.to(PATHS["webhook"])
    assert first.delivery_id == second.delivery_id == str(delivery.key)  # the receiver can drop the repeat
    assert delivery.attempts == 2


def test_a_worker_killed_mid_delivery_loses_nothing(
    engine, notify_env, receiver, channels, subscribe, make_upgrade
):
    receiver.script(PATHS["slack"], Reply(200, hold=True))
    subscribe(channels["slack"], events=[EventKind.APPROVAL_REQUESTED])
    engine.start_worker("w1")
    notify(EventKind.APPROVAL_REQUESTED, make_upgrade(state=State.QUEUED).pk, reason="quarterly patch")
    wait_for(lambda: receiver.to(PATHS["slack"]), 30, "w1 sending the message")
    engine.kill("w1")
    receiver.release()
    held = Delivery.objects.get()
    assert (held.status, held.attempts, bool(held.lease_owner)) == ("pending", 1, True)  # mid-delivery

    engine.start_worker("w2")

    def recovered() -> bool:
        recover()  # beat's job (notify-recover; beat itself runs in test_beat_notifies_an_outage)
        return delivered()()

    wait_for(
        recovered, 40, "recovery re-queueing it once w1's lease expired, and w2 sending it", interval=0.5
    )
    delivery = Delivery.objects.get()
    assert [request.delivery_id for request in receiver.to(PATHS["slack"])] == [str(delivery.key)] * 2
    assert delivery.attempts == 2


def test_beat_notifies_an_outage(engine, notify_env, receiver, channels, subscribe, make_upgrade):
    subscribe(channels["feishu"], events=[EventKind.OCP_UNREACHABLE])
    upgrade = make_upgrade(state=State.NEEDS_ATTENTION)
    since = timezone.now() - timedelta(minutes=15)
    Upgrade.objects.filter(pk=upgrade.pk).update(ocp_unreachable_since=since, ocp_fault="OCP did not answer")
    engine.start_worker()
    engine.start_beat()
    wait_for(delivered(), 30, "the outage notified")
    [request] = receiver.to(PATHS["feishu"])
    assert request.json["content"]["post"]["zh_cn"]["title"] == "Upgrade of orion: OCP unreachable for 15 min"
    assert OutageNotice.objects.get().since == since  # the mark that keeps later checks quiet
