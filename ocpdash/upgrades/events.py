from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.db.models.functions import Now

from ocpdash.core.phrases import Phrase
from ocpdash.upgrades.models import Upgrade, UpgradeEvent
from ocpdash.upgrades.signals import changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def record(
    upgrade_id: int,
    kind: str,
    message: str,
    *,
    actor: User | None = None,
    subtask_id: int | None = None,
    **data: Any,
) -> UpgradeEvent:
    """Append an event and mark the upgrade changed, so watching pages pick it up. Its time is the
    database's (as the leases'): workers on hosts whose clocks differ still write one ordered timeline.
    A ``message`` written with ocpdash.core.phrases.phrase keeps its msgid and parameters in
    ``data["phrase"]``, so each reader sees it in their language (UpgradeEvent.text); ``message``
    holds the English text."""
    if isinstance(message, Phrase):
        data["phrase"] = message.spec
    event = UpgradeEvent.objects.create(
        upgrade_id=upgrade_id,
        kind=kind,
        message=str(message),
        actor=actor,
        ocp_subtask_id=subtask_id,
        data=data,
        created_at=Now(),
    )
    Upgrade.objects.filter(pk=upgrade_id).update(revision=F("revision") + 1)
    return event


def trace(trace_id: str | None) -> dict:
    """OCP's trace id of a failed call as event data (nothing when OCP sent none): the evidence pack
    lists them, so OCP's support can find the request on their side."""
    return {"trace_id": str(trace_id)} if trace_id else {}


def announce(kind: str, upgrade_id: int, *, actor: User | None = None, **context: Any) -> None:
    """Tell the subscribed notification channels (ocpdash.notify), inside the caller's transaction
    (an outbox: sent once it commits). Recording a notification never stops the change it reports."""
    from ocpdash.notify import notify

    notify(kind, upgrade_id, actor=actor, **context)
    changed.send(sender=Upgrade, upgrade_id=upgrade_id, kind=kind)
