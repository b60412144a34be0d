from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from ocpdash.sites import sync


@shared_task(name="ocpdash.sites.tasks.sync_all_sites", ignore_result=True)
def sync_all_sites() -> None:
    sync.sync_all_sites()


@worker_ready.connect
def sync_when_a_worker_starts(sender: Any, **kwargs: Any) -> None:
    """So a fresh `make run` shows the clusters as soon as the simulator answers."""
    if settings.OCPDASH_SYNC_ON_WORKER_START:
        sync_all_sites.apply_async(countdown=2)
