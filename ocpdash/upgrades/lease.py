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

Polls take their leases in batches (:func:`claim`): one statement picks up to N due upgrades that no
one holds, oldest due first, and takes them under one token. On PostgreSQL the candidates are locked
``FOR UPDATE SKIP LOCKED``, so two pollers claiming at once get disjoint batches without waiting for
each other; on SQLite the statement is one ``UPDATE … WHERE id IN (SELECT … LIMIT n)``, and SQLite's
single writer keeps batches disjoint. The same statement moves each upgrade's ``next_poll_at`` on
(:func:`ocpdash.upgrades.polling.next_due`'s fixed rate, in SQL) and holds the lease for half an
interval, so a poll that reads what is stored needs no other write; a poll still running then has
its lease renewed (:func:`renew_many`).

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

from ocpdash.core.meta import column_of, concrete_field
from ocpdash.upgrades.models import POLLED_STATES, State, Upgrade

TABLE = Upgrade._meta.db_table
# What a claim hands back of each upgrade: what a poll compares and writes from (polling.py).
CLAIM_FIELDS = (
    "id",
    "state",
    "ocp_task_id",
    "next_poll_at",
    "last_due_at",
    "snapshot_digest",
    "ocp_fault",
    "poll_failures",
    "ocp_unreachable_since",
    "parent_retry_key",
    "cluster",
)


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
    return connection.ops.quote_name(column_of(Upgrade, name))


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
def _acquire_sql(vendor: str, states: int) -> str:
    state_in = ", ".join(["%s"] * states)
    lease_until = _column("lease_until")
    return (
        f"UPDATE {TABLE} SET {_column('lease_owner')} = %s, {lease_until} = {_now(vendor, True)} "  # noqa: S608
        f"WHERE {_column('id')} = %s AND {_column('state')} IN ({state_in}) "
        f"AND ({lease_until} IS NULL OR {lease_until} < {_now(vendor)}) RETURNING {_now(vendor)}"
    )


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
    return concrete_field(Upgrade, name).get_db_prep_save(value, connection)


def _db_time(value) -> datetime:
    """The database's ``now`` as an aware datetime (SQLite hands back text in UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def acquire(upgrade_id: int, states) -> Lease | None:
    """Take the lease, or None if another worker holds it (or the upgrade is in none of ``states``).
    Submissions and operations take it so; polls take theirs in batches (:func:`claim`)."""
    token = uuid.uuid4().hex
    params = [token, _seconds(settings.OCPDASH_LEASE_SECONDS), upgrade_id, *map(str, states)]
    with connection.cursor() as cursor:
        cursor.execute(_acquire_sql(connection.vendor, len(states)), params)
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


# --- batches of polls ------------------------------------------------------------------------------


@dataclass
class Claim:
    """Upgrades claimed for a poll under one token: each row as ``{attname: value}`` and its lease."""

    token: str
    taken_at: datetime
    rows: list[dict]
    leases: dict[int, Lease]
    started: float  # this worker's monotonic clock at ``taken_at``


def polled_interval(state: str) -> float:
    """Seconds between polls in ``state``: a failed task waits for an operator, so it is read less often."""
    base = settings.OCPDASH_POLL_INTERVAL
    return base if state == State.RUNNING else max(base, 10.0)


def hold_seconds() -> float:
    """How long a claim holds an upgrade: half the shortest interval, so the lease never outlasts the
    time the upgrade is due again and an operator's "poll now" finds it free within that."""
    return settings.OCPDASH_POLL_INTERVAL / 2


def due_slack() -> float:
    """A claim also takes upgrades due this soon (a batch then serves them with the ones due now)."""
    return min(0.25, settings.OCPDASH_POLL_INTERVAL / 4)


def min_spacing(interval: float) -> float:
    """The soonest an upgrade polled now is due again, however late this poll was: half an interval and
    the claim's slack, so the next claim comes at least half an interval later. A batch reads the most
    overdue first (batch.py), so such an upgrade is read early in both batches and OCP does not see it
    read twice within half an interval; a late upgrade catches up (the spacing is under one interval)."""
    return 0.5 * interval + due_slack()


@cache
def _claim_sql(vendor: str, ids: int) -> str:
    """The claim (see the module docstring). Parameters: :func:`_claim_params`."""
    col = _column
    u = "u." if vendor == "postgresql" else ""  # SQLite's RETURNING names the table's columns bare
    state_in = ", ".join(["%s"] * len(POLLED_STATES))
    only = f" AND {col('id')} IN ({', '.join(['%s'] * ids)})" if ids else ""
    returned = ", ".join(f"{u}{col(name)}" for name in CLAIM_FIELDS)
    interval = f"(CASE WHEN {u}{col('state')} = %s THEN %s ELSE %s END)"
    if vendor == "postgresql":
        now = "STATEMENT_TIMESTAMP()"
        due = (
            f"GREATEST(COALESCE(u.{col('next_poll_at')}, {now}) + make_interval(secs => {interval}), "
            f"{now} + make_interval(secs => {interval} / 2))"
        )
        lock, order = " FOR UPDATE SKIP LOCKED", f"{col('next_poll_at')} ASC NULLS FIRST"
    else:
        now = _now(vendor)
        due = (
            f"MAX(STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', COALESCE({col('next_poll_at')}, 'now'), {interval}), "
            f"STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'now', {interval}))"
        )
        lock, order = "", col("next_poll_at")  # SQLite sorts NULL first
    candidates = (
        f"SELECT {col('id')} FROM {TABLE} WHERE {col('state')} IN ({state_in}) "  # noqa: S608
        f"AND {col('ocp_task_id')} IS NOT NULL "
        f"AND ({col('lease_until')} IS NULL OR {col('lease_until')} < {now}) "
        f"AND ({col('next_poll_at')} IS NULL OR {col('next_poll_at')} <= {_now(vendor, True)}){only} "
        f"ORDER BY {order} LIMIT %s{lock}"
    )
    assignments = (
        f"{col('lease_owner')} = %s, {col('lease_until')} = {_now(vendor, True)}, "
        f"{col('last_due_at')} = {u}{col('next_poll_at')}, {col('next_poll_at')} = {due}, "
        f"{col('last_polled_at')} = {now}"
    )
    if vendor == "postgresql":
        return (
            f"UPDATE {TABLE} AS u SET {assignments} FROM ({candidates}) AS due "  # noqa: S608
            f"WHERE u.{col('id')} = due.{col('id')} RETURNING {now}, {returned}"
        )
    return (
        f"UPDATE {TABLE} SET {assignments} WHERE {col('id')} IN ({candidates}) "  # noqa: S608
        f"RETURNING {now}, {returned}"
    )


def _claim_params(token: str, limit: int, ids) -> list:
    running, failed = polled_interval(State.RUNNING), polled_interval(State.FAILED)
    # The soonest next due time (polling.next_due): no claim takes an upgrade again within half an
    # interval.
    if connection.vendor == "postgresql":  # the SQL halves the second interval
        intervals = [str(State.RUNNING), running, failed, str(State.RUNNING), 2 * min_spacing(running)]
        intervals.append(2 * min_spacing(failed))
    else:  # SQLite's date modifiers: the interval, then the spacing
        intervals = [
            *(str(State.RUNNING), _seconds(running), _seconds(failed)),
            *(str(State.RUNNING), _seconds(min_spacing(running)), _seconds(min_spacing(failed))),
        ]
    return [
        token,
        _seconds(hold_seconds()),
        *intervals,
        *map(str, POLLED_STATES),
        _seconds(due_slack()),
        *ids,
        limit,
    ]


def claim(limit: int, upgrade_ids=()) -> Claim | None:
    """Take the lease of up to ``limit`` due upgrades that are polled and held by no one (only among
    ``upgrade_ids`` when given), oldest due first, moving each one's ``next_poll_at`` on. None when
    none is due. Every claimed upgrade's lease is the claim's token until half an interval from now."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(connection.vendor, len(upgrade_ids)), _claim_params(token, limit, upgrade_ids)
        )
        found = cursor.fetchall()
    if not found:
        return None
    started = time.monotonic()
    taken_at = _db_time(found[0][0])
    rows = [_claimed_row(row[1:]) for row in found]
    leases = {row["id"]: Lease(row["id"], token, taken_at, started) for row in rows}
    return Claim(token, taken_at, rows, leases, started)


@cache
def _claimed_columns() -> tuple[tuple[str, bool], ...]:
    from django.db.models import DateTimeField

    fields = [concrete_field(Upgrade, name) for name in CLAIM_FIELDS]
    return tuple((f.attname, isinstance(f, DateTimeField)) for f in fields)


def _claimed_row(values) -> dict:
    """One RETURNING row as the ORM would load it (SQLite hands datetimes back as text)."""
    return {
        attname: _db_time(value) if is_time and value is not None else value
        for (attname, is_time), value in zip(_claimed_columns(), values, strict=True)
    }


def renew_many(upgrade_ids, token: str, seconds: float) -> set[int]:
    """Hold these claimed upgrades ``seconds`` more (a poll of them still runs); the ids still held."""
    from django.db.models.functions import Now

    held = Upgrade.objects.filter(pk__in=list(upgrade_ids), lease_owner=token, state__in=POLLED_STATES)
    held.update(lease_until=Now() + timedelta(seconds=seconds))
    return set(held.values_list("pk", flat=True))


def release_many(upgrade_ids, token: str) -> int:
    """Give back the leases of these claimed upgrades (nothing else changes); how many were held."""
    if not upgrade_ids:
        return 0
    return Upgrade.objects.filter(pk__in=list(upgrade_ids), lease_owner=token).update(
        lease_owner="", lease_until=None
    )
