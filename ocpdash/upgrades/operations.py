"""Operator actions on an upgrade, sent to OCP and recorded as events with actor and reason.

Which actions are offered follows OCP's rules (shared/ocp/ocp-api.md §3.3): retry and skip only a
FAILED step, cancel only a RUNNING one, retry a FAILED task, roll back a FAILED task that OCP does
not prohibit rolling back. OCP has the last word: its refusal is shown as it is.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ocpdash.ocp import OcpError, OcpRefused
from ocpdash.upgrades import events
from ocpdash.upgrades.errors import NotAllowed, OcpUnavailable, OperationRefused
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask

TASK_OPERATIONS = ("retry", "rollback", "close")
STEP_OPERATIONS = ("retry", "skip", "cancel")
LABELS = {"retry": "Retry", "rollback": "Roll back", "close": "Close", "skip": "Skip", "cancel": "Cancel"}


def task_operations(upgrade: Upgrade) -> list[str]:
    """Upgrade-level actions OCP allows now (permission is checked separately)."""
    ops = []
    if upgrade.state == State.FAILED and upgrade.ocp_task_id:
        if upgrade.ocp_task_operation != "ROLLBACK":
            ops.append("retry")
        if not upgrade.ocp_prohibit_rollback and upgrade.ocp_task_status == "FAILED":
            ops.append("rollback")
        ops.append("close")
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
    """Retry or roll back the upgrade's OCP task, or close a failed upgrade. Returns the outcome."""
    _check(user, operation, task_operations(upgrade), "the upgrade", upgrade)
    if operation == "close":
        return _close(user, upgrade, reason)
    with upgrade.cluster.site.client(max_retries=0) as client:
        if operation == "retry":
            _retry_failed_tasks(client, upgrade)
        else:
            _call(lambda: client.rollback_task(upgrade.ocp_task_id))
    return _done(user, upgrade, operation, reason, f"{LABELS[operation]} of the OCP task sent to OCP.")


def _retry_failed_tasks(client, upgrade: Upgrade) -> None:
    """Retry failed child tasks first; OCP then resumes the parent's 'Wait dag success' by itself.
    The parent is retried only if it is still FAILED after that."""
    children = UpgradeTask.objects.filter(upgrade=upgrade, is_parent=False, status="FAILED")
    for task_id in children.order_by("-ocp_task_id").values_list("ocp_task_id", flat=True):
        _call(lambda task_id=task_id: client.retry_task(task_id))
    if _call(lambda: client.get_task(upgrade.ocp_task_id)).status == "FAILED":
        _call(lambda: client.retry_task(upgrade.ocp_task_id))


def operate_step(user, upgrade: Upgrade, step: UpgradeStep, operation: str, *, reason: str = "") -> str:
    _check(user, operation, step_operations(upgrade, step), f"step '{step.name}'", upgrade)
    with upgrade.cluster.site.client(max_retries=0) as client:
        call = {"retry": client.retry_subtask, "skip": client.skip_subtask, "cancel": client.cancel_subtask}[
            operation
        ]
        _call(lambda: call(step.ocp_task_id, step.ocp_subtask_id))
    message = f"{LABELS[operation]} of step '{step.name}' sent to OCP."
    return _done(user, upgrade, operation, reason, message, subtask_id=step.ocp_subtask_id)


def _check(user, operation: str, allowed: list[str], what: str, upgrade: Upgrade) -> None:
    if not can_operate(user):
        raise NotAllowed("You are not allowed to operate upgrades (Operators role needed).")
    if operation not in allowed:
        now = ", ".join(LABELS[o].lower() for o in allowed) or "nothing"
        raise OperationRefused(
            f"{LABELS.get(operation, operation)} is not possible for {what} now "
            f"(upgrade {upgrade.get_state_display().lower()}); possible: {now}."
        )


def _call(fn):
    try:
        return fn()
    except OcpRefused as exc:
        raise OperationRefused(f"OCP refused: {exc.ocp_message or exc.message}")
    except OcpError as exc:
        raise OcpUnavailable(f"Nothing was changed; OCP could not be reached: {exc.message}")


def _done(user, upgrade: Upgrade, operation: str, reason: str, message: str, subtask_id=None) -> str:
    from ocpdash.upgrades.polling import enqueue_poll

    with transaction.atomic():
        events.record(
            upgrade.pk,
            UpgradeEvent.Kind.OPERATION,
            message + (f" Reason: {reason}" if reason else ""),
            actor=user,
            subtask_id=subtask_id,
            operation=operation,
            reason=reason,
        )
        # OCP runs the task again: follow it at once.
        Upgrade.objects.filter(pk=upgrade.pk, state=State.FAILED).update(
            state=State.RUNNING, finished_at=None
        )
        Upgrade.objects.filter(pk=upgrade.pk).update(next_poll_at=timezone.now())
        transaction.on_commit(lambda: enqueue_poll(upgrade.pk), robust=True)
    return message


def _close(user, upgrade: Upgrade, reason: str) -> str:
    with transaction.atomic():
        closed = Upgrade.objects.filter(pk=upgrade.pk, state=State.FAILED).update(
            state=State.CLOSED, finished_at=timezone.now(), next_poll_at=None
        )
        if not closed:
            raise OperationRefused("Only a failed upgrade can be closed.")
        message = "Upgrade closed; the OCP task is left as it is." + (f" Reason: {reason}" if reason else "")
        events.record(
            upgrade.pk, UpgradeEvent.Kind.OPERATION, message, actor=user, operation="close", reason=reason
        )
    return message
