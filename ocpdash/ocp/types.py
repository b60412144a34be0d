"""Typed, immutable views of OCP replies (ocp-api.md §3.1, §4).

Built with ``X.from_json(mapping)``. Only ids are required; everything OCP may omit has a default.
Status and operation strings are kept as OCP sent them (unknown values included); text such as task
names is kept verbatim, escaping is the view's job. Subtasks are kept in OCP's order, which is not
topological and may even contain cycles: the DAG code decides what to do with that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from .parsing import (
    int_tuple,
    obj,
    objects,
    opt_bool,
    opt_dt,
    opt_int,
    opt_list,
    opt_obj,
    opt_str,
    parse_context_string,
    req_int,
    req_str,
)

# Task and subtask states (§3.2). There is no SKIPPED or CANCELED status.
RUNNING, FAILED, SUCCESSFUL = "RUNNING", "FAILED", "SUCCESSFUL"
PENDING, READY, CANCELING = "PENDING", "READY", "CANCELING"
TASK_TERMINAL_STATUSES = frozenset({SUCCESSFUL, FAILED})
SUBTASK_TERMINAL_STATUSES = frozenset({SUCCESSFUL, FAILED})
EXECUTE, RETRY, ROLLBACK, SKIP, CANCEL = "EXECUTE", "RETRY", "ROLLBACK", "SKIP", "CANCEL"
ROLLBACK_SKIP = "ROLLBACK_SKIP"  # a subtask skipped during a rollback (OCP Express's skipSubtask)
# Task types (task list doc): what an operator started, and what OCP runs by itself.
MANUAL, SYS_ONCE, SCHEDULED, SYS_SCHEDULED = "MANUAL", "SYS_ONECE", "SCHEDULED", "SYS_SCHEDULED"
SCHEDULED_TYPES = frozenset({SCHEDULED, SYS_SCHEDULED})


@dataclass(frozen=True)
class Server:
    id: int
    ip: str | None = None
    port: int | None = None
    sql_port: int | None = None
    version: str | None = None
    status: str | None = None
    zone_name: str | None = None
    host_id: int | None = None
    region_name: str | None = None
    idc_name: str | None = None
    cluster_id: int | None = None
    with_rootserver: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Server:
        d = obj(data, "server")
        return cls(
            id=req_int(d, "id", "server"),
            ip=opt_str(d, "ip", "svrIp"),
            port=opt_int(d, "port", "svrPort"),
            sql_port=opt_int(d, "sqlPort"),
            version=opt_str(d, "version"),
            status=opt_str(d, "status"),
            zone_name=opt_str(d, "zoneName", "zone"),
            host_id=opt_int(d, "hostId"),
            region_name=opt_str(d, "regionName"),
            idc_name=opt_str(d, "idcName"),
            cluster_id=opt_int(d, "clusterId"),
            with_rootserver=opt_bool(d, "withRootserver"),
        )


@dataclass(frozen=True)
class Zone:
    name: str
    region_name: str | None = None
    idc_name: str | None = None
    status: str | None = None
    servers: tuple[Server, ...] = ()
    server_count: int | None = None
    cluster_id: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Zone:
        d = obj(data, "zone")
        return cls(
            name=req_str(d, "name", "zone"),
            region_name=opt_str(d, "regionName"),
            idc_name=opt_str(d, "idcName"),
            status=opt_str(d, "status"),
            servers=tuple(Server.from_json(s) for s in objects(d, "servers", "zone")),
            server_count=opt_int(d, "serverCount"),
            cluster_id=opt_int(d, "clusterId"),
        )


@dataclass(frozen=True)
class ClusterRef:
    """Another cluster named by a cluster (``primaryCluster``, ``standbyClusters``, a task's ``cluster``)."""

    id: int
    name: str | None = None
    type: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ClusterRef | None:
        """None for an absent, null or id-less reference (a cosmetic field must not break a sync)."""
        ref_id = opt_int(data, "id") if isinstance(data, dict) else None
        if ref_id is None:
            return None
        return cls(id=ref_id, name=opt_str(data, "name"), type=opt_str(data, "type"))


@dataclass(frozen=True)
class Cluster:
    id: int
    name: str | None = None
    ob_cluster_id: int | None = None
    ob_version: str | None = None
    status: str | None = None
    type: str | None = None
    zones: tuple[Zone, ...] = ()
    server_count: int | None = None
    region_count: int | None = None
    tenant_count: int | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    # A primary/standby pair (ocp-api.md §4.1): OCP upgrades both members in one task.
    primary_cluster: ClusterRef | None = None
    standby_clusters: tuple[ClusterRef, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Cluster:
        d = obj(data, "cluster")
        standbys = (ClusterRef.from_json(s) for s in opt_list(d, "standbyClusters"))
        return cls(
            id=req_int(d, "id", "cluster"),
            name=opt_str(d, "name"),
            ob_cluster_id=opt_int(d, "obClusterId"),
            ob_version=opt_str(d, "obVersion"),
            status=opt_str(d, "status"),
            type=opt_str(d, "type"),
            zones=tuple(Zone.from_json(z) for z in objects(d, "zones", "cluster")),
            server_count=opt_int(d, "serverCount"),
            region_count=opt_int(d, "regionCount"),
            tenant_count=opt_int(d, "tenantCount"),
            create_time=opt_dt(d, "createTime"),
            update_time=opt_dt(d, "updateTime"),
            primary_cluster=ClusterRef.from_json(d.get("primaryCluster")),
            standby_clusters=tuple(s for s in standbys if s is not None),
        )


@dataclass(frozen=True)
class Host:
    """``GET /api/v2/compute/hosts/{id}``: ``operatingSystem`` is the kernel string
    (``4.9.168-018.ali3000.alios7.x86_64``) and ``operatingSystemRelease`` the distribution
    (``alios7``), as in OCP's host-details doc sample."""

    id: int
    architecture: str | None = None
    operating_system: str | None = None
    operating_system_release: str | None = None
    ip: str | None = None
    name: str | None = None
    status: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Host:
        d = obj(data, "host")
        return cls(
            id=req_int(d, "id", "host"),
            architecture=opt_str(d, "architecture"),
            operating_system=opt_str(d, "operatingSystem", "os"),
            operating_system_release=opt_str(d, "operatingSystemRelease"),
            ip=opt_str(d, "innerIpAddress", "ip", "ipAddress"),
            name=opt_str(d, "name"),
            status=opt_str(d, "status"),
        )


@dataclass(frozen=True)
class OcpInfo:
    """``GET /api/v2/info`` (a bare JSON object): which OCP this is."""

    build_version: str | None = None
    artifact: str | None = None
    build_time: datetime | None = None

    @property
    def version(self) -> tuple[int, ...] | None:
        """The release numbers of ``buildVersion`` (``4.3.2-20241012`` → (4, 3, 2)); None if unknown."""
        match = re.match(r"\s*(\d+(?:\.\d+)*)", self.build_version or "")
        return tuple(int(n) for n in match.group(1).split(".")) if match else None

    @classmethod
    def from_json(cls, data: Any) -> OcpInfo:
        d = obj(data, "OCP info")
        return cls(
            build_version=opt_str(d, "buildVersion"),
            artifact=opt_str(d, "artifact"),
            build_time=opt_dt(d, "buildTime"),
        )


@dataclass(frozen=True)
class SoftwarePackage:
    id: int
    name: str | None = None
    file_name: str | None = None
    version: str | None = None
    build_number: str | None = None
    operating_system: str | None = None
    architecture: str | None = None
    size: int | None = None
    sha1: str | None = None
    type: str | None = None
    create_time: datetime | None = None

    @property
    def full_version(self) -> str | None:
        """OCP's ``<version>-<build>`` (e.g. ``2.2.75-20210108170301``) when both are known."""
        if self.version and self.build_number:
            return f"{self.version}-{self.build_number}"
        return self.version

    @classmethod
    def from_json(cls, data: Any) -> SoftwarePackage:
        d = obj(data, "software package")
        return cls(
            id=req_int(d, "id", "software package"),
            name=opt_str(d, "name"),
            file_name=opt_str(d, "fileName"),
            version=opt_str(d, "version"),
            build_number=opt_str(d, "buildNumber"),
            operating_system=opt_str(d, "operatingSystem"),
            architecture=opt_str(d, "architecture"),
            size=opt_int(d, "size"),
            sha1=opt_str(d, "sha1"),
            type=opt_str(d, "type"),
            create_time=opt_dt(d, "createTime"),
        )


# A task's context does not change while it runs, and a poller reads the same task every second:
# parse each text once (copies are handed out, so no caller can change the cached maps).
_parse_context_cached = lru_cache(maxsize=4096)(parse_context_string)


@dataclass(frozen=True)
class TaskContext:
    """The task's ``context`` string; maps are empty and ``raw`` kept when it cannot be parsed."""

    parallel_idx: int | None = None
    string_map: dict[str, str] = field(default_factory=dict)
    list_map: dict[str, list[str]] = field(default_factory=dict)
    raw: str = ""

    @classmethod
    def parse(cls, value: Any) -> TaskContext:
        if isinstance(value, dict):  # a JSON context, should some OCP version send one
            string_map = {str(k): str(v) for k, v in opt_obj(value, "stringMap").items()}
            list_map = {
                str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)]
                for k, v in opt_obj(value, "listMap").items()
            }
            idx = opt_int(value, "parallelIdx", "paralleIdx")
            return cls(idx, string_map, list_map, raw=repr(value))
        if not isinstance(value, str):
            return cls()
        parsed = _parse_context_cached(value)
        if parsed is None:
            return cls(raw=value)
        idx, string_map, list_map = parsed
        return cls(idx, dict(string_map), {k: list(v) for k, v in list_map.items()}, raw=value)


@dataclass(frozen=True)
class Subtask:
    id: int
    name: str | None = None
    description: str | None = None
    status: str | None = None
    operation: str | None = None
    run_time: int | None = None
    upstreams: tuple[int, ...] = ()
    downstreams: tuple[int, ...] = ()
    parallel_idx: int | None = None
    series_id: int | None = None
    timeout: int | None = None
    executor: str | None = None
    create_time: datetime | None = None
    start_time: datetime | None = None
    finish_time: datetime | None = None
    prohibit_rollback: bool = False

    @property
    def is_skipped(self) -> bool:
        return self.status == SUCCESSFUL and self.operation == SKIP

    @property
    def is_canceled(self) -> bool:
        return self.status == FAILED and self.operation == CANCEL

    @property
    def is_rolled_back(self) -> bool:
        return self.status == PENDING and self.operation == ROLLBACK

    @property
    def is_terminal(self) -> bool:
        return self.status in SUBTASK_TERMINAL_STATUSES

    @classmethod
    def from_json(cls, data: Any) -> Subtask:
        d = obj(data, "subtask")
        return cls(
            id=req_int(d, "id", "subtask"),
            name=opt_str(d, "name"),
            description=opt_str(d, "description"),
            status=opt_str(d, "status"),
            operation=opt_str(d, "operation"),
            run_time=opt_int(d, "runTime"),
            upstreams=int_tuple(d, "upstreams", "upstream"),
            downstreams=int_tuple(d, "downstreams", "downstream"),
            parallel_idx=opt_int(d, "parallelIdx", "paralleIdx"),
            series_id=opt_int(d, "seriesId"),
            timeout=opt_int(d, "timeout"),
            executor=opt_str(d, "executor"),
            create_time=opt_dt(d, "createTime"),
            start_time=opt_dt(d, "startTime"),
            finish_time=opt_dt(d, "finishTime"),
            prohibit_rollback=opt_bool(d, "prohibitRollback"),
        )


def _subtasks(d: Any, what: str) -> tuple[Subtask, ...]:
    key = "subtasks" if d.get("subtasks") is not None else "tasks"
    return tuple(Subtask.from_json(s) for s in objects(d, key, what))


def _cluster_ref(d: Any) -> tuple[int | None, str | None]:
    cluster = opt_obj(d, "cluster")
    return opt_int(cluster, "id") or opt_int(d, "clusterId"), opt_str(cluster, "name") or opt_str(
        d, "clusterName"
    )


def _creator(d: Any) -> str | None:
    creator = d.get("creator")
    return opt_str(creator, "name") if isinstance(creator, dict) else opt_str(d, "creator")


@dataclass(frozen=True)
class TaskInstance:
    id: int
    name: str | None = None
    status: str | None = None
    operation: str | None = None
    cluster_id: int | None = None
    cluster_name: str | None = None
    creator: str | None = None
    context: TaskContext = field(default_factory=TaskContext)
    prohibit_rollback: bool = False
    create_time: datetime | None = None
    start_time: datetime | None = None
    finish_time: datetime | None = None
    subtasks: tuple[Subtask, ...] = ()
    type: str | None = None
    executor: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TASK_TERMINAL_STATUSES

    @property
    def is_successful(self) -> bool:
        return self.status == SUCCESSFUL

    @property
    def is_failed(self) -> bool:
        return self.status == FAILED

    def subtask(self, subtask_id: int) -> Subtask | None:
        return next((s for s in self.subtasks if s.id == subtask_id), None)

    @classmethod
    def from_json(cls, data: Any) -> TaskInstance:
        d = obj(data, "task")
        cluster_id, cluster_name = _cluster_ref(d)
        return cls(
            id=req_int(d, "id", "task"),
            name=opt_str(d, "name"),
            status=opt_str(d, "status"),
            operation=opt_str(d, "operation"),
            cluster_id=cluster_id,
            cluster_name=cluster_name,
            creator=_creator(d),
            context=TaskContext.parse(d.get("context")),
            prohibit_rollback=opt_bool(d, "prohibitRollback"),
            create_time=opt_dt(d, "createTime"),
            start_time=opt_dt(d, "startTime"),
            finish_time=opt_dt(d, "finishTime"),
            subtasks=_subtasks(d, "task"),
            type=opt_str(d, "type"),
            executor=opt_str(d, "executor"),
        )


@dataclass(frozen=True)
class TaskSummary:
    """A row of the task list (BasicTaskInstance): subtasks carry only id, name, status, operation."""

    id: int
    name: str | None = None
    status: str | None = None
    cluster_id: int | None = None
    cluster_name: str | None = None
    creator: str | None = None
    start_time: datetime | None = None
    finish_time: datetime | None = None
    subtasks: tuple[Subtask, ...] = ()
    type: str | None = None  # the doc's list sample has none; TaskInstance (detail) has it

    @property
    def is_terminal(self) -> bool:
        return self.status in TASK_TERMINAL_STATUSES

    @property
    def progress(self) -> tuple[int, int]:
        """(successful subtasks, all subtasks), as the OCP console shows it."""
        done = sum(1 for s in self.subtasks if s.status == SUCCESSFUL)
        return done, len(self.subtasks)

    @classmethod
    def from_json(cls, data: Any) -> TaskSummary:
        d = obj(data, "task")
        cluster_id, cluster_name = _cluster_ref(d)
        return cls(
            id=req_int(d, "id", "task"),
            name=opt_str(d, "name"),
            status=opt_str(d, "status"),
            cluster_id=cluster_id,
            cluster_name=cluster_name,
            creator=_creator(d),
            start_time=opt_dt(d, "startTime"),
            finish_time=opt_dt(d, "finishTime"),
            subtasks=_subtasks(d, "task"),
            type=opt_str(d, "type"),
        )
