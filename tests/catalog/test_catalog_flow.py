"""The issue's path through the pages, with a real Celery worker and the simulator over HTTP: a
catalog admin adds an RPM in the admin, sees it verified and which site lacks it, uploads it to OCP
from the pre-check's "missing in OCP" line, watches the upload, and the pre-check then passes."""

import re

import pytest
from django.contrib.auth.models import Group

from ocpdash.catalog.models import PackageUpload, RpmPackage, SitePresence
from ocpdash.core.roles import CATALOG_ADMIN, OPERATOR
from tests.fixtures.services import wait_for

MISSING = "oceanbase-4.1.0.2-100000052023071419.el7.x86_64.rpm"  # draco's binary stop OCP lacks
TARGET = "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def catalog_operator(make_user):
    user = make_user("catop", CATALOG_ADMIN)
    user.groups.add(Group.objects.get(name=OPERATOR))
    user.is_staff = True
    user.save()
    return user


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_add_in_admin_see_it_missing_upload_from_the_precheck_and_pass(
    engine, simulator, rpm_builder, rpm_store, catalog_operator, client
):
    engine.start_worker(extra_env={"OCPDASH_RPM_STORAGE_DIR": str(rpm_store)})
    client.force_login(catalog_operator)
    with open(rpm_builder.build(MISSING), "rb") as rpm:
        added = client.post(
            "/admin/catalog/rpmpackage/add/", {"upload": rpm, "file_name": "", "notes": "", "enabled": "on"}
        )
    assert added.status_code == 302, added.content.decode()[-2000:]
    package = RpmPackage.objects.get(file_name=MISSING)
    change = client.get(f"/admin/catalog/rpmpackage/{package.pk}/change/").content.decode()
    assert "Payload SHA-256 digest matches." in change and package.sha256 in change

    assert client.post("/catalog/refresh/").status_code == 302
    wait_for(lambda: SitePresence.objects.filter(package=package).exists(), 20, "the sites' package lists")
    page = client.get("/catalog/").content.decode()
    row = re.search(rf'<tr data-package="{re.escape(MISSING)}".*?</tr>', page, re.S).group(0)
    assert 'data-site="sim" data-state="missing"' in row

    draco = engine.site.clusters.get(name="draco")
    target = RpmPackage.objects.get(file_name=TARGET)
    precheck_url = f"/clusters/{draco.pk}/upgrade/precheck/?package={target.pk}"
    before = client.get(precheck_url, **HTMX).content.decode()
    assert "missing in OCP" in before and f'data-upload="{MISSING}"' in before
    action = re.search(r'hx-post="(/catalog/\d+/upload/)"', before).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(site|cluster)" value="(\d+)">', before))
    started = client.post(action, fields, **HTMX)
    assert started.status_code == 200 and "Upload #" in started.content.decode()

    poll = re.search(r'hx-get="([^"]+)"', started.content.decode()).group(1).replace("&amp;", "&")

    def finished():
        response = client.get(poll, **HTMX)
        return response if response.status_code == 286 else None

    last = wait_for(finished, 30, "the upload to finish").content.decode()
    upload = PackageUpload.objects.get()
    assert upload.state == "done", (upload.message, engine.logs())
    assert "Run the pre-check again" in last and 'data-state="done"' in last
    after = client.get(precheck_url, **HTMX).content.decode()
    assert '<span class="ok">passed</span>' in after, after
    assert SitePresence.objects.get(package=package).state == "present"
