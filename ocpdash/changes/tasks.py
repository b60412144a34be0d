"""Celery tasks of change management: beat's look for due scheduled upgrades, and one start look."""

from celery import shared_task

from ocpdash.changes import flow
from ocpdash.core.logs import bind_upgrade


@shared_task(name="ocpdash.changes.tasks.start_due", ignore_result=True)
def start_due() -> int:
    return len(flow.start_due())


@shared_task(name="ocpdash.changes.tasks.start_upgrade", ignore_result=True)
def start_upgrade(upgrade_id: int) -> str:
    with bind_upgrade(upgrade_id):
        return flow.try_start(upgrade_id)
