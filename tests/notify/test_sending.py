"""One attempt at a delivery, run in this process against a real local HTTP receiver: each format,
what each answer means, the lease, backoff and recovery. (Through real workers: test_engine_notify.py.)"""

import json
import time
from datetime import timedelta

import pytest
from django.db.models.functions import Now
from django.utils import timezone

from ocpdash.notify import delivery as sending
from ocpdash.notify import notify
from ocpdash.notify.models import Channel, Delivery, EventKind
from tests.notify.conftest import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_SECRET,
    PATHS,
    SECRETS,
    SLACK_TOKEN,
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Messages the delivery code would put on the broker: (delivery id, countdown)."""
    calls = []
    monkeypatch.setattr(
        sending, "enqueue", lambda delivery_id, countdown=None: calls.append((delivery_id, countdown))
    )
    return calls


@pytest.fixture
def fast(settings):
    settings.OCPDASH_NOTIFY_CONNECT_TIMEOUT = 0.5
    settings.OCPDASH_NOTIFY_READ_TIMEOUT = 1.0
    settings.OCPDASH_NOTIFY_RETRY_BASE = 10.0
    settings.OCPDASH_BASE_URL = "https://ocpdash.example.com/"


def one_delivery(make_upgrade, channel, subscribe, kind=EventKind.STEP_FAILED, **context):
    subscribe(channel)
    upgrade = make_upgrade()
    notify(kind, upgrade.pk, **context)
    return Delivery.objects.get(channel=channel), upgrade


def test_generic_webhook_is_signed_json_with_the_delivery_id(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    delivery, upgrade = one_delivery(make_upgrade, channels["webhook"], subscribe, step_name="Upgrade zone1")
    assert sending.attempt(delivery.pk) == "delivered"
    [request] = receiver.to(PATHS["webhook"])
    assert webhook_signature_ok(request, WEBHOOK_SECRET)
    assert request.delivery_id == str(delivery.key)
    assert abs(int(request.headers["x-ocpdash-timestamp"]) - time.time()) < 60
    assert request.headers["content-type"].startswith("application/json")
    body = request.json
    assert (body["event"], body["delivery"], body["upgrade"]["id"]) == (
        "step_failed",
        str(delivery.key),
        upgrade.pk,
    )
    assert body["context"] == {"step_name": "Upgrade zone1"}
    assert body["url"] == f"https://ocpdash.example.com/upgrades/{upgrade.pk}/"


def test_slack_gets_text_and_blocks_with_the_link(make_upgrade, channels, subscribe, receiver, fast, queued):
    delivery, upgrade = one_delivery(
        make_upgrade, channels["slack"], subscribe, step_name="Stop <zone1> & go"
    )
    assert sending.attempt(delivery.pk) == "delivered"
    [request] = receiver.to(PATHS["slack"])
    body = request.json
    assert body["text"].startswith("Upgrade of orion: a step failed")
    heading = body["blocks"][0]["text"]["text"]
    assert f"<https://ocpdash.example.com/upgrades/{upgrade.pk}/|" in heading
    fields = [field["text"] for block in body["blocks"][1:] for field in block["fields"]]
    assert "*Step*\nStop &lt;zone1&gt; &amp; go" in fields


def test_dingtalk_is_markdown_signed_in_the_query(make_upgrade, channels, subscribe, receiver, fast, queued):
    delivery, upgrade = one_delivery(make_upgrade, channels["dingtalk"], subscribe, step_name="Upgrade zone1")
    assert sending.attempt(delivery.pk) == "delivered"
    [request] = receiver.to(PATHS["dingtalk"])
    assert query(request)["access_token"] == [DINGTALK_TOKEN]
    assert dingtalk_signature_ok(request, DINGTALK_SECRET)
    body = request.json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "Upgrade of orion: a step failed"
    assert "- **Step**: Upgrade zone1" in body["markdown"]["text"]
    assert f"(https://ocpdash.example.com/upgrades/{upgrade.pk}/)" in body["markdown"]["text"]


def test_dingtalk_plain_text_without_a_secret_is_not_signed(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    channel = channels["dingtalk"]
    channel.secret, channel.message_format = "", Channel.Format.TEXT
    channel.save()
    delivery, _ = one_delivery(make_upgrade, channel, subscribe)
    sending.attempt(delivery.pk)
    [request] = receiver.to(PATHS["dingtalk"])
    assert set(query(request)) == {"access_token"}
    assert request.json["msgtype"] == "text"
    assert request.json["text"]["content"].startswith("Upgrade of orion: a step failed\nCluster: orion\n")


def test_feishu_is_a_signed_post(make_upgrade, channels, subscribe, receiver, fast, queued):
    delivery, upgrade = one_delivery(make_upgrade, channels["feishu"], subscribe, step_name="Upgrade zone1")
    assert sending.attempt(delivery.pk) == "delivered"
    [request] = receiver.to(PATHS["feishu"])
    assert feishu_signature_ok(request, FEISHU_SECRET)
    body = request.json
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "Upgrade of orion: a step failed"
    assert [{"tag": "text", "text": "Step: Upgrade zone1"}] in post["content"]
    assert post["content"][-1][0]["href"] == f"https://ocpdash.example.com/upgrades/{upgrade.pk}/"


def test_wecom_is_markdown_to_the_key_in_its_url(make_upgrade, channels, subscribe, receiver, fast, queued):
    delivery, _ = one_delivery(
        make_upgrade, channels["wecom"], subscribe, reason="ping <@all> [x](http://evil)"
    )
    assert sending.attempt(delivery.pk) == "delivered"
    [request] = receiver.to(PATHS["wecom"])
    assert query(request)["key"] == [WECOM_KEY]
    body = request.json
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "<@all>" not in content  # no mention of everyone from an operator's reason
    assert "](http://evil)" not in content  # and no link either
    assert len(content.encode()) <= 4096


def test_a_4xx_fails_at_once_with_the_receivers_code(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    receiver.script(PATHS["slack"], Reply(400, b"invalid_payload"))
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    assert sending.attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status, delivery.reason) == (
        "failed",
        400,
        "HTTP 400 invalid_payload",
    )
    assert queued == []


def test_a_503_is_tried_again_later_with_the_lease_given_back(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    receiver.script(PATHS["webhook"], Reply(503, b"busy"))
    delivery, _ = one_delivery(make_upgrade, channels["webhook"], subscribe)
    assert sending.attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 503)
    assert delivery.lease_owner == ""
    assert delivery.next_attempt_at is not None
    [(delivery_id, countdown)] = queued
    assert delivery_id == delivery.pk
    assert 5.0 <= countdown <= 10.0  # first backoff: half to all of OCPDASH_NOTIFY_RETRY_BASE


def test_a_retry_is_not_sent_before_it_is_due(make_upgrade, channels, subscribe, receiver, fast, queued):
    receiver.script(PATHS["webhook"], Reply(503))
    delivery, _ = one_delivery(make_upgrade, channels["webhook"], subscribe)
    sending.attempt(delivery.pk)
    assert sending.attempt(delivery.pk) == "skipped"  # a duplicate message, early
    assert len(receiver.to(PATHS["webhook"])) == 1


def test_a_bot_that_answers_200_with_an_error_code_did_not_take_it(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    refused = json.dumps({"errcode": 310000, "errmsg": f"sign not match {DINGTALK_TOKEN}"}).encode()
    receiver.script(PATHS["dingtalk"], Reply(200, refused))
    delivery, _ = one_delivery(make_upgrade, channels["dingtalk"], subscribe)
    assert sending.attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.reason == "refused: 310000 sign not match …"  # the token scrubbed from its words


def test_a_bot_that_says_too_fast_is_tried_again(make_upgrade, channels, subscribe, receiver, fast, queued):
    receiver.script(PATHS["dingtalk"], Reply(200, b'{"errcode":130101,"errmsg":"send too fast"}'))
    delivery, _ = one_delivery(make_upgrade, channels["dingtalk"], subscribe)
    assert sending.attempt(delivery.pk) == "retry"


def test_feishu_error_codes_are_read_from_its_body(make_upgrade, channels, subscribe, receiver, fast, queued):
    receiver.script(PATHS["feishu"], Reply(200, b'{"code":19021,"msg":"sign match fail","data":{}}'))
    delivery, _ = one_delivery(make_upgrade, channels["feishu"], subscribe)
    assert sending.attempt(delivery.pk) == "failed"


def test_the_last_attempt_fails_for_good(make_upgrade, channels, subscribe, receiver, fast, queued, settings):
    settings.OCPDASH_NOTIFY_MAX_ATTEMPTS = 1
    receiver.script(PATHS["webhook"], Reply(502))
    delivery, _ = one_delivery(make_upgrade, channels["webhook"], subscribe)
    assert sending.attempt(delivery.pk) == "failed"


def test_no_answer_is_tried_again_and_says_so(make_upgrade, channels, subscribe, fast, queued):
    channel = channels["webhook"]
    channel.url = "http://127.0.0.1:9/nobody-listens"
    channel.save()
    delivery, _ = one_delivery(make_upgrade, channel, subscribe)
    assert sending.attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.reason == "could not connect, or the connection broke"


def test_an_echoing_error_page_leaves_no_token_in_the_log(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    receiver.script(PATHS["slack"], Reply(404, f"no_such_hook {SLACK_TOKEN}".encode()))
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    sending.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert SLACK_TOKEN not in delivery.reason
    assert delivery.reason.startswith("HTTP 404")


def test_a_delivered_notification_is_never_sent_again(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    assert sending.attempt(delivery.pk) == "delivered"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=Now(), lease_until=None)
    assert sending.attempt(delivery.pk) == "skipped"
    assert sending.recover() == 0
    assert len(receiver.to(PATHS["slack"])) == 1


def test_only_one_worker_holds_a_delivery(make_upgrade, channels, subscribe, fast):
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    assert sending.take(delivery.pk) is not None
    assert sending.take(delivery.pk) is None


def test_a_disabled_channel_fails_its_pending_deliveries(
    make_upgrade, channels, subscribe, receiver, fast, queued
):
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    Channel.objects.filter(pk=channels["slack"].pk).update(enabled=False)
    assert sending.attempt(delivery.pk) == "failed"
    assert receiver.to(PATHS["slack"]) == []


def test_email_goes_through_djangos_mail_with_the_delivery_id(
    make_upgrade, subscribe, fast, queued, mailoutbox
):
    channel = Channel.objects.create(
        name="dba", kind=Channel.Kind.EMAIL, recipients="dba@example.com, ops@example.com"
    )
    delivery, upgrade = one_delivery(
        make_upgrade, channel, subscribe, kind=EventKind.NEEDS_ATTENTION, reason="OCP busy"
    )
    assert sending.attempt(delivery.pk) == "delivered"
    [mail] = mailoutbox
    assert mail.to == ["dba@example.com", "ops@example.com"]
    assert mail.subject == "[ocpdash] Upgrade of orion needs attention"
    assert "Reason: OCP busy" in mail.body
    assert f"https://ocpdash.example.com/upgrades/{upgrade.pk}/" in mail.body
    assert mail.extra_headers["X-Ocpdash-Delivery"] == str(delivery.key)
    assert mail.extra_headers["Message-ID"] == f"<{delivery.key}@ocpdash>"


def test_backoff_grows_is_capped_and_jittered(settings):
    settings.OCPDASH_NOTIFY_RETRY_BASE, settings.OCPDASH_NOTIFY_RETRY_MAX = 10.0, 100.0
    assert all(5.0 <= sending.backoff(1) <= 10.0 for _ in range(50))
    assert all(20.0 <= sending.backoff(3) <= 40.0 for _ in range(50))
    assert all(50.0 <= sending.backoff(12) <= 100.0 for _ in range(50))
    assert len({sending.backoff(3) for _ in range(20)}) > 1
    assert sending.backoff(1, retry_after=60) == 60.0  # the receiver's Retry-After is a floor
    assert sending.backoff(1, retry_after=6000) == 100.0  # but never past the cap


def test_recovery_queues_lost_messages_only(make_upgrade, channels, subscribe, settings, monkeypatch):
    settings.OCPDASH_NOTIFY_OVERDUE_GRACE = 30
    found = []
    monkeypatch.setattr(sending, "enqueue", lambda delivery_id, countdown=None: found.append(delivery_id))
    subscribe(channels["slack"])
    subscribe(channels["wecom"])
    subscribe(channels["feishu"])
    notify(EventKind.STARTED, make_upgrade().pk)
    lost, held, done = Delivery.objects.order_by("channel_name")
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=1))  # its message is lost
    assert sending.take(held.pk)
    Delivery.objects.filter(pk=done.pk).update(status=Delivery.Status.DELIVERED)
    assert sending.recover() == 1
    assert found == [lost.pk]


def test_no_secret_in_any_delivery_row(make_upgrade, channels, subscribe, receiver, fast, queued):
    for channel in channels.values():
        subscribe(channel)
    notify(EventKind.STARTED, make_upgrade().pk, reason="go")
    for delivery in Delivery.objects.all():
        sending.attempt(delivery.pk)
    rows = json.dumps(list(Delivery.objects.values()), default=str)
    assert [secret for secret in SECRETS if secret in rows] == []


def test_a_delivery_whose_last_attempt_died_with_its_worker_fails(
    make_upgrade, channels, subscribe, settings, queued
):
    settings.OCPDASH_NOTIFY_MAX_ATTEMPTS = 2
    delivery, _ = one_delivery(make_upgrade, channels["slack"], subscribe)
    long_ago = timezone.now() - timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=2, lease_until=long_ago, created_at=long_ago)
    assert sending.take(delivery.pk) is None  # no attempt left
    assert sending.recover() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == ("failed", "the worker sending the last attempt stopped")
    assert queued == []
