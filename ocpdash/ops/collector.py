"""The metrics read at scrape time from the database and Redis (a handful of small queries and one
LLEN pipeline per scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max
from django.db.models.functions import Now
from prometheus_client.core import GaugeMetricFamily

from ocpdash.ops import broker, heartbeat


class StateCollector:
    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self.database()
            up = 1
        except DatabaseError:
            up = 0
        yield _gauge("ocpdash_database_up", "1 when the database answered this scrape.", value=up)
        yield from self.queue()

    def database(self) -> Iterator[GaugeMetricFamily]:
        # Built whole before anything is yielded, so a failing query yields nothing half-done.
        families = [*upgrades(), *processes(), *sites()]
        yield from families

    def queue(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth = broker.queue_depth()
        except (OSError, ValueError, broker.redis.RedisError):
            yield _gauge("ocpdash_broker_up", "1 when Redis answered this scrape.", value=0)
            return
        yield _gauge("ocpdash_broker_up", "1 when Redis answered this scrape.", value=1)
        from ocpdash.celery import app

        family = GaugeMetricFamily(
            "ocpdash_queue_depth", "Messages waiting in the Celery queue for a worker.", labels=["queue"]
        )
        family.add_metric([app.conf.task_default_queue], depth)
        yield family


def upgrades() -> list[GaugeMetricFamily]:
    from ocpdash.upgrades.models import POLLED_STATES, State, Upgrade

    counts = dict(Upgrade.objects.order_by().values_list("state").annotate(n=Count("id")))
    by_state = GaugeMetricFamily("ocpdash_upgrades", "Upgrades by state.", labels=["state"])
    for state in State.values:
        by_state.add_metric([state], counts.get(state, 0))
    overdue = ExpressionWrapper(Now() - F("next_poll_at"), output_field=DurationField())
    oldest = Upgrade.objects.filter(state__in=POLLED_STATES, next_poll_at__isnull=False).aggregate(
        most=Max(overdue)
    )
    most = heartbeat.as_duration(oldest["most"])
    lag = GaugeMetricFamily(
        "ocpdash_poll_overdue_seconds",
        "How late the most overdue poll of a running or failed upgrade is now (0: none late).",
        value=max(0.0, most.total_seconds()) if most is not None else 0.0,
    )
    return [by_state, lag]


def processes() -> list[GaugeMetricFamily]:
    found = heartbeat.status()
    live = GaugeMetricFamily(
        "ocpdash_live_processes",
        "Workers and beats whose heartbeat is fresh (OCPDASH_HEARTBEAT_STALE_SECONDS).",
        labels=["kind"],
    )
    age = GaugeMetricFamily(
        "ocpdash_heartbeat_age_seconds",
        "Since the freshest heartbeat of each kind of process (absent: never seen).",
        labels=["kind"],
    )
    for kind, status in found.items():
        live.add_metric([kind], status.live)
        if status.age is not None:
            age.add_metric([kind], status.age.total_seconds())
    return [live, age]


def sites() -> list[GaugeMetricFamily]:
    from ocpdash.sites.models import OcpSite

    since = ExpressionWrapper(Now() - F("last_sync_at"), output_field=DurationField())
    rows = OcpSite.objects.filter(enabled=True).annotate(since=since)
    rows = rows.values_list("pk", "name", "auth_refused_since", "last_sync_error", "since")
    labels = ["site_id", "site"]
    info = GaugeMetricFamily("ocpdash_site_info", "Each enabled OCP site: its id and name.", labels=labels)
    refused = GaugeMetricFamily(
        "ocpdash_site_credentials_refused",
        "1 while OCP refuses ocpdash's credentials (every call to the site is stopped).",
        labels=labels,
    )
    failing = GaugeMetricFamily(
        "ocpdash_site_sync_failing", "1 when the site's last cluster sync failed.", labels=labels
    )
    contact = GaugeMetricFamily(
        "ocpdash_site_last_contact_age_seconds",
        "Since the site's last successful cluster sync (absent: never).",
        labels=labels,
    )
    for pk, name, refused_since, error, since in rows:
        values = [str(pk), name]
        info.add_metric(values, 1)
        refused.add_metric(values, 1 if refused_since else 0)
        failing.add_metric(values, 1 if error else 0)
        since = heartbeat.as_duration(since)
        if since is not None:
            contact.add_metric(values, since.total_seconds())
    return [info, refused, failing, contact]


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
