"""notify(): the domain's one call. It writes the outbox in the caller's transaction and queues the
sending once that transaction commits, so a notification is recorded exactly when its event is,
and a rolled-back event notifies nobody.

Cost: one query (the enabled subscriptions, with their channels) when nobody listens for the kind;
otherwise the upgrade (with cluster, site and requester), its pair members and one INSERT, inside a
savepoint. It never raises into the caller: a failure is logged and notifies nobody.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import DatabaseError, transaction

from ocpdash.notify.delivery import enqueue
from ocpdash.notify.messages import clean_context, facts_for_test, upgrade_facts
from ocpdash.notify.models import OUTCOME_OF_STATE, Delivery, EventKind, Subscription

log = logging.getLogger(__name__)


def notify(kind: str, upgrade_id: int, *, actor=None, **context) -> int:
    """Record one delivery for each channel with a matching subscription; queue them after commit.

    ``kind`` is an :class:`EventKind` value; ``actor`` the user who made it happen (None: ocpdash
    itself); ``context`` what the message should say beyond the upgrade's own facts: ``reason``,
    ``comment``, ``step_name`` (step_failed), ``eta_text``, ``window_text``, ``outcome``
    (finished: an :class:`Outcome` value; by default read from the upgrade's state). Returns how
    many deliveries were recorded."""
    if kind not in EventKind.values or kind == EventKind.TEST:
        log.error("Not a notification kind: %r (upgrade %s); nobody is notified", kind, upgrade_id)
        return 0
    try:
        listening = [s for s in Subscription.objects.filter(enabled=True, channel__enabled=True)
                     .select_related("channel") if kind in s.events]  # fmt: skip
        if not listening:
            return 0
        with transaction.atomic():
            ids = _record(kind, upgrade_id, actor, context, listening)
    except Exception:  # never into the engine: the event itself stands
        log.exception("Notifications of %s for upgrade %s were not recorded", kind, upgrade_id)
        return 0
    if ids:
        transaction.on_commit(partial(_enqueue_all, ids), robust=True)
    return len(ids)


def _record(kind: str, upgrade_id: int, actor, context: dict, listening: list[Subscription]) -> list[int]:
    from ocpdash.upgrades.models import Upgrade

    try:
        upgrade = Upgrade.objects.select_related("cluster__site", "requested_by").get(pk=upgrade_id)
    except Upgrade.DoesNotExist:
        log.error("Notification %s: upgrade %s does not exist; nobody is notified", kind, upgrade_id)
        return []
    clusters = [upgrade.cluster, *upgrade.also_upgrades.all()]
    outcome = clean_context(context).get("outcome") or OUTCOME_OF_STATE.get(upgrade.state)
    channels: dict[int, Subscription] = {}
    for subscription in listening:  # one message per channel, however many subscriptions match
        if subscription.wants(kind, outcome) and subscription.covers(clusters):
            channels.setdefault(subscription.channel_id, subscription)
    if not channels:
        return []
    facts = upgrade_facts(upgrade, kind, actor, context, clusters)
    rows = [
        Delivery(channel=s.channel, channel_name=s.channel.name, subscription=s, upgrade=upgrade,
                 kind=kind, facts=facts)
        for s in channels.values()
    ]  # fmt: skip
    return _created_ids(Delivery.objects.bulk_create(rows))


def _created_ids(rows: list[Delivery]) -> list[int]:
    if all(row.pk for row in rows):
        return [row.pk for row in rows]
    # A database that returns no ids from a bulk INSERT: find them by their delivery ids.
    return list(Delivery.objects.filter(key__in=[row.key for row in rows]).values_list("pk", flat=True))


def _enqueue_all(ids: list[int]) -> None:
    """After commit. A broker that is down loses nothing: recovery queues them again."""
    for delivery_id in ids:
        if not enqueue(delivery_id):
            break  # the rest would fail the same way; recovery has them all


def send_test(subscription: Subscription) -> Delivery:
    """A test notification to the subscription's channel (the admin's action), queued after commit."""
    channel = subscription.channel
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                channel=channel, channel_name=channel.name, subscription=subscription,
                kind=EventKind.TEST, facts=facts_for_test(subscription),
            )  # fmt: skip
    except DatabaseError:
        log.exception("Test notification to %s was not recorded", channel.name)
        raise
    transaction.on_commit(partial(_enqueue_all, [delivery.pk]), robust=True)
    return delivery
