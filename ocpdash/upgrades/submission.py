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
from ocpdash.ocp.client import UpgradeRequest, wants_new_upgrade_body
from ocpdash.ocp.versions import ObVersion
from ocpdash.upgrades import events, lease
from ocpdash.upgrades.errors import NotAllowed, PrecheckFailed, UpgradeConflict
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent
from ocpdash.upgrades.options import UpgradeOptions
from ocpdash.upgrades.precheck import precheck

log = logging.getLogger(__name__)
PARENT_TASK_NAME = "Submit upgrade OB cluster dag"
# How far back (before our recorded attempt) an OCP task may start and still be ours: clock skew.
ADOPT_CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class SubmitOutcome:
    result: str  # submitted | adopted | rejected | retry | busy | done
    retry_in: float | None = None


def submit_upgrade(
    user, cluster, package, *, reason: str = "", options: UpgradeOptions | None = None
) -> Upgrade:
    """Pre-check, then create the upgrade and queue its submission. Raises UpgradeError subclasses."""
    if not user.has_perm("upgrades.submit_upgrade"):
        raise NotAllowed("You are not allowed to submit upgrades.")
    report = precheck(user, cluster, package, options)
    if not report.ok:
        active = [check for check in report.failures if check.key == "no_active_upgrade"]
        if active:
            raise UpgradeConflict(active[0].message, report=report)
        raise PrecheckFailed(report)
    chosen = report.options
    try:
        with transaction.atomic():
            upgrade = Upgrade.objects.create(
                cluster=cluster,
                package=package,
                requested_by=user,
                from_version=cluster.version,
                to_version=package.full_version,
                upgrade_path=[step.version for step in report.path],
                upgrade_mode=chosen.upgrade_mode,
                zone_order=list(chosen.zone_order),
                freeze_server=chosen.freeze_server,
                reason=reason,
            )
            upgrade.also_upgrades.set(report.also_upgrades)
            pair = "".join(
                f" Also upgrades {c.name} ({c.cluster_type.lower()})." for c in report.also_upgrades
            )
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.STATE,
                f"Upgrade requested: {cluster.version} → {package.full_version} with {package.file_name}."
                + pair,
                actor=user,
                reason=reason,
                options=chosen.as_dict(),
                route_source=report.route_source,
            )
            transaction.on_commit(lambda: enqueue_submit(upgrade.pk), robust=True)
    except IntegrityError:
        active = Upgrade.objects.active().filter(pair_key=cluster.primary_id or cluster.pk).first()
        raise UpgradeConflict(
            f"Cluster {cluster.name} (or its primary/standby pair) already has an active upgrade"
            + (
                f" (#{active.pk} of {active.cluster.name}, {active.get_state_display().lower()})."
                if active
                else "."
            )
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


def upgrade_request(upgrade: Upgrade) -> UpgradeRequest:
    package = upgrade.package
    return UpgradeRequest(
        rpm_file_name=package.file_name,
        dest_version=package.full_version,
        operating_system=package.dist,
        upgrade_mode=upgrade.upgrade_mode or "ROLLING",
        zone_order=tuple(upgrade.zone_order or ()),
        freeze_server=upgrade.freeze_server,
    )


def _ocp_release(client, upgrade: Upgrade) -> tuple[int, ...] | None:
    """The site's OCP version as the last sync read it; read now if no sync has yet."""
    site = upgrade.cluster.site
    if site.ocp_release is None:
        try:
            return client.get_info().version
        except OcpError:
            return None
    return site.ocp_release


def _send(client, upgrade: Upgrade, ocp_release) -> TaskInstance:
    """The POST in the spelling this OCP needs. An OCP whose version is not known and that refuses
    the classic body for 4.3's missing fields created nothing (bean validation comes first): it gets
    4.3's spelling once."""
    request = upgrade_request(upgrade)
    path = f"/ob/clusters/{upgrade.cluster.ocp_id}/upgrade"
    try:
        return client.upgrade_cluster(upgrade.cluster.ocp_id, request, ocp_version=ocp_release)
    except OcpRefused as exc:
        if ocp_release is not None or not wants_new_upgrade_body(exc):
            raise
    events.record(
        upgrade.pk,
        UpgradeEvent.Kind.INFO,
        f"OCP asked for OCP 4.3's upgrade request (POST {path}); sending it in that form.",
    )
    return client.upgrade_cluster(upgrade.cluster.ocp_id, request, ocp_version=NEW_BODY)


NEW_BODY = (4, 3)
# OCP's refusal while another operation runs on the cluster (OBE11020): nothing was created, and
# OCP's own scheduled tasks end by themselves, so the submission waits instead of failing.
BUSY_TEXT = "still in progress"


def _busy(exc: OcpError) -> bool:
    said = f"{exc.code} {exc.ocp_message or ''}"
    return isinstance(exc, OcpRefused) and ("OBE11020" in said or BUSY_TEXT in said.lower())


def _post(client, upgrade: Upgrade, token: str) -> SubmitOutcome:
    now = timezone.now()
    first = upgrade.state == State.QUEUED
    claimed = Upgrade.objects.filter(
        pk=upgrade.pk, lease_owner=token, state__in=(State.QUEUED, State.SUBMITTING), ocp_task_id__isnull=True
    ).update(state=State.SUBMITTING, submit_attempted_at=now, submit_attempts=F("submit_attempts") + 1)
    if not claimed:
        return SubmitOutcome("busy")  # lost the lease (or the upgrade moved on): never POST then
    if first:
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, "Submitting the upgrade to OCP.")
    upgrade.submit_attempted_at, upgrade.submit_attempts = now, upgrade.submit_attempts + 1
    ocp_release = _ocp_release(client, upgrade)
    try:
        task = _send(client, upgrade, ocp_release)
    except OcpRefused as exc:
        if not _busy(exc):
            reject(upgrade, exc, token)
            return SubmitOutcome("rejected")
        Upgrade.objects.filter(pk=upgrade.pk).update(submit_attempted_at=None)
        _note_fault(
            upgrade, exc, "OCP says another task is still running on the cluster; will submit when it ends"
        )
        return SubmitOutcome("retry", _backoff(upgrade.submit_attempts))
    except (OcpForbidden, OcpNotFound) as exc:
        reject(upgrade, exc, token)
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
    """The OCP upgrade task an earlier attempt created, if there is one: an unclaimed upgrade task
    on the cluster (or a member of its pair, where OCP may have put it) started after the attempt."""
    taken = set(Upgrade.objects.filter(ocp_task_id__isnull=False).values_list("ocp_task_id", flat=True))
    since = upgrade.submit_attempted_at - ADOPT_CLOCK_SKEW
    cluster_ids = [upgrade.cluster.ocp_id, *(c.ocp_id for c in upgrade.also_upgrades.all())]
    for cluster_id in cluster_ids:
        for summary in client.list_tasks(
            cluster_id=cluster_id, name=PARENT_TASK_NAME, page_size=20, max_pages=1
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


def reject(upgrade: Upgrade, exc: OcpError, token: str) -> None:
    """OCP refused the request: the upgrade ends rejected, but only while this worker holds the
    lease and no OCP task is known (a refusal never overwrites an upgrade OCP runs)."""
    message = f"OCP refused the upgrade: {exc.ocp_message or exc.message}"
    if exc.sub_errors:
        message += " [" + "; ".join(str(s) for s in exc.sub_errors) + "]"
    if exc.code not in (None, 0, "0"):
        message += f" (OCP error {exc.code})"
    with transaction.atomic():
        done = Upgrade.objects.filter(
            pk=upgrade.pk,
            lease_owner=token,
            ocp_task_id__isnull=True,
            state__in=(State.QUEUED, State.SUBMITTING),
        ).update(state=State.REJECTED, last_error=message, finished_at=timezone.now(), ocp_fault="")
        if done:
            events.record(upgrade.pk, UpgradeEvent.Kind.STATE, message, status=exc.status, code=str(exc.code))


def _note_fault(upgrade: Upgrade, exc: OcpError, what: str = "Could not submit yet, will retry") -> None:
    first = not upgrade.ocp_fault
    Upgrade.objects.filter(pk=upgrade.pk, ocp_task_id__isnull=True).update(
        ocp_fault=exc.message, ocp_unreachable_since=upgrade.ocp_unreachable_since or timezone.now()
    )
    if first:
        events.record(upgrade.pk, UpgradeEvent.Kind.ERROR, f"{what}: {exc.message}")


def _backoff(attempts: int) -> float:
    from celery.utils.time import get_exponential_backoff_interval

    return max(1.0, get_exponential_backoff_interval(2, attempts, 60, full_jitter=True))
