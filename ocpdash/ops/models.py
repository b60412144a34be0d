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

    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=255, unique=True, verbose_name=_("name"))
    host = models.CharField(max_length=255, blank=True, verbose_name=_("host"))
    pid = models.PositiveIntegerField(default=0, verbose_name=_("PID"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    seen_at = models.DateTimeField(verbose_name=_("last seen at"))
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Shut down cleanly at this time."), verbose_name=_("stopped at")
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        indexes = [models.Index(fields=["kind", "seen_at"], name="heartbeat_kind_seen")]

    def __str__(self) -> str:
        return self.name
