"""Routes of OCP's v2 API (ocp-api.md §8.2) and of the ``/_sim/`` controls."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ocpdash.simulator.auth import User, require_write
from ocpdash.simulator.envelope import (
    NO_CODE,
    ApiError,
    Reply,
    bad_request,
    format_time,
    not_found,
    page_of,
    sort_items,
)
from ocpdash.simulator.packages import PackageFileError, read_uploaded_rpm
from ocpdash.simulator.state import Simulator

# OCP builds: 4.2.2's is the one the brief gives; the others are invented (no public source).
OCP_BUILDS = {"4.2.1": "20231208161525", "4.2.2": "20240108150515", "4.3.0": "20240425200355"}
LATER_BUILD = "20240808115204"  # invented, for any other version


def build_info(ocp_version: str) -> dict:
    """``GET /api/v2/info`` in the shape of the health-examination doc sample."""
    version, _, build = ocp_version.partition("-")
    build = build or OCP_BUILDS.get(version, LATER_BUILD)
    stamp = f"{build[:4]}-{build[4:6]}-{build[6:8]}T{build[8:10]}:{build[10:12]}:{build[12:14]}+08:00"
    return {
        "artifact": "ocp-server",
        "buildVersion": f"{version}-{build}",
        "buildJavaVersion": "1.8",
        "buildTime": stamp,
        "name": "ocp-server",
        "springBootVersion": "2.7.18",  # invented
        "group": "com.oceanbase",
    }


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    user: User | None = None
    now: float = 0.0
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> object:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Malformed JSON request") from None

    def int_param(self, name: str) -> int:
        return int(self.params[name])


Handler = Callable[[Simulator, Request], Reply]
ROUTES: list[tuple[str, re.Pattern, Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn

    return register


def find_route(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    for verb, pattern, fn in ROUTES:
        match = pattern.match(path)
        if match and verb == method:
            return fn, match.groupdict()
    raise bad_request(f"Could not find the {method} method for URL {path}")


def _csv(value: str | None) -> set[str]:
    return {v.strip().upper() for v in (value or "").split(",") if v.strip()}


# -- health -------------------------------------------------------------------------------------
@route("GET", "/api/v2/time")
def get_time(sim: Simulator, req: Request) -> Reply:
    return Reply(data=format_time(req.now), bare=True)


@route("GET", "/api/v2/info")
def get_info(sim: Simulator, req: Request) -> Reply:
    return Reply(data=build_info(sim.settings.ocp_version), bare=True)


# -- clusters -----------------------------------------------------------------------------------
@route("GET", "/api/v2/ob/clusters")
def list_clusters(sim: Simulator, req: Request) -> Reply:
    rows = [c.to_json(sim.estate) for c in sim.estate.clusters.values()]
    name, statuses = (req.query.get("name") or "").lower(), _csv(req.query.get("status"))
    rows = [r for r in rows if name in r["name"].lower() and (not statuses or r["status"] in statuses)]
    return Reply(data=page_of(sort_items(rows, req.query, "id,asc"), req.query))


@route("GET", r"/api/v2/ob/clusters/(?P<id>\d+)")
def get_cluster(sim: Simulator, req: Request) -> Reply:
    """In no public API reference (only DELETE is documented on this path): ``cluster_get`` off
    answers as Spring does for a method the path does not map."""
    if not sim.settings.cluster_get:
        raise ApiError(
            405,
            NO_CODE,
            "Request method 'GET' not supported",
            "COM10008",
            headers={"Allow": "DELETE"},
        )
    return Reply(data=sim.cluster(req.int_param("id")).to_json(sim.estate))


@route("GET", r"/api/v2/ob/clusters/(?P<id>\d+)/zones")
def list_zones(sim: Simulator, req: Request) -> Reply:
    cluster = sim.cluster(req.int_param("id"))
    return Reply(data={"contents": [cluster.zone_json(z) for z in cluster.zones]})


@route("GET", r"/api/v2/ob/clusters/(?P<id>\d+)/servers")
def list_servers(sim: Simulator, req: Request) -> Reply:
    cluster = sim.cluster(req.int_param("id"))
    return Reply(data={"contents": [s.to_json(cluster) for s in cluster.servers]})


@route("GET", r"/api/v2/ob/clusters/(?P<id>\d+)/zones/(?P<zone>[^/]+)/servers")
def list_zone_servers(sim: Simulator, req: Request) -> Reply:
    cluster = sim.cluster(req.int_param("id"))
    zone = req.params["zone"]
    if zone not in cluster.zones:
        raise not_found(f"Zone {zone} does not exist in cluster {cluster.name}.", "OBE12001")
    return Reply(data={"contents": [s.to_json(cluster) for s in cluster.zone_servers(zone)]})


@route("GET", r"/api/v2/compute/hosts/(?P<id>\d+)")
def get_host(sim: Simulator, req: Request) -> Reply:
    host = sim.estate.hosts.get(req.int_param("id"))
    if host is None:
        raise not_found(f"Host {req.params['id']} does not exist.", "HOST10001")
    return Reply(data=host.to_json(sim.estate, build_info(sim.settings.ocp_version)["buildVersion"]))


@route("POST", r"/api/v2/ob/clusters/(?P<id>\d+)/upgrade")
def upgrade_cluster(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    body = req.json()
    creator = {"id": req.user.id, "name": req.user.name}
    task = sim.start_upgrade(req.int_param("id"), body, creator, req.now)
    return Reply(data=task.upgrade_json())


# -- software packages --------------------------------------------------------------------------
@route("GET", "/api/v2/software-packages")
def list_packages(sim: Simulator, req: Request) -> Reply:
    rows = [p.to_json() for p in sim.estate.packages.values()]
    keyword = (req.query.get("keyword") or "").lower()
    rows = [r for r in rows if keyword in r["fileName"].lower()]
    for param in ("type", "version", "operatingSystem", "architecture"):
        wanted = _csv(req.query.get(param))
        rows = [r for r in rows if not wanted or str(r.get(param)).upper() in wanted]
    return Reply(data=page_of(sort_items(rows, req.query, "id,asc"), req.query))


@route("POST", "/api/v2/software-packages")
def upload_package(sim: Simulator, req: Request) -> Reply:
    """Multipart ``file`` (§4.3). An RPM is read as OCP reads it: header and digests checked, its
    ``oceanbase_upgrade_dep.yml`` kept with the package (400 PKG10006 when it cannot be read). Only
    the size and SHA-1 of the bytes are kept, never the bytes."""
    require_write(req.user)
    file_name, content = _multipart_file(req)
    try:
        dep_yaml = read_uploaded_rpm(file_name, content)
    except PackageFileError as exc:
        raise bad_request(str(exc), "PKG10006") from None
    return Reply(data=sim.add_package(file_name, content, req.now, dep_yaml).to_json())


@route("DELETE", r"/api/v2/software-packages/(?P<id>\d+)")
def delete_package(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    sim.delete_package(req.int_param("id"))
    return Reply(has_data=False)


def _multipart_file(req: Request) -> tuple[str, memoryview]:
    """The ``file`` part of a multipart body: its file name and a view of its bytes (not a copy:
    an RPM is hundreds of megabytes)."""
    ctype = req.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise bad_request("Upload the package as multipart/form-data with a 'file' field.")
    boundary = _boundary(ctype)
    body = req.body
    delimiter = b"--" + boundary
    position = body.find(delimiter)
    while position != -1:
        head_start = position + len(delimiter)
        if body[head_start : head_start + 2] == b"--":
            break  # the closing delimiter
        head_end = body.find(b"\r\n\r\n", head_start)
        if head_end == -1:
            break
        data_end = body.find(b"\r\n" + delimiter, head_end + 4)
        if data_end == -1:
            raise bad_request("The multipart body ends before its closing boundary.")
        disposition = _part_disposition(body[head_start:head_end])
        if disposition.get("name") == "file":
            if not disposition.get("filename"):
                raise bad_request("The 'file' part has no file name.")
            return disposition["filename"], memoryview(body)[head_end + 4 : data_end]
        position = data_end + 2
    raise bad_request("file parameter is missing")


def _boundary(ctype: str) -> bytes:
    message = email.message.Message(policy=email.policy.HTTP)
    message["Content-Type"] = ctype
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise bad_request("The multipart Content-Type has no boundary.")
    return boundary.encode("latin-1")


def _part_disposition(head: bytes) -> dict[str, str]:
    """The Content-Disposition parameters of one part's headers (name, filename)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head.lstrip(b"\r\n") + b"\r\n\r\n"
    )
    found = {}
    for key in ("name", "filename"):
        value = message.get_param(key, header="content-disposition")
        if isinstance(value, str):
            found[key] = value
    return found


# -- tasks --------------------------------------------------------------------------------------
@route("GET", "/api/v2/tasks/instances")
def list_tasks(sim: Simulator, req: Request) -> Reply:
    q = req.query
    tasks = list(sim.engine.tasks.values())
    name, statuses, types = (q.get("name") or "").lower(), _csv(q.get("status")), _csv(q.get("type"))
    tasks = [t for t in tasks if name in t.name.lower() and (not statuses or t.status in statuses)]
    tasks = [t for t in tasks if not types or t.type in types]
    if q.get("clusterId"):
        tasks = [t for t in tasks if str(t.cluster_id) == q["clusterId"]]
    cluster_name = (q.get("clusterName") or q.get("cluterName") or "").lower()
    if cluster_name:  # "The keyword in the name of the cluster. Fuzzy match is supported."
        tasks = [t for t in tasks if cluster_name in t.cluster_ref["name"].lower()]
    if q.get("hostId"):
        host = sim.estate.hosts.get(int(q["hostId"]) if q["hostId"].isdigit() else -1)
        tasks = [t for t in tasks if host is not None and t.cluster_id == host.cluster_id]
    rows = [t.basic_json() for t in tasks]
    return Reply(data=page_of(sort_items(rows, q, "id,desc"), q))


@route("GET", r"/api/v2/tasks/instances/(?P<id>\d+)")
def get_task(sim: Simulator, req: Request) -> Reply:
    return Reply(data=sim.task_json(sim.task(req.int_param("id"))))


@route("POST", r"/api/v2/tasks/instances/(?P<id>\d+)/retry")
def retry_task(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    task = sim.task(req.int_param("id"))
    sim.engine.retry_task(task, req.now)
    return Reply(data=sim.task_json(task))


@route("POST", r"/api/v2/tasks/instances/(?P<id>\d+)/rollback")
def rollback_task(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    task = sim.task(req.int_param("id"))
    sim.engine.rollback_task(task, req.now)
    return Reply(data=sim.task_json(task))


@route("GET", r"/api/v2/tasks/instances/(?P<id>\d+)/subtasks/(?P<sid>\d+)/log")
def subtask_log(sim: Simulator, req: Request) -> Reply:
    _, sub = sim.subtask(req.int_param("id"), req.int_param("sid"))
    return Reply(data={"log": sub.render_log(req.now)})


@route("POST", r"/api/v2/tasks/instances/(?P<id>\d+)/subtasks/(?P<sid>\d+)/(?P<action>retry|skip|cancel)")
def subtask_action(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    task, sub = sim.subtask(req.int_param("id"), req.int_param("sid"))
    action = req.params["action"]
    if action == "retry":
        sim.engine.retry_subtask(task, sub, req.now)
        return Reply(data=sub.to_json())
    if action == "skip":
        sim.engine.skip_subtask(task, sub, req.now)
    else:
        sim.engine.cancel_subtask(task, sub, req.now)
    return Reply(has_data=False)
