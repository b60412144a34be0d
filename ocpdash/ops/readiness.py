"""Readiness: the checks /readyz reports, and which of them make ocpdash not ready.

Not ready (503) when any *required* check fails:

- ``database``: ``SELECT 1`` fails;
- ``broker``: Redis does not answer a PING within 0.5 s;
- ``workers``: no worker heartbeat within ``OCPDASH_HEARTBEAT_STALE_SECONDS`` (nobody follows the
  running upgrades);
- ``beat``: no beat heartbeat within the same (lost polls are not recovered, clusters not synced).

Only reported (never 503): each enabled OCP site (``site:NAME``): last successful contact, whether
its last sync failed, OCP's version, and whether OCP refuses ocpdash's credentials. One site's
trouble stops that site's upgrades, not ocpdash; it is shown on the dashboard and alerted on
through /metrics. More than one live beat is reported too (duplicate schedules).

Cheap enough for every few seconds: three small indexed queries and one PING, no OCP call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now

from ocpdash.ops import broker, heartbeat


@dataclass
class Check:
    name: str
    ok: bool
    required: bool
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "required": self.required, **self.details}


@dataclass
class Report:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks if check.required)

    def as_dict(self) -> dict:
        return {"ready": self.ready, "checks": {check.name: check.as_dict() for check in self.checks}}


def report() -> Report:
    db = database()
    checks = [db, broker_check()]
    if db.ok:
        checks += processes() + sites()
    else:
        checks += [Check(kind + "s" if kind == "worker" else kind, False, True, {"error": "no database"})
                   for kind in (heartbeat.WORKER, heartbeat.BEAT)]  # fmt: skip
    return Report(checks)


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, True, {"error": type(exc).__name__})
    return Check("database", True, True, {"vendor": connection.vendor})


def broker_check() -> Check:
    try:
        took = broker.ping()
    except (OSError, ValueError, broker.redis.RedisError) as exc:
        return Check("broker", False, True, {"error": type(exc).__name__})
    return Check("broker", True, True, {"ping_ms": round(took * 1000, 1)})


def processes() -> list[Check]:
    found = heartbeat.status()
    stale = settings.OCPDASH_HEARTBEAT_STALE_SECONDS
    checks = []
    for kind, name in ((heartbeat.WORKER, "workers"), (heartbeat.BEAT, "beat")):
        status = found[kind]
        details = {
            "live": status.live,
            "last_seen_seconds_ago": _seconds(status.age),
            "stale_after_seconds": stale,
        }
        if kind == heartbeat.BEAT and status.live > 1:
            details["warning"] = f"{status.live} beats are running: exactly one may run."
        checks.append(Check(name, not status.stale, True, details))
    return checks


def sites() -> list[Check]:
    from ocpdash.sites.models import OcpSite

    since = ExpressionWrapper(Now() - F("last_sync_at"), output_field=DurationField())
    stale = timedelta(seconds=3 * settings.OCPDASH_CLUSTER_SYNC_INTERVAL)
    rows = (
        OcpSite.objects.filter(enabled=True)
        .annotate(since=since)
        .values("name", "last_sync_at", "last_sync_error", "ocp_version", "auth_refused_since", "since")
    )
    checks = []
    for row in rows:
        since = heartbeat.as_duration(row["since"])
        refused = row["auth_refused_since"]
        details = {
            "last_contact_at": _iso(row["last_sync_at"]),
            "last_contact_seconds_ago": _seconds(since),
            "sync_error": bool(row["last_sync_error"]),
            "ocp_version": row["ocp_version"],
            "credentials": "refused" if refused else "ok",
            "credentials_refused_since": _iso(refused),
        }
        ok = not refused and not row["last_sync_error"] and since is not None and since <= stale
        checks.append(Check(f"site:{row['name']}", ok, False, details))
    return checks


def _seconds(age: timedelta | None) -> float | None:
    return round(age.total_seconds(), 1) if age is not None else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
