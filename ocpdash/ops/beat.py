"""Celery beat's scheduler, writing beat's heartbeat from its own loop (settings.CELERY_BEAT_SCHEDULER)."""

from __future__ import annotations

import socket

from celery.beat import PersistentScheduler
from django.conf import settings

from ocpdash.ops.heartbeat import BEAT, Beater, forget_old


class HeartbeatScheduler(PersistentScheduler):
    """The default file-backed scheduler, plus ``beat@host``'s heartbeat every
    ``OCPDASH_HEARTBEAT_INTERVAL`` seconds: beat's loop never sleeps longer than that."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self.heartbeat = Beater(BEAT, f"beat@{socket.gethostname()}"[:255])
        self.heartbeat.beat(starting=True)
        forget_old()

    def tick(self, *args, **kwargs) -> float:
        self.heartbeat.beat()
        return min(super().tick(*args, **kwargs), settings.OCPDASH_HEARTBEAT_INTERVAL)

    def close(self) -> None:
        super().close()
        self.heartbeat.stop()
