"""Celery application. Tasks get ids only; the database holds all state."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocpdash.settings")

app = Celery("ocpdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
