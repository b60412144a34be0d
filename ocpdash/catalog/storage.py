"""Where the catalog keeps its RPM files: Django's storage API, alias ``rpms`` (settings.STORAGES).

A local folder under var/ by default; any storage backend in production (README, "RPM catalog").
Files are named by content, ``<sha256[:2]>/<sha256>/<file name>``: storing the same RPM twice
writes it once, and two different files never share a name.
"""

from __future__ import annotations

from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import Storage, storages

ALIAS = "rpms"


def rpm_storage() -> Storage:
    return storages[ALIAS]


def stored_name(sha256: str, file_name: str) -> str:
    return f"{sha256[:2]}/{sha256}/{file_name}"


def store(handle: BinaryIO, sha256: str, file_name: str) -> str:
    """Copy ``handle`` (from its start) into the storage, streamed; the stored name."""
    storage, name = rpm_storage(), stored_name(sha256, file_name)
    if storage.exists(name):
        return name
    handle.seek(0)
    return storage.save(name, File(handle, name=file_name))


def open_stored(name: str) -> File:
    """The stored file, for reading (a context manager)."""
    return rpm_storage().open(name, "rb")


def delete_stored(name: str) -> None:
    if name:
        rpm_storage().delete(name)
