"""The beat job that makes lost Celery messages harmless: anything overdue is queued again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from ocpdash.upgrades.lease import db_now
from ocpdash.upgrades.models import POLLED_STATES, SUBMISSION_STATES, Upgrade


def recover() -> dict[str, int]:
    """Re-queue every overdue poll and every submission that stopped without a message queued
    (times are the database's, as the leases'). A submission waiting for an operator is left alone."""
    from ocpdash.upgrades.polling import enqueue_poll
    from ocpdash.upgrades.submission import enqueue_submit

    now = db_now()
    grace = timedelta(seconds=settings.OCPDASH_POLL_OVERDUE_GRACE)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    overdue = Upgrade.objects.filter(free, state__in=POLLED_STATES, ocp_task_id__isnull=False).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lt=now - grace)
    )
    polls = list(overdue.values_list("pk", flat=True))
    for upgrade_id in polls:
        enqueue_poll(upgrade_id)
    stuck = Upgrade.objects.filter(free, state__in=SUBMISSION_STATES).filter(
        Q(submit_attempted_at__isnull=True, created_at__lt=now - grace)
        | Q(submit_attempted_at__lt=now - grace)
    )
    submits = list(stuck.values_list("pk", flat=True))
    for upgrade_id in submits:
        enqueue_submit(upgrade_id)
    return {"polls": len(polls), "submits": len(submits)}
