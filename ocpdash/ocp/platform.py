"""Which RPM build (``el7``, ``el8``) a host's operating system takes.

OCP reports a host's distribution in ``operatingSystemRelease`` (``alios7``) and its kernel in
``operatingSystem`` (``4.9.168-018.ali3000.alios7.x86_64``), per its host-details doc sample.
OceanBase RPMs are built per Enterprise Linux major version (``el7``, ``el8``; ``alios7`` and ``an8``
name the same families). The mapping follows obd, the deployer OceanBase ships
(oceanbase/obdeploy ``_mirror.py`` ``get_use_centos_release``): a RHEL-like distribution takes the
packages of its own major version; distributions in obd's table take the ones it names (Kylin V10,
openEuler 22.03, Anolis 23, Alibaba Cloud Linux 2 → el7; UOS 20, Alibaba Cloud Linux 3 → el8; …).
Those last are compatibility choices, not certainties (Kylin V10 users run el8 packages too), so a
mismatch there is a warning, as is a distribution neither table knows: OCP checks the host itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Distributions that take the packages of their own major version (RHEL and its rebuilds).
RHEL_LIKE = frozenset(
    {"el", "rhel", "redhat", "centos", "ol", "oraclelinux", "rocky", "almalinux", "alios", "anolis", "an"}
)
# obd's table (distribution, first version it applies from) → EL major; newest version first.
OBD_TABLE: dict[str, tuple[tuple[tuple[int, ...], int], ...]] = {
    "ubuntu": (((16,), 7),),
    "debian": (((9,), 7),),
    "opensuse-leap": (((15,), 7),),
    "sles": (((15, 2), 7),),
    "fedora": (((33,), 7),),
    "uos": (((20,), 8),),
    "anolis": (((23,), 7),),
    "openeuler": (((22, 3), 7),),
    "kylin": (((10,), 7),),
    "alinux": (((3,), 8), ((2,), 7)),
}
# Kernel-release markers: 3.10.0-1160.el7.x86_64, 4.9.168-018.ali3000.alios7.x86_64,
# 4.19.91-26.an8.x86_64, 4.19.90-24.4.v2101.ky10.aarch64, 5.10.0-60.18.0.50.oe2203.x86_64.
_KERNEL_MARKERS = (
    (re.compile(r"\.(?:el|alios|an)(\d+)(?:[._]|$)"), None),
    (re.compile(r"\.ky(10)(?:[._]|$)"), "kylin"),
    (re.compile(r"\.oe(\d{2})(\d{2})(?:[._]|$)"), "openeuler"),
    (re.compile(r"\.al(\d+)(?:[._]|$)"), "alinux"),
    (re.compile(r"\.uel(\d+)(?:[._]|$)"), "uos"),
)
_RELEASE_RE = re.compile(r"^([a-z][a-z-]*?)[\s_-]*v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class HostPlatform:
    """What ocpdash makes of a host's OS: the EL family its RPMs must be built for (``el7``), or
    None when it cannot tell; ``certain`` is False for obd's compatibility choices."""

    family: str | None
    described_as: str
    certain: bool = True

    @property
    def known(self) -> bool:
        return self.family is not None


def rpm_family(dist: str) -> str | None:
    """The EL family of an RPM's dist tag: ``el7``, ``alios7`` → ``el7``; ``an8`` → ``el8``."""
    match = re.fullmatch(r"(?:el|alios|an)(\d+)", (dist or "").strip().lower())
    return f"el{match.group(1)}" if match else None


def host_platform(release: str | None, kernel: str | None = None) -> HostPlatform:
    """The RPM family for a host from OCP's ``operatingSystemRelease``, else its kernel string."""
    for text, parse in ((release, _from_release), (kernel, _from_kernel)):
        if text and text.strip():
            found = parse(text.strip())
            if found is not None:
                return found
    shown = (release or "").strip() or (kernel or "").strip() or "an unknown OS"
    return HostPlatform(None, shown, certain=False)


def _from_release(text: str) -> HostPlatform | None:
    match = _RELEASE_RE.match(text.lower())
    if not match:
        return None
    name, numbers = match.group(1).rstrip("-"), tuple(int(n) for n in match.group(2).split("."))
    return _family(name, numbers, text)


def _from_kernel(text: str) -> HostPlatform | None:
    lowered = text.lower()
    for pattern, name in _KERNEL_MARKERS:
        match = pattern.search(lowered)
        if match:
            numbers = tuple(int(n) for n in match.groups())
            return _family(name or "el", numbers, f"kernel {text}")
    return None


def _family(name: str, numbers: tuple[int, ...], described_as: str) -> HostPlatform | None:
    table = OBD_TABLE.get(name)
    if table is not None:
        for since, major in table:
            if numbers >= since:
                return HostPlatform(f"el{major}", described_as, certain=False)
        if name not in RHEL_LIKE:
            return HostPlatform(f"el{table[-1][1]}", described_as, certain=False)
    if name in RHEL_LIKE and numbers and numbers[0] >= 5:
        return HostPlatform(f"el{numbers[0]}", described_as)
    return None
