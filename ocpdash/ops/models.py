"""Heartbeats of the Celery workers and of beat, so the web side can tell whether anything is
following the running upgrades (the banner, /readyz, the System page, /metrics)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """One row per process, keyed by its name: a worker's Celery node name (``worker@host``), or
    ``beat@host``. Times are the database's clock, so hosts with skewed clocks compare fairly."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        BEAT = "beat", "Beat"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=255, unique=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Shut down cleanly at this time.")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        indexes = [models.Index(fields=["kind", "seen_at"], name="heartbeat_kind_seen")]

    def __str__(self) -> str:
        return self.name
