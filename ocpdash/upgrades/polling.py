"""Following an upgrade's OCP task: one poll, from the claim to what is stored.

Polls run in batches (batch.py, driven by the poller slots of pollers.py): a batch claims the due
upgrades (lease.claim), reads their tasks on the sites' threads (sitecalls.py) and settles each one
here, in its own thread with the database:

- **Unchanged** (OCP says what it said last time, the most common poll): nothing is written. The
  claim already moved ``next_poll_at`` on at the fixed rate of :func:`next_due` and holds the lease
  for half an interval; it lapses by itself (a batch whose read outlasts it renews it, then gives
  it back).
- **Changed**: every step change is stored as an event and the state set, in one transaction that
  locks the row while the lease is still this poll's (:func:`apply_snapshot`), and the lease is
  given back there with the next due time.
- **OCP fault**: shown on the page, the state kept, the lease given back with a backoff. OCP faults
  never fail an upgrade; anything that cannot be stored is a fault too, never a crash loop.

An operator's retry, skip or rollback and the adoption of an OCP task queue one immediate poll of
that upgrade (:func:`enqueue_poll`, :func:`run_poll`): the same claim and read, for one id.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction

from ocpdash.core import phrases
from ocpdash.core.phrases import joined, phrase
from ocpdash.ocp import (
    OcpAuthError,
    OcpCredentialsRefused,
    OcpError,
    OcpMalformedReply,
    OcpRateLimited,
    TaskInstance,
)
from ocpdash.sites.models import Cluster
from ocpdash.sites.storable import Unstorable
from ocpdash.upgrades import enqueue, events, lease
from ocpdash.upgrades.children import WAIT_CHILD
from ocpdash.upgrades.models import POLLED_STATES, State, Upgrade, UpgradeEvent, UpgradeStep
from ocpdash.upgrades.reading import Snapshot, Tracked, fetch
from ocpdash.upgrades.storing import store_tasks

log = logging.getLogger(__name__)


def enqueue_poll(upgrade_id: int, countdown: float | None = None) -> None:
    """One immediate poll of this upgrade (an operator's action, an adopted task); routine polls are
    the pollers' batches."""
    enqueue.send(enqueue.POLL, upgrade_id, countdown)


def run_poll(upgrade_id: int) -> float | None:
    """One poll of this upgrade now, if it is due and no one holds it. Returns seconds until its next
    poll is due, or None when it was not polled, or no longer needs polling."""
    from ocpdash.upgrades import batch

    return batch.poll_one(upgrade_id)


@dataclass
class Read:
    """What a batch read of one upgrade on a site's thread: the parent task and the snapshot (None
    while a child task must be looked for), or what went wrong (an OcpError is a fault to show)."""

    tracked: Tracked = field(default_factory=dict)
    parent: TaskInstance | None = None
    snapshot: Snapshot | None = None
    error: BaseException | None = None


def settle(upgrade: Upgrade, held: lease.Lease, client, read: Read) -> float | None:
    """Finish one poll from what was read: nothing (unchanged), the change stored, or the fault shown.
    Returns seconds until the next poll is due, or None (finished, or the lease went to another)."""
    try:
        if isinstance(read.error, OcpError):
            return _fault(upgrade, held, read.error)
        if read.error is not None:
            raise read.error
        return _settle(upgrade, held, client, read)
    except lease.LeaseLost:
        return None  # whoever has the lease now carries on; this poll stored nothing
    except Exception as exc:  # bad data or a bug: shown as a fault, never a crash loop
        log.exception("Poll of upgrade %s failed", upgrade.pk)
        return _unexpected(held, exc)


def _unexpected(held: lease.Lease, exc: Exception) -> float | None:
    """What OCP sent could not be stored (or ocpdash failed): nothing of it was kept (the
    transaction rolled back); say so, keep the last stored state, back off, try again."""
    detail = str(exc) if isinstance(exc, Unstorable) else f"{type(exc).__name__}: {str(exc)[:300]}"
    upgrade = Upgrade.objects.only("pk", "state", "poll_failures", "ocp_fault", "ocp_unreachable_since").get(
        pk=held.upgrade_id
    )
    fault = phrase(
        "ocpdash could not store what OCP sent (%(detail)s); showing the last stored state", detail=detail
    )
    try:
        return _record_fault(upgrade, held, fault)
    except lease.LeaseLost:
        return None


def _settle(upgrade: Upgrade, held: lease.Lease, client, read: Read) -> float | None:
    try:
        snapshot = read.snapshot or fetch(client, upgrade, read.parent, read.tracked)
        _retry_parent_if_left_failed(client, upgrade, held, snapshot)
    except OcpError as exc:
        return _fault(upgrade, held, exc)
    digest = snapshot_digest(snapshot.parent, snapshot.children)
    state = snapshot.state(upgrade.state)
    if digest == upgrade.snapshot_digest and state == upgrade.state and not upgrade.ocp_fault:
        return _unchanged(upgrade, held)  # most polls: OCP says what it said last time
    if state not in POLLED_STATES:
        _refresh_clusters(upgrade, held)  # before the state says "finished", so the clusters show it
    due = apply_snapshot(upgrade, held, snapshot, digest)
    return None if due is None else held.seconds_until(due)


def _retry_parent_if_left_failed(client, upgrade: Upgrade, held: lease.Lease, snapshot: Snapshot) -> None:
    """OCP may leave the parent's 'Wait dag success' failed after its child was retried and
    succeeded (its docs are silent): then ocpdash retries the parent task, once per such failure,
    and says so. Returns False when the lease was lost."""
    key = snapshot.parent_retry_key()
    if not key or key == upgrade.parent_retry_key:
        return
    parent = snapshot.parent
    with transaction.atomic():  # the intent is recorded before OCP is asked
        if not Upgrade.objects.filter(pk=upgrade.pk, lease_owner=held.token).update(parent_retry_key=key):
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before retrying the parent task.")
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.OPERATION,
            phrase(
                "OCP left the parent task #%(id)s failed at '%(step)s' although the child task it "
                "waited for has succeeded; ocpdash retries the parent task.",
                id=parent.id,
                step=WAIT_CHILD,
            ),
            ocp_task_id=parent.id,
        )
    upgrade.parent_retry_key = key
    try:
        client.retry_task(parent.id)
    except OcpError as exc:
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.ERROR,
            phrase(
                "Retrying the parent task #%(id)s did not work (%(error)s); retry the task from this page.",
                id=parent.id,
                error=exc.message,
            ),
        )
    else:
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.INFO,
            phrase("OCP accepted the retry of parent task #%(id)s.", id=parent.id),
        )


def snapshot_digest(parent: TaskInstance, children) -> str:
    """A fingerprint of everything a poll read (tasks are dataclasses: their repr holds every field)."""
    return hashlib.blake2b(repr((parent, children)).encode(), digest_size=16).hexdigest()


def _unchanged(upgrade: Upgrade, held: lease.Lease) -> float | None:
    """Nothing to store, nothing to write: the claim set the next due time (``next_poll_at`` as
    claimed) and its lease lapses by itself."""
    return held.seconds_until(upgrade.next_poll_at) if upgrade.next_poll_at else 0.0


def next_due(previous_due, now, interval: float):
    """Polls keep a fixed rate: the next one is due one interval after the previous was due (not
    after this poll finished). A worker that is behind catches up, but never polls the same upgrade
    again within half an interval (:func:`ocpdash.upgrades.lease.min_spacing`). The claim
    (lease.claim) computes the same in SQL."""
    fixed_rate = (previous_due or now) + timedelta(seconds=interval)
    return max(fixed_rate, now + timedelta(seconds=lease.min_spacing(interval)))


def apply_snapshot(upgrade: Upgrade, held: lease.Lease, snapshot: Snapshot, digest: str):
    """Store what OCP said, all of it or nothing: the row is locked while this worker still holds
    the lease and the upgrade is still followed (an operator's close or cancel stays), and the
    transaction rolls back if the lease's release finds it gone (LeaseLost). Returns when the next
    poll is due, or None when the upgrade no longer needs polling."""
    now = held.now()
    parent = snapshot.parent
    with transaction.atomic():
        current = (
            Upgrade.objects.select_for_update()
            .filter(pk=upgrade.pk, lease_owner=held.token, state__in=POLLED_STATES)
            .first()
        )
        if current is None:
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost or upgrade closed before storing.")
        for adopted in snapshot.adopted.values():
            events.record(upgrade.pk, UpgradeEvent.Kind.INFO, adopted.why, ocp_task_id=adopted.task.id)
        adjusted = store_tasks(upgrade.pk, parent, snapshot.children, snapshot.adopted)
        if adjusted:
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.INFO,
                phrase(
                    "OCP sent values ocpdash adjusted to store them: %(notes)s.", notes="; ".join(adjusted)
                ),
            )
        state = snapshot.state(current.state)
        fields: dict[str, Any] = {
            "ocp_task_status": parent.status or "",
            "ocp_task_operation": parent.operation or "",
            "ocp_prohibit_rollback": parent.prohibit_rollback,
            "last_polled_at": now,
            "poll_failures": 0,
            "ocp_fault": "",
            "ocp_unreachable_since": None,
            "snapshot_digest": digest,
        }
        if current.ocp_fault:
            events.record(
                upgrade.pk, UpgradeEvent.Kind.INFO, phrase("OCP answers again; following the task.")
            )
        if state != current.state:
            fields["state"] = state
            fields["finished_at"] = now if state not in POLLED_STATES else None
            failure = _failure_message(upgrade.pk) if state == State.FAILED else ""
            fields.update(phrases.columns("last_error", failure))
            message = _STATE_SENTENCES.get(state) or f"Upgrade {State(state).label.lower()}."
            if state == State.FAILED:
                message = phrase("Upgrade failed: %(error)s", error=failure)
            events.record(upgrade.pk, UpgradeEvent.Kind.STATE, message, previous=current.state, state=state)
        # From the time this poll was due (the claim moved next_poll_at on already), at the rate of
        # the state it is now in.
        due = (
            next_due(current.last_due_at, now, lease.polled_interval(state))
            if state in POLLED_STATES
            else None
        )
        fields["next_poll_at"] = due
        lease.release_or_roll_back(upgrade.pk, held.token, **fields)
        if state != current.state:  # after the write, so the message has the new state
            _announce(upgrade.pk, state, failure)
    return due


def _announce(upgrade_id: int, state: str, failure: str) -> None:
    """Notifications of a state the poll found (in its transaction: sent only if it commits)."""
    if state == State.FAILED:
        failed = UpgradeStep.objects.filter(upgrade_id=upgrade_id, status="FAILED").order_by("-ocp_task_id")
        step = failed.values_list("name", flat=True).first() or ""
        events.announce("step_failed", upgrade_id, step_name=step, reason=failure)
    elif state not in POLLED_STATES:
        events.announce("finished", upgrade_id)


# What a poll says when OCP's task moves the upgrade on (a failure says which steps: _failure_message).
_STATE_SENTENCES: dict[str, str] = {
    State.RUNNING: phrase("Upgrade running."),
    State.SUCCESSFUL: phrase("Upgrade successful."),
    State.ROLLED_BACK: phrase("Upgrade rolled back."),
}


def _failure_message(upgrade_id: int) -> str:
    failed = list(UpgradeStep.objects.filter(upgrade_id=upgrade_id, status="FAILED").order_by("-ocp_task_id"))
    if not failed:
        return phrase("the OCP task failed.")
    names = joined(
        *(
            phrase("'%(step)s' (canceled)", step=s.name) if s.operation == "CANCEL" else f"'{s.name}'"
            for s in failed[:3]
        ),
        sep=", ",
    )
    return phrase(
        "step %(names)s failed in OCP. Retry or skip it, or roll back where OCP allows.", names=names
    )


def _fault(upgrade: Upgrade, held: lease.Lease, exc: OcpError) -> float:
    """OCP could not be read: show it, keep the state, back off, and keep polling."""
    since = upgrade.ocp_unreachable_since or held.now()
    if isinstance(exc, OcpCredentialsRefused):
        fault = exc.message  # the site's credential guard: no call was sent
    elif isinstance(exc, OcpAuthError):
        fault = phrase("OCP rejected our credentials: %(error)s", error=exc.message)
    elif isinstance(exc, OcpMalformedReply):
        fault = phrase(
            "OCP's replies cannot be used since %(since)s: %(error)s",
            since=f"{since:%Y-%m-%d %H:%M:%S %Z}",
            error=exc.message,
        )
    else:
        fault = phrase(
            "OCP unreachable since %(since)s: %(error)s",
            since=f"{since:%Y-%m-%d %H:%M:%S %Z}",
            error=exc.message,
        )
    wait = exc.retry_after if isinstance(exc, OcpRateLimited) else None
    # An event when the credential guard's verdict changes too (not on every poll of an OCP that
    # stays down: its message carries the time of each failure).
    return _record_fault(
        upgrade, held, fault, wait, always_event=isinstance(exc, OcpCredentialsRefused), trace_id=exc.trace_id
    )


def _record_fault(
    upgrade: Upgrade,
    held: lease.Lease,
    fault: str,
    wait: float | None = None,
    always_event: bool = False,
    trace_id: str | None = None,
) -> float:
    """Show the fault (an event when it starts), keep the state, and poll again after a backoff."""
    now = held.now()
    failures = upgrade.poll_failures + 1
    delay = get_exponential_backoff_interval(
        settings.OCPDASH_POLL_INTERVAL, failures, settings.OCPDASH_POLL_BACKOFF_MAX, full_jitter=False
    )
    if wait:
        delay = max(delay, min(wait, settings.OCPDASH_POLL_BACKOFF_MAX))
    with transaction.atomic():
        if not upgrade.ocp_fault or (always_event and upgrade.ocp_fault != fault):
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.ERROR,
                joined(fault, phrase("Still following; the upgrade is not failed.")),
                **events.trace(trace_id),
            )
        lease.release_or_roll_back(
            upgrade.pk,
            held.token,
            poll_failures=failures,
            **phrases.columns("ocp_fault", fault),
            ocp_unreachable_since=upgrade.ocp_unreachable_since or now,
            next_poll_at=now + timedelta(seconds=delay),
        )
    log.warning(
        "Poll of upgrade %s: %s; next try in %.1fs",
        upgrade.pk,
        fault[:200],
        delay,
        extra={"trace_id": trace_id},
    )
    return delay


def _refresh_clusters(upgrade: Upgrade, held: lease.Lease) -> None:
    """Re-read the cluster, and every other member of its pair, from OCP (the lease covers it)."""
    from ocpdash.sites.sync import refresh_cluster

    ids = [upgrade.cluster_id, *upgrade.also_upgrades.values_list("pk", flat=True)]
    if not lease.renew(upgrade.pk, held.token, lease.call_budget(4 * len(ids)), POLLED_STATES):
        raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before refreshing its clusters.")
    for cluster in Cluster.objects.select_related("site").filter(pk__in=ids):
        try:
            refresh_cluster(cluster)
        except OcpError as exc:
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.INFO,
                phrase(
                    "Could not refresh cluster %(cluster)s from OCP: %(error)s",
                    cluster=cluster.name,
                    error=exc.message,
                ),
            )
