"""The simulator's whole state behind one lock: settings, estate, tasks, faults, logins and call log."""

from __future__ import annotations

import random
import threading
import time

from ocpdash.simulator.auth import Credentials
from ocpdash.simulator.background import (
    ACTIVE_CLUSTER_STATUSES,
    KEEP_FINISHED_PER_CLUSTER,
    Scheduler,
    Template,
)
from ocpdash.simulator.config import Settings, apply_config
from ocpdash.simulator.dags import UpgradePlan, assemble, child_nodes, linear_nodes, parent_nodes
from ocpdash.simulator.engine import Effects, Engine
from ocpdash.simulator.envelope import CONFLICT, TASK_NOT_EXISTS, ApiError, bad_request, not_found
from ocpdash.simulator.estate import Cluster, Estate, add_fleet, build_estate, clone_cluster
from ocpdash.simulator.faults import Faults
from ocpdash.simulator.logins import Logins
from ocpdash.simulator.packages import Package, PackageNameError, split_rpm_name
from ocpdash.simulator.tasks import MANUAL, SYSTEM_USER, TERMINAL, Subtask, Task
from ocpdash.simulator.upgrade import plan_upgrade

FIRST_TASK_ID = 108001
FIRST_SUBTASK_ID = 130001
MAX_CALLS = 200_000
ADMIN = {"id": 100, "name": "admin"}


class Simulator(Effects):
    def __init__(self, settings: Settings | None = None, credentials: Credentials | None = None) -> None:
        self.lock = threading.RLock()
        self.credentials = credentials or Credentials()
        self.initial = settings or Settings()
        self.reset()

    # -- settings ------------------------------------------------------------------------------
    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def step_seconds(self) -> float:
        return self.settings.step_seconds

    def reset(self) -> None:
        """Back to the seeded estate and the start-up settings."""
        self._rebuild(self.initial)

    def _rebuild(self, settings: Settings) -> None:
        with self.lock:
            now = time.time()
            self.settings = settings
            self.estate: Estate = build_estate(settings.seed)
            add_fleet(self.estate, settings.fleet)
            self.faults = Faults(seed=settings.seed)
            self.engine = Engine(self.faults, self, settings.seed, settings.step_seconds)
            self.logins = Logins()
            self.background = Scheduler(settings.seed)
            self.background_ids: dict[int, list[int]] = {}  # cluster id -> its background task ids
            self.calls: list[dict] = []
            self.next_task_id = FIRST_TASK_ID
            self.next_subtask_id = FIRST_SUBTASK_ID
            self._apply(settings, now, restart_background=True)

    def configure(self, body: dict) -> dict:
        """``POST /_sim/config``: a new seed or fleet rebuilds the estate; anything else applies at once."""
        with self.lock:
            try:
                new = apply_config(self.settings, body)
            except ValueError as exc:
                raise bad_request(str(exc)) from None
            if new.seed != self.settings.seed or new.fleet != self.settings.fleet:
                self._rebuild(new)
            else:
                timing = ("background_tasks", "background_interval_steps", "step_seconds")
                restart = any(getattr(new, k) != getattr(self.settings, k) for k in timing)
                self.settings = new
                self._apply(new, time.time(), restart)
            return self.settings.to_json()

    def _apply(self, settings: Settings, now: float, restart_background: bool) -> None:
        self.engine.step_seconds = settings.step_seconds
        self.engine.parent_resumes_after_child_retry = settings.parent_resumes_after_child_retry
        self.logins.max_attempts = settings.login_max_attempts
        self.logins.lockout_seconds = settings.lockout_minutes * 60
        if not settings.background_tasks:
            self.background.stop()
        elif restart_background:
            steps = settings.background_interval_steps
            self.background.restart(list(self.estate.clusters), now, settings.step_seconds, steps)

    def record_call(self, method: str, path: str, status: int | None, body: object = None) -> None:
        with self.lock:
            call = {"method": method, "path": path, "status": status, "time": time.time()}
            if method == "POST":
                call["body"] = body
            self.calls.append(call)
            if len(self.calls) > MAX_CALLS:
                del self.calls[: MAX_CALLS // 10]

    # -- time ----------------------------------------------------------------------------------
    def advance(self, now: float | None = None) -> float:
        """Replay every transition due by ``now``, starting background tasks at their times."""
        now = time.time() if now is None else now
        settings = self.settings
        stale = now - settings.step_seconds * settings.background_interval_steps[1]
        while settings.background_tasks and (due := self.background.next_due()) is not None and due <= now:
            self.engine.advance(due)
            at, cluster_id, template = self.background.pop()
            if cluster_id not in self.estate.clusters:
                continue
            if at >= stale:  # a long idle spell does not start a backlog of tasks
                self._start_background(cluster_id, template, at)
            after = at if at >= stale else now
            self.background.add(cluster_id, after, settings.step_seconds, settings.background_interval_steps)
        self.engine.advance(now)
        return now

    # -- lookups -------------------------------------------------------------------------------
    def cluster(self, cluster_id: int) -> Cluster:
        cluster = self.estate.clusters.get(cluster_id)
        if cluster is None:
            raise not_found(f"Cluster {cluster_id} does not exist.", "OBE11001")
        return cluster

    def task(self, task_id: int) -> Task:
        task = self.engine.tasks.get(task_id)
        if task is None:
            raise not_found(f"The {task_id} task does not exist.", "TSK10001", code=TASK_NOT_EXISTS)
        return task

    def subtask(self, task_id: int, subtask_id: int) -> tuple[Task, Subtask]:
        task = self.task(task_id)
        sub = task.subtasks.get(subtask_id)
        if sub is None:
            raise not_found(f"The {subtask_id} subtask does not exist.", "TSK10001", code=TASK_NOT_EXISTS)
        return task, sub

    def task_json(self, task: Task) -> dict:
        return task.to_json(self.engine.prohibit_rollback(task))

    def busy_cluster_ids(self) -> set[int]:
        """Clusters with a RUNNING task that refuses a new O&M task (OBE11020): MANUAL ones, or any
        with ``busy_counts_system_tasks``."""
        every = self.settings.busy_counts_system_tasks
        return {
            t.cluster_id
            for t in self.engine.tasks.values()
            if t.status == "RUNNING" and (every or t.type == MANUAL)
        }

    # -- tasks ---------------------------------------------------------------------------------
    def _new_task(self, name: str, cluster: Cluster, strings: dict, lists: dict, now: float, **kw) -> Task:
        task = Task(self.next_task_id, name, cluster.id, cluster.ref(), strings, lists, now, **kw)
        self.next_task_id += 1
        return task

    def _assemble(self, task: Task, nodes: list, now: float) -> None:
        first = self.next_subtask_id
        self.next_subtask_id += len(nodes)
        assemble(task, nodes, first, random.Random(f"{self.seed}:{task.id}"), now)

    def start_upgrade(self, cluster_id: int, body: object, user: dict, now: float) -> Task:
        plan = plan_upgrade(self.estate, cluster_id, body, self.busy_cluster_ids(), self.settings.ocp_version)
        cluster = self.estate.clusters[cluster_id]
        strings = {
            "cluster_version": cluster.version,
            "cluster_name": cluster.name,
            "cluster_id": str(cluster.id),
            "target_cluster_status": "RUNNING",
            "primary_cluster_id": str(plan.primary_cluster_id),
        }
        lists = {
            "binary_upgrade_versions": plan.binary_versions,
            "cluster_ids": [str(i) for i in plan.cluster_ids],
            "upgrade_versions": plan.upgrade_versions,
        }
        task = self._new_task("Submit upgrade OB cluster dag", cluster, strings, lists, now, creator=user)
        task.plan = plan
        self._assemble(task, parent_nodes(plan), now)
        for member_id in plan.cluster_ids:
            self.estate.clusters[member_id].status = "UPGRADING"
        self.engine.start(task, now)
        return task

    def start_task(
        self, cluster_id: int, name: str, task_type: str, steps: list[str], now: float, **kw
    ) -> Task:
        """A task of any type on a cluster (``POST /_sim/tasks`` and the background scheduler)."""
        cluster = self.cluster(cluster_id)
        strings = {"cluster_id": str(cluster.id), "cluster_name": cluster.name}
        if kw.pop("prohibit_rollback", False):
            strings["prohibit_rollback"] = "true"
        creator = kw.pop("creator", None) or (ADMIN if task_type == MANUAL else SYSTEM_USER)
        task = self._new_task(
            name, cluster, strings, {}, now, creator=creator, type=task_type, kind="background", **kw
        )
        self._assemble(task, linear_nodes(steps), now)
        self.engine.start(task, now)
        self.background_ids.setdefault(cluster_id, []).append(task.id)
        return task

    def _start_background(self, cluster_id: int, template: Template, at: float) -> None:
        cluster = self.estate.clusters[cluster_id]
        ids = self.background_ids.setdefault(cluster_id, [])
        mine = [self.engine.tasks[i] for i in ids if i in self.engine.tasks]
        if cluster.status not in ACTIVE_CLUSTER_STATUSES or any(t.status == "RUNNING" for t in mine):
            return
        finished = [t.id for t in mine if t.status in TERMINAL]
        for old in finished[: max(len(finished) - KEEP_FINISHED_PER_CLUSTER + 1, 0)]:
            del self.engine.tasks[old]
        ids[:] = [i for i in ids if i in self.engine.tasks]
        self.start_task(
            cluster_id,
            template.name,
            template.type,
            list(template.steps),
            at,
            definition_id=template.definition_id,
        )

    def clone(self, like: Cluster, count: int, *, standby: bool = False) -> list[int]:
        ids = clone_cluster(self.estate, like, count, standby=standby)
        if self.settings.background_tasks:
            for cluster_id in ids:
                self.background.add(
                    cluster_id,
                    time.time(),
                    self.settings.step_seconds,
                    self.settings.background_interval_steps,
                )
        return ids

    # -- Effects -------------------------------------------------------------------------------
    def on_submit(self, parent: Task, sub: Subtask, at: float) -> Task:
        plan: UpgradePlan = parent.plan  # type: ignore[assignment]
        member = plan.member(sub.cluster_id)  # type: ignore[arg-type]
        cluster = self.estate.clusters[member.cluster_id]
        rpm = member.package_files[sub.binary_index]
        binary = split_rpm_name(rpm).full_version
        strings = {
            "cluster_id": str(cluster.id),
            "cluster_name": cluster.name,
            "upgrade_version": binary,
            "rpm_file_name": rpm,
            "upgrade_mode": member.mode,
            "freeze_server": str(plan.freeze_server).lower(),
        }
        lists = {"zone_order": member.zone_order}
        child = self._new_task(
            f"Upgrade OB cluster to {binary}",
            cluster,
            strings,
            lists,
            at,
            creator=parent.creator,
            kind="child",
        )
        child.parent_id, child.binary_version, child.plan = parent.id, binary, plan
        self._assemble(child, child_nodes(plan, member, sub.binary_index), at)
        self.engine.start(child, at)
        return child

    def on_zone_step(self, task: Task, sub: Subtask, at: float) -> None:
        if sub.kind == "update":
            self._members_running(task)
            return
        cluster = self.estate.clusters[task.cluster_id]
        for zone in [sub.zone] if sub.zone else cluster.zones:
            servers = cluster.zone_servers(zone)
            if sub.kind == "stop_zone":
                cluster.zone_status[zone] = "STOPPED"
                for server in servers:
                    server.status = "STOPPED"
            elif sub.kind == "restart":
                for server in servers:
                    server.version = task.binary_version or server.version
            elif sub.kind == "start_zone":
                cluster.zone_status[zone] = "RUNNING"
                for server in servers:
                    server.status = "RUNNING"

    def on_task_end(self, task: Task, at: float) -> None:
        if task.status != "SUCCESSFUL" or task.kind == "background":
            return
        cluster = self.estate.clusters[task.cluster_id]
        if task.is_child and task.operation != "ROLLBACK" and task.binary_version:
            cluster.version = task.binary_version
            for server in cluster.servers:
                server.version = task.binary_version
        elif not task.is_child:
            self._members_running(task)

    def _members_running(self, parent: Task) -> None:
        plan = parent.plan
        ids = plan.cluster_ids if isinstance(plan, UpgradePlan) else [parent.cluster_id]
        for cluster_id in ids:
            cluster = self.estate.clusters[cluster_id]
            cluster.status = "RUNNING"
            for zone in cluster.zones:
                cluster.zone_status[zone] = "RUNNING"

    # -- packages ------------------------------------------------------------------------------
    def add_package(
        self, file_name: str, content: bytes | None, now: float, dep_yaml: str | None = None
    ) -> Package:
        """Upload (API) or ``POST /_sim/packages``: any RPM of a type OCP keeps, once per file name."""
        try:
            parts = split_rpm_name(file_name)
        except PackageNameError as exc:
            raise bad_request(f"Failed to parse the package {file_name}: {exc}", "PKG10006") from None
        if parts.type is None:
            raise bad_request(
                f"Invalid package name {file_name}: not a package type OCP manages.", "PKG10016"
            )
        if self.estate.package_named(file_name) is not None:
            raise ApiError(409, CONFLICT, f"The package {file_name} already exists.", "PKG10012")
        try:
            return self.estate.add_package(file_name, content, now, dep_yaml)
        except ValueError as exc:
            raise bad_request(str(exc)) from None

    def delete_package(self, package_id: int) -> None:
        pkg = self.estate.packages.get(package_id)
        if pkg is None:
            raise not_found(f"The package {package_id} does not exist.", "PKG10014")
        for task in self.engine.tasks.values():
            plan = task.plan
            if (
                task.status == "RUNNING"
                and isinstance(plan, UpgradePlan)
                and pkg.file_name in plan.package_files
            ):
                raise bad_request(f"The package {pkg.file_name} is in use by task {task.id}.", "PKG10007")
        del self.estate.packages[package_id]

    # -- /_sim/state ---------------------------------------------------------------------------
    def state_json(self, now: float) -> dict:
        clusters = {
            c.id: {
                "name": c.name,
                "version": c.version,
                "status": c.status,
                "arch": c.arch,
                "release": c.release,
                "zones": c.zone_status,
            }
            for c in self.estate.clusters.values()
        }
        tasks = {
            t.id: {
                "name": t.name,
                "status": t.status,
                "operation": t.operation,
                "type": t.type,
                "cluster_id": t.cluster_id,
                "parent_id": t.parent_id,
            }
            for t in self.engine.tasks.values()
        }
        return {
            "config": self.settings.to_json(),
            "clusters": clusters,
            "tasks": tasks,
            "logins": self.logins.to_json(now),
        }
