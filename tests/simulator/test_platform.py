"""Hosts as the host-details doc shows them, OCP's mixed package list, packages carrying their own
upgrade dependency file, and the call log's POST bodies."""

import pytest
import requests

from ocpdash.simulator.estate import CLUSTERS
from tests.simulator.helpers import ORION_RPM, TERRAN_RPM, done, start, upgrade, wait

SAMPLE_HOST_FIELDS = {
    "architecture",
    "createTime",
    "hostAgentId",
    "hostAgentStatus",
    "hostAgentVersion",
    "id",
    "idcId",
    "idcName",
    "innerIpAddress",
    "kind",
    "name",
    "operatingSystem",
    "operatingSystemRelease",
    "regionId",
    "regionName",
    "services",
    "sshPort",
    "status",
    "typeId",
    "typeName",
    "updateTime",
}


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def host_of(sim, cluster_id):
    server = sim.get(f"/api/v2/ob/clusters/{cluster_id}/servers")["data"]["contents"][0]
    return sim.get(f"/api/v2/compute/hosts/{server['hostId']}")["data"]


@pytest.mark.parametrize(
    ("cluster_id", "arch", "kernel", "release"),
    [
        (1, "x86_64", "4.9.168-018.ali3000.alios7.x86_64", "alios7"),
        (2, "x86_64", "3.10.0-1160.el7.x86_64", "centos7"),
        (3, "aarch64", "4.19.90-24.4.v2101.ky10.aarch64", "kylinV10"),
        (4, "x86_64", "3.10.0-1160.108.1.el7.x86_64", "rhel7"),
        (12, "x86_64", "4.18.0-372.9.1.el8.x86_64", "rhel8"),
    ],
)
def test_hosts_report_a_kernel_and_a_release(sim, cluster_id, arch, kernel, release):
    host = host_of(sim, cluster_id)
    assert (host["architecture"], host["operatingSystem"], host["operatingSystemRelease"]) == (
        arch,
        kernel,
        release,
    )
    assert set(host) == SAMPLE_HOST_FIELDS  # the sample's nulls are omitted
    assert host["hostAgentVersion"] == "4.2.2-20240108150515"
    (service,) = host["services"]
    assert service["type"] == "OB_CLUSTER" and service["name"].startswith(f"{CLUSTERS[cluster_id - 1].name}:")


def test_every_seeded_cluster_has_a_known_platform(sim):
    releases = {host_of(sim, spec.id)["operatingSystemRelease"] for spec in CLUSTERS}
    assert releases == {"alios7", "centos7", "kylinV10", "rhel7", "rhel8"}


def test_host_service_version_follows_the_upgrade(sim):
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    wait(sim, parent["id"], done)
    assert host_of(sim, 1)["services"][0]["version"] == "4.2.1.1"


def test_package_list_mixes_types_and_filters_by_type(sim):
    rows = sim.get("/api/v2/software-packages", size=100)["data"]["contents"]
    types = {r["fileName"]: r["type"] for r in rows}
    assert types["obproxy-ce-4.2.1.0-11.el7.x86_64.rpm"] == "OBPROXY_INSTALL_PACKAGE"
    assert types["ocp-agent-ce-4.2.2-20240108150515.el7.x86_64.rpm"] == "OCP_AGENT_INSTALL_PACKAGE"
    proxy = next(r for r in rows if r["name"] == "obproxy-ce")
    assert (proxy["version"], proxy["buildNumber"], proxy["operatingSystem"]) == ("4.2.1.0", "11", "el7")
    agents = sim.get("/api/v2/software-packages", type="OCP_AGENT_INSTALL_PACKAGE")["data"]["contents"]
    assert [r["name"] for r in agents] == ["ocp-agent-ce"]
    el8 = sim.get("/api/v2/software-packages", operatingSystem="el8", architecture="x86_64")["data"][
        "contents"
    ]
    assert [r["version"] for r in el8] == ["4.3.3.0"]


@pytest.mark.parametrize(
    ("file_name", "status"),
    [
        ("obproxy-ce-4.2.2.0-1.el8.aarch64.rpm", 200),
        ("ob-backup-agent-4.2.1-20231110.el7.x86_64.rpm", 200),
        ("oceanbase-ce-libs-4.2.1.1-100000162023111615.el7.x86_64.rpm", 200),
        ("nginx-1.20.1-1.el7.x86_64.rpm", 400),
        ("hello.txt", 400),
    ],
)
def test_uploads_parse_any_rpm_name_of_a_type_ocp_keeps(sim, file_name, status):
    url = f"{sim.url}/api/v2/software-packages"
    response = requests.post(url, auth=sim.auth, files={"file": (file_name, b"rpm")}, timeout=5)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["data"]["type"]


def test_a_package_with_its_own_dependency_file_gives_the_route(sim):
    sim.set_cluster_status(5, "RUNNING")  # sirius: terran's standby must run too
    refused = upgrade(sim, 6, {"rpmFileName": TERRAN_RPM})
    assert "not in the upgrade dependency file" in refused.json()["error"]["message"]
    dep = (
        "- version: 2.2.73\n  can_be_upgraded_to: [2.2.74]\n"
        "- version: 2.2.74\n  can_be_upgraded_to: [2.2.75]\n"
    )
    own = "oceanbase-2.2.75-20210108170302.el7.x86_64.rpm"
    added = sim.add_package(own, dep_yaml=dep)
    assert added["fileName"] == own and added["type"] == "OB_SERVER_INSTALL_PACKAGE"
    parent = start(sim, 6, {"rpmFileName": own})
    assert "upgrade_versions=[2.2.74, 2.2.75-20210108170302]" in parent["context"]
    assert "cluster_ids=[5, 6]" in parent["context"]
    assert wait(sim, parent["id"], done, timeout=30)["status"] == "SUCCESSFUL"


def test_a_package_dependency_file_wins_over_the_default_one(sim):
    dep = "- version: 4.2.1.0\n  can_be_upgraded_to: [4.2.1.2]\n"
    own = "oceanbase-4.2.1.1-100000162023111616.el7.x86_64.rpm"
    sim.add_package(own, dep_yaml=dep)  # its own file does not know 4.2.1.1
    bad = upgrade(sim, 1, {"rpmFileName": own})
    assert bad.status_code == 400 and "OBE11063" in bad.json()["error"]["debugMessage"]
    assert upgrade(sim, 1, {"rpmFileName": ORION_RPM}).status_code == 200  # the default file still routes


def test_a_malformed_dependency_file_is_refused(sim):
    response = sim.session.post(
        f"{sim.url}/_sim/packages",
        json={"file_name": "oceanbase-4.2.1.1-1.el7.x86_64.rpm", "dep_yaml": "{a: 1}"},
        timeout=5,
    )
    assert response.status_code == 400 and "dependency file" in response.json()["error"]["message"]


def test_call_log_records_post_bodies(sim):
    body = {"rpmFileName": ORION_RPM, "extra": [1, 2]}
    upgrade(sim, 1, body)
    sim.get("/api/v2/ob/clusters")
    (post,) = sim.calls("POST", "/upgrade")
    assert post["body"] == body and post["status"] == 200
    assert "body" not in sim.calls("GET", "/api/v2/ob/clusters")[-1]
    requests.post(
        f"{sim.url}/api/v2/software-packages", auth=sim.auth, files={"file": ("x.rpm", b"\x00")}, timeout=5
    )
    assert sim.calls("POST", "/software-packages")[-1]["body"] is None
