"""The Celery broker (Redis) as the health checks and metrics see it: a ping and the queue's length,
each with a short timeout and no retry, through one connection pool per process."""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

TIMEOUT = 0.5  # seconds, connect and read: /readyz is called every few seconds
# kombu's Redis transport keeps messages sent with a priority in lists named queue + SEP + step.
PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


def client() -> redis.Redis:
    return _client(settings.CELERY_BROKER_URL)


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    options = {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, "retry": Retry(NoBackoff(), 0)}
    parts = urlsplit(url)
    if parts.scheme in ("redis+socket", "socket"):
        return redis.Redis(unix_socket_path=unquote(parts.path), **options)
    if parts.scheme in ("redis", "rediss"):
        return redis.Redis.from_url(url, **options)
    raise ValueError(f"ocpdash checks Redis brokers only, not {parts.scheme}://")


def ping() -> float:
    """Seconds a PING took; raises when Redis does not answer in time."""
    started = time.monotonic()
    client().ping()
    return time.monotonic() - started


def queue_depth(queue: str | None = None) -> int:
    """Messages waiting in the Celery queue for a worker (polls held by a worker for their countdown
    are not waiting: they are in Redis's ``unacked`` set)."""
    from ocpdash.celery import app

    queue = queue or app.conf.task_default_queue
    pipe = client().pipeline(transaction=False)
    for name in (queue, *(f"{queue}{PRIORITY_SEP}{step}" for step in PRIORITY_STEPS)):
        pipe.llen(name)
    return sum(pipe.execute())
