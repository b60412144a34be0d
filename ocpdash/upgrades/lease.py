"""A lease on an upgrade row: at most one worker submits or polls an upgrade at a time.

Taken with a conditional UPDATE (works the same on SQLite and PostgreSQL), so a duplicate or late
Celery message that finds the lease held simply does nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ocpdash.upgrades.models import Upgrade


def acquire(upgrade_id: int, states, *, due_only: bool = False) -> str | None:
    """Take the lease; returns its token, or None if another worker holds it (or it is not due)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    query = Upgrade.objects.filter(free, pk=upgrade_id, state__in=states)
    if due_only:
        # A poll message that arrives before the upgrade is due is a duplicate chain: drop it.
        slack = timedelta(seconds=min(0.25, settings.OCPDASH_POLL_INTERVAL / 4))
        query = query.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now + slack))
    taken = query.update(
        lease_owner=token, lease_until=now + timedelta(seconds=settings.OCPDASH_LEASE_SECONDS)
    )
    return token if taken else None


def release(upgrade_id: int, token: str, **fields) -> bool:
    """Give the lease back, saving ``fields`` in the same guarded UPDATE."""
    return bool(
        Upgrade.objects.filter(pk=upgrade_id, lease_owner=token).update(
            lease_owner="", lease_until=None, **fields
        )
    )
