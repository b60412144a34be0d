"""Primary/standby pairs are upgraded together, standby first (console doc 700.upgrade-cluster-version.md)."""

import pytest

from tests.simulator.helpers import (
    ORION_RPM,
    TERRAN_RPM,
    child_tasks,
    cluster,
    done,
    start,
    task,
    tasks_of,
    upgrade,
    wait,
    wait_for,
)


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.02)
    return simulator


def parent_steps(details):
    """The parent's steps in run order (following ``downstreams`` from the first)."""
    by_id = {s["id"]: s for s in details["subtasks"]}
    step = next(s for s in details["subtasks"] if not s["upstreams"])
    order = []
    while True:
        order.append(step)
        if not step["downstreams"]:
            return order
        step = by_id[step["downstreams"][0]]


@pytest.mark.parametrize("requested", [9, 10], ids=["on-primary-castor", "on-standby-pollux"])
def test_pair_upgrade_runs_the_standby_first_then_the_primary(sim, requested):
    parent = start(sim, requested, {"rpmFileName": ORION_RPM})
    assert "cluster_ids=[10, 9]" in parent["context"] and "primary_cluster_id=9" in parent["context"]
    assert parent["cluster"]["id"] == requested
    assert cluster(sim, 9)["status"] == cluster(sim, 10)["status"] == "UPGRADING"
    names = [s["name"] for s in parent_steps(task(sim, parent["id"]))]
    assert names == [
        "Start node",
        "Prepare upgrade cluster",
        "Submit cluster upgrade task",
        "Wait dag success",
        "Submit cluster upgrade task",
        "Wait dag success",
        "Update OB cluster status",
    ]
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"
    children = [*child_tasks(sim, 10), *child_tasks(sim, 9)]
    assert sorted(children, key=lambda c: c["id"])[0]["cluster"]["id"] == 10  # standby's child first
    assert [c["cluster"]["name"] for c in sorted(children, key=lambda c: c["id"])] == ["pollux", "castor"]
    for cluster_id in (9, 10):
        data = sim.get(f"/api/v2/ob/clusters/{cluster_id}")["data"]
        assert (data["obVersion"], data["status"]) == ("4.2.1.1", "RUNNING")


def test_a_member_of_an_upgrading_pair_cannot_be_upgraded(sim):
    sim.config(step_seconds=0.5)
    start(sim, 9, {"rpmFileName": ORION_RPM})
    refused = upgrade(sim, 10, {"rpmFileName": ORION_RPM})
    assert refused.status_code == 400
    assert (
        refused.json()["error"]["message"]
        == "Cluster pollux in the [UPGRADING] state does not support this operation"
    )
    sim.set_cluster_status(10, "RUNNING")
    sim.set_cluster_status(9, "RUNNING")
    busy = upgrade(sim, 10, {"rpmFileName": ORION_RPM})
    assert busy.status_code == 400 and busy.json()["error"]["debugMessage"].startswith("[OBE11020]")


def test_a_pair_whose_other_member_is_not_running_is_refused(sim):
    sim.set_cluster_status(10, "STOPPED")
    refused = upgrade(sim, 9, {"rpmFileName": ORION_RPM})
    assert refused.status_code == 400
    assert (
        refused.json()["error"]["message"]
        == "Cluster pollux in the [STOPPED] state does not support this operation"
    )
    assert tasks_of(sim) == []
    terran = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM})
    assert "Cluster sirius in the [STOPPED] state" in terran.json()["error"]["message"]


def test_pair_pre_check_needs_an_rpm_for_each_member(sim):
    sim.set_cluster(10, release="rhel8")  # pollux's hosts now take el8 RPMs only
    refused = upgrade(sim, 9, {"rpmFileName": ORION_RPM})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["message"].endswith(
        "The hardware architecture is x86_64, and the version is 4.2.1.1-100000162023111615"
    )
    assert "cluster pollux, rhel8" in error["debugMessage"] and error["debugMessage"].startswith("[OBE11067]")
    el8 = "oceanbase-4.2.1.1-100000162023111615.el8.x86_64.rpm"
    sim.add_package(el8)
    parent = start(sim, 9, {"rpmFileName": ORION_RPM})
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"
    pollux_child = task(sim, child_tasks(sim, 10)[0]["id"])
    castor_child = task(sim, child_tasks(sim, 9)[0]["id"])
    assert any(s["name"] == f"Install OceanBase RPM ({el8})" for s in pollux_child["subtasks"])
    assert any(s["name"] == f"Install OceanBase RPM ({ORION_RPM})" for s in castor_child["subtasks"])


def test_the_requested_member_needs_an_rpm_for_its_own_platform(sim):
    el8 = "oceanbase-4.2.1.1-100000162023111615.el8.x86_64.rpm"
    sim.add_package(el8)
    refused = upgrade(sim, 9, {"rpmFileName": el8})  # castor runs alios7: el7 or alios7 RPMs
    assert refused.status_code == 400 and "cluster castor, alios7" in refused.json()["error"]["debugMessage"]


def test_pair_children_carry_their_own_cluster(sim):
    parent = start(sim, 9, {"rpmFileName": ORION_RPM})
    wait_for(lambda: len(child_tasks(sim, 9)) == 1, what="castor's child task")
    for cluster_id in (10, 9):
        (child,) = child_tasks(sim, cluster_id)
        assert child["cluster"]["id"] == cluster_id
        assert task(sim, child["id"])["cluster"]["type"] == ("STANDBY" if cluster_id == 10 else "PRIMARY")
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"
