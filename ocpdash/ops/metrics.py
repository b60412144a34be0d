"""Prometheus metrics (README "Metrics" lists them with example alerts).

Two kinds:

- **Counted by the processes** (web, workers, beat) through small hooks: OCP requests and their
  latency (the OCP client's observer, :func:`ocp_call`), polls and their outcome and lag,
  submissions, recovery re-queues (ocpdash/upgrades/tasks.py). prometheus-client's multi-process
  mode keeps each process's values in files under ``PROMETHEUS_MULTIPROC_DIR`` (``var/prometheus``
  by default, set by the settings before the library is imported; emptied by ``make run`` at
  start), and /metrics adds them up, so gunicorn's and Celery's forked processes all count.
- **Read at scrape time** from the database and Redis (:class:`StateCollector`): upgrades by state,
  the most overdue poll, live workers and beat, the queue's length, each site's state.

The hooks run on every poll and OCP call: a dict lookup and an mmap write each, and they never raise.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace

from django.conf import settings

log = logging.getLogger(__name__)

LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900)
OCP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20)
_ID = re.compile(r"/\d+(?=/|$)")
# The OCP calls made by the poll running in this task (None outside a poll): their statuses.
_calls: ContextVar[list | None] = ContextVar("ocpdash_ocp_calls", default=None)


@cache
def _metrics() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        polls=Counter("ocpdash_polls_total", "Polls of upgrades, by outcome.", ["outcome"], registry=None),
        poll_lag=Histogram(
            "ocpdash_poll_lag_seconds",
            "From the time a poll was due (its countdown) to the time it started.",
            buckets=LAG_BUCKETS,
            registry=None,
        ),
        ocp_requests=Counter(
            "ocpdash_ocp_requests_total",
            "HTTP requests to OCP, by site, endpoint and status ('none': no HTTP answer).",
            ["site_id", "method", "endpoint", "status"],
            registry=None,
        ),
        ocp_seconds=Histogram(
            "ocpdash_ocp_request_duration_seconds",
            "Time OCP took to answer, by site and endpoint.",
            ["site_id", "method", "endpoint"],
            buckets=OCP_BUCKETS,
            registry=None,
        ),
        submissions=Counter(
            "ocpdash_submissions_total", "Submission jobs, by outcome.", ["outcome"], registry=None
        ),
        requeues=Counter(
            "ocpdash_recovery_requeues_total",
            "Jobs re-queued by recovery (lost or overdue), by kind.",
            ["kind"],
            registry=None,
        ),
    )


def _safely(record) -> None:
    """A metric never breaks the work it measures (a full disk, a removed directory)."""
    try:
        record(_metrics())
    except (OSError, ValueError) as exc:
        log.warning("Metric not recorded: %s", exc)


def endpoint_of(path: str) -> str:
    """OCP's path with its ids as ``{id}``: a bounded label (``/ob/clusters/{id}/upgrade``)."""
    return _ID.sub("/{id}", path.split("?", 1)[0])


# --- hooks -----------------------------------------------------------------------------------------


def ocp_call(site_id: int, method: str, path: str, status: int | None, elapsed: float) -> None:
    """Every OCP request (called by the site's credential guard, ``CredentialGuard.after``)."""
    endpoint, code = endpoint_of(path), str(status) if status is not None else "none"

    def record(m):
        m.ocp_requests.labels(str(site_id), method, endpoint, code).inc()
        m.ocp_seconds.labels(str(site_id), method, endpoint).observe(elapsed)

    _safely(record)
    calls = _calls.get()
    if calls is not None:
        calls.append(status)


@contextmanager
def polling(eta: str | datetime | None) -> Iterator[list]:
    """Around one poll: observes its lag (due time = the countdown's ETA) and collects the statuses
    of the OCP calls it makes (for :func:`poll_outcome`)."""
    due = _parse_eta(eta)
    if due is not None:
        lag = max(0.0, time.time() - due.timestamp())
        _safely(lambda m: m.poll_lag.observe(lag))
    calls: list = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def poll_outcome(next_in: float | None, calls: list) -> str:
    """``ok``: OCP answered, next poll scheduled; ``fault``: OCP did not answer well (or was not
    asked: credentials refused), polling backs off; ``stopped``: finished, or the lease went to
    another worker; ``skipped``: not due yet or held by another worker (nothing asked)."""
    if next_in is None:
        return "stopped" if calls else "skipped"
    if not calls or any(status is None or status >= 400 for status in calls):
        return "fault"
    return "ok"


def poll_done(outcome: str) -> None:
    _safely(lambda m: m.polls.labels(outcome).inc())


def submission_done(outcome: str) -> None:
    _safely(lambda m: m.submissions.labels(outcome).inc())


def requeued(polls: int, submits: int) -> None:
    def record(m):
        m.requeues.labels("poll").inc(polls)
        m.requeues.labels("submit").inc(submits)

    _safely(record)


def _parse_eta(eta: str | datetime | None) -> datetime | None:
    if isinstance(eta, str):
        try:
            eta = datetime.fromisoformat(eta)
        except ValueError:
            return None
    if isinstance(eta, datetime) and eta.tzinfo is None:
        eta = eta.replace(tzinfo=UTC)
    return eta


# --- /metrics --------------------------------------------------------------------------------------


def render() -> tuple[bytes, str]:
    """The exposition: every process's counters and histograms, then the state read now."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    from ocpdash.ops.collector import StateCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
