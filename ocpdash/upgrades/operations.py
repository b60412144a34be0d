"""Operator actions on an upgrade, sent to OCP and recorded as events with actor and reason.

Which actions are offered follows OCP's rules (shared/ocp/ocp-api.md §3.3): retry and skip only a
FAILED step, cancel only a RUNNING one, retry a FAILED task, roll back a FAILED task that OCP does
not prohibit rolling back. OCP has the last word: its refusal is shown as it is.
"""

from __future__ import annotations

from django.db import transaction

from ocpdash.core.phrases import joined, known, phrase
from ocpdash.ocp import OcpError, OcpRefused
from ocpdash.upgrades import events, lease
from ocpdash.upgrades.errors import NotAllowed, OcpUnavailable, OperationRefused
from ocpdash.upgrades.models import (
    CANCELLABLE_STATES,
    State,
    Upgrade,
    UpgradeEvent,
    UpgradeStep,
    UpgradeTask,
)

TASK_OPERATIONS = ("retry", "rollback", "close", "cancel", "resubmit")
STEP_OPERATIONS = ("retry", "skip", "cancel")
LABELS = {
    "retry": "Retry",
    "rollback": "Roll back",
    "close": "Close",
    "skip": "Skip",
    "cancel": "Cancel",
    "resubmit": "Retry the submission",
}
NOT_AN_OPERATOR = phrase("You are not allowed to operate upgrades (Operators role needed).")


def task_operations(upgrade: Upgrade) -> list[str]:
    """Upgrade-level actions possible now (permission is checked separately): OCP's rules for its
    task, and cancelling what OCP has not started."""
    ops = []
    if upgrade.state == State.FAILED and upgrade.ocp_task_id:
        if upgrade.ocp_task_operation != "ROLLBACK":
            ops.append("retry")
        if not upgrade.ocp_prohibit_rollback and upgrade.ocp_task_status == "FAILED":
            ops.append("rollback")
        ops.append("close")
    if upgrade.state == State.NEEDS_ATTENTION:
        ops.append("resubmit")
    if upgrade.state in CANCELLABLE_STATES and not upgrade.ocp_task_id and not upgrade.cancel_requested:
        ops.append("cancel")
    return ops


def step_operations(upgrade: Upgrade, step: UpgradeStep) -> list[str]:
    if upgrade.state not in (State.RUNNING, State.FAILED):
        return []
    if step.status == "FAILED":
        return ["retry", "skip"] if step.operation != "ROLLBACK" else ["skip"]
    if step.status == "RUNNING":
        return ["cancel"]
    return []


def can_operate(user) -> bool:
    return user.has_perm("upgrades.operate_upgrade")


def operate_task(user, upgrade: Upgrade, operation: str, *, reason: str = "") -> str:
    """Retry or roll back the upgrade's OCP task, close a failed upgrade, cancel one OCP has not
    started, or retry a submission that stopped. Returns the outcome."""
    _check(user, operation, task_operations(upgrade), phrase("the upgrade"), upgrade)
    if operation == "close":
        return _close(user, upgrade, reason)
    if operation == "cancel":
        return cancel(user, upgrade, reason)
    if operation == "resubmit":
        return _resubmit(user, upgrade, reason)
    _intent(
        user,
        upgrade,
        operation,
        reason,
        phrase("%(operation)s of the OCP task", operation=known(LABELS[operation])),
    )
    with upgrade.cluster.site.client(max_retries=0) as client:
        if operation == "retry":
            _retry_failed_tasks(client, upgrade, user)
        else:
            task_id = upgrade.ocp_task_id
            assert task_id is not None  # task_operations offers a rollback only of an upgrade's task
            _call(lambda: client.rollback_task(task_id), upgrade, user)
    accepted = phrase(
        "OCP accepted the %(operation)s of its task.", operation=known(LABELS[operation].lower())
    )
    return _done(user, upgrade, operation, reason, accepted)


def _retry_failed_tasks(client, upgrade: Upgrade, user) -> None:
    """Retry failed child tasks first; OCP may then resume the parent's 'Wait dag success' by
    itself. The parent is retried only if it is still FAILED after that."""
    children = UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False, status="FAILED")
    for task_id in children.order_by("-ocp_task_id").values_list("ocp_task_id", flat=True):
        _call(lambda task_id=task_id: client.retry_task(task_id), upgrade, user)
    if _call(lambda: client.get_task(upgrade.ocp_task_id), upgrade, user).status == "FAILED":
        _call(lambda: client.retry_task(upgrade.ocp_task_id), upgrade, user)


def operate_step(user, upgrade: Upgrade, step: UpgradeStep, operation: str, *, reason: str = "") -> str:
    _check(
        user, operation, step_operations(upgrade, step), phrase("step '%(step)s'", step=step.name), upgrade
    )
    what = phrase("%(operation)s of step '%(step)s'", operation=known(LABELS[operation]), step=step.name)
    _intent(user, upgrade, operation, reason, what, subtask_id=step.ocp_subtask_id)
    with upgrade.cluster.site.client(max_retries=0) as client:
        call = {"retry": client.retry_subtask, "skip": client.skip_subtask, "cancel": client.cancel_subtask}[
            operation
        ]
        _call(lambda: call(step.ocp_task_id, step.ocp_subtask_id), upgrade, user)
    message = phrase(
        "OCP accepted the %(operation)s of step '%(step)s'.",
        operation=known(LABELS[operation].lower()),
        step=step.name,
    )
    return _done(user, upgrade, operation, reason, message, subtask_id=step.ocp_subtask_id)


def _check(user, operation: str, allowed: list[str], what: str, upgrade: Upgrade) -> None:
    if not can_operate(user):
        raise NotAllowed(NOT_AN_OPERATOR)
    if operation not in allowed:
        possible = joined(*(known(LABELS[o].lower()) for o in allowed), sep=", ") or phrase("nothing")
        raise OperationRefused(
            phrase(
                "%(operation)s is not possible for %(what)s now (upgrade %(state)s); possible: %(possible)s.",
                operation=known(LABELS.get(operation, operation)),
                what=what,
                state=known(upgrade.get_state_display()),
                possible=possible,
            )
        )


def _intent(user, upgrade: Upgrade, operation: str, reason: str, what: str, subtask_id=None) -> None:
    """The audit record is written before OCP is asked; the outcome follows it."""
    events.record(
        upgrade.pk,
        UpgradeEvent.Kind.OPERATION,
        _with_reason(phrase("%(what)s requested by %(user)s.", what=what, user=user.get_username()), reason),
        actor=user,
        subtask_id=subtask_id,
        operation=operation,
        reason=reason,
    )


def _with_reason(message: str, reason: str) -> str:
    return joined(message, phrase("Reason: %(reason)s", reason=reason) if reason else "")


def _call(fn, upgrade: Upgrade, user):
    try:
        return fn()
    except OcpRefused as exc:
        message = phrase("OCP refused: %(error)s", error=exc.ocp_message or exc.message)
        events.record(
            upgrade.pk, UpgradeEvent.Kind.OPERATION, message, actor=user, **events.trace(exc.trace_id)
        )
        raise OperationRefused(message)
    except OcpError as exc:
        message = phrase("Nothing was changed; OCP could not be reached: %(error)s", error=exc.message)
        events.record(upgrade.pk, UpgradeEvent.Kind.ERROR, message, actor=user, **events.trace(exc.trace_id))
        raise OcpUnavailable(message)


def _done(user, upgrade: Upgrade, operation: str, reason: str, message: str, subtask_id=None) -> str:
    from ocpdash.upgrades.polling import enqueue_poll

    with transaction.atomic():
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.OPERATION,
            message,
            actor=user,
            subtask_id=subtask_id,
            operation=operation,
            outcome="accepted",
        )
        # OCP runs the task again: follow it at once.
        Upgrade.objects.filter(pk=upgrade.pk, state=State.FAILED).update(
            state=State.RUNNING, finished_at=None
        )
        Upgrade.objects.filter(pk=upgrade.pk, state__in=(State.RUNNING, State.FAILED)).update(
            next_poll_at=lease.db_now()
        )
        transaction.on_commit(lambda: enqueue_poll(upgrade.pk), robust=True)
    return message


def cancel(user, upgrade: Upgrade, reason: str = "") -> str:
    """Cancel an upgrade OCP has not started. Nothing ever sent: cancelled at once. An attempt that
    may have reached OCP: the submission worker first looks in OCP, and follows the task it finds
    instead of cancelling (see submission.py); the upgrade says which happened."""
    from ocpdash.upgrades.submission import enqueue_submit

    if not can_operate(user):
        raise NotAllowed(NOT_AN_OPERATOR)
    with transaction.atomic():
        now = lease.db_now()
        free = Upgrade.objects.filter(pk=upgrade.pk, ocp_task_id__isnull=True, state__in=CANCELLABLE_STATES)
        done = (
            free.filter(submit_attempted_at__isnull=True)
            .exclude(lease_until__gt=now)
            .update(state=State.CANCELLED, finished_at=now, cancel_requested=True, ocp_fault="")
        )
        if not done and not free.update(cancel_requested=True, state=State.SUBMITTING):
            raise OperationRefused(phrase("Only an upgrade OCP has not started can be cancelled."))
        message = (
            phrase("Upgrade cancelled; nothing had been sent to OCP.")
            if done
            else phrase(
                "Cancel requested: ocpdash looks in OCP for a task from an earlier attempt first, and "
                "follows it instead if OCP had already started the upgrade."
            )
        )
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.STATE if done else UpgradeEvent.Kind.OPERATION,
            _with_reason(message, reason),
            actor=user,
            operation="cancel",
            reason=reason,
        )
        if done:
            events.announce("finished", upgrade.pk, actor=user, outcome="cancelled", reason=reason)
        else:
            transaction.on_commit(lambda: enqueue_submit(upgrade.pk), robust=True)
    return message


def _resubmit(user, upgrade: Upgrade, reason: str) -> str:
    from ocpdash.upgrades.submission import enqueue_submit

    with transaction.atomic():
        moved = Upgrade.objects.filter(pk=upgrade.pk, state=State.NEEDS_ATTENTION).update(
            state=State.SUBMITTING, submit_failures=0
        )
        if not moved:
            raise OperationRefused(phrase("Only a submission that stopped can be retried."))
        message = _with_reason(phrase("Submission retried: ocpdash tries OCP again."), reason)
        events.record(upgrade.pk, UpgradeEvent.Kind.OPERATION, message, actor=user, operation="resubmit")
        transaction.on_commit(lambda: enqueue_submit(upgrade.pk), robust=True)
    return message


def _close(user, upgrade: Upgrade, reason: str) -> str:
    with transaction.atomic():
        closed = Upgrade.objects.filter(pk=upgrade.pk, state=State.FAILED).update(
            state=State.CLOSED, finished_at=lease.db_now(), next_poll_at=None
        )
        if not closed:
            raise OperationRefused(phrase("Only a failed upgrade can be closed."))
        message = _with_reason(phrase("Upgrade closed; the OCP task is left as it is."), reason)
        events.record(
            upgrade.pk, UpgradeEvent.Kind.OPERATION, message, actor=user, operation="close", reason=reason
        )
        events.announce("finished", upgrade.pk, actor=user, reason=reason)
    return message
