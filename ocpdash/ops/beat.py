"""Celery beat's scheduler, writing beat's heartbeat from its own loop (settings.CELERY_BEAT_SCHEDULER)."""

from __future__ import annotations

import socket
import time

from celery.beat import PersistentScheduler
from django.conf import settings

from ocpdash.ops.heartbeat import BEAT, Beater, forget_old

FORGET_EVERY = 3600.0  # seconds between deletions of the rows of processes gone for a week


class HeartbeatScheduler(PersistentScheduler):
    """The default file-backed scheduler, plus ``beat@host``'s heartbeat every
    ``OCPDASH_HEARTBEAT_INTERVAL`` seconds: beat's loop never sleeps longer than that."""

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self.heartbeat = Beater(BEAT, f"beat@{socket.gethostname()}"[:255])
        self.heartbeat.beat(starting=True)
        self._forgot_at = None

    def tick(self, *args, **kwargs) -> float:
        self.heartbeat.beat()
        if self._forgot_at is None or time.monotonic() - self._forgot_at > FORGET_EVERY:
            self._forgot_at = time.monotonic()
            forget_old()
        return min(super().tick(*args, **kwargs), settings.OCPDASH_HEARTBEAT_INTERVAL)

    def close(self) -> None:
        super().close()
        self.heartbeat.stop()
