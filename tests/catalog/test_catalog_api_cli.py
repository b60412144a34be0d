"""The catalog's files and uploads through the admin, the API and the commands."""

import functools
import http.server
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ocpdash.catalog.models import PackageUpload, RpmPackage
from ocpdash.catalog.rpmread import RpmReadError, _check_digests, _Digests
from tests.api.conftest import assert_error

NAME = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
OTHER = "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def files_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving ``tmp_path / "served"``."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_import_a_folder_verifies_and_refuses_naming_the_problem(
    rpm_builder, rpm_store, catalog_admin, tmp_path
):
    folder = tmp_path / "rpms"
    folder.mkdir()
    (folder / NAME).write_bytes(rpm_builder.build(NAME).read_bytes())
    (folder / OTHER).write_bytes(rpm_builder.build(OTHER, header_name=NAME).read_bytes())
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 2 files refused"):
        call_command(
            "catalog_import", str(folder), "--user", catalog_admin.username, stderr=err, stdout=StringIO()
        )
    assert f"refused {OTHER}: " in err.getvalue() and "header says version '4.2.1.1'" in err.getvalue()
    assert RpmPackage.objects.get(file_name=NAME).has_file
    assert not RpmPackage.objects.filter(file_name=OTHER).exists()


def test_import_a_list_of_paths_and_urls_streamed_and_capped(
    rpm_builder, rpm_store, catalog_admin, files_server, settings
):
    folder, base = files_server
    (folder / OTHER).write_bytes(rpm_builder.build(OTHER).read_bytes())
    local = folder.parent / NAME
    local.write_bytes(rpm_builder.build(NAME).read_bytes())
    listing = folder.parent / "list.txt"
    listing.write_text(f"# RPMs\n{NAME}\n{base}/{OTHER}\n")
    out, _ = run("catalog_import", str(listing), "--user", catalog_admin.username)
    assert out.count("added") == 2
    assert (
        RpmPackage.objects.get(file_name=OTHER).sha1
        == __import__("hashlib").sha1((folder / OTHER).read_bytes()).hexdigest()
    )
    settings.OCPDASH_RPM_MAX_BYTES = 1000
    (folder / NAME).write_bytes(local.read_bytes())
    with pytest.raises(CommandError):
        call_command(
            "catalog_import", f"{base}/{NAME}", "--user", catalog_admin.username, stderr=(err := StringIO())
        )
    assert "more than the 1,000 allowed" in err.getvalue()


@pytest.mark.parametrize(
    ("url", "message"),
    [("/missing/" + NAME, "HTTP 404"), ("ftp://example.invalid/" + NAME, "only http:// and https://")],
)
def test_import_by_url_says_what_went_wrong(rpm_store, catalog_admin, files_server, url, message):
    source = files_server[1] + url if url.startswith("/") else url
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("catalog_import", source, "--user", catalog_admin.username, stderr=err)
    assert message in err.getvalue()


def test_catalog_upload_queues_an_upload_per_site_and_refuses_without_a_file(
    rpm_builder, rpm_store, catalog_admin, site, make_package
):
    run("catalog_import", str(rpm_builder.build(NAME)), "--user", catalog_admin.username)
    out, _ = run("catalog_upload", NAME, "--site", site.name, "--user", catalog_admin.username)
    assert f"to {site.name}: queued" in out and PackageUpload.objects.get().state == "queued"
    make_package(OTHER)
    with pytest.raises(CommandError, match="no file"):
        run("catalog_upload", OTHER, "--site", site.name, "--user", catalog_admin.username)
    with pytest.raises(CommandError, match="No OCP site"):
        run("catalog_upload", NAME, "--site", "nowhere", "--user", catalog_admin.username)


def test_api_adds_a_file_uploads_it_and_lists_uploads(
    api, rpm_builder, rpm_store, catalog_admin, viewer, site
):
    client = api(catalog_admin)
    with open(rpm_builder.build(NAME), "rb") as rpm:
        added = client.post("/api/packages/file/", {"file": rpm}, format="multipart")
    assert added.status_code == 201, added.json()
    body = added.json()
    assert body["has_file"] and body["verification"]["header"]["arch"] == "x86_64"
    started = client.post(f"/api/packages/{body['id']}/upload/", {"site": site.name}, format="json")
    assert started.status_code == 202 and started.json()["state"] == "queued"
    listed = api(viewer).get(f"/api/packages/{body['id']}/uploads/").json()
    assert [u["id"] for u in listed] == [started.json()["id"]] and listed[0]["events"]
    assert_error(
        api(viewer).post(f"/api/packages/{body['id']}/upload/", {"site": site.name}), 403, "permission_denied"
    )
    assert_error(client.post(f"/api/packages/{body['id']}/upload/", {"site": "nowhere"}), 400, "invalid")


def test_api_refuses_a_bad_rpm_with_its_reason(api, rpm_builder, rpm_store, catalog_admin):
    with open(rpm_builder.build(NAME, header_name=OTHER.replace("3.1.4", "3.1.5")), "rb") as rpm:
        refused = api(catalog_admin).post("/api/packages/file/", {"file": rpm}, format="multipart")
    body = assert_error(refused, 400, "invalid")
    assert "header says" in body["fields"]["file"][0]


def test_api_keeps_a_stored_files_checksums(api, rpm_builder, rpm_store, catalog_admin):
    with open(rpm_builder.build(NAME), "rb") as rpm:
        package = api(catalog_admin).post("/api/packages/file/", {"file": rpm}, format="multipart").json()
    changed = api(catalog_admin).patch(f"/api/packages/{package['id']}/", {"sha1": "a" * 40}, format="json")
    assert_error(changed, 400, "invalid")


def test_admin_refuses_a_mismatched_rpm_and_says_why(client, admin_user, rpm_builder, rpm_store):
    client.force_login(admin_user)
    with open(rpm_builder.build(NAME, header_name=NAME.replace("el7", "el8")), "rb") as rpm:
        response = client.post(
            "/admin/catalog/rpmpackage/add/", {"upload": rpm, "file_name": "", "enabled": "on"}
        )
    assert response.status_code == 200
    assert "header says dist &#x27;el8&#x27;" in response.content.decode()
    assert not RpmPackage.objects.exists()


def test_the_catalog_page_is_read_only_for_viewers(
    client, viewer, rpm_builder, rpm_store, catalog_admin, site
):
    run("catalog_import", str(rpm_builder.build(NAME)), "--user", catalog_admin.username)
    client.force_login(viewer)
    page = client.get("/catalog/").content.decode()
    assert NAME in page and f'data-site="{site.name}" data-state="unknown"' in page
    assert "/upload/" not in page
    package = RpmPackage.objects.get()
    assert client.post(f"/catalog/{package.pk}/upload/", {"site": site.pk}).status_code == 403


def test_an_old_rpm_without_a_payload_digest_is_checked_by_its_md5():
    found = _Digests(10, "", "", {"sha1": "ab", "sha256": "cd"}, "", b"\x01" * 16)
    assert _check_digests({"sigmd5": b"\x01" * 16}, found) == ["Header and payload MD5 digest matches."]
    with pytest.raises(RpmReadError, match="MD5"):
        _check_digests({"sigmd5": b"\x02" * 16}, found)
    with pytest.raises(RpmReadError, match="no digest of its payload"):
        _check_digests({}, found)
