"""A lease on an upgrade row: at most one worker submits or polls an upgrade at a time.

Fencing rules (the state machine in ocpdash/upgrades/models.py says who holds a lease when):

- The lease is taken, renewed and given back with conditional UPDATEs whose row count is checked: a
  duplicate or late Celery message that finds the lease held does nothing, and a worker that finds
  it lost commits nothing and stops.
- Lease times are the **database's** clock (``STATEMENT_TIMESTAMP()`` on PostgreSQL, SQLite's
  ``'now'``), never a worker's: workers on several hosts with skewed clocks still exclude each other.
  ``acquire`` hands back the database's time, so the caller schedules from it too.
- A holder renews the lease before any OCP call that may outlast it (:func:`renew`), so the lease is
  never shorter than what the holder is doing.

The statements run on every poll (hundreds a second in a large estate), so they are plain SQL
written once from the model's columns (bench/results.md, figure 4). Values still go through each
field's own conversion.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ocpdash.upgrades.models import Upgrade

TABLE = Upgrade._meta.db_table


@dataclass
class Lease:
    """A held lease: its token, and the database's time when it was taken (``now()`` goes on from
    there on this worker's monotonic clock, so a skewed wall clock never enters a schedule)."""

    upgrade_id: int
    token: str
    taken_at: datetime
    _monotonic: float = field(default_factory=time.monotonic, repr=False)

    def now(self) -> datetime:
        return self.taken_at + timedelta(seconds=time.monotonic() - self._monotonic)

    def seconds_until(self, when: datetime) -> float:
        return max(0.0, (when - self.now()).total_seconds())


class LeaseLost(Exception):
    """The lease went to another worker (or the upgrade left the states it was taken for): whatever
    the holder was about to write must not be committed."""


def _column(name: str) -> str:
    return connection.ops.quote_name(Upgrade._meta.get_field(name).column)


@cache
def _now(vendor: str, offset: bool = False) -> str:
    """The database's current time, plus ``%s`` seconds when ``offset``."""
    if vendor == "postgresql":
        return "(STATEMENT_TIMESTAMP() + make_interval(secs => %s))" if offset else "STATEMENT_TIMESTAMP()"
    if offset:
        return "STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'now', %s)"  # the modifier is '+N seconds'
    return "STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"


def _seconds(seconds: float):
    """A ``%s`` parameter for ``_now(offset=True)``."""
    return seconds if connection.vendor == "postgresql" else f"{seconds:+.3f} seconds"


@cache
def _acquire_sql(vendor: str, states: int, due_only: bool) -> str:
    state_in = ", ".join(["%s"] * states)
    lease_until = _column("lease_until")
    sql = (
        f"UPDATE {TABLE} SET {_column('lease_owner')} = %s, {lease_until} = {_now(vendor, True)} "  # noqa: S608
        f"WHERE {_column('id')} = %s AND {_column('state')} IN ({state_in}) "
        f"AND ({lease_until} IS NULL OR {lease_until} < {_now(vendor)})"
    )
    if due_only:
        next_poll_at = _column("next_poll_at")
        sql += f" AND ({next_poll_at} IS NULL OR {next_poll_at} <= {_now(vendor, True)})"
    return sql + f" RETURNING {_now(vendor)}"


@cache
def _renew_sql(vendor: str, states: int) -> str:
    state_in = ", ".join(["%s"] * states)
    return (
        f"UPDATE {TABLE} SET {_column('lease_until')} = {_now(vendor, True)} "  # noqa: S608
        f"WHERE {_column('id')} = %s AND {_column('lease_owner')} = %s AND {_column('state')} IN ({state_in})"
    )


@cache
def _release_sql(fields: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_column(name)} = %s" for name in ("lease_owner", "lease_until", *fields))
    return f"UPDATE {TABLE} SET {assignments} WHERE {_column('id')} = %s AND {_column('lease_owner')} = %s"  # noqa: S608


def _value(name: str, value):
    return Upgrade._meta.get_field(name).get_db_prep_save(value, connection)


def _db_time(value) -> datetime:
    """The database's ``now`` as an aware datetime (SQLite hands back text in UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def acquire(upgrade_id: int, states, *, due_only: bool = False) -> Lease | None:
    """Take the lease, or None if another worker holds it (or the upgrade is in none of ``states``,
    or, with ``due_only``, not due yet)."""
    token = uuid.uuid4().hex
    params = [token, _seconds(settings.OCPDASH_LEASE_SECONDS), upgrade_id, *map(str, states)]
    if due_only:
        # A poll message that arrives before the upgrade is due is a duplicate chain: drop it.
        params.append(_seconds(min(0.25, settings.OCPDASH_POLL_INTERVAL / 4)))
    with connection.cursor() as cursor:
        cursor.execute(_acquire_sql(connection.vendor, len(states), due_only), params)
        row = cursor.fetchone()
    return Lease(upgrade_id, token, _db_time(row[0])) if row else None


def renew(upgrade_id: int, token: str, seconds: float, states) -> bool:
    """Hold the lease ``seconds`` more from now (database time), while still its owner and the
    upgrade still in ``states``. False means the lease is lost: stop."""
    params = [_seconds(seconds), upgrade_id, token, *map(str, states)]
    with connection.cursor() as cursor:
        cursor.execute(_renew_sql(connection.vendor, len(states)), params)
        return bool(cursor.rowcount)


def release(upgrade_id: int, token: str, **fields) -> bool:
    """Give the lease back, saving ``fields`` (plain values) in the same guarded UPDATE. False when
    the lease was no longer this token's: nothing was written."""
    names = tuple(sorted(fields))
    params = ["", None, *(_value(name, fields[name]) for name in names), upgrade_id, token]
    with connection.cursor() as cursor:
        cursor.execute(_release_sql(names), params)
        return bool(cursor.rowcount)


def release_or_roll_back(upgrade_id: int, token: str, **fields) -> None:
    """:func:`release` inside a transaction: raises :class:`LeaseLost` (rolling the transaction
    back) when the lease is no longer this token's."""
    if not release(upgrade_id, token, **fields):
        raise LeaseLost(f"Upgrade {upgrade_id}: the lease went to another worker; nothing is stored.")


def call_budget(calls: int = 1) -> float:
    """How long ``calls`` OCP requests may take at most (connect and read timeouts), plus slack."""
    return calls * (settings.OCP_CONNECT_TIMEOUT + settings.OCP_READ_TIMEOUT) + 5.0


def db_now() -> datetime:
    """The database's clock, for writes that compare with lease times (close, cancel, recovery)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_now(connection.vendor)}".replace("%%", "%"))
        return _db_time(cursor.fetchone()[0])
