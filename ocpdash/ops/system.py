"""What the System page shows: each process with its last heartbeat, the queue, poll lag, sites."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now

from ocpdash.ops import broker, heartbeat


def context() -> dict:
    return {
        "processes": processes(),
        "stale_after": heartbeat.stale_after(),
        "queue": queue(),
        "lag": poll_lag(),
        "sites": sites(),
    }


def processes() -> list:
    stale = heartbeat.stale_after()
    rows = list(heartbeat.processes())
    for row in rows:
        row.age = _whole(heartbeat.as_duration(row.age))
        row.live = row.stopped_at is None and row.age is not None and row.age <= stale
    return rows


def queue() -> dict:
    try:
        return {"depth": broker.queue_depth(), "error": ""}
    except (OSError, ValueError, broker.redis.RedisError) as exc:
        return {"depth": None, "error": f"Redis did not answer ({type(exc).__name__})."}


def poll_lag() -> dict:
    """now - ``next_poll_at`` of the upgrades being followed (0 when not due yet): max and p95."""
    from ocpdash.upgrades.models import POLLED_STATES, Upgrade

    lag = ExpressionWrapper(Now() - F("next_poll_at"), output_field=DurationField())
    rows = Upgrade.objects.filter(state__in=POLLED_STATES, next_poll_at__isnull=False).annotate(lag=lag)
    lags = sorted(
        (max(timedelta(0), heartbeat.as_duration(v)), pk) for pk, v in rows.values_list("pk", "lag")
    )
    if not lags:
        return {"followed": 0, "max": None, "p95": None, "worst": None}
    p95 = lags[math.ceil(0.95 * len(lags)) - 1][0]
    return {"followed": len(lags), "max": _whole(lags[-1][0]), "p95": _whole(p95), "worst": lags[-1][1]}


def sites() -> list:
    from ocpdash.sites.models import OcpSite

    since = ExpressionWrapper(Now() - F("last_sync_at"), output_field=DurationField())
    rows = list(OcpSite.objects.annotate(since=since))
    for row in rows:
        row.since = _whole(heartbeat.as_duration(row.since))
    return rows


def _whole(age: timedelta | None) -> timedelta | None:
    """Whole seconds, for display (``0:00:12``)."""
    return timedelta(seconds=round(age.total_seconds())) if age is not None else None
