"""Upgrades, the task state machine (§3.3) and fault injection, over real HTTP."""

import time

import pytest
import requests

ORION_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
TERRAN_RPM = "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"
HELIOS_TARGET = "4.2.2.0-100000192024011210"


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def upgrade(sim, cluster_id, body):
    return sim.post(f"/api/v2/ob/clusters/{cluster_id}/upgrade", body)


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


def done(data):
    return data["status"] != "RUNNING"


def child_tasks(sim, cluster_id):
    rows = sim.get("/api/v2/tasks/instances", clusterId=cluster_id, size=100)["data"]["contents"]
    return [r for r in rows if r["name"].startswith("Upgrade OB cluster to")]


def sub_named(data, prefix, status=None):
    return next(s for s in data["subtasks"] if s["name"].startswith(prefix) and status in (None, s["status"]))


def test_upgrade_answer_has_the_sample_shape(sim):
    response = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM})
    data = response.json()["data"]
    assert data["name"] == "Submit upgrade OB cluster dag" and data["status"] == "RUNNING"
    assert data["cluster"] == {"id": 6, "name": "terran", "obClusterId": data["cluster"]["obClusterId"]}
    assert data["creator"] == {"id": 100, "name": "admin"}
    assert "upgrade_versions=[2.2.74, 2.2.75-20210108170301]" in data["context"]
    assert "binary_upgrade_versions=[2.2.75-20210108170301]" in data["context"]
    names = [s["name"] for s in data["tasks"]]
    assert sorted(names) == sorted(
        [
            "Start node",
            "Prepare upgrade cluster",
            "Submit cluster upgrade task",
            "Wait dag success",
            "Update OB cluster status",
        ]
    )
    ids = [s["id"] for s in data["tasks"]]
    by_id = {s["id"]: s for s in data["tasks"]}
    topo = [sub_named({"subtasks": data["tasks"]}, "Start node")["id"]]
    while by_id[topo[-1]]["downstreams"]:
        topo.append(by_id[topo[-1]]["downstreams"][0])
    assert topo != sorted(topo) and ids == sorted(ids)
    assert by_id[topo[0]]["status"] == "RUNNING"
    assert sim.get("/api/v2/ob/clusters/6")["data"]["status"] == "UPGRADING"


def test_two_binary_upgrade_runs_to_success_and_flips_versions(sim):
    data = upgrade(sim, 2, {"upgradeMode": "ROLLING", "destVersion": HELIOS_TARGET, "operatingSystem": "el7"})
    parent = data.json()["data"]
    assert [s["name"] for s in parent["tasks"]].count("Wait dag success") == 2
    final = wait(sim, parent["id"], done)
    assert final["status"] == "SUCCESSFUL"
    children = child_tasks(sim, 2)
    assert sorted(c["name"] for c in children) == [
        "Upgrade OB cluster to 4.2.1.2-100000082024010818",
        f"Upgrade OB cluster to {HELIOS_TARGET}",
    ]
    assert all("upgrade_version=" in c["context"] for c in children)
    child = task(sim, children[0]["id"])
    stops = [s for s in child["subtasks"] if s["name"].startswith("Stop zone")]
    assert [s["name"] for s in sorted(stops, key=lambda s: s["seriesId"])][0] == "Stop zone zone2"  # RS zone
    cluster = sim.get("/api/v2/ob/clusters/2")["data"]
    assert (cluster["obVersion"], cluster["status"]) == ("4.2.2.0", "RUNNING")
    servers = sim.get("/api/v2/ob/clusters/2/servers")["data"]["contents"]
    assert all(s["version"].startswith("4.2.2.0_100000192024011210") for s in servers)
    log = sim.get(f"/api/v2/tasks/instances/{parent['id']}/subtasks/{parent['tasks'][0]['id']}/log")["data"]
    assert log["log"].startswith("############{EXECUTE}{") and "Set state for subtask" in log["log"]


def test_zone_versions_flip_one_zone_at_a_time(sim):
    sim.config(step_seconds=0.1)
    parent = upgrade(sim, 1, {"rpmFileName": ORION_RPM}).json()["data"]
    seen = set()
    deadline = time.monotonic() + 20
    while task(sim, parent["id"])["status"] == "RUNNING" and time.monotonic() < deadline:
        servers = sim.get("/api/v2/ob/clusters/1/servers")["data"]["contents"]
        seen.add(tuple(s["version"].startswith("4.2.1.1") for s in servers))
        time.sleep(0.03)
    assert (True, False, False) in seen and (True, True, True) in seen


def test_downtime_upgrade_runs_zones_in_parallel(sim):
    parent = upgrade(sim, 4, {"rpmFileName": "oceanbase-3.1.2-20210812221645.el7.x86_64.rpm"}).json()["data"]
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    child = task(sim, child_tasks(sim, 4)[0]["id"])
    assert sorted({s["parallelIdx"] for s in child["subtasks"]}) == [-1, 0, 1]
    checks = [s for s in child["subtasks"] if s["name"] == "Check upgrade environment"]
    assert checks[0]["prohibitRollback"] is False
    assert sub_named(child, "Restart observer")["prohibitRollback"] is True


@pytest.mark.parametrize(
    ("cluster_id", "body", "status", "fragment"),
    [
        (99, {"rpmFileName": TERRAN_RPM}, 404, "does not exist"),
        (5, {"rpmFileName": TERRAN_RPM}, 400, "[STOPPED] state"),
        (6, {}, 400, "You must specify the RPM package name"),
        (4, {"destVersion": "3.1.4-20220629112235"}, 400, "the version is 3.1.3"),
        (3, {"destVersion": HELIOS_TARGET}, 400, "architecture is aarch64"),
        (8, {"destVersion": "4.2.0.0-100000202023052215"}, 400, "the version is 4.1.0.2"),
        (7, {"destVersion": "4.2.1.1-100000162023111615"}, 400, "below 4.0 cannot be upgraded"),
        (7, {"rpmFileName": "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm"}, 400, "architecture is aarch64"),
        (1, {"destVersion": "4.2.1.5-100000002024010101"}, 400, "not in the upgrade dependency file"),
        (6, {"destVersion": "2.2.73-20201211175814"}, 400, "must be later"),
        (4, {"upgradeMode": "ROLLING", "destVersion": "3.1.2-20210812221645"}, 400, "at least 3 zones"),
    ],
)
def test_upgrade_refusals(sim, cluster_id, body, status, fragment):
    response = upgrade(sim, cluster_id, body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]["message"]
    assert not child_tasks(sim, cluster_id) and sim.get("/api/v2/tasks/instances")["data"]["contents"] == []


def test_upgrade_refused_while_a_task_runs_on_the_cluster(sim):
    sim.config(step_seconds=0.5)
    assert upgrade(sim, 1, {"rpmFileName": ORION_RPM}).status_code == 200
    sim.set_cluster_status(1, "RUNNING")  # the status check passes, the running-task check must refuse
    second = upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert second.status_code == 400 and "still in progress" in second.json()["error"]["message"]


def test_failed_step_then_subtask_retry_lets_parent_finish(sim):
    sim.faults(fail_subtask={"name": "Restart observer", "times": 1, "zone": "zone2"})
    parent = upgrade(sim, 1, {"rpmFileName": ORION_RPM}).json()["data"]
    failed_parent = wait(sim, parent["id"], done)
    assert failed_parent["status"] == "FAILED" and failed_parent["prohibitRollback"] is True
    child = task(sim, child_tasks(sim, 1)[0]["id"])
    assert child["status"] == "FAILED"
    bad = sub_named(child, "Restart observer", "FAILED")
    log = sim.get(f"/api/v2/tasks/instances/{child['id']}/subtasks/{bad['id']}/log")["data"]["log"]
    assert "injected fault" in log
    retried = sim.post(f"/api/v2/tasks/instances/{child['id']}/subtasks/{bad['id']}/retry")
    assert retried.status_code == 200 and retried.json()["data"]["operation"] == "RETRY"
    assert retried.json()["data"]["runTime"] == 2
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    assert sim.get("/api/v2/ob/clusters/1")["data"]["obVersion"] == "4.2.1.1"


def test_skip_marks_step_successful_with_skip_operation(sim):
    sim.faults(fail_subtask={"name": "Execute upgrade post script", "times": None})
    parent = upgrade(sim, 1, {"rpmFileName": ORION_RPM}).json()["data"]
    wait(sim, parent["id"], done)
    child_id = child_tasks(sim, 1)[0]["id"]
    bad = sub_named(task(sim, child_id), "Execute upgrade post script", "FAILED")
    refused = sim.post(f"/api/v2/tasks/instances/{child_id}/subtasks/{bad['id'] - 0}/cancel")
    assert refused.status_code == 400
    skipped = sim.post(f"/api/v2/tasks/instances/{child_id}/subtasks/{bad['id']}/skip")
    assert skipped.status_code == 200 and "data" not in skipped.json()
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    after = sub_named(task(sim, child_id), "Execute upgrade post script")
    assert (after["status"], after["operation"]) == ("SUCCESSFUL", "SKIP")


def test_cancel_a_hanging_step_then_task_retry(sim):
    sim.faults(hang_subtask={"name": "Prepare upgrade cluster", "times": 1})
    parent = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM}).json()["data"]
    running = wait(sim, parent["id"], lambda d: sub_named(d, "Prepare")["status"] == "RUNNING")
    prepare = sub_named(running, "Prepare")
    assert sim.post(f"/api/v2/tasks/instances/{parent['id']}/retry").status_code == 400
    assert (
        sim.post(f"/api/v2/tasks/instances/{parent['id']}/subtasks/{prepare['id']}/skip").status_code == 400
    )
    assert sim.post(f"/api/v2/tasks/instances/{parent['id']}/subtasks/{prepare['id']}/cancel").ok
    failed = wait(sim, parent["id"], done)
    assert failed["status"] == "FAILED"
    assert (sub_named(failed, "Prepare")["status"], sub_named(failed, "Prepare")["operation"]) == (
        "FAILED",
        "CANCEL",
    )
    retried = sim.post(f"/api/v2/tasks/instances/{parent['id']}/retry")
    assert retried.status_code == 200 and retried.json()["data"]["operation"] == "RETRY"
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"


def test_hang_times_out_with_the_timeout_log_line(sim):
    sim.faults(hang_subtask={"name": "Start node", "times": 1, "timeout_seconds": 0.3})
    parent = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM}).json()["data"]
    failed = wait(sim, parent["id"], done)
    start = sub_named(failed, "Start node")
    assert start["status"] == "FAILED"
    log = sim.get(f"/api/v2/tasks/instances/{parent['id']}/subtasks/{start['id']}/log")["data"]["log"]
    assert "Receive timeout callback" in log


def test_rollback_after_precheck_failure_returns_cluster_to_running(sim):
    sim.faults(fail_subtask={"name": "Execute upgrade checker script", "times": None})
    parent = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM}).json()["data"]
    failed = wait(sim, parent["id"], done)
    assert failed["status"] == "FAILED" and failed["prohibitRollback"] is False
    rolled = sim.post(f"/api/v2/tasks/instances/{parent['id']}/rollback")
    assert rolled.status_code == 200 and rolled.json()["data"]["operation"] == "ROLLBACK"
    final = wait(sim, parent["id"], done)
    assert (final["status"], final["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    assert all(s["status"] == "PENDING" for s in final["subtasks"])
    assert sim.get("/api/v2/ob/clusters/6")["data"]["status"] == "RUNNING"
    again = sim.post(f"/api/v2/tasks/instances/{parent['id']}/retry")
    assert again.status_code == 400 and again.json()["error"]["code"] == 20003


def test_rollback_refused_after_zone_steps_ran(sim):
    sim.faults(fail_subtask={"name": "Start zone", "times": 1})
    parent = upgrade(sim, 1, {"rpmFileName": ORION_RPM}).json()["data"]
    wait(sim, parent["id"], done)
    refused = sim.post(f"/api/v2/tasks/instances/{parent['id']}/rollback")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 20004
    assert refused.json()["error"]["message"] == f"Task {parent['id']} can not rollback."
    child_id = child_tasks(sim, 1)[0]["id"]
    assert sim.post(f"/api/v2/tasks/instances/{child_id}/rollback").status_code == 400
    assert sim.post("/api/v2/tasks/instances/1/retry").status_code == 404


def test_http_error_fault_with_retry_after_and_call_log(sim):
    sim.faults(http_error={"status": 429, "count": 2, "retry_after": 3})
    first = requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5)
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert first.json()["successful"] is False
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 429
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 200
    statuses = [c["status"] for c in sim.calls("GET", "/api/v2/ob/clusters")]
    assert statuses == [429, 429, 200]
    sim.faults(http_error={"status": 503, "rate": 1.0, "seconds": 30})
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 503
    sim.clear_faults()
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 200


def test_latency_and_dropped_connections(sim):
    sim.faults(latency={"seconds": 0.3, "count": 1})
    started = time.monotonic()
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).ok
    assert time.monotonic() - started >= 0.3
    sim.faults(drop_connection={"count": 1, "path_contains": "/clusters"})
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5)
    assert sim.calls("GET", "/api/v2/ob/clusters")[-1]["status"] is None
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).ok


def test_ambiguous_upgrade_creates_the_task_but_drops_the_answer(sim):
    sim.faults(ambiguous_upgrade=True)
    with pytest.raises(requests.ConnectionError):
        upgrade(sim, 6, {"rpmFileName": TERRAN_RPM})
    assert sim.upgrade_posts() == 1
    tasks = sim.get("/api/v2/tasks/instances", clusterId=6)["data"]["contents"]
    assert [t["name"] for t in tasks] == ["Submit upgrade OB cluster dag"]
    assert sim.calls("POST")[-1]["status"] is None


def test_bad_fault_body_is_400(sim):
    response = requests.post(f"{sim.url}/_sim/faults", json={"explode": True}, timeout=5)
    assert response.status_code == 400


def test_estate_and_task_ids_are_deterministic_for_a_seed(sim):
    def snapshot():
        servers = sim.get("/api/v2/ob/clusters/2/servers")["data"]["contents"]
        parent = upgrade(sim, 1, {"rpmFileName": ORION_RPM}).json()["data"]
        return [s["ip"] for s in servers], parent["id"], [s["id"] for s in parent["tasks"]]

    sim.config(seed=7)
    first = snapshot()
    sim.config(seed=8)
    other = snapshot()
    sim.config(seed=7)
    assert snapshot() == first != other
