"""Sending one delivery, at most one worker at a time, and the recovery of lost messages (the life
of a delivery is written down in ocpdash/notify/models.py).

- A worker takes the delivery's lease with one conditional UPDATE (pending, due, lease free) and
  checks the row count: a duplicate or late message finds nothing to do. The lease outlasts the
  longest send (both timeouts), so it is never another worker's while this one still waits.
- The outcome is written with a second conditional UPDATE that needs the lease's token.
- Times are the database's (``Now()``), as the upgrade leases': hosts' clocks do not matter.
- The sending happens outside any transaction, and nothing here ever holds a row lock while
  waiting for a receiver.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import translation
from django.utils.translation import gettext as _

from ocpdash.notify import formats, metrics, transport
from ocpdash.notify.messages import compose
from ocpdash.notify.models import Channel, Delivery
from ocpdash.upgrades.enqueue import send

log = logging.getLogger(__name__)

DELIVER = "ocpdash.notify.tasks.deliver"
# A retry further off than this is left to recovery rather than a countdown message: Redis hands an
# unacknowledged message to another worker after the broker's visibility timeout (900 s).
LONGEST_COUNTDOWN = 600.0
DUE_TOLERANCE = timedelta(seconds=1)  # a countdown message may arrive a little early


def lease_seconds() -> float:
    longest_send = max(
        settings.OCPDASH_NOTIFY_CONNECT_TIMEOUT + settings.OCPDASH_NOTIFY_READ_TIMEOUT,
        settings.EMAIL_TIMEOUT or 0,
    )
    return max(settings.OCPDASH_NOTIFY_LEASE_SECONDS, longest_send + 2.0)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: exponential from OCPDASH_NOTIFY_RETRY_BASE, capped at
    OCPDASH_NOTIFY_RETRY_MAX, with jitter (half to all of it) so many deliveries to one receiver
    that failed together do not come back together; a receiver's Retry-After is a floor."""
    base, cap = settings.OCPDASH_NOTIFY_RETRY_BASE, settings.OCPDASH_NOTIFY_RETRY_MAX
    delay = min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


def enqueue(delivery_id: int, countdown: float | None = None) -> bool:
    return send(DELIVER, delivery_id, countdown=countdown)


def take(delivery_id: int) -> str | None:
    """The lease's token, or None when the delivery is not pending, not due or held by another."""
    token = uuid.uuid4().hex
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=Now())
    taken = (
        Delivery.objects.filter(free, pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(attempts__lt=settings.OCPDASH_NOTIFY_MAX_ATTEMPTS)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=Now() + DUE_TOLERANCE))
        .update(
            lease_owner=token,
            lease_until=Now() + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
            last_attempt_at=Now(),
        )
    )
    return token if taken else None


def attempt(delivery_id: int) -> str:
    """One attempt at sending: ``delivered``, ``retry``, ``failed``, or ``skipped`` (nothing to do)."""
    token = take(delivery_id)
    if token is None:
        return "skipped"
    try:
        delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    except ValueError as exc:  # the channel's URL or secret cannot be decrypted (the key is gone)
        log.error("Notification %s: %s", delivery_id, exc)
        reason = _("the channel's URL or secret cannot be decrypted: enter them again")
        Delivery.objects.filter(pk=delivery_id, lease_owner=token).update(
            status=Delivery.Status.FAILED, lease_owner="", lease_until=None, reason=reason
        )
        return "failed"
    answer = _send(delivery)
    outcome = _record(delivery, token, answer)
    metrics.sent(delivery.channel.kind if delivery.channel else "", outcome)
    log.info(
        "Notification %s (%s to %s), attempt %s: %s%s",
        delivery.pk, delivery.kind, delivery.channel_name, delivery.attempts, outcome,
        f" ({answer.reason})" if answer.reason else "",
    )  # fmt: skip
    return outcome


def _send(delivery: Delivery) -> transport.Answer:
    channel = delivery.channel
    if channel is None or not channel.enabled:
        return transport.Answer(False, reason=_("the channel was deleted or disabled"))
    try:
        with translation.override(channel.language or "en"):  # the channel's language, not the worker's
            message = compose(delivery.kind, delivery.facts)
            if channel.kind == Channel.Kind.EMAIL:
                return transport.send_email(channel.recipient_list, delivery, message)
            return transport.post(formats.build(channel, delivery, message), channel.secret)
    except Exception as exc:  # a bug or bad data: say so in the log, never retry it forever
        log.exception("Notification %s could not be sent", delivery.pk)
        return transport.Answer(False, reason=_("ocpdash error (%(error)s)") % {"error": type(exc).__name__})


def _record(delivery: Delivery, token: str, answer: transport.Answer) -> str:
    held = Delivery.objects.filter(pk=delivery.pk, lease_owner=token)
    release = {
        "lease_owner": "",
        "lease_until": None,
        "response_status": answer.status,
        "reason": answer.reason,
    }
    if answer.delivered:
        outcome, fields = "delivered", {"status": Delivery.Status.DELIVERED, "delivered_at": Now()}
    elif answer.retry and delivery.attempts < settings.OCPDASH_NOTIFY_MAX_ATTEMPTS:
        delay = backoff(delivery.attempts, answer.retry_after)
        outcome, fields = "retry", {"next_attempt_at": Now() + timedelta(seconds=delay)}
    else:
        outcome, fields = "failed", {"status": Delivery.Status.FAILED}
    if not held.update(**release, **fields):
        log.warning("Notification %s: the lease went to another worker; its outcome is theirs", delivery.pk)
        return "lost"
    if outcome == "retry" and delay <= LONGEST_COUNTDOWN:
        enqueue(delivery.pk, countdown=delay)
    return outcome


def recover() -> int:
    """Queue again every pending delivery whose message was lost: due for longer than
    OCPDASH_NOTIFY_OVERDUE_GRACE (a new one, never tried, is due from its creation) and not held,
    or held by a worker that died (lease expired)."""
    overdue = Now() - timedelta(seconds=settings.OCPDASH_NOTIFY_OVERDUE_GRACE)
    due = Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, created_at__lte=overdue)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=Now())
    lost = Delivery.objects.filter(due, free, status=Delivery.Status.PENDING)
    # A worker died holding the last attempt: no attempt is left (take() refuses), so it failed.
    spent = lost.filter(attempts__gte=settings.OCPDASH_NOTIFY_MAX_ATTEMPTS)
    spent.update(status=Delivery.Status.FAILED, reason=_("the worker sending the last attempt stopped"))
    found = list(lost.values_list("pk", flat=True)[:1000])
    for delivery_id in found:
        enqueue(delivery_id)
    if found:
        log.info("Re-queued %s notifications whose message was lost", len(found))
    return len(found)
