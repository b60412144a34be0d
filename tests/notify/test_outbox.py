"""notify(): the outbox written in the caller's transaction, who it reaches, and what it costs."""

import logging

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ocpdash.notify import notify
from ocpdash.notify.models import Channel, Delivery, EventKind, Outcome, Subscription
from ocpdash.upgrades.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(db):
    return Channel.objects.create(name="team", kind=Channel.Kind.SLACK, url="http://127.0.0.1:9/x")


def test_no_subscription_costs_one_query_and_records_nothing(make_upgrade):
    upgrade = make_upgrade()
    with CaptureQueriesContext(connection) as queries:
        created = notify(EventKind.STARTED, upgrade.pk)
    assert created == 0
    assert len(queries) == 1
    assert Delivery.objects.count() == 0


def test_subscriptions_to_other_events_cost_one_query_too(make_upgrade, channel, subscribe):
    upgrade = make_upgrade()
    subscribe(channel, events=[EventKind.FINISHED])
    with CaptureQueriesContext(connection) as queries:
        assert notify(EventKind.STARTED, upgrade.pk) == 0
    assert len(queries) == 1


def test_a_matching_subscription_gets_one_pending_delivery_with_the_facts(
    make_upgrade, channel, subscribe, operator
):
    upgrade = make_upgrade()
    subscription = subscribe(channel, events=[EventKind.STEP_FAILED])
    assert notify(EventKind.STEP_FAILED, upgrade.pk, actor=operator, step_name="Upgrade zone1") == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.channel, delivery.subscription, delivery.upgrade) == (
        Delivery.Status.PENDING, channel, subscription, upgrade,
    )  # fmt: skip
    assert delivery.facts["cluster"] == "orion"
    assert delivery.facts["actor"] == "op"
    assert delivery.facts["context"] == {"step_name": "Upgrade zone1"}


def test_the_sending_is_queued_only_after_commit(
    make_upgrade, channel, subscribe, django_capture_on_commit_callbacks
):
    upgrade = make_upgrade()
    subscribe(channel)
    with django_capture_on_commit_callbacks() as callbacks:
        notify(EventKind.STARTED, upgrade.pk)
    assert len(callbacks) == 1


def test_a_broker_that_is_down_fails_nobody_and_loses_nothing(
    make_upgrade, channel, subscribe, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    from ocpdash.celery import app

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(app, "send_task", refuse)
    upgrade = make_upgrade()
    subscribe(channel)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(EventKind.STARTED, upgrade.pk) == 1
    assert Delivery.objects.get().status == Delivery.Status.PENDING  # recovery queues it later
    assert "the broker is not reachable" in caplog.text


def test_a_rolled_back_event_notifies_nobody(make_upgrade, channel, subscribe):
    upgrade = make_upgrade()
    subscribe(channel)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(EventKind.STARTED, upgrade.pk)
        raise RuntimeError("the domain's transaction fails")
    assert Delivery.objects.count() == 0


def test_two_subscriptions_of_one_channel_send_one_message(make_upgrade, channel, subscribe):
    upgrade = make_upgrade()
    subscribe(channel)
    subscribe(channel, scope=Subscription.Scope.CLUSTER, cluster=upgrade.cluster)
    assert notify(EventKind.STARTED, upgrade.pk) == 1


def test_disabled_subscriptions_and_channels_are_ignored(make_upgrade, channel, subscribe):
    upgrade = make_upgrade()
    subscribe(channel, enabled=False)
    off = Channel.objects.create(
        name="off", kind=Channel.Kind.SLACK, url="http://127.0.0.1:9/y", enabled=False
    )
    subscribe(off)
    assert notify(EventKind.STARTED, upgrade.pk) == 0


def test_scopes_select_the_right_subscriptions(make_upgrade, make_cluster, subscribe, site):
    from ocpdash.sites.models import OcpSite

    other_site = OcpSite.objects.create(
        name="other", base_url="http://127.0.0.1:2", username="u", password="p"
    )
    labelled = make_cluster(name="prod-a", labels=["production", "emea"])
    plain = make_cluster(name="dev-b", site=other_site)
    names = ("all", "this-site", "other-site", "this-cluster", "other-cluster", "label", "other-label")
    ch = {
        name: Channel.objects.create(name=name, kind=Channel.Kind.SLACK, url="http://127.0.0.1:9/z")
        for name in names
    }
    subscribe(ch["all"])
    subscribe(ch["this-site"], scope=Subscription.Scope.SITE, site=site)
    subscribe(ch["other-site"], scope=Subscription.Scope.SITE, site=other_site)
    subscribe(ch["this-cluster"], scope=Subscription.Scope.CLUSTER, cluster=labelled)
    subscribe(ch["other-cluster"], scope=Subscription.Scope.CLUSTER, cluster=plain)
    subscribe(ch["label"], scope=Subscription.Scope.LABEL, label="production")
    subscribe(ch["other-label"], scope=Subscription.Scope.LABEL, label="staging")

    upgrade = make_upgrade(cluster=labelled)
    notify(EventKind.STARTED, upgrade.pk)

    reached = set(Delivery.objects.values_list("channel_name", flat=True))
    assert reached == {"all", "this-site", "this-cluster", "label"}


def test_a_pair_member_in_scope_is_enough(make_upgrade, make_cluster, subscribe):
    standby = make_cluster(name="standby", labels=["dr"])
    upgrade = make_upgrade()
    upgrade.also_upgrades.add(standby)
    ch = Channel.objects.create(name="dr-team", kind=Channel.Kind.SLACK, url="http://127.0.0.1:9/z")
    subscribe(ch, scope=Subscription.Scope.LABEL, label="dr")
    assert notify(EventKind.STARTED, upgrade.pk) == 1
    assert Delivery.objects.get().facts["also"] == ["standby"]


def test_finished_subscriptions_can_ask_for_some_outcomes_only(make_upgrade, channel, subscribe):
    subscribe(channel, events=[EventKind.FINISHED], outcomes=[Outcome.FAILED, Outcome.ROLLED_BACK])
    ok = make_upgrade(state=State.SUCCESSFUL)
    assert notify(EventKind.FINISHED, ok.pk) == 0
    ok.state = State.CLOSED  # an operator closed a failed upgrade: it failed
    ok.save(update_fields=["state"])
    assert notify(EventKind.FINISHED, ok.pk) == 1
    assert Delivery.objects.get().facts["context"]["outcome"] == Outcome.FAILED


def test_outcome_from_the_context_wins_over_the_state(make_upgrade, channel, subscribe):
    subscribe(channel, events=[EventKind.FINISHED], outcomes=[Outcome.DECLINED])
    upgrade = make_upgrade(state=State.CANCELLED)
    assert notify(EventKind.FINISHED, upgrade.pk, outcome=Outcome.DECLINED) == 1


def test_an_unknown_kind_or_upgrade_is_logged_never_raised(make_upgrade, channel, subscribe, caplog):
    subscribe(channel)
    with caplog.at_level(logging.ERROR, logger="ocpdash.notify"):
        assert notify("exploded", make_upgrade().pk) == 0
        assert notify(EventKind.STARTED, 987654) == 0
    assert "Not a notification kind: 'exploded'" in caplog.text
    assert "upgrade 987654 does not exist" in caplog.text


def test_a_failure_while_recording_leaves_the_callers_transaction_usable(
    make_upgrade, channel, subscribe, monkeypatch
):
    from ocpdash.notify import outbox

    upgrade = make_upgrade()
    subscribe(channel)

    def broken(rows):
        Delivery.objects.create(channel=channel, channel_name="x", kind="started", facts={})
        raise RuntimeError("disk full")

    monkeypatch.setattr(outbox, "_created_ids", broken)
    with transaction.atomic():
        assert notify(EventKind.STARTED, upgrade.pk) == 0
        upgrade.refresh_from_db()  # the caller carries on in its transaction
    assert Delivery.objects.count() == 0  # the savepoint took the half-written outbox back


def test_context_is_kept_short_and_as_text(make_upgrade, channel, subscribe):
    from datetime import UTC, datetime

    subscribe(channel)
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    notify(
        EventKind.SCHEDULED,
        make_upgrade().pk,
        reason="x" * 3000,
        window_text="Sat 02:00-04:00",
        eta=when,
        empty="",
    )
    context = Delivery.objects.get().facts["context"]
    assert len(context["reason"]) == 500
    assert context["eta"] == "2026-01-02T03:04:00+00:00"
    assert "empty" not in context


def test_the_actor_may_be_a_user_a_name_or_nobody(make_upgrade, channel, subscribe, operator):
    subscribe(channel)
    upgrade = make_upgrade()
    notify(EventKind.APPROVED, upgrade.pk, actor=operator)
    notify(EventKind.SCHEDULED, upgrade.pk, actor="approval-bot")
    notify(EventKind.STARTED, upgrade.pk)
    actors = dict(Delivery.objects.values_list("kind", "facts__actor"))
    assert actors == {"approved": "op", "scheduled": "approval-bot", "started": ""}
