"""Celery application. Tasks get ids only; the database holds all state."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocpdash.settings")

app = Celery("ocpdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Workers' heartbeats, and JSON logs left to settings.LOGGING (beat's heartbeat is its scheduler's).
from ocpdash.ops import celery_signals  # noqa: E402, F401


# With CELERY_DB_REUSE_MAX set (settings), connections are kept or dropped the way Django does it
# around a request: by CONN_MAX_AGE, health checks and errors.
@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()
