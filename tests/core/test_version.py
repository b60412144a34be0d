"""The version in pyproject.toml is what the footer and GET /api/ report."""

import tomllib

from ocpdash.version import PYPROJECT, version
from tests.api.conftest import api  # noqa: F401 - the API client fixture


def test_the_footer_and_the_api_report_pyprojects_version(client, viewer, api):  # noqa: F811
    with PYPROJECT.open("rb") as handle:
        expected = tomllib.load(handle)["project"]["version"]
    assert version() == expected and expected.count(".") == 2
    client.force_login(viewer)
    assert f"ocpdash {expected}</footer>" in client.get("/").content.decode()
    data = api(viewer).get("/api/").json()
    assert data == {"name": "ocpdash", "version": expected, "schema": "/api/schema/", "docs": "/api/docs/"}
    assert api().get("/api/").status_code == 401
