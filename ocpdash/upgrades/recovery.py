"""The beat job that makes lost Celery messages harmless: stopped pollers are started again and
stuck submissions queued again (times are the database's, as the leases')."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from ocpdash.upgrades import pollers
from ocpdash.upgrades.lease import db_now
from ocpdash.upgrades.models import SUBMISSION_STATES, Upgrade


def recover() -> dict[str, int]:
    """Start again every poller whose chain stopped (pollers.py: overdue polls are then claimed by the
    next batch, oldest first) and re-queue every submission that stopped without a message queued.
    A submission waiting for an operator is left alone."""
    from ocpdash.upgrades.submission import enqueue_submit

    restarted = pollers.restart_stopped()
    now = db_now()
    grace = timedelta(seconds=settings.OCPDASH_POLL_OVERDUE_GRACE)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    stuck = Upgrade.objects.filter(free, state__in=SUBMISSION_STATES).filter(
        Q(submit_attempted_at__isnull=True, created_at__lt=now - grace)
        | Q(submit_attempted_at__lt=now - grace)
    )
    submits = list(stuck.values_list("pk", flat=True))
    for upgrade_id in submits:
        enqueue_submit(upgrade_id)
    return {"polls": restarted, "submits": len(submits)}
