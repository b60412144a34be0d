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

from ocpdash.core import phrases
from ocpdash.core.phrases import joined, known, phrase
from ocpdash.ocp import OcpAuthError, OcpError, OcpForbidden, OcpNotFound, OcpRefused, TaskInstance
from ocpdash.ocp.client import UpgradeRequest, wants_new_upgrade_body
from ocpdash.ocp.versions import ObVersion
from ocpdash.upgrades import enqueue, events, lease
from ocpdash.upgrades.errors import NotAllowed, OperationRefused, PrecheckFailed, UpgradeConflict
from ocpdash.upgrades.models import (
    CANCELLABLE_STATES,
    REASON_MAX_LENGTH,
    SUBMISSION_STATES,
    State,
    Upgrade,
    UpgradeEvent,
)
from ocpdash.upgrades.options import UpgradeOptions
from ocpdash.upgrades.precheck import precheck

log = logging.getLogger(__name__)
PARENT_TASK_NAME = "Submit upgrade OB cluster dag"
# How far back (before our recorded attempt) an OCP task may start and still be ours: clock skew.
ADOPT_CLOCK_SKEW = timedelta(minutes=10)


@dataclass
class SubmitOutcome:
    result: str  # submitted | adopted | rejected | retry | busy | done | cancelled | needs_attention
    retry_in: float | None = None


def submit_upgrade(
    user,
    cluster,
    package,
    *,
    reason: str = "",
    options: UpgradeOptions | None = None,
    deadline_seconds: float | None = None,
    start=None,
    approved_with: str = "",
    bind=None,
) -> Upgrade:
    """Pre-check, freeze the plan, then create the upgrade: queued for submission at once, or
    waiting for approval or its start (``start``: ocpdash.changes.flow.Start; now by default).
    Raises UpgradeError subclasses. A fleet rollout passes ``approved_with`` (its approval) and
    ``bind(upgrade)``, called in the transaction that creates the upgrade: whatever it raises undoes
    the creation, so the upgrade exists (and is sent to OCP) only if the rollout took it."""
    from ocpdash.changes import flow

    if not user.has_perm("upgrades.submit_upgrade"):
        raise NotAllowed(phrase("You are not allowed to submit upgrades."))
    if len(reason or "") > REASON_MAX_LENGTH:
        raise OperationRefused(
            phrase("A reason can be at most %(count)s characters.", count=f"{REASON_MAX_LENGTH:,}")
        )
    start = start or flow.Start()
    report = precheck(user, cluster, package, options, deadline_seconds=deadline_seconds)
    if not report.ok:
        active = [check for check in report.failures if check.key == "no_active_upgrade"]
        if active:
            raise UpgradeConflict(active[0].message, report=report)
        raise PrecheckFailed(report)
    arranged = flow.arrange(
        cluster, package, report, options or UpgradeOptions(), start, approved_with=approved_with
    )
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
                **arranged.fields(start),
            )
            upgrade.also_upgrades.set(report.also_upgrades)
            if bind is not None:
                bind(upgrade)
            pair = [
                phrase(
                    "Also upgrades %(cluster)s (%(role)s).",
                    cluster=c.name,
                    role=known(c.cluster_type.lower()),
                )
                for c in report.also_upgrades
            ]
            requested = phrase(
                "Upgrade requested: %(from)s → %(to)s with %(file)s.",
                **{"from": cluster.version, "to": package.full_version, "file": package.file_name},
            )
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.STATE,
                joined(requested, *pair, arranged.sentence),
                actor=user,
                reason=reason,
                options=chosen.as_dict(),
                route_source=report.route_source,
                plan_digest=arranged.digest,
                start=start.mode,
            )
            if arranged.state == State.QUEUED:
                transaction.on_commit(lambda: enqueue_submit(upgrade.pk), robust=True)
            else:
                kind = "approval_requested" if arranged.state == State.AWAITING_APPROVAL else "scheduled"
                flow.notify(
                    kind,
                    upgrade.pk,
                    actor=user,
                    reason=reason,
                    window_text=arranged.decision.note if arranged.decision else start.describe(),
                    eta_text=arranged.plan["details"]["eta"].get("text", ""),
                )
    except IntegrityError:
        active = Upgrade.objects.active().filter(pair_key=cluster.primary_id or cluster.pk).first()
        raise UpgradeConflict(
            phrase(
                "Cluster %(cluster)s (or its primary/standby pair) already has an active upgrade "
                "(#%(id)s of %(of)s, %(state)s).",
                cluster=cluster.name,
                id=active.pk,
                of=active.cluster.name,
                state=known(active.get_state_display()),
            )
            if active
            else phrase(
                "Cluster %(cluster)s (or its primary/standby pair) already has an active upgrade.",
                cluster=cluster.name,
            )
        )
    return upgrade


def enqueue_submit(upgrade_id: int, countdown: float | None = None) -> None:
    enqueue.send(enqueue.SUBMIT, upgrade_id, countdown)


def run_submit(upgrade_id: int) -> SubmitOutcome:
    """One submission run, holding the lease. Anything unexpected becomes a recorded fault and a
    retry (never a crash loop); a lost lease stops the run with nothing written."""
    held = lease.acquire(upgrade_id, SUBMISSION_STATES)
    if held is None:
        return SubmitOutcome("busy")
    try:
        upgrade = Upgrade.objects.select_related("cluster__site", "package").get(pk=upgrade_id)
        return _count_failures(upgrade, held, _submit_with_lease(upgrade, held))
    except lease.LeaseLost:
        return SubmitOutcome("busy")
    except Exception as exc:  # a bug or bad data must not leave the upgrade stuck without a word
        log.exception("Submission of upgrade %s failed", upgrade_id)
        return _unexpected(upgrade_id, held, exc)
    finally:
        lease.release(upgrade_id, held.token)


def _unexpected(upgrade_id: int, held: lease.Lease, exc: Exception) -> SubmitOutcome:
    message = phrase(
        "ocpdash could not submit it (%(error)s); it will try again",
        error=f"{type(exc).__name__}: {str(exc)[:300]}",
    )
    try:
        upgrade = Upgrade.objects.get(pk=upgrade_id)
        return _count_failures(upgrade, held, _note_fault(upgrade, held, message))
    except lease.LeaseLost:
        return SubmitOutcome("busy")


def _submit_with_lease(upgrade: Upgrade, held: lease.Lease) -> SubmitOutcome:
    if upgrade.ocp_task_id:
        return SubmitOutcome("done")
    with upgrade.cluster.site.client(max_retries=0) as client:
        if upgrade.submit_attempted_at is not None:  # an earlier attempt may have reached OCP
            _renew(upgrade, held, calls=8)
            try:
                existing = find_created_task(client, upgrade)
            except OcpError as exc:
                return _note_fault(upgrade, held, exc.message, exc.trace_id)
            if existing is not None:
                adopt(upgrade, existing, held, adopted=True)
                return SubmitOutcome("adopted")
            age = held.now() - upgrade.submit_attempted_at
            if age < timedelta(seconds=settings.OCP_READ_TIMEOUT + 5):
                return SubmitOutcome("retry", 5.0)  # the earlier request may still be in flight
            if not upgrade.cancel_requested:
                events.record(
                    upgrade.pk,
                    UpgradeEvent.Kind.INFO,
                    phrase("OCP has no task from the earlier submission attempt; submitting again."),
                )
        if upgrade.cancel_requested:
            return _cancel(upgrade, held)
        return _post(client, upgrade, held)


def _renew(upgrade: Upgrade, held: lease.Lease, calls: int) -> None:
    """Hold the lease for as long as ``calls`` OCP requests may take, or stop (LeaseLost)."""
    if not lease.renew(upgrade.pk, held.token, lease.call_budget(calls), SUBMISSION_STATES):
        raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost during its submission.")


def _cancel(upgrade: Upgrade, held: lease.Lease) -> SubmitOutcome:
    """An operator cancelled it and OCP has no task from it (looked up above when one may exist)."""
    with transaction.atomic():
        done = Upgrade.objects.filter(
            pk=upgrade.pk, lease_owner=held.token, ocp_task_id__isnull=True, state__in=CANCELLABLE_STATES
        ).update(state=State.CANCELLED, finished_at=held.now(), next_poll_at=None, ocp_fault="")
        if not done:
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before cancelling.")
        events.record(
            upgrade.pk, UpgradeEvent.Kind.STATE, phrase("Upgrade cancelled: OCP has no task from it.")
        )
        events.announce("finished", upgrade.pk, outcome="cancelled")
    return SubmitOutcome("cancelled")


def _count_failures(upgrade: Upgrade, held: lease.Lease, outcome: SubmitOutcome) -> SubmitOutcome:
    """A run that ends "try again later" counts; past OCPDASH_SUBMIT_MAX_ATTEMPTS in a row, over at
    least OCPDASH_SUBMIT_GIVE_UP_SECONDS since the first of them, the upgrade stops retrying and waits
    for an operator (retry the submission, or cancel). Runs come closer together than the backoff when
    beat's recovery queues a submission whose message it cannot see, so a count alone would give up
    after seconds of OCP throttling."""
    if outcome.result != "retry":
        if outcome.result in ("submitted", "adopted"):
            Upgrade.objects.filter(pk=upgrade.pk).update(submit_failures=0)
        return outcome
    failures = upgrade.submit_failures + 1
    since = upgrade.ocp_unreachable_since
    lasted = (held.now() - since).total_seconds() if since else 0.0
    if failures < settings.OCPDASH_SUBMIT_MAX_ATTEMPTS or lasted < settings.OCPDASH_SUBMIT_GIVE_UP_SECONDS:
        Upgrade.objects.filter(pk=upgrade.pk, lease_owner=held.token).update(submit_failures=failures)
        return outcome
    with transaction.atomic():
        moved = Upgrade.objects.filter(
            pk=upgrade.pk, lease_owner=held.token, ocp_task_id__isnull=True, state__in=SUBMISSION_STATES
        ).update(state=State.NEEDS_ATTENTION, submit_failures=failures)
        if moved:
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.STATE,
                phrase(
                    "Submission stopped after %(tries)s tries in a row over %(lasted)s (%(fault)s). "
                    "Retry the submission or cancel the upgrade.",
                    tries=failures,
                    lasted=_duration(lasted),
                    fault=upgrade.ocp_fault or phrase("see above"),
                ),
            )
            events.announce("needs_attention", upgrade.pk, reason=upgrade.ocp_fault or "")
    return SubmitOutcome("needs_attention")


def _duration(seconds: float) -> str:
    if seconds >= 90:
        return phrase("%(minutes)s min", minutes=f"{seconds / 60:.0f}")
    return phrase("%(seconds)s s", seconds=f"{seconds:.0f}")


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
        phrase(
            "OCP asked for OCP 4.3's upgrade request (POST %(path)s); sending it in that form.", path=path
        ),
    )
    return client.upgrade_cluster(upgrade.cluster.ocp_id, request, ocp_version=NEW_BODY)


NEW_BODY = (4, 3)
# OCP's refusal while another operation runs on the cluster (OBE11020): nothing was created, and
# OCP's own scheduled tasks end by themselves, so the submission waits instead of failing.
BUSY_TEXT = "still in progress"


def _busy(exc: OcpError) -> bool:
    said = f"{exc.code} {exc.ocp_message or ''}"
    return isinstance(exc, OcpRefused) and ("OBE11020" in said or BUSY_TEXT in said.lower())


def _post(client, upgrade: Upgrade, held: lease.Lease) -> SubmitOutcome:
    """The one POST. The lease is renewed to cover it and the attempt recorded in the same guarded
    UPDATE; if that finds the lease gone, the upgrade moved on or a cancel requested, nothing is sent."""
    now = held.now()
    first = upgrade.state == State.QUEUED
    _renew(upgrade, held, calls=3)  # OCP's version, the POST, and 4.3's POST if OCP asks for it
    claimed = Upgrade.objects.filter(
        pk=upgrade.pk,
        lease_owner=held.token,
        state__in=SUBMISSION_STATES,
        ocp_task_id__isnull=True,
        cancel_requested=False,
    ).update(state=State.SUBMITTING, submit_attempted_at=now, submit_attempts=F("submit_attempts") + 1)
    if not claimed:
        raise lease.LeaseLost(f"Upgrade {upgrade.pk}: not sent (lease lost, cancelled or moved on).")
    if first:
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, phrase("Submitting the upgrade to OCP."))
    upgrade.submit_attempted_at, upgrade.submit_attempts = now, upgrade.submit_attempts + 1
    ocp_release = _ocp_release(client, upgrade)
    try:
        task = _send(client, upgrade, ocp_release)
    except OcpRefused as exc:
        if not _busy(exc):
            reject(upgrade, exc, held)
            return SubmitOutcome("rejected")
        Upgrade.objects.filter(pk=upgrade.pk, lease_owner=held.token).update(submit_attempted_at=None)
        return _note_fault(
            upgrade,
            held,
            phrase(
                "OCP says another task is still running on the cluster; will submit when it ends: %(error)s",
                error=exc.message,
            ),
            exc.trace_id,
        )
    except (OcpForbidden, OcpNotFound) as exc:
        reject(upgrade, exc, held)
        return SubmitOutcome("rejected")
    except OcpError as exc:
        if not exc.request_sent or isinstance(exc, OcpAuthError):
            # OCP never processed it: forget the attempt, so the retry posts without a lookup.
            Upgrade.objects.filter(pk=upgrade.pk, lease_owner=held.token).update(submit_attempted_at=None)
        return _note_fault(upgrade, held, exc.message, exc.trace_id)
    adopt(upgrade, task, held, adopted=False)
    return SubmitOutcome("submitted")


def find_created_task(client, upgrade: Upgrade) -> TaskInstance | None:
    """The OCP upgrade task an earlier attempt created, if there is one: an unclaimed upgrade task
    on the cluster (or a member of its pair, where OCP may have put it) started after the attempt."""
    taken = set(Upgrade.objects.filter(ocp_task_id__isnull=False).values_list("ocp_task_id", flat=True))
    attempted = upgrade.submit_attempted_at
    if attempted is None:  # no earlier attempt (callers check first), so nothing it created
        return None
    since = attempted - ADOPT_CLOCK_SKEW
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


def adopt(upgrade: Upgrade, task: TaskInstance, held: lease.Lease, *, adopted: bool) -> None:
    """Store OCP's task id: the upgrade runs. A cancel requested meanwhile gives way to it (OCP
    already started the upgrade), and says so."""
    from ocpdash.upgrades.polling import enqueue_poll
    from ocpdash.upgrades.storing import store_tasks

    now = held.now()
    with transaction.atomic():
        updated = Upgrade.objects.filter(
            pk=upgrade.pk, lease_owner=held.token, ocp_task_id__isnull=True, state__in=SUBMISSION_STATES
        ).update(
            ocp_task_id=task.id,
            state=State.RUNNING,
            submitted_at=now,
            ocp_task_status=task.status or "",
            ocp_context={"string_map": task.context.string_map, "list_map": task.context.list_map},
            next_poll_at=now,
            ocp_fault="",
            ocp_unreachable_since=None,
            last_error="",
            submit_failures=0,
            cancel_requested=False,
            lease_owner="",  # released here so the first poll, queued on commit, can take it
            lease_until=None,
        )
        if not updated:
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before storing OCP's task #{task.id}.")
        store_tasks(upgrade.pk, task, [])
        how = (
            phrase(
                "Found the OCP task created by the earlier attempt: task #%(id)s '%(name)s'.",
                id=task.id,
                name=task.name,
            )
            if adopted
            else phrase("Submitted to OCP: task #%(id)s '%(name)s'.", id=task.id, name=task.name)
        )
        events.record(upgrade.pk, UpgradeEvent.Kind.STATE, how, ocp_task_id=task.id)
        if upgrade.cancel_requested:
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.INFO,
                phrase(
                    "The cancel was not carried out: OCP had already started the upgrade; ocpdash follows it."
                ),
            )
        events.announce("started", upgrade.pk, eta_text=_eta_text(upgrade))
        transaction.on_commit(lambda: enqueue_poll(upgrade.pk), robust=True)


def _eta_text(upgrade: Upgrade) -> str:
    """The ETA the plan was approved with (a started message does not wait for a new estimate)."""
    return ((upgrade.plan or {}).get("details") or {}).get("eta", {}).get("text", "")


def reject(upgrade: Upgrade, exc: OcpError, held: lease.Lease) -> None:
    """OCP refused the request: the upgrade ends rejected, but only while this worker holds the
    lease and no OCP task is known (a refusal never overwrites an upgrade OCP runs)."""
    said = exc.ocp_message or exc.message
    if exc.sub_errors:
        said += " [" + "; ".join(str(s) for s in exc.sub_errors) + "]"
    message = phrase("OCP refused the upgrade: %(error)s", error=said)
    if exc.code not in (None, 0, "0"):
        message = phrase("OCP refused the upgrade: %(error)s (OCP error %(code)s)", error=said, code=exc.code)
    with transaction.atomic():
        done = Upgrade.objects.filter(
            pk=upgrade.pk, lease_owner=held.token, ocp_task_id__isnull=True, state__in=SUBMISSION_STATES
        ).update(
            state=State.REJECTED,
            finished_at=held.now(),
            ocp_fault="",
            **phrases.columns("last_error", message),
        )
        if not done:
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before recording OCP's refusal.")
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.STATE,
            message,
            status=exc.status,
            code=str(exc.code),
            **events.trace(exc.trace_id),
        )
        events.announce("finished", upgrade.pk, outcome="rejected", reason=message)


def _note_fault(
    upgrade: Upgrade, held: lease.Lease, message: str, trace_id: str | None = None
) -> SubmitOutcome:
    """Not submitted yet, for a reason that may pass (OCP down, busy, our own bug): shown on the page
    (an event the first time), retried with backoff."""
    with transaction.atomic():
        if not Upgrade.objects.filter(pk=upgrade.pk, lease_owner=held.token, ocp_task_id__isnull=True).update(
            ocp_unreachable_since=upgrade.ocp_unreachable_since or held.now(),
            **phrases.columns("ocp_fault", message),
        ):
            raise lease.LeaseLost(f"Upgrade {upgrade.pk}: lease lost before noting a fault.")
        if upgrade.ocp_fault != message and not upgrade.ocp_fault:
            events.record(
                upgrade.pk,
                UpgradeEvent.Kind.ERROR,
                phrase("Not submitted yet, will retry: %(fault)s", fault=message),
                **events.trace(trace_id),
            )
    upgrade.ocp_fault = message
    return SubmitOutcome("retry", _backoff(upgrade.submit_failures + 1))


def _backoff(attempts: int) -> float:
    from celery.utils.time import get_exponential_backoff_interval

    return max(1.0, get_exponential_backoff_interval(2, attempts, 60, full_jitter=True))
