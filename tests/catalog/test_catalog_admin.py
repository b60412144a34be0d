import pytest

from ocpdash.catalog.models import RpmPackage

GOOD = "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def add(admin_client, file_name, **extra):
    data = {"file_name": file_name, "notes": "", "size": "", "sha1": "", "sha256": "", "enabled": "on"}
    data.update(extra)
    return admin_client.post("/admin/catalog/rpmpackage/add/", data)


def test_admin_adds_a_package_and_the_parts_are_parsed(admin_client, admin_user):
    response = add(admin_client, GOOD, sha1="a" * 40)
    assert response.status_code == 302
    package = RpmPackage.objects.get(file_name=GOOD)
    assert (package.version, package.build, package.dist, package.arch) == (
        "2.2.75",
        "20210108170301",
        "el7",
        "x86_64",
    )
    assert package.added_by == admin_user


def test_admin_refuses_a_bad_name_and_says_which_part(admin_client):
    response = add(admin_client, "oceanbase-2.2.75-20210108170301.el7.i386.rpm")
    assert response.status_code == 200
    assert b"arch: Architecture" in response.content
    assert not RpmPackage.objects.exists()


def test_admin_search_and_filters(admin_client, make_package):
    make_package(GOOD)
    make_package("oceanbase-ce-4.2.1.0-100000102023092807.el8.aarch64.rpm", enabled=False)
    found = admin_client.get("/admin/catalog/rpmpackage/", {"q": "4.2.1"}).content.decode()
    assert "aarch64.rpm" in found and GOOD not in found
    by_arch = admin_client.get("/admin/catalog/rpmpackage/", {"arch": "x86_64"}).content.decode()
    assert GOOD in by_arch and "aarch64.rpm" not in by_arch
    disabled = admin_client.get("/admin/catalog/rpmpackage/", {"enabled__exact": "0"}).content.decode()
    assert "aarch64.rpm" in disabled and GOOD not in disabled


def test_admin_bulk_disable_and_enable(admin_client, make_package):
    package = make_package(GOOD)
    admin_client.post("/admin/catalog/rpmpackage/", {"action": "disable", "_selected_action": [package.pk]})
    package.refresh_from_db()
    assert package.enabled is False
    admin_client.post("/admin/catalog/rpmpackage/", {"action": "enable", "_selected_action": [package.pk]})
    package.refresh_from_db()
    assert package.enabled is True


def test_catalog_admin_role_can_manage_but_viewer_cannot(client, catalog_admin, viewer):
    client.force_login(viewer)
    assert client.get("/admin/catalog/rpmpackage/add/").status_code in (302, 403)
    client.force_login(catalog_admin)
    catalog_admin.is_staff = True
    catalog_admin.save()
    assert client.get("/admin/catalog/rpmpackage/add/").status_code == 200
