"""Reading many upgrades' tasks at once, politely: a few threads per OCP site, a cap on requests per
second per site.

- **Concurrency**: each worker process keeps one small thread pool per OCP site
  (``OCPDASH_POLL_SITE_CONCURRENCY`` threads). Each thread keeps its own client of the site
  (``OcpSite.shared_client``, one kept-alive HTTP connection), so a batch reuses connections instead
  of opening one per poll, and one site never has more requests in flight from one batch than that.
  The threads only talk HTTP; the database stays with the batch's own thread.
- **Rate cap**: ``OCPDASH_OCP_RATE_LIMIT`` requests a second to one site for all pollers together
  (0, the default: none; OCP's own 429s are honoured whatever it is, see polling.py).
  At most ``OCPDASH_POLLERS`` batches run at once in the whole installation, one per worker process
  (pollers.py), so each process paces its requests to one site at that cap divided by the number
  of pollers. An operator's action, a submission and cluster sync are not counted.

A pool idle for a minute is shut down (its threads and connections go with it). A forked process
(Celery's prefork pool) starts with none.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connections

IDLE_POOL_SECONDS = 60.0


class Pacer:
    """At most ``rate`` calls a second on average (0: no cap), in bursts of up to a second's worth: a
    token bucket. A batch under the cap never waits; above it, each caller waits for its turn outside
    the lock (the bucket may go into debt, which later callers wait out)."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate if burst is None else burst)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate) - 1.0
            self._stamp = now
            delay = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if delay:
            time.sleep(delay)


class _SitePool:
    def __init__(self, site_id: int, threads: int, rate: float) -> None:
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"ocp-site-{site_id}")
        self.pacer = Pacer(rate)
        self.used = time.monotonic()


_pools: dict[int, _SitePool] = {}
_pools_lock = threading.Lock()
_pid = os.getpid()


def per_process_rate() -> float:
    """This process's share of the per-site cap (see the module docstring)."""
    cap = settings.OCPDASH_OCP_RATE_LIMIT
    return cap / settings.OCPDASH_POLLERS if cap > 0 else 0.0


def _pool(site_id: int) -> _SitePool:
    global _pid
    threads, rate = settings.OCPDASH_POLL_SITE_CONCURRENCY, per_process_rate()
    with _pools_lock:
        if os.getpid() != _pid:  # forked: the parent's threads do not exist here
            _pools.clear()
            _pid = os.getpid()
        now = time.monotonic()
        for other_id, other in list(_pools.items()):
            if other_id != site_id and now - other.used > IDLE_POOL_SECONDS:
                other.executor.shutdown(wait=False)
                del _pools[other_id]
        pool = _pools.get(site_id)
        if pool is None or pool.threads != threads or pool.pacer.rate != rate:
            if pool is not None:
                pool.executor.shutdown(wait=False)
            pool = _pools[site_id] = _SitePool(site_id, threads, rate)
        pool.used = now
        return pool


def pacer(site_id: int) -> Pacer:
    """The pace of requests to this site in this process (each of a batch's requests waits for it)."""
    return _pool(site_id).pacer


def submit(site_id: int, fn: Callable[[], object]) -> Future:
    """Run ``fn`` on one of this site's threads. Should it touch the database after all (the
    credential guard counting a 401 does), its connection is closed when it returns."""
    return _pool(site_id).executor.submit(_closing_connections, fn)


def _closing_connections(fn: Callable[[], object]) -> object:
    try:
        return fn()
    finally:
        connections.close_all()


def shutdown() -> None:
    """Stop every pool of this process (tests; a worker's pools otherwise live as long as it does)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.executor.shutdown(wait=True)
        _pools.clear()
