"""Celery application. Tasks get ids only; the database holds all state."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocpdash.settings")

app = Celery("ocpdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes every database connection after every task unless DB reuse is on;
# polls are short and many, so a new connection each (a TCP handshake and login on PostgreSQL) costs
# more than the poll. Reuse is on, and connections are kept or dropped the way Django does it
# around a request: by CONN_MAX_AGE, health checks and errors.
app.conf["CELERY_DB_REUSE_MAX"] = 1_000_000


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()
