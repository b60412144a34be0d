from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Now

from ocpdash.upgrades.models import Upgrade, UpgradeEvent


def record(upgrade_id: int, kind: str, message: str, *, actor=None, subtask_id=None, **data) -> UpgradeEvent:
    """Append an event and mark the upgrade changed, so watching pages pick it up. Its time is the
    database's (as the leases'): workers on hosts whose clocks differ still write one ordered timeline."""
    event = UpgradeEvent.objects.create(
        upgrade_id=upgrade_id,
        kind=kind,
        message=message,
        actor=actor,
        ocp_subtask_id=subtask_id,
        data=data,
        created_at=Now(),
    )
    Upgrade.objects.filter(pk=upgrade_id).update(revision=F("revision") + 1)
    return event
