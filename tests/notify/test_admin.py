"""The admin: channels with write-only URL and secret, subscriptions and their test action, and a
read-only delivery log."""

import pytest
from django.db import connection
from django.test import Client

from ocpdash.notify import notify
from ocpdash.notify.models import Channel, Delivery, EventKind, Subscription
from tests.notify.conftest import DINGTALK_SECRET, DINGTALK_TOKEN, SECRETS

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def channel_form(**fields):
    data = {"name": "dba-ding", "kind": "dingtalk", "url": "", "secret": "", "recipients": "",
            "message_format": "rich", "enabled": "on"}  # fmt: skip
    return {**data, **fields}


def test_a_channel_is_created_with_its_url_and_secret_encrypted(admin_client):
    url = f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"
    response = admin_client.post("/admin/notify/channel/add/", channel_form(url=url, secret=DINGTALK_SECRET))
    assert response.status_code == 302, response.content.decode()[-2000:]
    channel = Channel.objects.get()
    assert (channel.url, channel.secret) == (url, DINGTALK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notify_channel")
        raw = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in raw)
    assert not any(DINGTALK_TOKEN in value or DINGTALK_SECRET in value for value in raw)


def test_the_channel_pages_never_show_the_url_or_secret(admin_client, channels):
    pages = [admin_client.get("/admin/notify/channel/").content.decode()]
    for channel in channels.values():
        pages.append(admin_client.get(f"/admin/notify/channel/{channel.pk}/change/").content.decode())
    assert "127.0.0.1" in pages[0]  # where it posts, without the token
    assert [secret for secret in SECRETS if any(secret in page for page in pages)] == []


def test_a_form_with_errors_does_not_echo_the_secret(admin_client):
    response = admin_client.post(
        "/admin/notify/channel/add/", channel_form(url="not a url", secret=DINGTALK_SECRET)
    )
    assert response.status_code == 200
    assert DINGTALK_SECRET not in response.content.decode()


def test_a_blank_url_and_secret_keep_the_stored_ones(admin_client, channels):
    channel = channels["dingtalk"]
    url = channel.url
    response = admin_client.post(f"/admin/notify/channel/{channel.pk}/change/", channel_form(name="renamed"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url, channel.secret) == ("renamed", url, DINGTALK_SECRET)


def test_a_webhook_needs_a_secret(admin_client):
    response = admin_client.post(
        "/admin/notify/channel/add/", channel_form(kind="webhook", url="https://hooks.example.com/x")
    )
    assert "A webhook needs a secret" in response.content.decode()
    assert not Channel.objects.exists()


def test_an_email_channel_needs_valid_addresses(admin_client):
    response = admin_client.post(
        "/admin/notify/channel/add/", channel_form(kind="email", recipients="dba, x@y")
    )
    assert response.status_code == 200
    assert not Channel.objects.exists()


def test_a_subscription_needs_what_its_scope_names(admin_client, channels):
    data = {"channel": channels["slack"].pk, "events": ["started", "finished"], "scope": "label", "label": "",
            "enabled": "on"}  # fmt: skip
    response = admin_client.post("/admin/notify/subscription/add/", data)
    assert "This scope needs it." in response.content.decode()
    response = admin_client.post("/admin/notify/subscription/add/", {**data, "label": "Production"})
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.events, subscription.label) == (["started", "finished"], "production")


def test_the_test_action_queues_a_test_delivery(
    admin_client, channels, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(channels["slack"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/notify/subscription/",
            {"action": "send_test_notification", "_selected_action": [subscription.pk]},
            follow=True,
        )
    assert "1 test notification queued" in response.content.decode()
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.channel, delivery.upgrade) == (EventKind.TEST, channels["slack"], None)
    assert len(callbacks) == 1


def test_the_delivery_log_is_read_only_and_filterable(admin_client, channels, subscribe, make_upgrade):
    subscribe(channels["wecom"])
    notify(EventKind.STARTED, make_upgrade().pk)
    delivery = Delivery.objects.get()
    listing = admin_client.get("/admin/notify/delivery/?status__exact=pending&kind__exact=started")
    assert listing.status_code == 200
    assert "wecom-channel" in listing.content.decode()
    page = admin_client.get(f"/admin/notify/delivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/notify/delivery/add/").status_code == 403
    assert [secret for secret in SECRETS if secret in listing.content.decode() + page.content.decode()] == []
