"""Software packages as OCP lists them (ocp-api.md §4.3), with a generic RPM-name split.

OCP's package list holds OBProxy, OCP agent and backup agent RPMs next to the OceanBase server
ones, so the simulator parses names itself (``ocpdash/ocp/rpm.py`` accepts OceanBase server names
only). A package may carry its own upgrade dependency file (``dep_yaml``): OCP reads the one inside
the target RPM first (ocp-api.md §5.2), and parses it out of the RPM when it is uploaded.

Uploaded RPMs are read with ``ocpdash.catalog.rpmread`` (pure Python, no Django), the same reader the
catalog checks files with.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from ocpdash.catalog.rpmread import LEAD_MAGIC, RpmReadError, read_rpm
from ocpdash.ocp.upgrade_path import DepSource, graph_from_text
from ocpdash.ocp.versions import ObVersion
from ocpdash.simulator.envelope import format_time

OB_SERVER = "OB_SERVER_INSTALL_PACKAGE"
OBPROXY = "OBPROXY_INSTALL_PACKAGE"
OCP_AGENT = "OCP_AGENT_INSTALL_PACKAGE"
BACKUP_AGENT = "OB_BACKUP_AGENT_INSTALL_PACKAGE"
# Name prefixes per type. OceanBase's are ocp-api.md §5.5; the others are inferred from OBProxy's
# and OCP's own RPM names.
TYPE_PREFIXES = (
    ("oceanbase-ce-libs", OB_SERVER),
    ("oceanbase", OB_SERVER),
    ("obproxy", OBPROXY),
    ("ocp-agent", OCP_AGENT),
    ("t-oceanbase-antman", OCP_AGENT),
    ("ob-backup-agent", BACKUP_AGENT),
    ("obbackup", BACKUP_AGENT),
)
# Server RPMs an upgrade can install (obshell's REQUIRE_UPGRADE_PKG_NAMES_MAP, ocp-api.md §5.5).
INSTALLABLE_SERVER_NAMES = ("oceanbase", "oceanbase-ce", "oceanbase-standalone")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}\.rpm$")


class PackageNameError(ValueError):
    pass


class PackageFileError(ValueError):
    """An uploaded RPM OCP could not parse (PKG10006)."""


@dataclass(frozen=True)
class RpmParts:
    """``<name>-<version>-<release>.<arch>.rpm``, the release split into build and dist when it can be."""

    name: str
    version: str
    build: str
    dist: str | None
    arch: str

    @property
    def type(self) -> str | None:
        return next((t for prefix, t in TYPE_PREFIXES if self.name.startswith(prefix)), None)

    @property
    def full_version(self) -> str:
        return f"{self.version}-{self.build}"

    @property
    def ob_version(self) -> ObVersion | None:
        """The OceanBase version of an installable server RPM, else None."""
        if self.name not in INSTALLABLE_SERVER_NAMES or not self.build.isdigit():
            return None
        try:
            return ObVersion.parse(self.full_version)
        except ValueError:
            return None


def split_rpm_name(file_name: str) -> RpmParts:
    """Split any RPM file name the way ``rpm`` names them; PackageNameError if it is not one."""
    if not isinstance(file_name, str) or not NAME_RE.match(file_name):
        raise PackageNameError(
            f"{file_name!r} is not an RPM file name (<name>-<version>-<release>.<arch>.rpm)."
        )
    stem, _, arch = file_name[: -len(".rpm")].rpartition(".")
    pieces = stem.rsplit("-", 2)
    if not arch or len(pieces) != 3 or not all(pieces):
        raise PackageNameError(
            f"{file_name!r} is not an RPM file name (<name>-<version>-<release>.<arch>.rpm)."
        )
    name, version, release = pieces
    build, dot, dist = release.partition(".")
    return RpmParts(name, version, build, dist if dot else None, arch)


@dataclass
class Package:
    id: int
    file_name: str
    size: int
    sha1: str
    create_time: float
    dep_yaml: str | None = None  # the package's own oceanbase_upgrade_dep.yml, if it carries one
    dep_source: DepSource | None = None  # dep_yaml parsed

    @property
    def parts(self) -> RpmParts:
        return split_rpm_name(self.file_name)

    def to_json(self, base_url: str = "http://127.0.0.1:8080") -> dict:
        parts = self.parts
        return {
            "id": self.id,
            "name": parts.name,
            "fileName": self.file_name,
            "extension": "rpm",
            "size": self.size,
            "sha1": self.sha1,
            "downloadUrl": f"{base_url}/api/v2/files/sys-package/{self.file_name}",
            "type": parts.type,
            "version": parts.version,
            "buildNumber": parts.build,
            "operatingSystem": parts.dist,
            "architecture": parts.arch,
            "createTime": format_time(self.create_time),
            "deletable": True,
            "installationDataList": [],
        }


def new_package(
    package_id: int, file_name: str, content: bytes | None, now: float, seed: int, dep_yaml: str | None = None
) -> Package:
    """A package record; without content, size and sha1 are derived from the seed and the name.
    ValueError when ``dep_yaml`` is not a dependency file."""
    if content is None:
        digest = hashlib.sha1(f"{seed}:{file_name}".encode(), usedforsecurity=False).hexdigest()
        size = 80_000_000 + int(digest[:6], 16)
    else:
        digest, size = hashlib.sha1(content, usedforsecurity=False).hexdigest(), len(content)
    source = graph_from_text(dep_yaml, f"oceanbase_upgrade_dep.yml in {file_name}") if dep_yaml else None
    return Package(package_id, file_name, size, digest, now, dep_yaml, source)


def read_uploaded_rpm(file_name: str, content: bytes | memoryview) -> str | None:
    """Read an uploaded file as OCP does: an RPM must be readable, match its digests and its file
    name, and carry a valid dependency file if any; its ``oceanbase_upgrade_dep.yml`` text is
    returned (None without one). Bytes that are not an RPM at all (no RPM lead) are taken as they
    are: clients' tests upload placeholders. PackageFileError otherwise."""
    if bytes(content[: len(LEAD_MAGIC)]) != LEAD_MAGIC:
        return None
    try:
        found = read_rpm(_MemoryFile(content))
    except RpmReadError as exc:
        raise PackageFileError(f"Failed to parse the package {file_name}: {exc.message}") from None
    try:
        parts = split_rpm_name(file_name)
    except PackageNameError as exc:
        raise PackageFileError(f"Failed to parse the package {file_name}: {exc}") from None
    named = (
        parts.name,
        parts.version,
        f"{parts.build}.{parts.dist}" if parts.dist else parts.build,
        parts.arch,
    )
    if (found.name, found.version, found.release, found.arch) != named:
        raise PackageFileError(
            f"Failed to parse the package {file_name}: its header says "
            f"{found.name}-{found.version}-{found.release}.{found.arch}."
        )
    if not found.dep_text:
        return None
    try:
        graph_from_text(found.dep_text, f"oceanbase_upgrade_dep.yml in {file_name}")
    except ValueError as exc:
        raise PackageFileError(str(exc)) from None
    return found.dep_text


class _MemoryFile(io.RawIOBase):
    """A read-only, seekable file over bytes or a memoryview, without copying them."""

    def __init__(self, data: bytes | memoryview) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        chunk = self._data[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._pos + size
        chunk = self._data[self._pos : end].tobytes()
        self._pos += len(chunk)
        return chunk
