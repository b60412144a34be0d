"""Uploads from the catalog to OCP, against the simulator over HTTP (the job's function run here;
test_catalog_flow.py runs it in a real worker)."""

import os
import re
import threading

import psutil
import pytest

from ocpdash.catalog import presence, uploading
from ocpdash.catalog.intake import keep
from ocpdash.catalog.models import (
    CatalogEvent,
    PackageUpload,
    Presence,
    SitePresence,
    UploadOutcome,
    UploadState,
)
from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.precheck import precheck
from tests.fixtures.services import wait_for

MISSING = "oceanbase-4.1.0.2-100000052023071419.el7.x86_64.rpm"  # draco's missing binary stop
BIG = "oceanbase-4.2.1.3-100000012024030110.el7.x86_64.rpm"
MIB = 1024 * 1024


@pytest.fixture
def stored(rpm_builder, rpm_store, catalog_admin):
    def store(file_name=MISSING, **build):
        with open(rpm_builder.build(file_name, **build), "rb") as handle:
            return keep(handle, file_name, catalog_admin)[0]

    return store


def upload_to(site, package, user):
    upload, _ = uploading.request_upload(user, package, site)
    uploading.run_upload(upload.pk)
    upload.refresh_from_db()
    return upload


def ocp_rows(sim, file_name):
    rows = sim.get("/api/v2/software-packages", keyword=file_name, size=100)["data"]["contents"]
    return [r for r in rows if r["fileName"] == file_name]


def test_upload_sends_the_file_and_compares_ocps_sha1(simulator, sim_site, stored, catalog_admin):
    package = stored()
    upload = upload_to(sim_site, package, catalog_admin)
    assert (upload.state, upload.outcome) == (UploadState.DONE, UploadOutcome.UPLOADED), upload.message
    assert upload.ocp_sha1 == package.sha1 and "SHA-1 matches" in upload.message
    assert upload.bytes_sent == upload.total_bytes == package.size
    (row,) = ocp_rows(simulator, MISSING)
    assert (row["sha1"], row["size"]) == (package.sha1, package.size)
    assert SitePresence.objects.get(package=package, site=sim_site).state == Presence.PRESENT
    messages = list(CatalogEvent.objects.filter(upload=upload).values_list("message", flat=True))
    assert messages[0].startswith("Upload of") and messages[-1].startswith("Uploaded")


def test_a_package_ocp_already_has_is_not_sent_again(simulator, sim_site, stored, catalog_admin):
    package = stored()
    upload_to(sim_site, package, catalog_admin)
    again = upload_to(sim_site, package, catalog_admin)
    assert (again.state, again.outcome) == (UploadState.DONE, UploadOutcome.ALREADY_THERE)
    assert len(simulator.calls("POST", "/software-packages")) == 1


def test_a_different_file_under_the_same_name_in_ocp_fails_the_upload(
    simulator, sim_site, stored, catalog_admin
):
    simulator.add_package(MISSING)  # OCP's file: a seeded SHA-1, not ours
    package = stored()
    upload = upload_to(sim_site, package, catalog_admin)
    assert (upload.state, upload.outcome) == (UploadState.FAILED, UploadOutcome.REFUSED)
    assert "not the catalog's" in upload.message
    assert SitePresence.objects.get(package=package, site=sim_site).state == Presence.DIFFERENT
    assert not simulator.calls("POST", "/software-packages")


def test_an_interrupted_upload_is_retried_without_a_duplicate(
    simulator, sim_site, stored, catalog_admin, settings
):
    """OCP stores the file but its answer never arrives: the retry finds it in OCP's list."""
    settings.OCPDASH_PACKAGE_UPLOAD_READ_TIMEOUT = 0.5
    simulator.faults(
        latency={"seconds": 2.0, "count": 1, "path_contains": "/software-packages", "method": "POST"}
    )
    package = stored()
    upload, _ = uploading.request_upload(catalog_admin, package, sim_site)
    uploading.run_upload(upload.pk)
    upload.refresh_from_db()
    assert (upload.state, upload.attempts) == (UploadState.QUEUED, 1), upload.message
    assert "broke off" in upload.message
    wait_for(
        lambda: ocp_rows(simulator, MISSING), 10, "the simulator to store the slow upload", interval=0.05
    )
    uploading.run_upload(upload.pk)  # the retry the job queued
    upload.refresh_from_db()
    assert (upload.state, upload.outcome, upload.attempts) == (
        UploadState.DONE,
        UploadOutcome.ALREADY_THERE,
        2,
    )
    assert len(ocp_rows(simulator, MISSING)) == 1
    assert len(simulator.calls("POST", "/software-packages")) == 1


def test_a_duplicate_answer_from_ocp_is_taken_as_already_there(simulator, sim_site, stored, catalog_admin):
    """The list said no, then someone uploaded the same file before our POST: OCP's 409 PKG10012."""
    package = stored()
    upload, _ = uploading.request_upload(catalog_admin, package, sim_site)
    claim = uploading._claim(upload.pk)
    with sim_site.client() as client, open(rpm_path(package), "rb") as handle:
        client.upload_package(package.file_name, handle)  # the other uploader
        try:
            uploading._attempt(claim, client)
        except Exception as exc:  # noqa: BLE001 - the job's own handler takes it
            uploading._after_ocp_error(claim, exc)
    upload.refresh_from_db()
    assert (upload.state, upload.outcome) == (UploadState.DONE, UploadOutcome.ALREADY_THERE), upload.message


def rpm_path(package):
    from ocpdash.catalog.storage import rpm_storage

    return rpm_storage().path(package.stored_file)


def test_ocp_refusing_the_user_fails_the_upload_with_its_reason(simulator, sim_site, stored, catalog_admin):
    OcpSite.objects.filter(pk=sim_site.pk).update(username="viewer")
    sim_site.refresh_from_db()
    sim_site.password = "viewer"
    sim_site.save()
    upload = upload_to(sim_site, stored(), catalog_admin)
    assert (upload.state, upload.outcome) == (UploadState.FAILED, UploadOutcome.REFUSED)
    assert upload.message.startswith("OCP refused the upload")


def test_only_catalog_admins_upload_and_only_packages_with_a_file(
    sim_site, stored, make_package, operator, catalog_admin
):
    with pytest.raises(uploading.UploadNotAllowed) as denied:
        uploading.request_upload(operator, stored(), sim_site)
    assert denied.value.status == 403
    with pytest.raises(uploading.UploadNotAllowed, match="no file"):
        uploading.request_upload(catalog_admin, make_package(BIG), sim_site)


def test_a_second_request_while_one_is_under_way_returns_it(sim_site, stored, catalog_admin):
    package = stored()
    first, created = uploading.request_upload(catalog_admin, package, sim_site)
    second, again = uploading.request_upload(catalog_admin, package, sim_site)
    assert created and not again and second.pk == first.pk
    assert PackageUpload.objects.count() == 1


def test_a_duplicate_job_message_does_nothing(simulator, sim_site, stored, catalog_admin):
    upload = upload_to(sim_site, stored(), catalog_admin)
    uploading.run_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.attempts == 1 and len(simulator.calls("POST", "/software-packages")) == 1


def test_presence_per_site_on_two_ocps(simulator, second_simulator, sim_site, stored, catalog_admin):
    other = OcpSite.objects.create(
        name="region-2",
        base_url=second_simulator.url,
        username=simulator.username,
        password=simulator.password,
    )
    package = stored()
    upload_to(sim_site, package, catalog_admin)
    for site in (sim_site, other):
        with site.client() as client:
            presence.refresh_site(site, client)
    states = dict(SitePresence.objects.filter(package=package).values_list("site__name", "state"))
    assert states == {"sim": Presence.PRESENT, "region-2": Presence.MISSING}
    seeded = dict(
        SitePresence.objects.filter(package__file_name__contains="4.2.1.1-").values_list(
            "site__name", "state"
        )
    )
    assert set(seeded.values()) == {Presence.PRESENT}, "both OCPs list the seeded packages"
    upload_to(other, package, catalog_admin)
    assert set(SitePresence.objects.filter(package=package).values_list("state", flat=True)) == {
        Presence.PRESENT
    }


def test_the_precheck_passes_once_the_missing_rpm_is_uploaded(
    simulator, sim_site, stored, catalog_admin, operator
):
    draco = sim_site.clusters.get(name="draco")
    target = sim_site_package("oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm")
    before = precheck(operator, draco, target)
    assert [s.version for s in before.missing_rpms] == ["4.1.0.2"]
    upload_to(sim_site, stored(), catalog_admin)
    after = precheck(operator, draco, target)
    assert after.ok, [c.message for c in after.failures]


def sim_site_package(file_name):
    from ocpdash.catalog.models import RpmPackage

    return RpmPackage.objects.get(file_name=file_name)


def test_the_precheck_routes_by_the_rpms_own_dependency_file(simulator, sim_site, stored, operator):
    """terran (2.2.73) has no path in OceanBase's upstream files; the RPM's own file gives one."""
    terran = sim_site.clusters.get(name="terran")
    own = "oceanbase-2.2.75-20210108170302.el7.x86_64.rpm"
    dep = (
        "- version: 2.2.73\n  can_be_upgraded_to: [2.2.74]\n"
        "- version: 2.2.74\n  can_be_upgraded_to: [2.2.75]\n"
    )
    name_only = sim_site_package("oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")
    assert not precheck(operator, terran, name_only).route_source
    package = stored(own, dep_yaml=dep)
    report = precheck(operator, terran, package)
    assert report.route_source == "the RPM's own oceanbase_upgrade_dep.yml"
    assert [s.version for s in report.path] == ["2.2.74", "2.2.75-20210108170302"]


def test_a_200_mib_rpm_is_stored_and_uploaded_streamed(
    simulator, sim_site, rpm_builder, rpm_store, catalog_admin
):
    path = rpm_builder.build(BIG, size=200 * MIB, compress="w.ufdio")
    assert path.stat().st_size > 200 * MIB
    with PeakRss() as storing, open(path, "rb") as handle:
        package, _ = keep(handle, BIG, catalog_admin)
    upload, _ = uploading.request_upload(catalog_admin, package, sim_site)
    with PeakRss() as sending:
        uploading.run_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE and upload.ocp_sha1 == package.sha1, upload.message
    assert storing.growth < 40 * MIB, f"storing grew the process by {storing.growth / MIB:.0f} MiB"
    assert sending.growth < 40 * MIB, f"uploading grew the process by {sending.growth / MIB:.0f} MiB"


class PeakRss:
    """The process's peak resident memory above its size at the start: Linux's high-water mark
    reset through /proc/self/clear_refs, or psutil sampling where that cannot be written."""

    def __enter__(self):
        self.process = psutil.Process()
        self.base = self.process.memory_info().rss
        self.peak = self.base
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")
            self.sampler = None
        except OSError:
            self.done = threading.Event()
            self.sampler = threading.Thread(target=self._sample, daemon=True)
            self.sampler.start()
        return self

    def _sample(self):
        while not self.done.wait(0.002):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        if self.sampler is None:
            with open(f"/proc/{os.getpid()}/status") as handle:
                status = handle.read()
            self.peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
        else:
            self.done.set()
            self.sampler.join()
        self.growth = self.peak - self.base
