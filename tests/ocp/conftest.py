import pytest

from ocpdash.ocp import BasicAuth, OcpClient

from .scripted_server import ScriptedServer


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
