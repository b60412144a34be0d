"""Settings: start-up flags and OCP_SIM_* variables, POST /_sim/config, reset; OCP 4.3's upgrade body."""

import argparse
import os
import subprocess
import sys

import pytest
import requests

from ocpdash.simulator import config
from tests.fixtures.simulator import HOST, ROOT, free_port
from tests.simulator.helpers import (
    NOVA_RPM,
    ORION_RPM,
    VEGA_RPM,
    child_tasks,
    done,
    start,
    task,
    upgrade,
    wait,
)


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def parse(argv, environ):
    parser = argparse.ArgumentParser()
    config.add_arguments(parser, environ)
    return config.settings_from_args(parser.parse_args(argv))


def test_every_setting_has_a_flag_and_a_variable_and_the_flag_wins():
    settings = parse(
        ["--ocp-version", "4.3.2", "--cluster-get", "off"],
        {
            "OCP_SIM_OCP_VERSION": "4.2.1",
            "OCP_SIM_BACKGROUND_TASKS": "off",
            "OCP_SIM_LOGIN_MAX_ATTEMPTS": "5",
        },
    )
    assert (settings.ocp_version, settings.cluster_get) == ("4.3.2", False)
    assert (settings.background_tasks, settings.login_max_attempts) == (False, 5)
    assert parse([], {}) == config.Settings()
    with pytest.raises(SystemExit):  # argparse's error: the variable is named, nothing starts
        parse([], {"OCP_SIM_BACKGROUND_TASKS": "maybe"})
    assert {s.env for s in config.SWITCHES} == {f"OCP_SIM_{k.upper()}" for k in config.Settings().to_json()}


@pytest.mark.parametrize(
    "body",
    [{"ocp_version": "four"}, {"background_tasks": "maybe"}, {"login_max_attempts": 0}, {"nonsense": 1}],
)
def test_bad_config_is_400_and_changes_nothing(sim, body):
    before = sim.settings()
    response = requests.post(f"{sim.url}/_sim/config", json=body, timeout=5)
    assert response.status_code == 400
    assert sim.settings() == before


def test_reset_restores_the_start_up_settings(sim):
    changed = sim.config(ocp_version="4.3.0", cluster_get=False, busy_counts_system_tasks=True)
    assert (changed["ocp_version"], changed["cluster_get"]) == ("4.3.0", False)
    sim.reset()
    settings = sim.settings()
    assert (settings["ocp_version"], settings["cluster_get"], settings["busy_counts_system_tasks"]) == (
        "4.2.2",
        True,
        False,
    )
    assert settings["background_tasks"] is False  # the fixture's process starts with them off


def test_a_process_started_with_variables_and_flags_keeps_them_across_resets():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCP_SIM_")}
    env.update(OCP_SIM_OCP_VERSION="4.3.2", OCP_SIM_CLUSTER_GET="off", PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "ocpdash.simulator", "--port", str(port), "--background-tasks", "off"]
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert "listening" in process.stdout.readline()
        url = f"http://{HOST}:{port}"
        requests.post(f"{url}/_sim/config", json={"ocp_version": "4.2.2"}, timeout=5)
        requests.post(f"{url}/_sim/reset", timeout=5)
        info = requests.get(f"{url}/api/v2/info", timeout=5).json()
        assert info["buildVersion"].startswith("4.3.2-")
        got = requests.get(f"{url}/api/v2/ob/clusters/1", auth=("admin", "aaAA11__"), timeout=5)
        assert got.status_code == 405
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_info_reports_the_configured_ocp_version(sim):
    sim.config(ocp_version="4.3.2-20240808115204")
    assert requests.get(f"{sim.url}/api/v2/info", timeout=5).json()["buildVersion"] == "4.3.2-20240808115204"


def test_ocp_43_refuses_rpm_file_name_alone_as_bean_validation_would(sim):
    sim.config(ocp_version="4.3.0")
    response = upgrade(sim, 1, {"rpmFileName": ORION_RPM})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (10001, "must not be null")
    assert error["subErrors"] == [
        {"object": "clusterUpgradeParam", "field": field, "message": "must not be null"}
        for field in ("upgradeMode", "destVersion", "operatingSystem")
    ]
    assert sim.upgrade_bodies() == [{"rpmFileName": ORION_RPM}]


def test_ocp_43_names_only_the_missing_fields(sim):
    sim.config(ocp_version="4.3.0")
    error = upgrade(sim, 1, {"upgradeMode": "ROLLING", "destVersion": "4.2.1.1"}).json()["error"]
    assert [e["field"] for e in error["subErrors"]] == ["operatingSystem"]


def test_ocp_43_body_upgrades_with_mode_freeze_and_zone_order(sim):
    sim.config(ocp_version="4.3.0")
    body = {
        "upgradeMode": "ROLLING",
        "destVersion": "4.2.1.1-100000162023111615",
        "operatingSystem": "el7",
        "freezeServer": True,
        "zoneOrder": ["zone3", "zone1", "zone2"],
    }
    parent = start(sim, 1, body)
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    child = task(sim, child_tasks(sim, 1)[0]["id"])
    ordered = sorted(child["subtasks"], key=lambda s: s["seriesId"])
    assert [s["name"] for s in ordered if s["name"].startswith("Stop zone")] == [
        "Stop zone zone3",
        "Stop zone zone1",
        "Stop zone zone2",
    ]
    assert any(s["name"] == "Minor freeze before stop server" for s in ordered)
    assert any(s["name"] == f"Install OceanBase RPM ({ORION_RPM})" for s in ordered)


@pytest.mark.parametrize(
    ("cluster_id", "body", "fragment"),
    [
        (
            4,
            {"upgradeMode": "ROLLING", "destVersion": "3.1.2-20210812221645", "operatingSystem": "el7"},
            "3 zones",
        ),
        (
            1,
            {"upgradeMode": "DOWNTIME", "destVersion": "4.2.1.1", "operatingSystem": "el7"},
            "Malformed JSON",
        ),
        (
            12,
            {"upgradeMode": "ROLLING", "destVersion": "4.3.3.0", "operatingSystem": "el7"},
            "version is 4.3.3.0",
        ),
        (
            1,
            {
                "upgradeMode": "ROLLING",
                "destVersion": "4.2.1.1",
                "operatingSystem": "el7",
                "zoneOrder": ["zone1"],
            },
            "zoneOrder",
        ),
    ],
)
def test_ocp_43_refusals(sim, cluster_id, body, fragment):
    sim.config(ocp_version="4.3.0")
    response = upgrade(sim, cluster_id, body)
    assert response.status_code == 400 and fragment in response.json()["error"]["message"]


def test_ocp_43_downtime_and_el8(sim):
    sim.config(ocp_version="4.3.0")
    vega = start(sim, 4, {"upgradeMode": "STOP_SERVICE", "destVersion": "3.1.2", "operatingSystem": "el7"})
    nova = start(sim, 12, {"upgradeMode": "ROLLING", "destVersion": "4.3.3.0", "operatingSystem": "el8"})
    assert "upgrade_mode" not in vega["context"]  # the mode is the child's
    assert wait(sim, vega["id"], done)["status"] == wait(sim, nova["id"], done)["status"] == "SUCCESSFUL"
    assert sim.get("/api/v2/ob/clusters/12")["data"]["obVersion"] == NOVA_RPM.split("-")[1]


def test_below_43_other_fields_are_ignored(sim):
    body = {"rpmFileName": VEGA_RPM, "upgradeMode": "ROLLING", "zoneOrder": ["nope"], "freezeServer": "x"}
    parent = start(sim, 4, body)  # ROLLING on 2 zones would be refused if it were read
    assert wait(sim, parent["id"], done)["status"] == "SUCCESSFUL"
    child = task(sim, child_tasks(sim, 4)[0]["id"])
    assert {s["parallelIdx"] for s in child["subtasks"]} == {-1, 0, 1}  # downtime: 2 zones
