"""A lease on an upgrade row: at most one worker submits or polls an upgrade at a time.

Taken with a conditional UPDATE (works the same on SQLite and PostgreSQL), so a duplicate or late
Celery message that finds the lease held simply does nothing.

Both statements run on every poll (hundreds a second in a large estate), so they are plain SQL
written once from the model's columns: building them through the ORM cost more CPU than the rest
of an unchanged poll's database work. Values still go through each field's own conversion.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ocpdash.upgrades.models import Upgrade

TABLE = Upgrade._meta.db_table


def _column(name: str) -> str:
    return connection.ops.quote_name(Upgrade._meta.get_field(name).column)


@cache
def _acquire_sql(states: int, due_only: bool) -> str:
    state_in = ", ".join(["%s"] * states)
    lease_until = _column("lease_until")
    sql = (
        f"UPDATE {TABLE} SET {_column('lease_owner')} = %s, {lease_until} = %s "  # noqa: S608
        f"WHERE {_column('id')} = %s AND {_column('state')} IN ({state_in}) "
        f"AND ({lease_until} IS NULL OR {lease_until} < %s)"
    )
    if due_only:
        next_poll_at = _column("next_poll_at")
        sql += f" AND ({next_poll_at} IS NULL OR {next_poll_at} <= %s)"
    return sql


@cache
def _release_sql(fields: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_column(name)} = %s" for name in ("lease_owner", "lease_until", *fields))
    return f"UPDATE {TABLE} SET {assignments} WHERE {_column('id')} = %s AND {_column('lease_owner')} = %s"  # noqa: S608


def _value(name: str, value):
    return Upgrade._meta.get_field(name).get_db_prep_save(value, connection)


def _update(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def acquire(upgrade_id: int, states, *, due_only: bool = False) -> str | None:
    """Take the lease; returns its token, or None if another worker holds it (or it is not due)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    until = now + timedelta(seconds=settings.OCPDASH_LEASE_SECONDS)
    params = [token, _value("lease_until", until), upgrade_id, *map(str, states), _value("lease_until", now)]
    if due_only:
        # A poll message that arrives before the upgrade is due is a duplicate chain: drop it.
        slack = timedelta(seconds=min(0.25, settings.OCPDASH_POLL_INTERVAL / 4))
        params.append(_value("next_poll_at", now + slack))
    return token if _update(_acquire_sql(len(states), due_only), params) else None


def release(upgrade_id: int, token: str, **fields) -> bool:
    """Give the lease back, saving ``fields`` (plain values) in the same guarded UPDATE."""
    names = tuple(sorted(fields))
    params = ["", None, *(_value(name, fields[name]) for name in names), upgrade_id, token]
    return bool(_update(_release_sql(names), params))
