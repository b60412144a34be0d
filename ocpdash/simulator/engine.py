"""The task engine: subtasks move PENDING → READY → RUNNING → SUCCESSFUL/FAILED over wall time.

State advances lazily: every request calls :meth:`Engine.advance` under the simulator lock, which
replays, in time order, every transition due so far for the tasks whose next transition is due
(a heap keyed by due time), so 500 idle upgrades cost nothing between requests.
Operator actions (retry, skip, cancel, rollback) follow ocp-api.md §3.3; upgrade side effects
(cluster status, server versions) are applied through :class:`Effects`.
"""

from __future__ import annotations

import hashlib
import heapq

from ocpdash.simulator.dags import UpgradePlan, progress_lines
from ocpdash.simulator.envelope import (
    TASK_PROHIBIT_ROLLBACK,
    TASK_STATE_INVALID,
    ApiError,
    bad_request,
    format_time,
)
from ocpdash.simulator.faults import Faults
from ocpdash.simulator.tasks import TERMINAL, Subtask, Task

ACTIVE = {"READY", "RUNNING", "CANCELING"}
SKIPS = {"SKIP": "SUCCESSFUL", "ROLLBACK_SKIP": "PENDING"}  # operation -> status it ends in


def state_invalid(obj_id: int, state: str) -> ApiError:
    return bad_request(
        f"This operation is not supported for the {obj_id} task in the {state} state.",
        "TSK10007",
        code=TASK_STATE_INVALID,
    )


class Effects:
    """What finishing a subtask does to the world; implemented by the simulator state."""

    def on_submit(self, parent: Task, sub: Subtask, at: float) -> Task: ...
    def on_zone_step(self, task: Task, sub: Subtask, at: float) -> None: ...
    def on_task_end(self, task: Task, at: float) -> None: ...


class Engine:
    def __init__(self, faults: Faults, effects: Effects, seed: int = 0, step_seconds: float = 3.0) -> None:
        self.faults = faults
        self.effects = effects
        self.seed = seed
        self.step_seconds = step_seconds
        self.parent_resumes_after_child_retry = False
        self.tasks: dict[int, Task] = {}
        self._heap: list[tuple[float, int]] = []

    # -- timing --------------------------------------------------------------------------------
    def duration(self, sub: Subtask) -> float:
        """step_seconds jittered by ±30%, deterministic for (seed, subtask id, run)."""
        digest = hashlib.sha1(f"{self.seed}:{sub.id}:{sub.run_time}".encode(), usedforsecurity=False).digest()
        return self.step_seconds * (0.7 + 0.6 * digest[0] / 255)

    @property
    def ready_delay(self) -> float:
        return self.step_seconds * 0.1

    def schedule(self, task: Task, when: float | None) -> None:
        if when is not None:
            heapq.heappush(self._heap, (when, task.id))

    def start(self, task: Task, now: float) -> None:
        """Register a new task; its first subtask starts RUNNING at once (as in OCP's sample)."""
        self.tasks[task.id] = task
        self._promote(task, now)
        for sub in task.subtasks.values():
            if sub.status == "READY":
                sub.due = None
                self._from_ready(task, sub, now)
        self.schedule(task, now)

    # -- advancing -----------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            _, task_id = heapq.heappop(self._heap)
            task = self.tasks.get(task_id)
            if task is not None:
                self._step(task, now)

    def _step(self, task: Task, now: float) -> None:
        while True:
            due = [s for s in task.subtasks.values() if s.due is not None]
            if not due:
                return
            sub = min(due, key=lambda s: (s.due, s.id))
            if sub.due > now:
                self.schedule(task, sub.due)
                return
            at, sub.due = sub.due, None
            self._transition(task, sub, at)
            self._promote(task, at)
            self._update_status(task, at)

    def _transition(self, task: Task, sub: Subtask, at: float) -> None:
        if sub.status == "READY":
            self._from_ready(task, sub, at)
        elif sub.status == "CANCELING":
            sub.operation = "CANCEL"
            sub.log_line(at, f"Subtask {sub.id} was canceled by the user.", "WARN")
            self._finish(task, sub, "FAILED", at)
        elif sub.status == "RUNNING":
            self._from_running(task, sub, at)

    def _from_ready(self, task: Task, sub: Subtask, at: float) -> None:
        if sub.operation in SKIPS:
            sub.log.append((at, f"############{{{sub.operation}}}{{{_fmt(at)}}}############"))
            self._finish(task, sub, SKIPS[sub.operation], at)
            return
        sub.status, sub.start_time, sub.finish_time = "RUNNING", at, None
        sub.log_begin(at, sub.operation, task.context)
        if sub.operation == "ROLLBACK":
            sub.needs_rollback = False
            sub.outcome = self.faults.rollback_outcome(sub.name, sub.zone, task.cluster_id)
            sub.due = at + self.duration(sub) * 0.5
            return
        if sub.kind == "wait":
            child = self.tasks.get(sub.child_task_id or -1)
            if child is not None and child.status in TERMINAL:
                sub.due = at
            return
        sub.outcome, hang_timeout = self.faults.subtask_outcome(sub.name, sub.zone, task.cluster_id)
        length = self.duration(sub)
        lines = progress_lines(task, sub)
        for i, line in enumerate(lines, start=1):
            sub.log_line(at + length * i / (len(lines) + 1), line)
        if sub.outcome == "ok":
            sub.due = at + length
        elif sub.outcome == "fail":
            sub.due = at + length * 0.5
        else:
            sub.timeout_after = hang_timeout if hang_timeout is not None else float(sub.timeout)
            sub.due = at + sub.timeout_after

    def _from_running(self, task: Task, sub: Subtask, at: float) -> None:
        if sub.operation == "ROLLBACK":
            if sub.outcome == "fail":
                sub.log_line(at, f"Rollback {sub.name} failed: injected fault (simulator).", "ERROR")
                self._finish(task, sub, "FAILED", at)
            else:
                sub.log_line(at, f"Rollback of subtask {sub.id} done.")
                self._finish(task, sub, "PENDING", at)
            return
        if sub.kind == "wait":
            child = self.tasks[sub.child_task_id]
            ok = child.status == "SUCCESSFUL" and child.operation != "ROLLBACK"
            if not ok:
                sub.log_line(at, f"Child task {child.name} ended in {child.status}.", "ERROR")
            self._finish(task, sub, "SUCCESSFUL" if ok else "FAILED", at)
            return
        if sub.outcome == "fail":
            sub.log_line(at, f"Execute {sub.name} failed: injected fault (simulator).", "ERROR")
            self._finish(task, sub, "FAILED", at)
        elif sub.outcome == "hang":
            sub.prune_log(at)
            elapsed = int((at - sub.start_time) * 1000)
            sub.log_line(
                at,
                f"Receive timeout callback, id={sub.id}, name={sub.name}, elapsed={elapsed}, "
                f"timeout={int(sub.timeout_after * 1000)}",
                "ERROR",
            )
            self._finish(task, sub, "FAILED", at)
        else:
            if sub.kind == "submit":
                child = self.effects.on_submit(task, sub, at)
                wait = task.subtasks[sub.downstreams[0]]
                sub.child_task_id = wait.child_task_id = child.id
                sub.log_line(at, f"Submitted task {child.id} ({child.name}).")
            elif sub.kind in ("stop_zone", "restart", "start_zone", "update"):
                self.effects.on_zone_step(task, sub, at)
            self._finish(task, sub, "SUCCESSFUL", at)

    def _finish(self, task: Task, sub: Subtask, status: str, at: float) -> None:
        sub.status = status
        sub.finish_time = at
        sub.due = None
        sub.log_state(at)

    def _promote(self, task: Task, at: float) -> None:
        subs = task.subtasks
        for sub in subs.values():
            if task.operation == "ROLLBACK":
                ready = (
                    sub.needs_rollback
                    and sub.status in TERMINAL
                    and all(subs[d].status == "PENDING" for d in sub.downstreams)
                )
            else:
                ready = sub.status == "PENDING" and all(subs[u].status == "SUCCESSFUL" for u in sub.upstreams)
            if ready:
                sub.status = "READY"
                sub.due = at + self.ready_delay
                self.schedule(task, sub.due)

    def _update_status(self, task: Task, at: float) -> None:
        statuses = {s.status for s in task.subtasks.values()}
        done = "PENDING" if task.operation == "ROLLBACK" else "SUCCESSFUL"
        if statuses & ACTIVE:
            new = "RUNNING"
        elif "FAILED" in statuses:
            new = "FAILED"
        elif statuses == {done}:
            new = "SUCCESSFUL"
        else:
            new = "RUNNING"
        if new == task.status:
            return
        task.status = new
        task.finish_time = at if new in TERMINAL else None
        if new in TERMINAL:
            self.effects.on_task_end(task, at)
            self._notify_parent(task, at)

    def _notify_parent(self, child: Task, at: float) -> None:
        parent = self.tasks.get(child.parent_id or -1)
        if parent is None:
            return
        for sub in parent.subtasks.values():
            if sub.kind != "wait" or sub.child_task_id != child.id:
                continue
            if child.status in TERMINAL and sub.status == "RUNNING":
                sub.due = at
                self.schedule(parent, at)
            elif (
                self.parent_resumes_after_child_retry
                and child.status == "RUNNING"
                and sub.status == "FAILED"
                and sub.operation != "ROLLBACK"
            ):
                self._requeue(parent, sub, "RETRY", at)
                self._update_status(parent, at)

    # -- operator actions (§3.3) ---------------------------------------------------------------
    @staticmethod
    def prohibit_rollback(task: Task) -> bool:
        """As OCP Express: a subtask with the flag that has left PENDING/READY, or the context flag."""
        started = (s for s in task.subtasks.values() if s.status not in ("PENDING", "READY"))
        return any(s.prohibit_rollback for s in started) or task.string_map.get("prohibit_rollback") == "true"

    def retry_task(self, task: Task, now: float) -> None:
        if task.status != "FAILED" or task.operation == "ROLLBACK":  # X names the operation then
            raise state_invalid(task.id, task.status if task.status != "FAILED" else task.operation)
        task.operation = "RETRY"
        for sub in task.subtasks.values():
            if sub.status == "FAILED":
                self._requeue(task, sub, "RETRY", now)
                self._retry_failed_child(sub, now)
        self._resume(task, now)

    def retry_subtask(self, task: Task, sub: Subtask, now: float) -> None:
        if sub.status != "FAILED" or sub.operation == "ROLLBACK":
            raise state_invalid(sub.id, sub.status if sub.status != "FAILED" else sub.operation)
        self._requeue(task, sub, "RETRY", now)
        self._retry_failed_child(sub, now)
        self._resume(task, now)

    def skip_subtask(self, task: Task, sub: Subtask, now: float) -> None:
        """Skipping during a rollback is a ROLLBACK_SKIP: the subtask counts as rolled back."""
        if sub.status != "FAILED":
            raise bad_request(f"Subtask {sub.id} can not skip.", "TSK10010", code=TASK_STATE_INVALID)
        self._requeue(task, sub, "ROLLBACK_SKIP" if task.operation == "ROLLBACK" else "SKIP", now)
        self._resume(task, now)

    def cancel_subtask(self, task: Task, sub: Subtask, now: float) -> None:
        if sub.status != "RUNNING":
            raise state_invalid(sub.id, sub.status)
        sub.status = "CANCELING"
        sub.log_line(now, f"Cancel subtask, id={sub.id}.", "WARN")
        sub.due = now + self.ready_delay
        self.schedule(task, sub.due)

    def rollback_task(self, task: Task, now: float) -> None:
        if task.status != "FAILED":
            raise state_invalid(task.id, task.status)
        if self.prohibit_rollback(task):
            raise bad_request(f"Task {task.id} can not rollback.", "TSK10009", code=TASK_PROHIBIT_ROLLBACK)
        task.operation = "ROLLBACK"
        for sub in task.subtasks.values():
            if sub.status != "PENDING":
                sub.operation, sub.needs_rollback = "ROLLBACK", True
        task.status, task.finish_time = "RUNNING", None
        self._promote(task, now)
        self._update_status(task, now)
        self.schedule(task, now)

    def _requeue(self, task: Task, sub: Subtask, operation: str, at: float) -> None:
        sub.operation = operation
        if operation == "RETRY":
            sub.run_time += 1
        sub.status, sub.finish_time = "READY", None
        sub.due = at + self.ready_delay
        self.schedule(task, sub.due)

    def _retry_failed_child(self, sub: Subtask, now: float) -> None:
        """With ``parent_resumes_after_child_retry`` retrying a parent's Wait step retries its child."""
        child = self.tasks.get(sub.child_task_id or -1)
        if (
            self.parent_resumes_after_child_retry
            and sub.kind == "wait"
            and child is not None
            and child.status == "FAILED"
            and child.operation != "ROLLBACK"
        ):
            self.retry_task(child, now)

    def _resume(self, task: Task, now: float) -> None:
        task.status, task.finish_time = "RUNNING", None
        self._notify_parent(task, now)


def _fmt(at: float) -> str:
    return format_time(at) or ""


__all__ = ["Effects", "Engine", "UpgradePlan", "state_invalid"]
