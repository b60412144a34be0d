"""OCP's own scheduled and system tasks on clusters, the task list's rows and ``type`` filter, and the
"cluster busy" refusal (OBE11020) with and without ``busy_counts_system_tasks``."""

import pytest

from tests.simulator.helpers import ORION_RPM, done, start, task, tasks_of, upgrade, wait, wait_for

BASIC_ROW = {"cluster", "creator", "finishTime", "id", "name", "startTime", "status", "subtasks"}
SYSTEM = {"id": 200, "name": "system"}


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def background_rows(sim, **params):
    return [r for r in tasks_of(sim, **params) if r["creator"] == SYSTEM]


def test_background_tasks_are_off_in_tests_by_default(sim):
    assert sim.settings()["background_tasks"] is False
    start(sim, 1, {"rpmFileName": ORION_RPM})  # something to advance the clock through
    assert background_rows(sim) == []


def test_background_tasks_start_on_clusters_when_enabled(sim):
    sim.enable_background_tasks(interval_steps=(2, 4))
    rows = wait_for(lambda: len(background_rows(sim)) >= 12 and background_rows(sim), what="background tasks")
    assert {r["cluster"]["id"] for r in rows} >= {1, 2, 3}
    assert 5 not in {r["cluster"]["id"] for r in rows}  # sirius is STOPPED
    assert {r["name"] for r in rows} <= {
        "Generate workload report",
        "Inspect OB cluster",
        "Collect OB cluster parameters",
        "Sync OB cluster topology",
    }
    finished = wait_for(
        lambda: [r for r in background_rows(sim) if r["status"] == "SUCCESSFUL"], what="one to end"
    )
    details = task(sim, finished[0]["id"])
    assert details["type"] in {"SCHEDULED", "SYS_SCHEDULED", "SYS_ONECE"} and details["taskDefinitionId"] > 0
    assert 2 <= len(details["subtasks"]) <= 4


def test_background_tasks_also_start_during_an_upgrade(sim):
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    sim.enable_background_tasks(interval_steps=(1, 2))
    wait_for(lambda: background_rows(sim, clusterId=1), what="a background task on orion")
    assert task(sim, parent["id"])["status"] == "RUNNING"
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"


def test_task_list_rows_follow_the_doc_sample_and_the_type_filter_works(sim):
    manual = start(sim, 1, {"rpmFileName": ORION_RPM})
    report = sim.start_task(2, "Generate workload report", "SCHEDULED")
    inspect = sim.start_task(2, "Inspect OB cluster", "SYS_SCHEDULED", steps=2)
    once = sim.start_task(3, "Sync OB cluster topology", "SYS_ONECE")
    rows = tasks_of(sim)
    assert all(set(r) | {"finishTime"} == BASIC_ROW for r in rows), rows[0]  # finishTime once finished
    assert all(set(s) == {"id", "name", "description", "status", "operation"} for s in rows[0]["subtasks"])
    by_type = {
        kind: {r["id"] for r in tasks_of(sim, type=kind)}
        for kind in ("MANUAL", "SCHEDULED", "SYS_SCHEDULED", "SYS_ONECE")
    }
    assert by_type == {
        "MANUAL": {manual["id"]},
        "SCHEDULED": {report},
        "SYS_SCHEDULED": {inspect},
        "SYS_ONECE": {once},
    }
    assert {r["id"] for r in tasks_of(sim, type="SCHEDULED,SYS_ONECE")} == {report, once}
    steps = sorted(task(sim, inspect)["subtasks"], key=lambda s: s["seriesId"])
    assert [s["name"] for s in steps] == ["Collect inspection items", "Run inspection"]
    assert task(sim, report)["creator"] == SYSTEM and task(sim, report)["type"] == "SCHEDULED"
    assert [r["id"] for r in tasks_of(sim, clusterName="HELI")] == [inspect, report]


def test_a_running_system_task_does_not_make_the_cluster_busy_by_default(sim):
    sim.config(step_seconds=1)
    system = sim.start_task(1, "Inspect OB cluster", "SYS_SCHEDULED", steps=3)
    assert task(sim, system)["status"] == "RUNNING"
    assert upgrade(sim, 1, {"rpmFileName": ORION_RPM}).status_code == 200


def test_busy_counts_system_tasks_switch(sim):
    sim.config(step_seconds=1, busy_counts_system_tasks=True)
    system = sim.start_task(1, "Inspect OB cluster", "SYS_SCHEDULED", steps=3)
    refused = upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "The last operation and maintenance task of the cluster is still in progress"
    )
    sim.config(step_seconds=0.05)
    wait(sim, system, done)
    assert upgrade(sim, 1, {"rpmFileName": ORION_RPM}).status_code == 200


def test_a_running_manual_task_makes_the_cluster_busy(sim):
    sim.config(step_seconds=1)
    sim.start_task(1, "Restart OB cluster", "MANUAL", steps=2)
    refused = upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert refused.status_code == 400 and refused.json()["error"]["debugMessage"].startswith("[OBE11020]")


@pytest.mark.parametrize(
    "body",
    [
        {"cluster_id": 99, "name": "x"},
        {"cluster_id": 1, "name": ""},
        {"cluster_id": 1, "name": "x", "type": "HOURLY"},
        {"cluster_id": 1, "name": "x", "steps": 0},
    ],
)
def test_start_task_control_refuses_bad_bodies(sim, body):
    response = sim.session.post(f"{sim.url}/_sim/tasks", json=body, timeout=5)
    assert response.status_code in (400, 404)
    assert tasks_of(sim) == []
