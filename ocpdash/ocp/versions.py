"""OceanBase version strings as OCP spells them, and their order.

Accepted forms: ``2.2.75``, ``4.2.1.0``, OCP's ``<version>-<build>`` (``2.2.75-20210108170301``)
and the observer's ``2.2.73_20201117154111-b6aae37…(Nov 17 2020 16:09:04)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_RE = re.compile(r"^\s*(?P<num>[0-9]+(?:\.[0-9]+)*)(?:[-_](?P<build>[0-9]+))?")


@total_ordering
@dataclass(frozen=True)
class ObVersion:
    numbers: tuple[int, ...]
    build: int | None = None

    @classmethod
    def parse(cls, text: str) -> ObVersion:
        match = _RE.match(text or "")
        if not match:
            raise ValueError(f"Not an OceanBase version: {text!r}")
        numbers = tuple(int(n) for n in match["num"].split("."))
        build = int(match["build"]) if match["build"] else None
        return cls(numbers, build)

    @property
    def release(self) -> tuple[int, ...]:
        """Numbers padded to four parts, so 3.1.2 and 3.1.2.0 compare equal."""
        return (*self.numbers, 0, 0, 0, 0)[:4]

    @property
    def base(self) -> str:
        return ".".join(str(n) for n in self.numbers)

    def __str__(self) -> str:
        return self.base if self.build is None else f"{self.base}-{self.build}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ObVersion):
            return NotImplemented
        return (self.release, self.build or 0) < (other.release, other.build or 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ObVersion):
            return NotImplemented
        return (self.release, self.build or 0) == (other.release, other.build or 0)

    def __hash__(self) -> int:
        return hash((self.release, self.build or 0))

    def same_release(self, other: ObVersion) -> bool:
        return self.release == other.release


def is_upgrade(current: ObVersion, target: ObVersion) -> bool:
    """Whether ``current`` -> ``target`` moves forward, as OceanBase's dependency files and obd order them.

    A later release is an upgrade. Within one release a later build is (a hotfix build, or GA after a
    beta: ``4.1.0.0-100000192023032010`` -> ``4.1.0.0-<GA build>``); the same or an earlier build is
    not. A version without a build stands for its release as a whole, so beta -> ``4.1.0.0`` is an
    upgrade (the upstream file has exactly that edge) and so is ``4.2.1.0`` -> ``4.2.1.0-<build>``
    (obd routes both). ObVersion's own ordering differs on purpose: it sorts a missing build as 0,
    which keeps it a total order for ``max()`` and ``sorted()``.
    """
    if current.release != target.release:
        return target.release > current.release
    if current.build is None or target.build is None:
        return current.build != target.build
    return target.build > current.build


def parse_version(text: str) -> ObVersion:
    return ObVersion.parse(text)
