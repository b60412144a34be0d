"""Routes of OCP's v2 API (ocp-api.md §8.2) and of the ``/_sim/`` controls."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ocpdash.simulator.auth import User, require_write
from ocpdash.simulator.envelope import Reply, bad_request, format_time, not_found, page_of, sort_items
from ocpdash.simulator.estate import clone_cluster
from ocpdash.simulator.faults import FaultError
from ocpdash.simulator.state import Simulator

BUILD_INFO = {
    "artifact": "ocp-server",
    "buildVersion": "4.2.1-20231208",
    "buildTime": "2023-12-08T10:12:00+08:00",
    "branch": "ocpdash-simulator",
    "commitId": "0000000",
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
    return Reply(data=BUILD_INFO, bare=True)


# -- clusters -----------------------------------------------------------------------------------
@route("GET", "/api/v2/ob/clusters")
def list_clusters(sim: Simulator, req: Request) -> Reply:
    rows = [c.to_json(sim.estate) for c in sim.estate.clusters.values()]
    name, statuses = (req.query.get("name") or "").lower(), _csv(req.query.get("status"))
    rows = [r for r in rows if name in r["name"].lower() and (not statuses or r["status"] in statuses)]
    return Reply(data=page_of(sort_items(rows, req.query, "id,asc"), req.query))


@route("GET", r"/api/v2/ob/clusters/(?P<id>\d+)")
def get_cluster(sim: Simulator, req: Request) -> Reply:
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
    return Reply(data=host.to_json())


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
    for param, key in (("type", "type"), ("version", "version"), ("operatingSystem", "operatingSystem")):
        wanted = _csv(req.query.get(param))
        rows = [r for r in rows if not wanted or str(r[key]).upper() in wanted]
    arches = _csv(req.query.get("architecture"))
    rows = [r for r in rows if not arches or r["architecture"].upper() in arches]
    return Reply(data=page_of(sort_items(rows, req.query, "id,asc"), req.query))


@route("POST", "/api/v2/software-packages")
def upload_package(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    file_name, content = _multipart_file(req)
    return Reply(data=sim.upload_package(file_name, content, req.now))


@route("DELETE", r"/api/v2/software-packages/(?P<id>\d+)")
def delete_package(sim: Simulator, req: Request) -> Reply:
    require_write(req.user)
    sim.delete_package(req.int_param("id"))
    return Reply(has_data=False)


def _multipart_file(req: Request) -> tuple[str, bytes]:
    ctype = req.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise bad_request("Upload the package as multipart/form-data with a 'file' field.")
    raw = f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode() + req.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            name = part.get_filename()
            if not name:
                raise bad_request("The 'file' part has no file name.")
            return name, part.get_payload(decode=True) or b""
    raise bad_request("file parameter is missing")


# -- tasks --------------------------------------------------------------------------------------
@route("GET", "/api/v2/tasks/instances")
def list_tasks(sim: Simulator, req: Request) -> Reply:
    q = req.query
    tasks = list(sim.engine.tasks.values())
    name, statuses, types = (q.get("name") or "").lower(), _csv(q.get("status")), _csv(q.get("type"))
    tasks = [t for t in tasks if name in t.name.lower() and (not statuses or t.status in statuses)]
    if types and "MANUAL" not in types:
        tasks = []
    if q.get("clusterId"):
        tasks = [t for t in tasks if str(t.cluster_id) == q["clusterId"]]
    cluster_name = q.get("clusterName") or q.get("cluterName")
    if cluster_name:
        tasks = [t for t in tasks if t.cluster_ref["name"] == cluster_name]
    rows = [sim.task_json(t, basic=True) for t in tasks]
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


# -- /_sim controls (no auth, loopback only) ----------------------------------------------------
@route("POST", "/_sim/reset")
def sim_reset(sim: Simulator, req: Request) -> Reply:
    sim.reset()
    return Reply(data={"reset": True, "seed": sim.seed}, bare=True)


@route("POST", "/_sim/config")
def sim_config(sim: Simulator, req: Request) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("The config body must be a JSON object.")
    try:
        return Reply(data=sim.configure(body), bare=True)
    except (TypeError, ValueError):
        raise bad_request("seed must be an integer and step_seconds a number.") from None


@route("POST", "/_sim/faults")
def sim_faults(sim: Simulator, req: Request) -> Reply:
    try:
        sim.faults.update(req.json())
    except FaultError as exc:
        raise bad_request(str(exc)) from None
    return Reply(data=sim.faults.to_json(), bare=True)


@route("GET", "/_sim/faults")
def sim_get_faults(sim: Simulator, req: Request) -> Reply:
    return Reply(data=sim.faults.to_json(), bare=True)


@route("DELETE", "/_sim/faults")
def sim_clear_faults(sim: Simulator, req: Request) -> Reply:
    sim.faults.__init__(seed=sim.seed)
    return Reply(data=sim.faults.to_json(), bare=True)


@route("GET", "/_sim/calls")
def sim_calls(sim: Simulator, req: Request) -> Reply:
    return Reply(data={"calls": list(sim.calls)}, bare=True)


@route("GET", "/_sim/state")
def sim_state(sim: Simulator, req: Request) -> Reply:
    clusters = {
        c.id: {
            "name": c.name,
            "version": c.version,
            "status": c.status,
            "arch": c.arch,
            "zones": c.zone_status,
        }
        for c in sim.estate.clusters.values()
    }
    tasks = {
        t.id: {"name": t.name, "status": t.status, "operation": t.operation}
        for t in sim.engine.tasks.values()
    }
    config = {"seed": sim.seed, "step_seconds": sim.step_seconds}
    return Reply(data={"config": config, "clusters": clusters, "tasks": tasks}, bare=True)


@route("POST", r"/_sim/clusters/(?P<id>\d+)")
def sim_set_cluster(sim: Simulator, req: Request) -> Reply:
    body = req.json()
    cluster = sim.cluster(req.int_param("id"))
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        raise bad_request('Send {"status": "STOPPED"} (any OCP cluster status).')
    cluster.status = body["status"].upper()
    return Reply(data=cluster.to_json(sim.estate), bare=True)


@route("POST", "/_sim/clusters")
def sim_clone_clusters(sim: Simulator, req: Request) -> Reply:
    """``{"like": "orion", "count": 20}``: add copies of a seeded cluster (load tests)."""
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("count"), int) or body["count"] < 1:
        raise bad_request('Send {"like": "<cluster name>", "count": N}.')
    like = next((c for c in sim.estate.clusters.values() if c.name == body.get("like")), None)
    if like is None:
        raise bad_request(f"No cluster named {body.get('like')!r}.")
    with sim.lock:
        ids = clone_cluster(sim.estate, like, min(body["count"], 5000))
    return Reply(data={"ids": ids}, bare=True)
