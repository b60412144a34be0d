"""Software packages as OCP lists them (ocp-api.md §4.3), with a generic RPM-name split.

OCP's package list holds OBProxy, OCP agent and backup agent RPMs next to the OceanBase server
ones, so the simulator parses names itself (``ocpdash/ocp/rpm.py`` accepts OceanBase server names
only). A package may carry its own upgrade dependency file (``dep_yaml``): OCP reads the one inside
the target RPM first (ocp-api.md §5.2).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

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
