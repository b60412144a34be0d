"""GET /api/upgrades/{id}/evidence/ and manage.py evidence: the same canonical JSON as the download,
for anyone who may view upgrades."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocpdash.upgrades import evidence
from tests.fixtures.evidence import audited_upgrade, large_upgrade


@pytest.fixture
def upgrade(make_user):
    return audited_upgrade(make_user)


def run(*args) -> str:
    out = StringIO()
    call_command("evidence", *args, stdout=out)
    return out.getvalue()


def test_the_api_answers_the_canonical_json_and_its_sha256(api, viewer, upgrade):
    response = api(viewer).get(f"/api/upgrades/{upgrade.pk}/evidence/")
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response.content == evidence.export(upgrade.pk).body
    assert response["X-Evidence-SHA256"] == hashlib.sha256(response.content).hexdigest()


def test_the_api_needs_the_view_permission(api, make_user, upgrade):
    assert api(make_user("nobody")).get(f"/api/upgrades/{upgrade.pk}/evidence/").status_code == 403


def test_the_api_needs_a_login(api, upgrade):
    assert api().get(f"/api/upgrades/{upgrade.pk}/evidence/").status_code in (401, 403)


def test_the_api_answers_404_for_an_unknown_upgrade(api, viewer, db):
    assert api(viewer).get("/api/upgrades/987654/evidence/").status_code == 404


def test_the_api_reads_as_few_queries_for_300_steps_as_for_10(
    api, viewer, operator, make_cluster, make_package
):
    client, package, counts = api(viewer), make_package(), []
    for steps in (10, 300):
        upgrade = large_upgrade(operator, make_cluster(), package, steps)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/upgrades/{upgrade.pk}/evidence/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_command_writes_the_html_and_prints_the_sha256(tmp_path, upgrade):
    out = tmp_path / "pack.html"
    printed = run(str(upgrade.pk), "--out", str(out))
    pack = evidence.export(upgrade.pk)
    assert f"SHA-256 of the evidence JSON: {pack.sha256}" in printed
    assert evidence.verify(out.read_bytes(), pack.sha256).ok


@pytest.mark.parametrize("args", [["--json", "--out", "{dir}/pack"], ["--out", "{dir}/pack.json"]])
def test_the_command_writes_the_canonical_json(tmp_path, upgrade, args):
    run(str(upgrade.pk), *[a.format(dir=tmp_path) for a in args])
    written = next(tmp_path.iterdir()).read_bytes()
    assert written == evidence.export(upgrade.pk).body


def test_the_command_verifies_what_it_wrote(tmp_path, upgrade):
    run(str(upgrade.pk), "--out", str(tmp_path / "pack.html"))
    assert "matches the SHA-256 the HTML states" in run("--verify", str(tmp_path / "pack.html"))


def test_the_command_refuses_an_edited_file(tmp_path, upgrade):
    path = tmp_path / "pack.json"
    run(str(upgrade.pk), "--out", str(path))
    sha = evidence.export(upgrade.pk).sha256
    path.write_bytes(path.read_bytes().replace(b"appr2", b"appr9"))
    with pytest.raises(CommandError, match="not " + sha):
        run("--verify", str(path), "--sha256", sha)


@pytest.mark.parametrize(("args", "says"), [
    (["x1", "--out", "f"], "An upgrade id is a number"),
    (["987654", "--out", "f"], "No upgrade #987654"),
    (["1"], "--out FILE"),
    (["--verify", "/nonexistent/pack.html"], "Cannot read"),
])  # fmt: skip
def test_the_command_says_what_is_wrong(db, args, says):
    with pytest.raises(CommandError, match=says):
        run(*args)
