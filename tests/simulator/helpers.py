"""Small helpers shared by the simulator tests (real HTTP against the real process)."""

import time

ORION_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
LYRA_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.aarch64.rpm"
RPM_4212 = "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm"
VEGA_RPM = "oceanbase-3.1.2-20210812221645.el7.x86_64.rpm"
POLARIS_RPM = "oceanbase-3.1.4-20220629112235.el7.aarch64.rpm"
NOVA_RPM = "oceanbase-4.3.3.0-100000142024101215.el8.x86_64.rpm"
TERRAN_RPM = "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"
CHILD_PREFIX = "Upgrade OB cluster to"


def upgrade(sim, cluster_id, body):
    return sim.post(f"/api/v2/ob/clusters/{cluster_id}/upgrade", body)


def start(sim, cluster_id, body):
    """Start an upgrade that must be accepted; returns the POST's ``data``."""
    response = upgrade(sim, cluster_id, body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def task(sim, task_id):
    return sim.get(f"/api/v2/tasks/instances/{task_id}")["data"]


def wait(sim, task_id, until, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        data = task(sim, task_id)
        if until(data):
            return data
        assert time.monotonic() < deadline, f"{data['status']} {[s['status'] for s in data['subtasks']]}"
        time.sleep(0.05)


def wait_for(condition, timeout=20.0, what="a condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def done(data):
    return data["status"] != "RUNNING"


def tasks_of(sim, **params):
    return sim.get("/api/v2/tasks/instances", size=2000, **params)["data"]["contents"]


def child_tasks(sim, cluster_id):
    return sorted(
        (r for r in tasks_of(sim, clusterId=cluster_id) if r["name"].startswith(CHILD_PREFIX)),
        key=lambda r: r["id"],
    )


def sub_named(data, prefix, status=None):
    return next(s for s in data["subtasks"] if s["name"].startswith(prefix) and status in (None, s["status"]))


def cluster(sim, cluster_id):
    return sim.state()["clusters"][str(cluster_id)]


def subtask_post(sim, task_id, sub_id, action):
    return sim.post(f"/api/v2/tasks/instances/{task_id}/subtasks/{sub_id}/{action}")


def task_post(sim, task_id, action):
    return sim.post(f"/api/v2/tasks/instances/{task_id}/{action}")


def log_of(sim, task_id, sub_id):
    return sim.get(f"/api/v2/tasks/instances/{task_id}/subtasks/{sub_id}/log")["data"]["log"]
