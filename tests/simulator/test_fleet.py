"""The simulator's fleet helpers: more clusters (pairs and two architectures) and a fault that fails
one chosen cluster's upgrade only."""

import pytest

from ocpdash.simulator.config import Settings
from ocpdash.simulator.estate import add_fleet, build_estate
from ocpdash.simulator.faults import FaultError, Faults


def test_a_fleet_has_both_architectures_and_pairs_standby_after_its_primary():
    estate = build_estate(0)
    seeded = set(estate.clusters)
    ids = add_fleet(estate, 8)
    added = [estate.clusters[i] for i in ids]
    assert len(added) == 8 and not seeded & set(ids)
    assert {c.arch for c in added} == {"x86_64", "aarch64"}
    standbys = [c for c in added if c.primary_id]
    assert standbys and all(estate.clusters[c.primary_id].type == "PRIMARY" for c in standbys)
    assert all(c.type == "STANDBY" for c in standbys)
    assert estate.pair_of(standbys[0])[0] is standbys[0]  # OCP upgrades the standby first


def test_fleet_setting_rebuilds_the_estate(simulator):
    before = len(simulator.get("/api/v2/ob/clusters", size=1000)["data"]["contents"])
    simulator.config(fleet=5)
    after = simulator.get("/api/v2/ob/clusters", size=1000)["data"]["contents"]
    assert len(after) == before + 5
    assert Settings().fleet == 0


def test_a_subtask_fault_can_be_limited_to_one_cluster():
    faults = Faults()
    faults.update({"fail_subtask": {"name": "Restart observer", "times": 1, "cluster": 1003}})
    assert faults.subtask_outcome("Restart observer", "zone1", 1001) == ("ok", None)
    assert faults.subtask_outcome("Restart observer", "zone1", 1003)[0] == "fail"
    assert faults.subtask_outcome("Restart observer", "zone1", 1003)[0] == "ok"  # once
    with pytest.raises(FaultError, match="cluster"):
        faults.update({"fail_subtask": {"name": "x", "cluster": "orion"}})


def test_a_cluster_can_report_another_version(simulator):
    simulator.set_cluster(1, version="4.2.1.1-100000162023111615")
    cluster = simulator.get("/api/v2/ob/clusters/1")["data"]
    assert cluster["obVersion"] == "4.2.1.1"
