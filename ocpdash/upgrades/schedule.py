"""Every step of a running upgrade laid out in time: what ran when, and when the rest should run by the
ETA (ocpdash.upgrades.eta). The Gantt view draws it.

The rules follow eta.py's, step by step, so the last predicted end is the ETA's expected end:

- a finished step keeps OCP's times (started_at → finished_at);
- a started step (or one whose upstreams all succeeded) ends its predicted time (median) after it
  could start, and not before now;
- a failed step runs again from now for its full time (a retry);
- a pending step starts when its latest upstream ends (a task's first step: when its task starts, or
  the step that waits for it) and takes its predicted time;
- a step that waits for child tasks ('Wait dag success') lasts until the last of them ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ocpdash.ocp.types import FAILED, SUCCESSFUL
from ocpdash.upgrades import eta
from ocpdash.upgrades.dag import topological_order
from ocpdash.upgrades.models import Upgrade


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    predicted: bool  # the end (and, for a pending step, the start) comes from the ETA


@dataclass
class Schedule:
    slots: dict[int, Slot]  # OCP subtask id → its slot
    expected_end: datetime | None


NONE = Schedule({}, None)


def predicted_schedule(
    upgrade: Upgrade, *, now: datetime | None = None, history: eta.History | None = None
) -> Schedule:
    """Each step's (start, end) for a running upgrade, past ones as they happened and the rest by the
    ETA; empty when there is nothing to predict from (no DAG yet, no history, not running)."""
    found = eta.own_dag_and_predictor(upgrade, history=history)
    if found is None:
        return NONE
    dag, predict = found
    return _Layout(dag, predict, now or timezone.now()).run()


class _Layout:
    def __init__(self, dag: eta.Dag, predict: eta.Predictor, now: datetime) -> None:
        self.dag, self.predict, self.now = dag, predict, now
        self.slots: dict[int, Slot] = {}

    def run(self) -> Schedule:
        inside = {task for kids in self.dag.children.values() for task in kids}
        ends = [self.task(task, self.now, {task}) for task in self.dag.tasks if task not in inside]
        return Schedule(self.slots, max(ends, default=None))

    def task(self, task: int, begin: datetime, seen: set[int]) -> datetime:
        """Lays out the task's steps; returns when its last step ends."""
        dag = self.dag
        ids = dag.tasks[task]
        ups = {i: [u.id for u in dag.upstreams(dag.steps[i])] for i in ids}
        start = dag.task_started.get(task) or begin
        for i in topological_order(ups):
            ready = max((self.slots[u].end for u in ups[i] if u in self.slots), default=start)
            self.slots[i] = self.step(dag.steps[i], ready, seen)
        return max((self.slots[i].end for i in ids), default=begin)

    def step(self, step: eta.Step, ready: datetime, seen: set[int]) -> Slot:
        if step.status == SUCCESSFUL and step.finished is not None:
            return Slot(step.started or min(ready, step.finished), step.finished, False)
        kids = [t for t in self.dag.children.get(step.id, ()) if t in self.dag.tasks and t not in seen]
        begin = step.started or max(ready, self.now)
        if kids:
            end = max(self.task(t, begin, seen | {t}) for t in kids)
            return Slot(begin, max(end, begin), True)
        seconds = timedelta(seconds=self.predict(self.dag, step)[0])
        if step.status == FAILED:
            return Slot(step.started or self.now, self.now + seconds, True)
        ups = self.dag.upstreams(step)
        if step.started is not None or (ups and all(u.status == SUCCESSFUL for u in ups)):
            could = self.dag.ready_at(step) or self.now
            return Slot(step.started or could, max(self.now, could + seconds), True)
        begin = max(ready, self.now)
        return Slot(begin, begin + seconds, True)
