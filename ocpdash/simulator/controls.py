"""The ``/_sim/…`` controls (no auth, loopback only): reset, settings, faults, estate and task helpers.

README.md shows each with curl. Importing this module registers the routes with ``api.ROUTES``.
"""

from __future__ import annotations

from ocpdash.simulator.api import Request, route
from ocpdash.simulator.background import steps_for
from ocpdash.simulator.envelope import Reply, bad_request
from ocpdash.simulator.faults import FaultError
from ocpdash.simulator.state import Simulator
from ocpdash.simulator.tasks import TASK_TYPES

MAX_CLONES = 5000
MAX_STEPS = 50


def _object(req: Request, usage: str) -> dict:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request(f"Send a JSON object: {usage}")
    return body


@route("POST", "/_sim/reset")
def sim_reset(sim: Simulator, req: Request) -> Reply:
    sim.reset()
    return Reply(data={"reset": True, "seed": sim.seed}, bare=True)


@route("POST", "/_sim/config")
def sim_config(sim: Simulator, req: Request) -> Reply:
    return Reply(data=sim.configure(_object(req, '{"step_seconds": 0.2}')), bare=True)


@route("GET", "/_sim/config")
def sim_get_config(sim: Simulator, req: Request) -> Reply:
    return Reply(data=sim.settings.to_json(), bare=True)


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
    return Reply(data=sim.state_json(req.now), bare=True)


@route("POST", r"/_sim/clusters/(?P<id>\d+)")
def sim_set_cluster(sim: Simulator, req: Request) -> Reply:
    """``{"status": "STOPPED"}`` (any OCP cluster status), ``{"release": "rhel8", "arch": "aarch64"}``
    (the platform its hosts report) and/or ``{"version": "4.2.1.1-100000162023111615"}`` (as if
    upgraded from OCP's console)."""
    usage = '{"status": "STOPPED"}, {"release": "rhel8", "arch": "x86_64"}, {"version": "<ver>-<build>"}'
    body = _object(req, usage)
    cluster = sim.cluster(req.int_param("id"))
    fields = {k: body[k] for k in ("status", "release", "arch", "version") if k in body}
    if not fields or not all(isinstance(v, str) and v for v in fields.values()) or set(body) - set(fields):
        raise bad_request(f"Send {usage}.")
    if "status" in fields:
        cluster.status = fields["status"].upper()
    if "version" in fields:
        cluster.version = fields["version"]
        for server in cluster.servers:
            server.version = fields["version"]
    cluster.release = fields.get("release", cluster.release)
    cluster.arch = fields.get("arch", cluster.arch)
    for server in cluster.servers:
        host = sim.estate.hosts[server.host_id]
        host.release, host.arch = cluster.release, cluster.arch
    return Reply(data=cluster.to_json(sim.estate), bare=True)


@route("POST", "/_sim/clusters")
def sim_clone_clusters(sim: Simulator, req: Request) -> Reply:
    """``{"like": "orion", "count": 20}``: add standalone copies of a seeded cluster (load tests);
    ``"standby": true`` makes each copy a primary/standby pair (fleet tests)."""
    usage = '{"like": "<cluster name>", "count": N, "standby": false}'
    body = _object(req, usage)
    if (
        not isinstance(body.get("count"), int)
        or body["count"] < 1
        or set(body) - {"like", "count", "standby"}
    ):
        raise bad_request(f"Send {usage}.")
    if not isinstance(body.get("standby", False), bool):
        raise bad_request("standby must be true or false.")
    like = next((c for c in sim.estate.clusters.values() if c.name == body.get("like")), None)
    if like is None:
        raise bad_request(f"No cluster named {body.get('like')!r}.")
    ids = sim.clone(like, min(body["count"], MAX_CLONES), standby=body.get("standby", False))
    return Reply(data={"ids": ids}, bare=True)


@route("POST", "/_sim/tasks")
def sim_start_task(sim: Simulator, req: Request) -> Reply:
    """``{"cluster_id": 1, "name": "Inspect OB cluster", "type": "SYS_SCHEDULED", "steps": 3}``."""
    body = _object(req, '{"cluster_id": 1, "name": "...", "type": "SYS_SCHEDULED", "steps": 3}')
    cluster_id, name = body.get("cluster_id"), body.get("name")
    task_type, steps = body.get("type", "SYS_SCHEDULED"), body.get("steps")
    if not isinstance(cluster_id, int) or not isinstance(name, str) or not name.strip():
        raise bad_request("cluster_id (an OCP cluster id) and name are required.")
    if task_type not in TASK_TYPES:
        raise bad_request(f"type must be one of {', '.join(TASK_TYPES)}.")
    if steps is not None and (not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS):
        raise bad_request(f"steps must be an integer from 1 to {MAX_STEPS}.")
    task = sim.start_task(
        cluster_id,
        name.strip(),
        task_type,
        steps_for(name.strip(), steps),
        req.now,
        prohibit_rollback=bool(body.get("prohibit_rollback", False)),
    )
    return Reply(data={"id": task.id}, bare=True)


@route("POST", "/_sim/packages")
def sim_add_package(sim: Simulator, req: Request) -> Reply:
    """``{"file_name": "oceanbase-….rpm", "dep_yaml": "<oceanbase_upgrade_dep.yml text>"}`` (dep_yaml
    optional): the package as if uploaded, carrying its own dependency file when given."""
    body = _object(req, '{"file_name": "oceanbase-….rpm", "dep_yaml": "…"}')
    file_name, dep_yaml = body.get("file_name"), body.get("dep_yaml")
    if not isinstance(file_name, str) or (dep_yaml is not None and not isinstance(dep_yaml, str)):
        raise bad_request("file_name (a string) is required; dep_yaml, when given, is the YAML text.")
    pkg = sim.add_package(file_name, None, req.now, dep_yaml or None)
    return Reply(data=pkg.to_json(), bare=True)
