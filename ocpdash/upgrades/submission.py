"""Submitting an upgrade to OCP exactly once.

The upgrade row is created first and the Celery job gets only its id. The attempt is recorded
before the POST and the OCP task id right after it. When a previous attempt may have reached OCP
(timeout, dropped connection, worker killed mid-call), the cluster's OCP tasks are searched and
the one it created is adopted; OCP is only asked again once a search has shown it has no such task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ocpdash.ocp import OcpAuthError, OcpError, OcpForbidden, OcpNotFound, OcpRefused, TaskInstance
from ocpdash.ocp.versions import ObVersion
from ocpdash.upgrades import events, lease
from ocpdash.upgrades.errors import NotAllowed, PrecheckFailed, UpgradeConflict
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent
from ocpdash.upgrades.precheck import precheck

log = logging.getLogger(__name__)
PARENT_TASK_NAME = "Submit upgrade OB cluster dag"
# How far back (before our recorded attempt) an OCP task may start and still be ours: clock skew.
ADOPT_CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class SubmitOutcome:
    result: str  # submitted | adopted | rejected | retry | busy | done
    retry_in: float | None = None


def submit_upgrade(user, cluster, package, *, reason: str = "") -> Upgrade:
    """Pre-check, then create the upgrade and queue its submission. Raises UpgradeError subclasses."""
    if not user.has_perm("upgrades.submit_upgrade"):
        raise NotAllowed("You are not allowed to submit upgrades.")
    report = precheck(user, cluster, package)
    if not report.ok:
        active = [check for check in report.failures if check.key == "no_active_upgrade"]
        if active:
            raise UpgradeConflict(active[0].message, report=report)
        raise PrecheckFailed(report)
    try:
        with transaction.atomic():
            upgrade = Upgrade.objects.create(
                cluster=cluster,
                package=package,
                requested_by=user,
                from_version=cluster.version,
                to_version=package.full_version,
                upgrade_path=[step.version for step in report.path],
                reason=reason,
            )
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.STATE,
                f"Upgrade requested: {cluster.version} → {package.full_version} with {package.file_name}.",
                actor=user,
                reason=reason,
            )
            transaction.on_commit(lambda: enqueue_submit(upgrade.pk), robust=True)
    except IntegrityError:
        active = Upgrade.objects.active().filter(cluster=cluster).first()
        raise UpgradeConflict(
            f"Cluster {cluster.name} already has an active upgrade"
            + (f" (#{active.pk}, {active.get_state_display().lower()})." if active else ".")
        )
    return upgrade


def enqueue_submit(upgrade_id: int, countdown: float | None = None) -> None:
    from ocpdash.upgrades.tasks import submit_upgrade_task

    submit_upgrade_task.apply_async((upgrade_id,), countdown=countdown)


def run_submit(upgrade_id: int) -> SubmitOutcome:
    token = lease.acquire(upgrade_id, (State.QUEUED, State.SUBMITTING))
    if token is None:
        return SubmitOutcome("busy")
    try:
        return _submit_with_lease(
            Upgrade.objects.select_related("cluster__site", "package").get(pk=upgrade_id), token
        )
    finally:
        lease.release(upgrade_id, token)


def _submit_with_lease(upgrade: Upgrade, token: str) -> SubmitOutcome:
    if upgrade.ocp_task_id:
        return SubmitOutcome("done")
    with upgrade.cluster.site.client(max_retries=1) as client:
        if upgrade.submit_attempted_at is not None:
            try:
                existing = find_created_task(client, upgrade)
            except OcpError as exc:
                _note_fault(upgrade, exc)
                return SubmitOutcome("retry", _backoff(upgrade.submit_attempts))
            if existing is not None:
                adopt(upgrade, existing, token, adopted=True)
                return SubmitOutcome("adopted")
            age = timezone.now() - upgrade.submit_attempted_at
            if age < timedelta(seconds=settings.OCP_READ_TIMEOUT + 5):
                return SubmitOutcome("retry", 5.0)  # the earlier request may still be in flight
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.INFO,
                "OCP has no task from the earlier submission attempt; submitting again.",
            )
        return _post(client, upgrade, token)


def _post(client, upgrade: Upgrade, token: str) -> SubmitOutcome:
    now = timezone.now()
    first = upgrade.state == State.QUEUED
    Upgrade.objects.filter(pk=upgrade.pk, lease_owner=token).update(
        state=State.SUBMITTING, submit_attempted_at=now, submit_attempts=F("submit_attempts") + 1
    )
    if first:
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, "Submitting the upgrade to OCP.")
    upgrade.submit_attempted_at, upgrade.submit_attempts = now, upgrade.submit_attempts + 1
    try:
        task = client.upgrade_cluster(upgrade.cluster.ocp_id, upgrade.package.file_name)
    except (OcpRefused, OcpForbidden, OcpNotFound) as exc:
        reject(upgrade, exc)
        return SubmitOutcome("rejected")
    except OcpError as exc:
        if not exc.request_sent or isinstance(exc, OcpAuthError):
            # OCP never processed it: forget the attempt, so the retry posts without a lookup.
            Upgrade.objects.filter(pk=upgrade.pk).update(submit_attempted_at=None)
        _note_fault(upgrade, exc)
        return SubmitOutcome("retry", _backoff(upgrade.submit_attempts))
    adopt(upgrade, task, token, adopted=False)
    return SubmitOutcome("submitted")


def find_created_task(client, upgrade: Upgrade) -> TaskInstance | None:
    """The OCP upgrade task an earlier attempt created on this cluster, if there is one."""
    taken = set(
        Upgrade.objects.filter(cluster=upgrade.cluster, ocp_task_id__isnull=False).values_list(
            "ocp_task_id", flat=True
        )
    )
    since = upgrade.submit_attempted_at - ADOPT_CLOCK_SKEW
    for summary in client.list_tasks(
        cluster_id=upgrade.cluster.ocp_id, name=PARENT_TASK_NAME, page_size=20, max_pages=1
    ):
        if summary.id in taken or summary.name != PARENT_TASK_NAME:
            continue
        if summary.start_time and summary.start_time < since:
            break  # newest first: everything after this is older than our attempt
        task = client.get_task(summary.id)
        if _targets(task, upgrade.to_version):
            return task
    return None


def _targets(task: TaskInstance, to_version: str) -> bool:
    versions = task.context.list_map.get("upgrade_versions") or task.context.list_map.get(
        "binary_upgrade_versions"
    )
    if not versions:
        return True  # OCP did not say; the newest unclaimed upgrade task on the cluster is ours
    try:
        return ObVersion.parse(versions[-1]).same_release(ObVersion.parse(to_version))
    except ValueError:
        return False


def adopt(upgrade: Upgrade, task: TaskInstance, token: str, *, adopted: bool) -> None:
    from ocpdash.upgrades.polling import enqueue_poll, store_tasks

    now = timezone.now()
    with transaction.atomic():
        updated = Upgrade.objects.filter(pk=upgrade.pk, lease_owner=token, ocp_task_id__isnull=True).update(
            ocp_task_id=task.id,
            state=State.RUNNING,
            submitted_at=now,
            ocp_task_status=task.status or "",
            ocp_context={"string_map": task.context.string_map, "list_map": task.context.list_map},
            next_poll_at=now,
            ocp_fault="",
            ocp_unreachable_since=None,
            last_error="",
            lease_owner="",  # released here so the first poll, queued on commit, can take it
            lease_until=None,
        )
        if not updated:
            return
        store_tasks(upgrade.pk, task, [])
        how = "Found the OCP task created by the earlier attempt" if adopted else "Submitted to OCP"
        events.record(
            upgrade.pk, UpgradeEvent.Kind.STATE, f"{how}: task #{task.id} '{task.name}'.", ocp_task_id=task.id
        )
        transaction.on_commit(lambda: enqueue_poll(upgrade.pk), robust=True)


def reject(upgrade: Upgrade, exc: OcpError) -> None:
    message = f"OCP refused the upgrade: {exc.ocp_message or exc.message}"
    if exc.code not in (None, 0, "0"):
        message += f" (OCP error {exc.code})"
    with transaction.atomic():
        Upgrade.objects.filter(pk=upgrade.pk).update(
            state=State.REJECTED, last_error=message, finished_at=timezone.now(), ocp_fault=""
        )
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, message, status=exc.status, code=str(exc.code))


def _note_fault(upgrade: Upgrade, exc: OcpError) -> None:
    first = not upgrade.ocp_fault
    Upgrade.objects.filter(pk=upgrade.pk).update(
        ocp_fault=exc.message, ocp_unreachable_since=upgrade.ocp_unreachable_since or timezone.now()
    )
    if first:
        events.record(upgrade.pk, UpgradeEvent.Kind.ERROR, f"Could not submit yet, will retry: {exc.message}")


def _backoff(attempts: int) -> float:
    from celery.utils.time import get_exponential_backoff_interval

    return max(1.0, get_exponential_backoff_interval(2, attempts, 60, full_jitter=True))
