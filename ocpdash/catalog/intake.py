"""Adding an RPM file to the catalog: read and check it, keep it, fill its catalog entry.

The admin's upload, ``catalog_import`` (a folder, a list, URLs) and the API go through
:func:`inspect_rpm` and :func:`keep`, so they refuse the same files with the same messages:

- a file name that is not an OceanBase RPM name (the part that is wrong is named);
- a file larger than ``OCPDASH_RPM_MAX_BYTES``;
- a file that is not an RPM, or whose digests do not match (corrupted, truncated);
- an RPM whose header (name, version, release, arch, dist) says something else than its file name;
- an ``oceanbase_upgrade_dep.yml`` in the payload that ``graph_from_text`` cannot read;
- a different file under a file name the catalog already has a checksum for.
"""

from __future__ import annotations

import logging
import os
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ocpdash.catalog import storage
from ocpdash.catalog.models import CatalogEvent, RpmPackage
from ocpdash.catalog.rpmread import RpmContents, RpmReadError, read_rpm
from ocpdash.ocp.rpm import RpmName, RpmNameError, parse_rpm_filename
from ocpdash.ocp.upgrade_path import graph_from_text

log = logging.getLogger(__name__)


class RpmRefused(ValueError):
    """The file is not taken into the catalog; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_name(file_name: str) -> RpmName:
    try:
        return parse_rpm_filename(file_name)
    except RpmNameError as exc:
        raise RpmRefused(f"{exc.part}: {exc.message}") from None


def inspect_rpm(handle: BinaryIO, file_name: str) -> RpmContents:
    """Read and check the RPM in ``handle`` (seekable, binary) against ``file_name``."""
    parsed = parse_name(file_name)
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size > settings.OCPDASH_RPM_MAX_BYTES:
        raise RpmRefused(
            f"{file_name} is {size:,} bytes, more than the {settings.OCPDASH_RPM_MAX_BYTES:,} allowed."
        )
    try:
        contents = read_rpm(handle)
    except RpmReadError as exc:
        raise RpmRefused(f"{file_name}: {exc.message}") from None
    mismatches = header_mismatches(contents, parsed)
    if mismatches:
        raise RpmRefused(f"{file_name} is refused: " + " ".join(mismatches))
    if contents.dep_text:
        label = f"{contents.dep_path} in {file_name}"
        try:
            graph_from_text(contents.dep_text, label)
        except ValueError as exc:
            raise RpmRefused(str(exc)) from None
    return contents


def header_mismatches(contents: RpmContents, parsed: RpmName) -> list[str]:
    """One sentence per part where the RPM's header and its file name disagree."""
    pairs = (
        ("name", contents.name, parsed.name),
        ("version", contents.version, parsed.version),
        ("release", contents.build, parsed.build),
        ("dist", contents.dist, parsed.dist),
        ("arch", contents.arch, parsed.arch),
    )
    return [
        f"The RPM's header says {part} {header!r} but the file name says {named!r}."
        for part, header, named in pairs
        if header != named
    ]


def check_same_file(package: RpmPackage | None, contents: RpmContents) -> None:
    """A file name the catalog knows stands for one file: its recorded checksums must match."""
    if package is None:
        return
    for field, found in (("sha256", contents.sha256), ("sha1", contents.sha1)):
        recorded = getattr(package, field)
        if recorded and recorded.lower() != found:
            raise RpmRefused(
                f"{package.file_name} is in the catalog with a different {field.upper()} ({recorded}); "
                f"this file's is {found}. Add a different RPM under its own name."
            )


def apply_contents(package: RpmPackage, contents: RpmContents, stored_file: str) -> None:
    """Fill the catalog entry from what reading the file showed (not saved)."""
    package.stored_file = stored_file
    package.size, package.sha1, package.sha256 = contents.size, contents.sha1, contents.sha256
    package.upgrade_dep_file = contents.dep_text
    package.upgrade_dep_path = contents.dep_path
    package.verified_at = timezone.now()
    package.verification = {"header": contents.header_summary(), "checks": describe_checks(contents)}


def describe_checks(contents: RpmContents) -> list[str]:
    header = contents.header_summary()
    checks = [
        f"Header: {header['name']} {header['version']}-{header['release']} {header['arch']}, "
        "as the file name says.",
        *contents.checks,
        f"SHA-1 {contents.sha1}, SHA-256 {contents.sha256}, {contents.size:,} bytes.",
    ]
    if contents.dep_text:
        checks.append(f"Upgrade dependency file {contents.dep_path}: the pre-check routes by it.")
    else:
        checks.append("No oceanbase_upgrade_dep.yml inside: the pre-check uses the bundled upstream file.")
    return checks


def keep(handle: BinaryIO, file_name: str, user, *, notes: str = "") -> tuple[RpmPackage, bool]:
    """Check the RPM, store it, and create its catalog entry or complete a name-only one.
    Returns the package and whether it is new. RpmRefused when the file is not taken."""
    existing = RpmPackage.objects.filter(file_name=file_name).first()
    try:
        contents = inspect_rpm(handle, file_name)
        check_same_file(existing, contents)
    except RpmRefused as exc:
        record_refusal(existing, exc, user)
        raise
    stored = storage.store(handle, contents.sha256, file_name)
    with transaction.atomic():
        package = existing or RpmPackage(file_name=file_name, notes=notes, added_by=user)
        apply_contents(package, contents, stored)
        package.save()
        record_file(package, user)
    return package, existing is None


def record_file(package: RpmPackage, user) -> None:
    CatalogEvent.objects.create(
        package=package,
        actor=user,
        kind=CatalogEvent.Kind.FILE,
        message=f"File stored and verified: {' '.join(package.verification.get('checks', []))}",
        data={"sha256": package.sha256, "stored_file": package.stored_file},
    )


def record_refusal(package: RpmPackage | None, exc: RpmRefused, user) -> None:
    log.warning("RPM refused: %s", exc.message)
    if package is not None:
        CatalogEvent.objects.create(
            package=package, actor=user, kind=CatalogEvent.Kind.REFUSED, message=exc.message
        )
