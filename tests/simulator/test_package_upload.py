"""POST /api/v2/software-packages with real RPMs: OCP's shapes and errors, and the RPM's own
dependency file taken for the routes (ocpdash.simulator.api.upload_package)."""

import hashlib

import requests

from tests.catalog import rpms
from tests.catalog.rpms import corrupted_copy

rpm_builder = rpms.rpm_builder  # the session fixture that builds real RPMs

TERRAN_TARGET = "oceanbase-2.2.75-20210108170302.el7.x86_64.rpm"
DEP = "- version: 2.2.73\n  can_be_upgraded_to: [2.2.74]\n- version: 2.2.74\n  can_be_upgraded_to: [2.2.75]\n"


def post(sim, path, auth=None):
    with open(path, "rb") as handle:
        return requests.post(
            f"{sim.url}/api/v2/software-packages",
            auth=auth or sim.auth,
            files={"file": (path.name, handle)},
            timeout=10,
        )


def test_an_uploaded_rpm_is_listed_with_its_sha1_and_routes_by_its_own_dependency_file(
    simulator, rpm_builder
):
    path = rpm_builder.build(TERRAN_TARGET, dep_yaml=DEP)
    response = post(simulator, path)
    assert response.status_code == 200, response.text
    meta = response.json()["data"]
    assert meta["sha1"] == hashlib.sha1(path.read_bytes()).hexdigest()
    assert (meta["size"], meta["type"], meta["buildNumber"]) == (
        path.stat().st_size,
        "OB_SERVER_INSTALL_PACKAGE",
        "20210108170302",
    )
    simulator.set_cluster_status(5, "RUNNING")  # terran's standby
    upgrade = simulator.post("/api/v2/ob/clusters/6/upgrade", {"rpmFileName": TERRAN_TARGET})
    assert upgrade.status_code == 200, upgrade.text
    assert "upgrade_versions=[2.2.74, 2.2.75-20210108170302]" in upgrade.json()["data"]["context"]


def test_a_corrupted_rpm_is_a_bad_file(simulator, rpm_builder, tmp_path):
    path = corrupted_copy(rpm_builder.build(TERRAN_TARGET, size=3000, compress="w.ufdio"), tmp_path)
    response = post(simulator, path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert "PKG10006" in error["debugMessage"] and "digest" in error["message"]


def test_an_rpm_whose_header_is_another_package_is_a_bad_file(simulator, rpm_builder):
    path = rpm_builder.build(TERRAN_TARGET, header_name="oceanbase-2.2.76-20210108170302.el7.x86_64.rpm")
    response = post(simulator, path)
    assert response.status_code == 400 and "2.2.76" in response.json()["error"]["message"]


def test_a_second_upload_of_a_name_is_409_and_a_viewer_gets_403(simulator, rpm_builder):
    path = rpm_builder.build(TERRAN_TARGET)
    assert post(simulator, path).status_code == 200
    again = post(simulator, path)
    assert again.status_code == 409 and "PKG10012" in again.json()["error"]["debugMessage"]
    denied = post(simulator, path, auth=("viewer", "viewer"))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == 30014
