"""A member upgrade's change (ocpdash.upgrades.events.changed) wakes its rollout's reconciler, so a
wave moves on when its last upgrade ends, not at beat's next pass."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from ocpdash.upgrades.signals import changed


@receiver(changed, dispatch_uid="rollouts-follow-upgrades")
def upgrade_changed(sender, upgrade_id: int, **kwargs) -> None:
    from ocpdash.rollouts.flow import enqueue_reconcile
    from ocpdash.rollouts.models import RolloutUnit

    rollout_id = (
        RolloutUnit.objects.filter(upgrade_id=upgrade_id).values_list("rollout_id", flat=True).first()
    )
    if rollout_id is not None:
        transaction.on_commit(lambda: enqueue_reconcile(rollout_id), robust=True)
