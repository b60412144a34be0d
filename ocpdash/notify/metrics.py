"""ocpdash_notifications_total: attempts at sending a notification, by channel kind and outcome.
Counted in each worker through prometheus-client's multi-process mode, like the engine's counters
(ocpdash/ops/metrics.py), so /metrics adds them up. A metric never breaks a delivery."""

from __future__ import annotations

import logging
from functools import cache

log = logging.getLogger(__name__)


@cache
def _counter():
    from prometheus_client import Counter

    return Counter(
        "ocpdash_notifications_total",
        "Attempts at sending a notification, by channel kind and outcome.",
        ["channel_kind", "outcome"],
        registry=None,
    )


def sent(channel_kind: str, outcome: str) -> None:
    try:
        _counter().labels(channel_kind or "none", outcome).inc()
    except (OSError, ValueError) as exc:
        log.warning("Metric not recorded: %s", exc)
