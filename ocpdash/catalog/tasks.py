"""Celery jobs of the catalog: uploading a package to an OCP site, refreshing which site has which
package. Thin callers of ocpdash.catalog.uploading and ocpdash.catalog.presence; ids only."""

from celery import shared_task
from celery.signals import task_postrun
from django.conf import settings

from ocpdash.catalog import presence, uploading

REFRESH_TASK = "ocpdash.catalog.tasks.refresh_presence"
SYNC_TASK = "ocpdash.sites.tasks.sync_all_sites"


@shared_task(
    name=uploading.UPLOAD_TASK,
    ignore_result=True,
    time_limit=settings.OCPDASH_PACKAGE_UPLOAD_TIME_LIMIT + 60,
    soft_time_limit=settings.OCPDASH_PACKAGE_UPLOAD_TIME_LIMIT,
)
def upload_package(upload_id: int) -> None:
    uploading.run_upload(upload_id)


@shared_task(name=REFRESH_TASK, ignore_result=True)
def refresh_presence() -> None:
    """Every site's package list against the catalog; uploads whose message was lost go again."""
    presence.refresh_all_sites()
    uploading.recover()


@task_postrun.connect
def refresh_after_sync(sender=None, **kwargs) -> None:
    """After every cluster sync (beat's, the dashboard's, a worker's start) the package presence is
    read too: the sites' package lists change when someone uploads or deletes in OCP."""
    if getattr(sender, "name", None) == SYNC_TASK:
        uploading.enqueue_by_name(REFRESH_TASK)
