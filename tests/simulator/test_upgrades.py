"""Upgrades, the task state machine (§3.3) and fault injection, over real HTTP."""

import time

import pytest
import requests

from tests.simulator.helpers import (
    LYRA_RPM,
    NOVA_RPM,
    ORION_RPM,
    POLARIS_RPM,
    RPM_4212,
    TERRAN_RPM,
    VEGA_RPM,
    child_tasks,
    done,
    log_of,
    start,
    sub_named,
    subtask_post,
    task,
    task_post,
    tasks_of,
    upgrade,
    wait,
)


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def test_upgrade_answer_has_the_sample_shape(sim):
    data = start(sim, 7, {"rpmFileName": POLARIS_RPM})
    assert data["name"] == "Submit upgrade OB cluster dag" and data["status"] == "RUNNING"
    assert data["cluster"] == {"id": 7, "name": "polaris", "obClusterId": data["cluster"]["obClusterId"]}
    assert data["creator"] == {"id": 100, "name": "admin"}
    assert "upgrade_versions=[3.1.3, 3.1.4-20220629112235]" in data["context"]
    assert "binary_upgrade_versions=[3.1.4-20220629112235], cluster_ids=[7]" in data["context"]
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
    assert sim.get("/api/v2/ob/clusters/7")["data"]["status"] == "UPGRADING"


def test_task_details_have_no_context_but_a_type(sim):
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    details = task(sim, parent["id"])
    assert "context" not in details and "clusterId" not in details
    assert (details["type"], details["taskDefinitionId"]) == ("MANUAL", -1)
    assert {"executor", "prohibitRollback", "createTime", "startTime", "operation"} <= set(details)


def test_two_binary_upgrade_runs_to_success_and_flips_versions(sim):
    parent = start(sim, 2, {"rpmFileName": RPM_4212})
    assert [s["name"] for s in parent["tasks"]].count("Wait dag success") == 2
    assert (
        "binary_upgrade_versions=[4.2.1.1-100000162023111615, 4.2.1.2-100000082024010818]"
        in parent["context"]
    )
    final = wait(sim, parent["id"], done)
    assert final["status"] == "SUCCESSFUL"
    children = child_tasks(sim, 2)
    assert [c["name"] for c in children] == [
        "Upgrade OB cluster to 4.2.1.1-100000162023111615",
        "Upgrade OB cluster to 4.2.1.2-100000082024010818",
    ]
    child = task(sim, children[0]["id"])
    assert child["type"] == "MANUAL" and child["creator"] == {"id": 100, "name": "admin"}
    stops = [s for s in child["subtasks"] if s["name"].startswith("Stop zone")]
    assert [s["name"] for s in sorted(stops, key=lambda s: s["seriesId"])][0] == "Stop zone zone2"  # RS zone
    data = sim.get("/api/v2/ob/clusters/2")["data"]
    assert (data["obVersion"], data["status"]) == ("4.2.1.2", "RUNNING")
    servers = sim.get("/api/v2/ob/clusters/2/servers")["data"]["contents"]
    assert all(s["version"].startswith("4.2.1.2_100000082024010818") for s in servers)
    log = log_of(sim, parent["id"], parent["tasks"][0]["id"])
    assert log.startswith("############{EXECUTE}{") and "Set state for subtask" in log


def test_zone_versions_flip_one_zone_at_a_time(sim):
    sim.config(step_seconds=0.1)
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    seen = set()
    deadline = time.monotonic() + 20
    while task(sim, parent["id"])["status"] == "RUNNING" and time.monotonic() < deadline:
        servers = sim.get("/api/v2/ob/clusters/1/servers")["data"]["contents"]
        seen.add(tuple(s["version"].startswith("4.2.1.1") for s in servers))
        time.sleep(0.03)
    assert (True, False, False) in seen and (True, True, True) in seen


def test_downtime_upgrade_runs_zones_in_parallel(sim):
    parent = start(sim, 4, {"rpmFileName": VEGA_RPM})
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    child = task(sim, child_tasks(sim, 4)[0]["id"])
    assert sorted({s["parallelIdx"] for s in child["subtasks"]}) == [-1, 0, 1]
    checks = [s for s in child["subtasks"] if s["name"] == "Check upgrade environment"]
    assert checks[0]["prohibitRollback"] is False
    assert sub_named(child, "Restart observer")["prohibitRollback"] is True


@pytest.mark.parametrize(
    ("cluster_id", "rpm"),
    [(3, LYRA_RPM), (7, POLARIS_RPM), (12, NOVA_RPM)],
    ids=["lyra-kylin-aarch64", "polaris-3.1-aarch64", "nova-el8-script-hops"],
)
def test_other_seeded_upgrades_succeed(sim, cluster_id, rpm):
    parent = start(sim, cluster_id, {"rpmFileName": rpm})
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    version = rpm.split("-")[1]
    assert sim.get(f"/api/v2/ob/clusters/{cluster_id}")["data"]["obVersion"] == version


def test_atlas_installs_each_binary_stop_once_4102_is_uploaded(sim):
    sim.config(step_seconds=0.02)
    sim.add_package("oceanbase-4.1.0.2-100000052023071419.el7.x86_64.rpm")
    parent = start(sim, 11, {"rpmFileName": RPM_4212})
    binaries = "4.1.0.2-100000052023071419, 4.2.1.1-100000162023111615, 4.2.1.2-100000082024010818"
    assert f"binary_upgrade_versions=[{binaries}]" in parent["context"]
    prepare = sub_named({"subtasks": parent["tasks"]}, "Prepare upgrade cluster")
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"
    assert "Upgrade route from upstream oceanbase_upgrade_dep.yml @4c4a07a8" in log_of(
        sim, parent["id"], prepare["id"]
    )
    assert len(child_tasks(sim, 11)) == 3
    assert sim.get("/api/v2/ob/clusters/11")["data"]["obVersion"] == "4.2.1.2"


def test_nova_goes_through_script_only_hops_with_one_binary(sim):
    parent = start(sim, 12, {"rpmFileName": NOVA_RPM})
    assert "upgrade_versions=[4.3.0.1, 4.3.1.0, 4.3.2.0, 4.3.3.0-100000142024101215]" in parent["context"]
    assert "binary_upgrade_versions=[4.3.3.0-100000142024101215]" in parent["context"]


@pytest.mark.parametrize(
    ("cluster_id", "body", "status", "fragment"),
    [
        (99, {"rpmFileName": ORION_RPM}, 404, "does not exist"),
        (5, {"rpmFileName": TERRAN_RPM}, 400, "Cluster sirius in the [STOPPED] state"),
        (6, {"rpmFileName": TERRAN_RPM}, 400, "Cluster sirius in the [STOPPED] state"),
        (1, {}, 400, "You must specify the RPM package name"),
        (1, {"destVersion": "4.2.1.1-100000162023111615"}, 400, "You must specify the RPM package name"),
        (8, {"rpmFileName": RPM_4212}, 400, "the version is 4.1.0.2"),
        (11, {"rpmFileName": RPM_4212}, 400, "the version is 4.1.0.2"),
        (7, {"rpmFileName": LYRA_RPM}, 400, "below 4.0 cannot be upgraded"),
        (7, {"rpmFileName": "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm"}, 400, "architecture is aarch64"),
        (1, {"rpmFileName": NOVA_RPM}, 400, "architecture is x86_64, and the version is 4.3.3.0"),
        (
            12,
            {"rpmFileName": "oceanbase-4.3.3.0-100000142024101215.el7.x86_64.rpm"},
            400,
            "version is 4.3.3.0",
        ),
        (4, {"rpmFileName": TERRAN_RPM}, 400, "must be later"),
        (1, {"rpmFileName": "obproxy-ce-4.2.1.0-11.el7.x86_64.rpm"}, 400, "not an OceanBase server RPM"),
        (1, {"rpmFileName": "not-an-rpm.zip"}, 400, "Invalid package name"),
    ],
)
def test_upgrade_refusals(sim, cluster_id, body, status, fragment):
    response = upgrade(sim, cluster_id, body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]["message"]
    assert tasks_of(sim) == []


def test_terran_has_no_path_once_its_standby_runs(sim):
    sim.set_cluster_status(5, "RUNNING")
    response = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM})
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"]
        == "Version 2.2.73-20201211175814 is not in the upgrade dependency file."
    )
    assert response.json()["error"]["debugMessage"].startswith("[OBE11063]")


def test_upgrade_refused_while_a_task_runs_on_the_cluster(sim):
    sim.config(step_seconds=0.5)
    start(sim, 1, {"rpmFileName": ORION_RPM})
    sim.set_cluster_status(1, "RUNNING")  # the status check passes, the running-task check must refuse
    second = upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert second.status_code == 400 and "still in progress" in second.json()["error"]["message"]


def test_cancel_a_hanging_step_then_task_retry(sim):
    sim.faults(hang_subtask={"name": "Prepare upgrade cluster", "times": 1})
    parent = start(sim, 7, {"rpmFileName": POLARIS_RPM})
    running = wait(sim, parent["id"], lambda d: sub_named(d, "Prepare")["status"] == "RUNNING")
    prepare = sub_named(running, "Prepare")
    assert task_post(sim, parent["id"], "retry").status_code == 400
    assert subtask_post(sim, parent["id"], prepare["id"], "skip").status_code == 400
    assert subtask_post(sim, parent["id"], prepare["id"], "cancel").ok
    failed = wait(sim, parent["id"], done)
    assert failed["status"] == "FAILED"
    assert (sub_named(failed, "Prepare")["status"], sub_named(failed, "Prepare")["operation"]) == (
        "FAILED",
        "CANCEL",
    )
    retried = task_post(sim, parent["id"], "retry")
    assert retried.status_code == 200 and retried.json()["data"]["operation"] == "RETRY"
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"


def test_hang_times_out_with_the_timeout_log_line(sim):
    sim.faults(hang_subtask={"name": "Start node", "times": 1, "timeout_seconds": 0.3})
    parent = start(sim, 7, {"rpmFileName": POLARIS_RPM})
    failed = wait(sim, parent["id"], done)
    first = sub_named(failed, "Start node")
    assert first["status"] == "FAILED"
    assert "Receive timeout callback" in log_of(sim, parent["id"], first["id"])


def test_http_error_fault_and_call_log(sim):
    sim.faults(http_error={"status": 503, "count": 1})
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 503
    assert requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5).status_code == 200
    assert [c["status"] for c in sim.calls("GET", "/api/v2/ob/clusters")] == [503, 200]
    sim.faults(http_error={"status": 503, "rate": 1.0, "seconds": 30})
    faulted = requests.get(f"{sim.url}/api/v2/ob/clusters", auth=sim.auth, timeout=5)
    assert faulted.status_code == 503 and "Retry-After" not in faulted.headers
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
        upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert sim.upgrade_posts() == 1
    assert [t["name"] for t in tasks_of(sim, clusterId=1)] == ["Submit upgrade OB cluster dag"]
    assert sim.calls("POST")[-1]["status"] is None
    assert sim.upgrade_bodies() == [{"rpmFileName": ORION_RPM}]


def test_bad_fault_body_is_400(sim):
    response = requests.post(f"{sim.url}/_sim/faults", json={"explode": True}, timeout=5)
    assert response.status_code == 400


def test_estate_and_task_ids_are_deterministic_for_a_seed(sim):
    def snapshot():
        servers = sim.get("/api/v2/ob/clusters/2/servers")["data"]["contents"]
        parent = start(sim, 1, {"rpmFileName": ORION_RPM})
        return [s["ip"] for s in servers], parent["id"], [s["id"] for s in parent["tasks"]]

    sim.config(seed=7)
    first = snapshot()
    sim.config(seed=8)
    other = snapshot()
    sim.config(seed=7)
    assert snapshot() == first != other
