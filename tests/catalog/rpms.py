"""Real RPM files for the tests, built with Debian's ``rpmbuild`` (package ``rpm``).

``rpm_builder`` (session) builds each distinct RPM once: ``build(file_name, dep_yaml=..., size=...)``
gives the path of an RPM whose header matches ``file_name`` (or ``header_name``, to build a
mismatch) and whose payload holds ``home/admin/oceanbase/etc/oceanbase_upgrade_dep.yml`` when
``dep_yaml`` is given and a sparse ``bin/observer`` of ``size`` bytes (stored uncompressed, so the
RPM is that big, cheaply).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ocpdash.ocp.rpm import parse_rpm_filename

RPMBUILD = "rpmbuild"

SPEC = """\
Name: {name}
Version: {version}
Release: {release}
Summary: ocpdash test RPM
License: MIT
%global debug_package %{{nil}}
%global __os_install_post %{{nil}}
%description
A test package.
%install
mkdir -p %{{buildroot}}/home/admin/oceanbase/etc %{{buildroot}}/home/admin/oceanbase/bin
{install}
%files
{files}
"""


def require_rpmbuild() -> str:
    found = shutil.which(RPMBUILD)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("rpmbuild is missing in CI: .ci/run installs Debian's rpm package; check its apt step")
    pytest.skip("rpmbuild is not installed (apt-get install rpm) to build the test RPMs")


class RpmBuilder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[tuple, Path] = {}

    def build(
        self,
        file_name: str,
        *,
        dep_yaml: str | None = None,
        size: int = 0,
        header_name: str | None = None,
        compress: str = "w6.gzdio",
    ) -> Path:
        """An RPM called ``file_name`` whose header is ``header_name``'s (default: the same)."""
        key = (file_name, dep_yaml, size, header_name, compress)
        if key not in self.built:
            self.built[key] = self._build(file_name, dep_yaml, size, header_name or file_name, compress)
        return self.built[key]

    def _build(self, file_name: str, dep_yaml, size: int, header_name: str, compress: str) -> Path:
        rpmbuild = require_rpmbuild()
        parts = parse_rpm_filename(header_name)
        work = self.folder / f"build-{len(self.built)}"
        work.mkdir(parents=True)
        install, files = [], []
        if dep_yaml is not None:
            (work / "dep.yml").write_text(dep_yaml)
            install.append(
                f"cp {work / 'dep.yml'} %{{buildroot}}/home/admin/oceanbase/etc/oceanbase_upgrade_dep.yml"
            )
            files.append("/home/admin/oceanbase/etc/oceanbase_upgrade_dep.yml")
        install.append(f"truncate -s {size} %{{buildroot}}/home/admin/oceanbase/bin/observer")
        files.append("/home/admin/oceanbase/bin/observer")
        spec = work / "package.spec"
        spec.write_text(
            SPEC.format(
                name=parts.name,
                version=parts.version,
                release=f"{parts.build}.{parts.dist}",
                install="\n".join(install),
                files="\n".join(files),
            )
        )
        subprocess.run(
            [rpmbuild, "-bb", "--quiet", "--define", f"_topdir {work / 'top'}",
             "--define", f"_binary_payload {compress}", "--define", "_build_id_links none",
             "--target", parts.arch, str(spec)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        built = work / "top" / "RPMS" / parts.arch / header_name
        target = self.folder / f"{len(self.built)}" / file_name
        target.parent.mkdir()
        built.rename(target)
        shutil.rmtree(work)
        return target


@pytest.fixture(scope="session")
def rpm_builder(tmp_path_factory) -> RpmBuilder:
    require_rpmbuild()
    return RpmBuilder(tmp_path_factory.mktemp("rpms"))


def corrupted_copy(path: Path, folder: Path, *, offset_from_end: int = 10) -> Path:
    """The same file with one byte of its payload flipped."""
    target = folder / "corrupted" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0xFF
    target.write_bytes(bytes(data))
    return target
