import os
import subprocess
import sys

import pytest

from tests.api.conftest import api  # noqa: F401  (the API client fixture)
from tests.catalog.rpms import rpm_builder  # noqa: F401  (the session fixture)
from tests.fixtures.simulator import HOST, ROOT, SimulatorHandle, _wait_until_up, free_port


@pytest.fixture
def rpm_store(settings, tmp_path):
    """The catalog's files in a folder of this test."""
    folder = tmp_path / "rpm-store"
    settings.STORAGES = {
        **settings.STORAGES,
        "rpms": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


@pytest.fixture(scope="session")
def second_simulator_server(tmp_path_factory):
    """A second OCP (another region): its own simulator process, so its package list is its own."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("ocp-simulator-2") / "simulator.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCP_SIM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocpdash.simulator", "--host", HOST, "--port", str(port),
             "--background-tasks", "off"],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
        )  # fmt: skip
    handle = SimulatorHandle(process, f"http://{HOST}:{port}", log_path)
    try:
        _wait_until_up(handle)
        yield handle
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def second_simulator(second_simulator_server):
    second_simulator_server.reset()
    return second_simulator_server
