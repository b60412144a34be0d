"""Heartbeats: each Celery worker and beat writes its own row, and the web side reads them.

How they are written (see README "Heartbeats and readiness"):

- **Workers**: Celery's own worker heartbeat (``heartbeat_sent``, every 2 s by default) runs in the
  consumer's event loop of the worker's main process; it stops when that loop stops or loses the
  broker. Each worker writes its row (keyed by its node name, ``worker@host``) at most once every
  ``OCPDASH_HEARTBEAT_INTERVAL`` seconds. No message goes through the queue, so any number of
  workers on any number of hosts each report themselves, and a full queue cannot hide a live worker.
- **Beat**: its scheduler (:class:`ocpdash.ops.beat.HeartbeatScheduler`) writes ``beat@host`` from
  its own loop; a task sent by beat would only prove that some worker runs.
- Times are the database's (``Now()``), compared with the database's: hosts' clocks do not matter.

A failed write is logged and skipped: a heartbeat never stops the process that sends it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now

log = logging.getLogger(__name__)

WORKER, BEAT = "worker", "beat"
FORGET_AFTER = timedelta(days=7)  # rows of processes gone this long are deleted (by beat)


def record(kind: str, name: str, *, starting: bool = False) -> bool:
    """Write one heartbeat; True when it was stored."""
    from ocpdash.ops.models import Heartbeat

    _drop_dead_connection()
    fields = {"kind": kind, "seen_at": Now(), "stopped_at": None, "pid": os.getpid(), "host": _host()}
    if starting:
        fields["started_at"] = Now()
    try:
        if not Heartbeat.objects.filter(name=name).update(**fields):
            try:
                Heartbeat.objects.create(name=name, **{"started_at": Now(), **fields})
            except IntegrityError:  # created meanwhile (a restart racing its predecessor's last beat)
                Heartbeat.objects.filter(name=name).update(**fields)
    except DatabaseError as exc:
        log.warning("Heartbeat of %s not recorded: %s", name, exc)
        _drop_dead_connection()
        return False
    return True


def _drop_dead_connection() -> None:
    """A long-lived process (a worker's main loop, beat) drops a connection the database closed or
    that outlived CONN_MAX_AGE, as Django does around each request; never inside a transaction."""
    if not connection.in_atomic_block:
        close_old_connections()


def stopped(name: str) -> None:
    """A clean shutdown: the row says so (it is still not a live process)."""
    from ocpdash.ops.models import Heartbeat

    try:
        Heartbeat.objects.filter(name=name).update(stopped_at=Now())
    except DatabaseError as exc:
        log.warning("Shutdown of %s not recorded: %s", name, exc)


def forget_old() -> int:
    """Delete the rows of processes gone for ``FORGET_AFTER`` (beat does, hourly)."""
    from ocpdash.ops.models import Heartbeat

    try:
        deleted, _ = Heartbeat.objects.filter(seen_at__lt=Now() - FORGET_AFTER).delete()
    except DatabaseError as exc:
        log.warning("Old heartbeats not deleted: %s", exc)
        return 0
    return deleted


def _host() -> str:
    return socket.gethostname()[:255]


class Beater:
    """One process's heartbeat, written at most once per ``OCPDASH_HEARTBEAT_INTERVAL``."""

    def __init__(self, kind: str, name: str, clock=time.monotonic) -> None:
        self.kind, self.name, self._clock = kind, name, clock
        self._last: float | None = None

    def beat(self, *, starting: bool = False) -> None:
        now = self._clock()
        if not starting and self._last is not None and now - self._last < settings.OCPDASH_HEARTBEAT_INTERVAL:
            return
        self._last = now
        record(self.kind, self.name, starting=starting)

    def stop(self) -> None:
        stopped(self.name)


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindStatus:
    """What is known about one kind of process: how many are live, and since when none was seen."""

    kind: str
    live: int
    age: timedelta | None  # since the freshest heartbeat of this kind; None: never seen

    @property
    def stale(self) -> bool:
        return self.live == 0


def stale_after() -> timedelta:
    return timedelta(seconds=settings.OCPDASH_HEARTBEAT_STALE_SECONDS)


def status() -> dict[str, KindStatus]:
    """Workers and beat, from one read of their rows (a few, one per process): live = seen within
    ``OCPDASH_HEARTBEAT_STALE_SECONDS`` and not shut down; age = since the freshest heartbeat.
    Ages are the database's clock's."""
    stale = stale_after()
    found: dict[str, KindStatus] = {kind: KindStatus(kind, 0, None) for kind in (WORKER, BEAT)}
    for kind, stopped_at, age in processes().values_list("kind", "stopped_at", "age"):
        age = as_duration(age)
        known = found.get(kind, KindStatus(kind, 0, None))
        live = known.live + (stopped_at is None and age <= stale)
        youngest = age if known.age is None else min(known.age, age)
        found[kind] = KindStatus(kind, live, youngest)
    return found


def processes():
    """Every known process, freshest first, with its age (the System page)."""
    from ocpdash.ops.models import Heartbeat

    age = ExpressionWrapper(Now() - F("seen_at"), output_field=DurationField())
    return Heartbeat.objects.annotate(age=age).order_by("kind", "-seen_at")


def as_duration(value) -> timedelta | None:
    """A duration as the database hands it over: a timedelta, or (SQLite, aggregated) microseconds."""
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=int(value))
