"""Sites, clusters and the catalog over the API: every role, and credentials never returned."""

import pytest
from django.db import connection

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import OcpSite
from tests.api.conftest import assert_error

GOOD_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


def raw_column(site_id, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM sites_ocpsite WHERE id = %s", [site_id])
        return cursor.fetchone()[0]


def test_admin_creates_site_and_secrets_are_write_only_and_encrypted(api, admin_user):
    body = {"name": "east", "base_url": "http://ocp.example.com:8080", "auth_mode": "aksk",
            "access_key_id": "AK1", "access_key_secret": "topsecret-sk"}  # fmt: skip
    response = api(admin_user).post("/api/sites/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "access_key_secret" not in data and "password" not in data
    assert data["has_access_key_secret"] is True
    assert "topsecret-sk" not in response.content.decode()
    stored = raw_column(data["id"], "access_key_secret")
    assert stored.startswith("fernet:") and "topsecret-sk" not in stored
    listing = api(admin_user).get("/api/sites/").content.decode()
    assert "topsecret-sk" not in listing and "fernet:" not in listing


def test_site_update_with_blank_secret_keeps_the_stored_one(api, admin_user, site):
    response = api(admin_user).patch(f"/api/sites/{site.pk}/", {"password": "", "name": "x"}, format="json")
    assert response.status_code == 200, response.json()
    assert OcpSite.objects.get(pk=site.pk).password == "p"


def test_site_without_credentials_for_its_mode_is_refused_with_fields(api, admin_user):
    body = {"name": "west", "base_url": "http://ocp.example.com", "auth_mode": "basic"}
    data = assert_error(api(admin_user).post("/api/sites/", body, format="json"), 400, "invalid")
    assert set(data["fields"]) == {"username", "password"}


@pytest.mark.parametrize("role", ["viewer", "operator", "catalog_admin"])
def test_sites_are_for_admins_only(api, request, site, role):
    user = request.getfixturevalue(role)
    assert_error(api(user).get("/api/sites/"), 403, "permission_denied")
    assert_error(api(user).get(f"/api/sites/{site.pk}/"), 403, "permission_denied")
    assert_error(api(user).post("/api/sites/", {"name": "n"}, format="json"), 403, "permission_denied")


def test_every_role_lists_clusters_and_detail_has_zones(api, viewer, make_cluster):
    zones = [{"name": "z1", "servers": [{"ip": "10.0.0.1", "port": 2882}]}]
    cluster = make_cluster(zones=zones)
    listing = api(viewer).get("/api/clusters/").json()
    assert [c["name"] for c in listing["results"]] == [cluster.name]
    assert "zones" not in listing["results"][0]
    detail = api(viewer).get(f"/api/clusters/{cluster.pk}/").json()
    assert detail["zones"] == zones and detail["site"] == "test-site"


def test_cluster_sync_is_for_operators_and_is_queued_for_a_worker(api, operator, viewer, site, redis_service):
    assert_error(api(viewer).post("/api/clusters/sync/"), 403, "permission_denied")
    response = api(operator).post("/api/clusters/sync/")
    assert response.status_code == 202
    assert response.json() == {"queued": ["test-site"]}
    assert redis_service.client().llen("celery") >= 1, "a sync task waits in the queue"


def test_packages_list_and_filter_for_every_role(api, viewer, make_package):
    make_package(GOOD_RPM)
    make_package()
    data = api(viewer).get("/api/packages/", {"version": "4.2"}).json()
    assert [p["file_name"] for p in data["results"]] == [GOOD_RPM]
    assert data["results"][0]["full_version"] == "4.2.1.1-100000162023111615"


def test_catalog_admin_creates_updates_and_disables_a_package(api, catalog_admin):
    client = api(catalog_admin)
    created = client.post("/api/packages/", {"file_name": GOOD_RPM, "notes": "LTS"}, format="json")
    assert created.status_code == 201, created.json()
    package_id = created.json()["id"]
    assert created.json()["arch"] == "x86_64" and created.json()["added_by"] == catalog_admin.username
    patched = client.patch(f"/api/packages/{package_id}/", {"notes": "changed"}, format="json")
    assert patched.status_code == 200 and patched.json()["notes"] == "changed"
    disabled = client.post(f"/api/packages/{package_id}/disable/")
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert RpmPackage.objects.get(pk=package_id).enabled is False


def test_bad_rpm_name_is_refused_naming_the_wrong_part(api, catalog_admin):
    body = {"file_name": "oceanbase-4.2.1.1-100000162023111615.el7.sparc.rpm"}
    data = assert_error(api(catalog_admin).post("/api/packages/", body, format="json"), 400, "invalid")
    assert "architecture" in data["fields"]["file_name"][0].lower(), data


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_catalog_admins_change_the_catalog(api, request, make_package, role):
    user = request.getfixturevalue(role)
    package = make_package()
    client = api(user)
    denied = "permission_denied"
    assert_error(client.post("/api/packages/", {"file_name": GOOD_RPM}, format="json"), 403, denied)
    assert_error(client.patch(f"/api/packages/{package.pk}/", {"notes": "x"}, format="json"), 403, denied)
    assert_error(client.post(f"/api/packages/{package.pk}/disable/"), 403, "permission_denied")
