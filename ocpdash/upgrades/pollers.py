"""The pollers: ``OCPDASH_POLLERS`` chains of batch polls for the whole installation.

Each poller is a row (``Poller``: a slot number, a token, a due time on the database's clock) and at
most one live Celery message, ``poll_batch(number, token)``, run by any worker on any host:

- **Fenced**: a message runs only while it carries the slot's current token, and running it starts
  by replacing the token (:func:`run`). A duplicate or late delivery, or the message of a chain that
  beat has replaced, finds another token and does nothing: there are never more chains than slots
  (a replaced chain may finish the batch it is in, whose leases still fence every write).
- **Scheduled**: after a batch the chain queues its next message: at once when the batch was full,
  else when the next upgrade is due but not before :func:`gather_seconds` (so batches gather what
  fell due meanwhile), never later than one poll interval. ``due_at`` says when that
  message should run; while a batch runs, it is kept a few seconds ahead.
- **Restarted**: a chain that stopped (its worker killed, its message lost with Redis, held back by a
  worker whose clock is ahead, or the batch raised) leaves ``due_at`` behind. Beat's recovery, a
  worker that starts and the immediate poll task restart every slot overdue by
  ``OCPDASH_POLL_OVERDUE_GRACE`` with a new token (:func:`restart_stopped`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest, Now

from ocpdash.upgrades import batch, enqueue, lease
from ocpdash.upgrades.models import POLLED_STATES, Poller, Upgrade

log = logging.getLogger(__name__)


def running_hold() -> float:
    """How far ahead ``due_at`` is kept while a batch runs (renewed every ``batch.renew_seconds() / 2``)."""
    return 2 * batch.renew_seconds()


def run(number: int, token: str) -> int | None:
    """One turn of a poller: a batch, then the next message. Returns how many upgrades the batch
    claimed, or None when this message was not the slot's (nothing done)."""
    mine = uuid.uuid4().hex
    if not _slot(number, token).update(token=mine, due_at=Now() + timedelta(seconds=running_hold())):
        return None
    if number >= settings.OCPDASH_POLLERS:  # fewer pollers configured now: this one stops
        _slot(number, mine).update(due_at=None)
        return None
    limit = settings.OCPDASH_POLL_BATCH
    outcome = batch.run(limit, keep_alive=lambda: _keep(number, mine))
    wait = 0.0 if outcome.claimed >= limit else max(gather_seconds(), _until_next_due(not outcome.claimed))
    if _slot(number, mine).update(due_at=Now() + timedelta(seconds=wait)):
        enqueue.send_args(enqueue.POLL_BATCH, (number, mine), countdown=wait or None)
    return outcome.claimed


def gather_seconds() -> float:
    """The least a chain waits after a batch that was not full, so the next one gathers what fell due
    meanwhile: the pollers together then run one batch every ``due_slack`` seconds or so, each of what
    became due in that time (batches of one would spend a Celery task, a claim and the loads on each
    poll). Never more than a poll may be late and still keep its fixed rate (an interval less
    :func:`ocpdash.upgrades.lease.min_spacing`), nor less than the claim's slack."""
    base, slack = settings.OCPDASH_POLL_INTERVAL, lease.due_slack()
    return max(slack, min(base - lease.min_spacing(base), settings.OCPDASH_POLLERS * slack))


def restart_stopped() -> int:
    """Start every poller that is not running (never started, or overdue by the grace) with a new
    token; how many were started. Beat's recovery calls it, and so do starting workers."""
    count = settings.OCPDASH_POLLERS
    if Poller.objects.filter(number__lt=count).count() < count:
        Poller.objects.bulk_create([Poller(number=n) for n in range(count)], ignore_conflicts=True)
    late = Now() - timedelta(seconds=settings.OCPDASH_POLL_OVERDUE_GRACE)
    stopped = Poller.objects.filter(number__lt=count).filter(Q(due_at__isnull=True) | Q(due_at__lt=late))
    started = 0
    for number, token in stopped.values_list("number", "token"):
        fresh = uuid.uuid4().hex
        if _slot(number, token).update(token=fresh, due_at=Now()):  # fenced: one restarter wins
            enqueue.send_args(enqueue.POLL_BATCH, (number, fresh))
            started += 1
    if started:
        log.info("Started %d poller(s) that were not running", started)
    return started


def _slot(number: int, token: str) -> QuerySet[Poller]:
    return Poller.objects.filter(number=number, token=token)


def _keep(number: int, token: str) -> None:
    _slot(number, token).update(due_at=Now() + timedelta(seconds=running_hold()))


def _until_next_due(nothing_claimed: bool) -> float:
    """Seconds until the next polled upgrade is due and free (its lease lapsed), less the claim's
    slack, at most one poll interval. After a batch that claimed nothing, never less than the slack
    (a due upgrade locked for a moment must not make the chain spin)."""
    base, slack = settings.OCPDASH_POLL_INTERVAL, lease.due_slack()
    free_at = Greatest(
        Coalesce(F("next_poll_at"), Now()), Coalesce(F("lease_until"), F("next_poll_at"), Now())
    )
    waits = Upgrade.objects.filter(state__in=POLLED_STATES, ocp_task_id__isnull=False).aggregate(
        first=Min(ExpressionWrapper(free_at - Now(), output_field=DurationField()))
    )
    first = waits["first"]
    seconds = base if first is None else first.total_seconds() - slack
    return min(base, max(slack if nothing_claimed else 0.0, seconds))
