"""The simulator's whole state behind one lock: estate, tasks, faults, call log and config."""

from __future__ import annotations

import random
import threading
import time

from ocpdash.ocp.rpm import RpmNameError, parse_rpm_filename
from ocpdash.ocp.upgrade_path import load_dep_graph
from ocpdash.simulator.auth import Credentials
from ocpdash.simulator.dags import UpgradePlan, assemble, child_nodes, parent_nodes
from ocpdash.simulator.engine import Effects, Engine
from ocpdash.simulator.envelope import CONFLICT, TASK_NOT_EXISTS, ApiError, bad_request, not_found
from ocpdash.simulator.estate import Cluster, Estate, build_estate
from ocpdash.simulator.faults import Faults
from ocpdash.simulator.tasks import Subtask, Task
from ocpdash.simulator.upgrade import plan_upgrade

FIRST_TASK_ID = 108001
FIRST_SUBTASK_ID = 130001
MAX_CALLS = 200_000


class Simulator(Effects):
    def __init__(
        self, seed: int = 0, step_seconds: float = 3.0, credentials: Credentials | None = None
    ) -> None:
        self.lock = threading.RLock()
        self.graph = load_dep_graph()
        self.credentials = credentials or Credentials()
        self.initial_seed, self.initial_step_seconds = seed, step_seconds
        self.step_seconds = step_seconds
        self.reset(seed)

    # -- controls ------------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Back to the seeded estate (the start-up seed and step time unless ``seed`` is given)."""
        with self.lock:
            if seed is None:
                seed, self.step_seconds = self.initial_seed, self.initial_step_seconds
            self.seed = seed
            self.estate: Estate = build_estate(self.seed)
            self.faults = Faults(seed=self.seed)
            self.engine = Engine(self.faults, self, self.seed, self.step_seconds)
            self.calls: list[dict] = []
            self.next_task_id = FIRST_TASK_ID
            self.next_subtask_id = FIRST_SUBTASK_ID

    def configure(self, body: dict) -> dict:
        with self.lock:
            if "step_seconds" in body:
                value = float(body["step_seconds"])
                if value <= 0:
                    raise bad_request("step_seconds must be positive.")
                self.step_seconds = self.engine.step_seconds = value
            if "seed" in body and int(body["seed"]) != self.seed:
                self.reset(int(body["seed"]))
            return {"seed": self.seed, "step_seconds": self.step_seconds}

    def record_call(self, method: str, path: str, status: int | None) -> None:
        with self.lock:
            self.calls.append({"method": method, "path": path, "status": status, "time": time.time()})
            if len(self.calls) > MAX_CALLS:
                del self.calls[: MAX_CALLS // 10]

    def advance(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
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

    def task_json(self, task: Task, basic: bool = False) -> dict:
        prohibit = self.engine.prohibit_rollback(task)
        return task.basic_json(prohibit) if basic else task.to_json(prohibit)

    # -- upgrade -------------------------------------------------------------------------------
    def start_upgrade(self, cluster_id: int, body: object, user: dict, now: float) -> Task:
        busy = any(t.cluster_id == cluster_id and t.status == "RUNNING" for t in self.engine.tasks.values())
        plan = plan_upgrade(self.estate, self.graph, cluster_id, body, busy)
        cluster = self.estate.clusters[cluster_id]
        string_map = {
            "cluster_version": cluster.version,
            "cluster_name": cluster.name,
            "cluster_id": str(cluster.id),
            "target_cluster_status": "RUNNING",
            "primary_cluster_id": str(cluster.primary_id or cluster.id),
        }
        list_map = {
            "binary_upgrade_versions": plan.binary_versions,
            "cluster_ids": [str(cluster.id)],
            "upgrade_versions": plan.upgrade_versions,
        }
        task = self._new_task("Submit upgrade OB cluster dag", cluster, string_map, list_map, now, user)
        task.plan = plan
        assemble(task, parent_nodes(plan), self._subtask_ids(len(parent_nodes(plan))), self._rng(task), now)
        cluster.status = "UPGRADING"
        self.engine.start(task, now)
        return task

    def _new_task(
        self, name: str, cluster: Cluster, strings: dict, lists: dict, now: float, user: dict
    ) -> Task:
        task = Task(self.next_task_id, name, cluster.id, cluster.ref(), strings, lists, now, creator=user)
        self.next_task_id += 1
        return task

    def _subtask_ids(self, count: int) -> int:
        first = self.next_subtask_id
        self.next_subtask_id += count
        return first

    def _rng(self, task: Task) -> random.Random:
        return random.Random(f"{self.seed}:{task.id}")

    # -- Effects -------------------------------------------------------------------------------
    def on_submit(self, parent: Task, sub: Subtask, at: float) -> Task:
        plan: UpgradePlan = parent.plan  # type: ignore[assignment]
        index = sub.binary_index
        binary = plan.binary_versions[index]
        cluster = self.estate.clusters[parent.cluster_id]
        strings = {
            "cluster_id": str(cluster.id),
            "cluster_name": cluster.name,
            "upgrade_version": binary,
            "rpm_file_name": plan.package_files[index],
            "upgrade_mode": plan.mode,
            "freeze_server": str(plan.freeze_server).lower(),
        }
        child = self._new_task(
            f"Upgrade OB cluster to {binary}",
            cluster,
            strings,
            {"zone_order": plan.zone_order},
            at,
            parent.creator,
        )
        child.is_child, child.parent_id, child.binary_version, child.plan = True, parent.id, binary, plan
        nodes = child_nodes(plan, index)
        assemble(child, nodes, self._subtask_ids(len(nodes)), self._rng(child), at)
        self.engine.start(child, at)
        return child

    def on_zone_step(self, task: Task, sub: Subtask, at: float) -> None:
        cluster = self.estate.clusters[task.cluster_id]
        if sub.kind == "update":
            cluster.status = "RUNNING"
            return
        zones = [sub.zone] if sub.zone else cluster.zones
        for zone in zones:
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
        cluster = self.estate.clusters[task.cluster_id]
        if task.status != "SUCCESSFUL":
            return
        if task.is_child and task.operation != "ROLLBACK" and task.binary_version:
            cluster.version = task.binary_version
            for server in cluster.servers:
                server.version = task.binary_version
        elif not task.is_child:
            cluster.status = "RUNNING"
            for zone in cluster.zones:
                cluster.zone_status[zone] = "RUNNING"

    # -- packages ------------------------------------------------------------------------------
    def upload_package(self, file_name: str, content: bytes, now: float) -> dict:
        try:
            parse_rpm_filename(file_name)
        except RpmNameError as exc:
            raise bad_request(f"Failed to parse the package {file_name}: {exc.message}", "PKG10006") from None
        if self.estate.package_named(file_name) is not None:
            raise ApiError(409, CONFLICT, f"The package {file_name} already exists.", "PKG10012")
        return self.estate.add_package(file_name, content, now).to_json()

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
