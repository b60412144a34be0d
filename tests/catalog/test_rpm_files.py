"""Adding RPM files to the catalog: what is read, checked, refused and kept (real RPMs, rpmbuild)."""

import hashlib

import pytest
import rpmfile

from ocpdash.catalog import storage
from ocpdash.catalog.intake import RpmRefused, keep
from ocpdash.catalog.models import CatalogEvent, RpmPackage
from tests.catalog.rpms import corrupted_copy

NAME = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
DEP = "- version: 4.2.1.0\n  can_be_upgraded_to: [4.2.1.1]\n"


def add(path, user, file_name=None):
    with open(path, "rb") as handle:
        return keep(handle, file_name or path.name, user)


@pytest.fixture
def user(catalog_admin):
    return catalog_admin


def test_a_stored_rpm_has_its_checksums_header_and_file(rpm_builder, rpm_store, user, db):
    path = rpm_builder.build(NAME, size=1000)
    package, new = add(path, user)
    data = path.read_bytes()
    assert new and package.has_file
    assert package.sha256 == hashlib.sha256(data).hexdigest()
    assert package.sha1 == hashlib.sha1(data).hexdigest()
    assert package.size == len(data)
    assert package.verification["header"]["release"] == "100000162023111615.el7"
    assert "Payload SHA-256 digest matches." in package.verification["checks"]
    with storage.open_stored(package.stored_file) as stored:
        assert stored.read() == data
    assert CatalogEvent.objects.filter(package=package, kind="file", actor=user).exists()


def test_the_rpms_own_dependency_file_is_kept_with_its_path(rpm_builder, rpm_store, user, db):
    package, _ = add(rpm_builder.build(NAME, dep_yaml=DEP), user)
    assert package.upgrade_dep_file == DEP
    assert package.upgrade_dep_path == "/home/admin/oceanbase/etc/oceanbase_upgrade_dep.yml"


@pytest.mark.parametrize("compress", ["w.ufdio", "w2.xzdio", "w3.zstdio", "w9.bzdio"])
def test_every_payload_compression_is_read(rpm_builder, rpm_store, user, db, compress):
    package, _ = add(rpm_builder.build(NAME, dep_yaml=DEP, compress=compress), user)
    assert package.upgrade_dep_file == DEP


@pytest.mark.parametrize(
    ("header", "part"),
    [
        ("oceanbase-4.2.1.2-100000162023111615.el7.x86_64.rpm", "version '4.2.1.2'"),
        ("oceanbase-4.2.1.1-100000162023111616.el7.x86_64.rpm", "release '100000162023111616'"),
        ("oceanbase-4.2.1.1-100000162023111615.el8.x86_64.rpm", "dist 'el8'"),
        ("oceanbase-4.2.1.1-100000162023111615.el7.aarch64.rpm", "arch 'aarch64'"),
        ("oceanbase-ce-4.2.1.1-100000162023111615.el7.x86_64.rpm", "name 'oceanbase-ce'"),
    ],
)
def test_a_header_that_differs_from_the_file_name_is_refused_naming_the_part(
    rpm_builder, rpm_store, user, db, header, part
):
    path = rpm_builder.build(NAME, header_name=header)
    with pytest.raises(RpmRefused) as refused:
        add(path, user)
    assert f"The RPM's header says {part}" in refused.value.message
    assert not RpmPackage.objects.exists()
    assert not rpm_store.exists() or not any(rpm_store.rglob("*.rpm"))


def test_a_corrupted_payload_is_refused(rpm_builder, rpm_store, user, db, tmp_path):
    path = corrupted_copy(rpm_builder.build(NAME, size=5000, compress="w.ufdio"), tmp_path)
    with pytest.raises(RpmRefused, match="payload does not match its SHA-256 digest"):
        add(path, user)


def test_a_truncated_file_is_refused(rpm_builder, rpm_store, user, db, tmp_path):
    data = rpm_builder.build(NAME, size=5000).read_bytes()
    path = tmp_path / NAME
    path.write_bytes(data[:-100])
    with pytest.raises(RpmRefused, match="corrupted or truncated"):
        add(path, user)


def test_a_damaged_header_is_refused(rpm_builder, rpm_store, user, db, tmp_path):
    built = rpm_builder.build(NAME)
    with rpmfile.open(built) as rpm:
        start, end = rpm.header_range
    data = bytearray(built.read_bytes())
    data[end - 40] ^= 0xFF  # in the main header's data (its strings)
    path = tmp_path / NAME
    path.write_bytes(bytes(data))
    with pytest.raises(RpmRefused, match="corrupted"):
        add(path, user)


def test_a_file_that_is_no_rpm_is_refused(rpm_store, user, db, tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"not an rpm at all")
    with pytest.raises(RpmRefused, match="not an RPM file"):
        add(path, user)


def test_a_bad_file_name_is_refused_naming_the_part(rpm_builder, rpm_store, user, db):
    path = rpm_builder.build(NAME)
    with pytest.raises(RpmRefused, match="^arch: "):
        add(path, user, file_name="oceanbase-4.2.1.1-100000162023111615.el7.sparc.rpm")


def test_a_malformed_dependency_file_is_refused(rpm_builder, rpm_store, user, db):
    path = rpm_builder.build(NAME, dep_yaml="{not: a list}\n")
    with pytest.raises(RpmRefused, match="oceanbase_upgrade_dep.yml in .* is malformed"):
        add(path, user)


def test_a_name_only_entry_gets_its_file(rpm_builder, rpm_store, user, make_package):
    entry = make_package(NAME)
    package, new = add(rpm_builder.build(NAME), user)
    assert not new and package.pk == entry.pk and package.has_file


def test_another_file_under_a_known_checksum_is_refused_and_recorded(
    rpm_builder, rpm_store, user, make_package
):
    entry = make_package(NAME, sha256="0" * 64)
    with pytest.raises(RpmRefused, match="different SHA256"):
        add(rpm_builder.build(NAME), user)
    entry.refresh_from_db()
    assert not entry.has_file
    assert CatalogEvent.objects.filter(package=entry, kind="refused").exists()


def test_storing_the_same_rpm_twice_keeps_one_file(rpm_builder, rpm_store, user, db):
    path = rpm_builder.build(NAME)
    first, _ = add(path, user)
    second, new = add(path, user)
    assert not new and second.stored_file == first.stored_file
    assert len(list(rpm_store.rglob("*.rpm"))) == 1
