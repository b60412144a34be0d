"""The ``ocp_unreachable`` notification, from a periodic check (beat): an active upgrade whose OCP
has not answered for more than OCPDASH_NOTIFY_UNREACHABLE_MINUTES is notified once per outage. An
outage is known by the upgrade's ``ocp_unreachable_since``; the mark that it was notified is an
:class:`OutageNotice` row, written in the same transaction as the deliveries."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Now
from django.utils import timezone

from ocpdash.core.phrases import kept
from ocpdash.notify.models import EventKind, OutageNotice
from ocpdash.notify.outbox import notify

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=30)  # notices of outages this old are deleted


def check() -> int:
    """Notify every outage that just passed the limit (whoever listens); returns how many outages
    were newly noticed."""
    from ocpdash.upgrades.models import ACTIVE_STATES, Upgrade

    minutes = settings.OCPDASH_NOTIFY_UNREACHABLE_MINUTES
    noticed = OutageNotice.objects.filter(upgrade=OuterRef("pk"), since=OuterRef("ocp_unreachable_since"))
    cutoff = Now() - timedelta(minutes=minutes)
    outages = (
        Upgrade.objects.filter(state__in=ACTIVE_STATES, ocp_unreachable_since__lt=cutoff)
        .exclude(Exists(noticed))
        .values_list("pk", "ocp_unreachable_since", "ocp_fault", "ocp_fault_spec")
    )
    notified = sum(
        _notify_once(upgrade_id, since, kept(fault, spec), minutes)
        for upgrade_id, since, fault, spec in outages
    )
    OutageNotice.objects.filter(created_at__lt=Now() - FORGET_AFTER).delete()
    return notified


def _notify_once(upgrade_id: int, since, fault: str, limit: float) -> bool:
    minutes = max(limit, (timezone.now() - since).total_seconds() // 60)  # beat may have been away
    try:
        with transaction.atomic():
            OutageNotice.objects.create(upgrade_id=upgrade_id, since=since)
            notify(EventKind.OCP_UNREACHABLE, upgrade_id, since=since, minutes=f"{minutes:g}", reason=fault)
    except IntegrityError:  # noticed meanwhile (a second beat)
        return False
    return True
