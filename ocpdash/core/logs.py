"""Logs: plain text by default; ``OCPDASH_LOG_FORMAT=json`` gives one JSON object per line, in the
web (gunicorn and Django), the workers and beat alike.

A JSON line carries, where known, what it is about: ``upgrade_id``, ``site`` and ``cluster`` (bound
by the Celery tasks and by the upgrade pages and API, :func:`bind_upgrade`) and OCP's ``trace_id``
(from an OCP error in the record's exception or its causes, or ``extra={"trace_id": ...}``), so a
line can be matched with OCP's own logs.

This module is imported by the settings: nothing here imports a model before it is called.
"""

from __future__ import annotations

import logging
import logging.config
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from pythonjsonlogger.json import JsonFormatter

_context: ContextVar[dict | None] = ContextVar("ocpdash_log_context", default=None)

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "process")
JSON_RENAMES = {"levelname": "level", "name": "logger"}


def json_logging() -> bool:
    return os.environ.get("OCPDASH_LOG_FORMAT", "").strip().lower() == "json"


def logging_config(level: str, *, json: bool) -> dict:
    """settings.LOGGING (and gunicorn's ``logconfig_dict``, see ocpdash/ops/gunicorn_conf.py)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json" if json else "plain"}
    if json:
        handler["filters"] = ["context"]
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "ocpdash.core.logs.ContextFilter"}},
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {"()": "ocpdash.core.logs.json_formatter"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # Celery logs every task it receives and finishes at INFO: two lines a second for each
            # running upgrade's polls. Failures are still logged (ERROR); upgrades keep their own events.
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
        },
    }
    if json:  # gunicorn's own lines (start-up, worker exits, the access log) as JSON too
        for name in ("gunicorn.error", "gunicorn.access"):
            config["loggers"][name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    return config


def configure_json_early() -> None:
    """JSON from a process's first line: the ``celery`` command warns (``SecurityWarning`` …) and
    logs before Django configures logging; Python would print those as plain text."""
    logging.config.dictConfig(logging_config(os.environ.get("OCPDASH_LOG_LEVEL", "INFO"), json=True))
    logging.captureWarnings(True)


def json_formatter() -> JsonFormatter:
    return JsonFormatter(list(JSON_FIELDS), rename_fields=JSON_RENAMES, timestamp=True)


# --- context ---------------------------------------------------------------------------------------


@contextmanager
def bound(**fields) -> Iterator[None]:
    """Add ``fields`` to every record logged inside the block (this thread or task only)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def bind_upgrade(upgrade_id: int):
    """The upgrade (and in JSON mode its site and cluster names) on every record inside the block."""
    fields: dict = {"upgrade_id": upgrade_id}
    if json_logging():
        names = upgrade_names(upgrade_id)
        if names is not None:
            fields["site"], fields["cluster"] = names
    return bound(**fields)


@lru_cache(maxsize=4096)
def upgrade_names(upgrade_id: int) -> tuple[str, str] | None:
    """(site, cluster) of an upgrade: read once per process (an upgrade never changes cluster)."""
    from django.db import DatabaseError

    from ocpdash.upgrades.models import Upgrade

    try:
        found = Upgrade.objects.filter(pk=upgrade_id).values_list("cluster__site__name", "cluster__name")
        return found.first()
    except DatabaseError:
        return None


class ContextFilter(logging.Filter):
    """Copies the bound fields and OCP's trace id onto each record (JSON mode's console handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if not getattr(record, "trace_id", None) and record.exc_info:
            trace_id = trace_id_of(record.exc_info[1])
            if trace_id:
                record.trace_id = trace_id
        return True


def trace_id_of(exc: BaseException | None) -> str | None:
    """OCP's traceId from an OCP error, or from the OCP error that caused this one."""
    for _ in range(5):
        if exc is None:
            return None
        trace_id = getattr(exc, "trace_id", None)
        if trace_id:
            return str(trace_id)
        exc = exc.__cause__ or exc.__context__
    return None
