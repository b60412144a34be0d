"""Task and subtask records, their JSON shapes and their logs (ocp-api.md §3.1, §3.3)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocpdash.simulator.envelope import format_log_time, format_time

EXECUTOR = "10.255.0.1"
TERMINAL = {"SUCCESSFUL", "FAILED"}
# Task types (the task-list doc's ``type`` filter; "SYS_ONECE" is OCP's spelling).
MANUAL, SYS_ONECE, SCHEDULED, SYS_SCHEDULED = "MANUAL", "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED"
TASK_TYPES = (MANUAL, SYS_ONECE, SCHEDULED, SYS_SCHEDULED)
SYSTEM_USER = {"id": 200, "name": "system"}  # the creator of system tasks in the task-list doc sample
ENTITY_LOGGER = "c.a.o.c.m.t.model.SubtaskInstanceEntity"


@dataclass
class Subtask:
    id: int
    name: str
    series_id: int
    timeout: int
    prohibit_rollback: bool = False
    kind: str = "step"  # start, prepare, submit, wait, update, stop_zone, install, restart, start_zone, step
    zone: str | None = None  # None with a zone kind = every zone
    parallel_idx: int = -1
    binary_index: int = -1  # which binary version a submit/wait pair handles
    cluster_id: int | None = None  # the cluster a submit/wait pair's child task runs on
    upstreams: list[int] = field(default_factory=list)
    downstreams: list[int] = field(default_factory=list)
    status: str = "PENDING"
    operation: str = "EXECUTE"
    run_time: int = 1
    create_time: float = 0.0
    start_time: float | None = None
    finish_time: float | None = None
    due: float | None = None  # when the current state's next transition happens
    outcome: str = "ok"  # ok | fail | hang (decided when it starts running)
    timeout_after: float = 0.0
    needs_rollback: bool = False  # set by a task rollback until this subtask's rollback run starts
    child_task_id: int | None = None
    log: list[tuple[float, str]] = field(default_factory=list)

    def basic_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.name,
            "status": self.status,
            "operation": self.operation,
        }

    def to_json(self) -> dict:
        return {
            **self.basic_json(),
            "seriesId": self.series_id,
            "timeout": self.timeout,
            "executor": EXECUTOR if self.start_time is not None else None,
            "runTime": self.run_time,
            "createTime": format_time(self.create_time),
            "startTime": format_time(self.start_time),
            "finishTime": format_time(self.finish_time) if self.status in TERMINAL else None,
            "nodeType": "JAVA_TASK",
            "parallelIdx": self.parallel_idx,
            "upstreams": list(self.upstreams),
            "downstreams": list(self.downstreams),
            "prohibitRollback": self.prohibit_rollback,
        }

    def upgrade_json(self) -> dict:
        """The older shape under ``tasks`` in the upgrade POST answer."""
        return {
            "description": self.name,
            "downstreams": list(self.downstreams),
            "id": self.id,
            "name": self.name,
            "operation": self.operation,
            "status": self.status,
            "upstreams": list(self.upstreams),
        }

    # -- log ---------------------------------------------------------------------------------
    def log_begin(self, at: float, operation: str, context: str) -> None:
        self.log.append((at, f"############{{{operation}}}{{{format_time(at)}}}############"))
        self.log_line(at, f"Run subtask, id={self.id}, context={context}, executor={EXECUTOR}")

    def log_line(self, at: float, text: str, level: str = "INFO", logger: str = ENTITY_LOGGER) -> None:
        thread = f"pool-subtask-executor-thread-{self.id % 64},{self.id:016x},{self.run_time:x}"
        self.log.append((at, f"{format_log_time(at)} {level:>5} 57200 --- [{thread}] {logger}  : {text}"))

    def log_state(self, at: float) -> None:
        self.prune_log(at)
        self.log_line(
            at,
            f"Set state for subtask: {self.id}, operation:{self.operation}, state: {self.status}",
            logger="c.o.o.t.e.c.w.subtask.SubtaskWorker",
        )

    def prune_log(self, at: float) -> None:
        """Forget planned progress lines later than ``at`` (the run ended early)."""
        self.log = [(t, line) for t, line in self.log if t <= at]

    def render_log(self, now: float) -> str:
        return "\n".join(line for t, line in self.log if t <= now)


@dataclass
class Task:
    id: int
    name: str
    cluster_id: int
    cluster_ref: dict
    string_map: dict[str, str]
    list_map: dict[str, list[str]]
    create_time: float
    creator: dict = field(default_factory=lambda: {"id": 100, "name": "admin"})
    type: str = MANUAL
    definition_id: int = -1  # -1 for manual tasks, as in the doc sample
    kind: str = "upgrade"  # upgrade (the parent) | child (one binary version) | background
    parent_id: int | None = None  # internal only: OCP does not expose the link
    binary_version: str | None = None
    status: str = "RUNNING"
    operation: str = "EXECUTE"
    finish_time: float | None = None
    subtasks: dict[int, Subtask] = field(default_factory=dict)
    plan: object = None  # the upgrade plan this task carries out

    @property
    def is_child(self) -> bool:
        return self.kind == "child"

    @property
    def context(self) -> str:
        strings = ", ".join(f"{k}={v}" for k, v in self.string_map.items())
        lists = ", ".join(f"{k}=[{', '.join(v)}]" for k, v in self.list_map.items())
        return f"Context(parallelIdx=-1, stringMap={{{strings}}}, listMap={{{lists}}})"

    def ordered(self) -> list[Subtask]:
        return [self.subtasks[k] for k in sorted(self.subtasks)]

    def _finish_time(self) -> str | None:
        return format_time(self.finish_time) if self.status in TERMINAL else None

    def basic_json(self) -> dict:
        """A task-list row: BasicTaskInstance, the fields of the task-list doc sample only."""
        return {
            "cluster": self.cluster_ref,
            "creator": self.creator,
            "finishTime": self._finish_time(),
            "id": self.id,
            "name": self.name,
            "startTime": format_time(self.create_time),
            "status": self.status,
            "subtasks": [s.basic_json() for s in self.ordered()],
        }

    def to_json(self, prohibit_rollback: bool) -> dict:
        """WrappedTaskInstance (task-details doc): no ``context`` and no ``clusterId``."""
        return {
            "cluster": self.cluster_ref,
            "createTime": format_time(self.create_time),
            "creator": self.creator,
            "executor": EXECUTOR,
            "finishTime": self._finish_time(),
            "id": self.id,
            "name": self.name,
            "operation": self.operation,
            "prohibitRollback": prohibit_rollback,
            "startTime": format_time(self.create_time),
            "status": self.status,
            "subtasks": [s.to_json() for s in self.ordered()],
            "taskDefinitionId": self.definition_id,
            "type": self.type,
        }

    def upgrade_json(self) -> dict:
        """The upgrade POST's answer: the older shape of the doc sample, ``context`` included."""
        ref = {k: self.cluster_ref[k] for k in ("id", "name", "obClusterId")}
        return {
            "cluster": ref,
            "context": self.context,
            "creator": self.creator,
            "id": self.id,
            "name": self.name,
            "startTime": format_time(self.create_time),
            "status": self.status,
            "tasks": [s.upgrade_json() for s in self.ordered()],
        }
