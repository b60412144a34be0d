"""OceanBase RPM file names: ``<name>-<version>-<build>.<dist>.<arch>.rpm``.

The format is the one OCP and obd use (see shared/ocp/ocp-api.md §5.5), e.g.
``oceanbase-2.2.75-20210108170301.el7.x86_64.rpm`` or
``oceanbase-ce-4.2.1.0-100000102023092807.el8.aarch64.rpm``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KNOWN_NAMES = ("oceanbase", "oceanbase-ce", "oceanbase-ce-libs", "oceanbase-standalone")
KNOWN_ARCHES = ("x86_64", "aarch64")
DIST_RE = re.compile(r"^(el|alios|an)[0-9]{1,2}$")
VERSION_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){2,3}$")
BUILD_RE = re.compile(r"^[0-9]{8,20}$")
MAX_LENGTH = 200


class RpmNameError(ValueError):
    """The file name is not an OceanBase RPM name; ``part`` names what is wrong."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = message


@dataclass(frozen=True)
class RpmName:
    file_name: str
    name: str
    version: str
    build: str
    dist: str
    arch: str

    @property
    def full_version(self) -> str:
        """OCP's ``<version>-<build>`` spelling, e.g. ``2.2.75-20210108170301``."""
        return f"{self.version}-{self.build}"


def parse_rpm_filename(file_name: str) -> RpmName:
    """Parse an RPM file name or raise :class:`RpmNameError` naming the wrong part."""
    if not isinstance(file_name, str) or not file_name.strip():
        raise RpmNameError("file name", "The file name is empty.")
    if file_name != file_name.strip() or any(c.isspace() for c in file_name):
        raise RpmNameError("file name", "The file name must not contain spaces.")
    if "/" in file_name or "\\" in file_name:
        raise RpmNameError("file name", "Give the file name only, not a path.")
    if len(file_name) > MAX_LENGTH:
        raise RpmNameError("file name", f"The file name is longer than {MAX_LENGTH} characters.")
    if not file_name.endswith(".rpm"):
        raise RpmNameError("extension", "The file name must end in '.rpm'.")
    stem = file_name[: -len(".rpm")]
    parts = stem.rsplit(".", 2)
    if len(parts) != 3:
        raise RpmNameError(
            "dist/arch", "Expected '<name>-<version>-<build>.<dist>.<arch>.rpm', e.g. '….el7.x86_64.rpm'."
        )
    head, dist, arch = parts
    if arch not in KNOWN_ARCHES:
        raise RpmNameError("arch", f"Architecture {arch!r} is not one of {', '.join(KNOWN_ARCHES)}.")
    if not DIST_RE.match(dist):
        raise RpmNameError("dist", f"Distribution {dist!r} is not like el7, el8 or alios7.")
    pieces = head.rsplit("-", 2)
    if len(pieces) != 3 or not all(pieces):
        raise RpmNameError("version/build", "Expected '<name>-<version>-<build>' before the distribution.")
    name, version, build = pieces
    if name not in KNOWN_NAMES:
        raise RpmNameError("name", f"Package name {name!r} is not one of {', '.join(KNOWN_NAMES)}.")
    if not VERSION_RE.match(version):
        raise RpmNameError("version", f"Version {version!r} is not like 2.2.75 or 4.2.1.0.")
    if not BUILD_RE.match(build):
        raise RpmNameError("build", f"Build {build!r} must be 8 to 20 digits, e.g. 20210108170301.")
    return RpmName(file_name, name, version, build, dist, arch)
