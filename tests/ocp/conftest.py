import pytest

from ocpdash.ocp import BasicAuth, OcpClient

from .scripted_server import ScriptedServer

try:  # the simulator fixture lives with the simulator; import it rather than use pytest_plugins here
    from tests.fixtures.simulator import *  # noqa: F403
except ImportError as exc:  # pragma: no cover - only while the simulator is being written
    _missing = str(exc)

    @pytest.fixture
    def simulator():
        pytest.skip(f"simulator fixture unavailable: {_missing}")


@pytest.fixture
def scripted():
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def scripted_client(scripted, sleeps):
    client = OcpClient(
        scripted.url,
        auth=BasicAuth("admin", "s3cret-pw"),
        read_timeout=0.25,
        max_retries=3,
        sleep=sleeps.append,
    )
    yield client
    client.close()
