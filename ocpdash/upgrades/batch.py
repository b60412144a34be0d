"""A batch of polls: claim the due upgrades, read their tasks site by site, settle each one.

1. ``lease.claim`` takes up to N due upgrades under one token, in one statement, and moves each
   one's next due time on (so an unchanged poll writes nothing more: polling.py).
2. One query loads their clusters and one their sites; one more the child tasks they follow.
3. Each upgrade's tasks are read on its site's threads (sitecalls.py: a few requests in flight per
   site over kept-alive connections, paced to the site's cap), HTTP only.
4. Each read is settled in this thread, with the database, as it arrives (``polling.settle``).

Reads still running when the claim's hold is about to lapse have their leases renewed (with the
poller's slot, ``keep_alive``) and are given back at the end. A site that does not answer (no
connection, no reply in time) is not asked again in the same batch: its other upgrades are given
back unread and are read at their next due time.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from ocpdash.core.logs import bind_upgrade, bound
from ocpdash.ocp import OcpClient, OcpError, OcpUnreachable
from ocpdash.ops import metrics
from ocpdash.sites.guard import CredentialGuard
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades import lease, sitecalls
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.polling import Read, settle
from ocpdash.upgrades.reading import read_known, tracked_children

# A read given back unread: its site did not answer another read of the same batch.
UNREAD = object()


@dataclass
class Outcome:
    claimed: int = 0
    next_in: dict[int, float | None] = field(default_factory=dict)  # seconds until due, per upgrade


def renew_seconds() -> float:
    """How long a renewal holds the reads still running (renewed again halfway through)."""
    return max(4 * lease.hold_seconds(), 2.0)


def run(limit: int, upgrade_ids=(), keep_alive=None) -> Outcome:
    """One batch of up to ``limit`` polls (only of ``upgrade_ids`` when given). ``keep_alive()`` is
    called while the batch is still running, every renewal (the poller's slot)."""
    claim = lease.claim(limit, upgrade_ids)
    if claim is None:
        return Outcome()

    # Read the longest overdue first (never polled, then by the time each was due): a late upgrade,
    # whose next due time the claim set from now, is then read early in this batch as in the next.
    def overdue_first(upgrade: Upgrade) -> tuple:
        return upgrade.last_due_at is not None, upgrade.last_due_at or claim.taken_at

    upgrades = sorted(_load(claim), key=overdue_first)
    tracked = tracked_children([u.pk for u in upgrades])
    down: set[int] = set()
    futures = {}
    for upgrade in upgrades:
        site = upgrade.cluster.site
        job = _reader(site, upgrade, tracked[upgrade.pk], sitecalls.pacer(site.pk), down)
        futures[sitecalls.submit(site.pk, job)] = upgrade
    outcome, renewed = Outcome(claimed=len(upgrades)), set()
    clients: dict[int, object] = {}
    check_at = claim.started + 0.6 * lease.hold_seconds()
    pending = set(futures)
    ready: list[Future[Any]] = []
    while pending or ready:
        if pending and not ready:
            timeout = max(0.0, check_at - time.monotonic())
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            ready.extend(done)
        while ready and time.monotonic() < check_at:
            future = ready.pop()
            outcome.next_in[futures[future].pk] = _settle(futures[future], claim, future.result(), clients)
        if time.monotonic() >= check_at:  # reads (or settles) still to come: hold them on
            if pending or ready:
                ids = {futures[f].pk for f in (*pending, *ready)}
                renewed |= lease.renew_many(ids, claim.token, renew_seconds())
            if keep_alive is not None:
                keep_alive()
            check_at = time.monotonic() + renew_seconds() / 2
    lease.release_many(renewed, claim.token)  # those settled with a write gave theirs back already
    return outcome


def poll_one(upgrade_id: int) -> float | None:
    """A batch of one: this upgrade, if it is due and no one holds it (an operator's "poll now")."""
    outcome = run(1, [upgrade_id])
    if not outcome.claimed:
        metrics.poll_done("skipped")
    return outcome.next_in.get(upgrade_id)


def _settle(upgrade: Upgrade, claim: lease.Claim, result, clients: dict) -> float | None:
    read, calls = result
    if read is UNREAD:
        metrics.poll_done("skipped")
        return 0.0
    site = upgrade.cluster.site
    if site.pk not in clients:  # this thread's client, for what a poll asks OCP beyond its read
        clients[site.pk] = _site_client(site)
    with bind_upgrade(upgrade.pk):
        try:
            next_in = settle(upgrade, claim.leases[upgrade.pk], clients[site.pk], read)
        except Exception:
            metrics.poll_done("error")
            raise
    metrics.poll_done(metrics.poll_outcome(next_in, calls))
    return next_in


def _site_client(site: OcpSite) -> OcpClient:
    """This thread's kept-alive client for the site, its credential guard told the site's state as read."""
    client = site.shared_client(max_retries=0)
    guard = client.observer
    assert isinstance(guard, CredentialGuard)  # OcpSite.client guards every call unless told not to
    guard.refresh(site.auth_failures, site.auth_refused_since)
    return client


def _reader(site: OcpSite, upgrade: Upgrade, tracked, pacer: sitecalls.Pacer, down: set[int]):
    """The read of one upgrade, for a site's thread: HTTP only (no database), never raises."""
    task_id = upgrade.ocp_task_id
    assert task_id is not None, "a polled upgrade has its OCP task (adopt sets both)"

    def read():
        if site.pk in down:
            return UNREAD, []
        with bound(upgrade_id=upgrade.pk), metrics.polling(upgrade.last_due_at) as calls:
            try:
                client = _site_client(site)
                parent, snapshot = read_known(client, task_id, tracked, pacer.wait)
                return Read(tracked, parent, snapshot), calls
            except OcpError as exc:
                if isinstance(exc, OcpUnreachable):
                    down.add(site.pk)
                return Read(tracked, error=exc), calls
            except Exception as exc:  # settled (and logged) as a fault in the batch's thread
                return Read(tracked, error=exc), calls

    return read


def _load(claim: lease.Claim) -> list[Upgrade]:
    """The claimed upgrades as model instances (the claimed fields loaded, the rest on first use),
    each with its cluster (OCP id, site) and its site (whole: its threads make clients from it)."""
    cluster_ids = {row["cluster_id"] for row in claim.rows}
    clusters = {c.pk: c for c in Cluster.objects.filter(pk__in=cluster_ids).only("ocp_id", "site")}
    sites = {s.pk: s for s in OcpSite.objects.filter(pk__in={c.site_id for c in clusters.values()})}
    names = [f.attname for f in Upgrade._meta.concrete_fields if f.attname in claim.rows[0]]
    upgrades = []
    for row in claim.rows:
        upgrade = Upgrade.from_db("default", names, [row[name] for name in names])
        cluster = clusters[row["cluster_id"]]
        cluster.site = sites[cluster.site_id]
        upgrade.cluster = cluster
        upgrades.append(upgrade)
    return upgrades
