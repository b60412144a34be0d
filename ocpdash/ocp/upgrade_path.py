"""OceanBase upgrade routes from an ``oceanbase_upgrade_dep.yml`` graph (shared/ocp/ocp-api.md §5.2).

OCP computes the shortest path over ``can_be_upgraded_to`` edges. Rules implemented here:

- a node ``A.B.C`` matches every ``A.B.C`` build; a node ``A.B.C-D`` matches builds ``>= D`` and wins
  over the plain node when both match (for the start and for the target);
- only the start may be ``deprecated`` (never an intermediate node or the target);
- versions below 4.0 never reach 4.0 or later;
- ``require_from_binary`` (``True`` or ``{value: True, when_come_from: [...]}``) marks intermediate
  nodes whose observer binary must be installed too; ``when_come_from`` compares with the start.

Pure module (PyYAML only): used by the simulator and by the dashboard's pre-check.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from ocpdash.ocp.versions import ObVersion

UPSTREAM_DIR = Path(__file__).parent / "data" / "upstream"
FOUR = ObVersion((4, 0, 0, 0))


class NoUpgradePath(ValueError):
    """No route exists; ``message`` is suitable for an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DepNode:
    version: str
    can_be_upgraded_to: tuple[str, ...] = ()
    deprecated: bool = False
    require_from_binary: bool = False
    when_come_from: tuple[str, ...] | None = None

    @property
    def parsed(self) -> ObVersion:
        return ObVersion.parse(self.version)

    def matches(self, version: str | ObVersion) -> bool:
        return version_matches(self.version, version)

    def binary_when_coming_from(self, start: str) -> bool:
        if not self.require_from_binary:
            return False
        if self.when_come_from is None:
            return True
        return any(version_matches(entry, start) for entry in self.when_come_from)


@dataclass(frozen=True)
class UpgradeRoute:
    start: str
    target: str
    nodes: tuple[DepNode, ...] = field(repr=False)
    versions: tuple[str, ...] = ()
    binary_versions: tuple[str, ...] = ()
    source: str = ""

    @property
    def hops(self) -> int:
        return len(self.versions)


def version_matches(node_version: str, version: str | ObVersion) -> bool:
    """``2.2.75`` matches any 2.2.75 build; ``2.2.75-D`` matches builds >= D only."""
    node = ObVersion.parse(node_version)
    other = version if isinstance(version, ObVersion) else ObVersion.parse(version)
    if not node.same_release(other):
        return False
    if node.build is None:
        return True
    return other.build is not None and other.build >= node.build


class DepGraph:
    def __init__(self, nodes: list[DepNode]) -> None:
        self.nodes: dict[str, DepNode] = {}
        for node in nodes:
            if node.version in self.nodes:
                raise ValueError(f"Version {node.version} appears twice in the upgrade dependency file.")
            self.nodes[node.version] = node
        for node in list(self.nodes.values()):
            for nxt in node.can_be_upgraded_to:
                self.nodes.setdefault(nxt, DepNode(nxt))

    def knows_release(self, release: tuple[int, ...]) -> bool:
        return any(node.parsed.release == release for node in self.nodes.values())

    def find_node(self, version: str) -> DepNode | None:
        """The node for ``version``: an exact ``A.B.C-D`` match first, then the best build match."""
        if version in self.nodes:
            return self.nodes[version]
        parsed = ObVersion.parse(version)
        candidates = [n for n in self.nodes.values() if n.matches(parsed)]
        if not candidates:
            return None
        return max(candidates, key=lambda n: n.parsed.build or -1)

    def shortest_path(self, from_version: str, to_version: str) -> UpgradeRoute:
        start_v, target_v = _parse(from_version), _parse(to_version)
        if target_v <= start_v:
            raise NoUpgradePath(f"The target version {to_version} is not later than {from_version}.")
        if start_v < FOUR <= target_v:
            raise NoUpgradePath(
                f"The upgrade path from version {from_version} to version {to_version} is not found: "
                "versions below 4.0 cannot be upgraded to 4.0 or later."
            )
        start = self.find_node(from_version)
        if start is None:
            raise NoUpgradePath(f"Version {from_version} is not in the upgrade dependency file.")
        target_nodes = [n for n in self.nodes.values() if n.matches(target_v)]
        if not target_nodes:
            raise NoUpgradePath(f"Version {to_version} is not in the upgrade dependency file.")
        if all(n.deprecated for n in target_nodes):
            raise NoUpgradePath(f"The target version {to_version} is deprecated and cannot be upgraded to.")
        path = self._bfs(start, target_v, below_four=start_v < FOUR)
        if path is None:
            raise NoUpgradePath(
                f"The upgrade path from version {from_version} to version {to_version} is not found."
            )
        return self._route(from_version, to_version, path)

    def _bfs(self, start: DepNode, target: ObVersion, below_four: bool) -> list[DepNode] | None:
        previous: dict[str, str | None] = {start.version: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            nexts = [self.nodes[v] for v in node.can_be_upgraded_to]
            hits = [n for n in nexts if n.matches(target) and not n.deprecated]
            if hits:
                best = max(hits, key=lambda n: n.parsed.build or -1)
                previous.setdefault(best.version, node.version)
                return self._unwind(previous, best.version)
            for nxt in nexts:
                if nxt.version in previous or nxt.deprecated:
                    continue
                if below_four and nxt.parsed >= FOUR:
                    continue
                previous[nxt.version] = node.version
                queue.append(nxt)
        return None

    def _unwind(self, previous: dict[str, str | None], last: str) -> list[DepNode]:
        path: list[DepNode] = []
        cursor: str | None = last
        while cursor is not None:
            path.append(self.nodes[cursor])
            cursor = previous[cursor]
        return list(reversed(path))

    @staticmethod
    def _route(from_version: str, to_version: str, path: list[DepNode]) -> UpgradeRoute:
        after = path[1:]
        versions = [n.version for n in after[:-1]] + [to_version]
        binaries = [n.version for n in after[:-1] if n.binary_when_coming_from(from_version)]
        return UpgradeRoute(
            start=from_version,
            target=to_version,
            nodes=tuple(path),
            versions=tuple(versions),
            binary_versions=(*binaries, to_version),
        )


def _parse(version: str) -> ObVersion:
    try:
        return ObVersion.parse(version)
    except ValueError as exc:
        raise NoUpgradePath(f"{version!r} is not an OceanBase version.") from exc


def _node_from_yaml(item: object, index: int) -> DepNode:
    if not isinstance(item, dict) or item.get("version") is None:
        raise ValueError(f"Entry {index + 1} must be a mapping with a 'version'.")
    rfb = item.get("require_from_binary", False)
    when = None
    if isinstance(rfb, dict):
        when = tuple(str(v) for v in rfb.get("when_come_from") or ()) or None
        rfb = rfb.get("value", False)
    nexts = item.get("can_be_upgraded_to") or ()
    if not isinstance(nexts, list | tuple):
        raise ValueError(f"can_be_upgraded_to of {item['version']} must be a list of versions.")
    return DepNode(
        version=str(item["version"]),
        can_be_upgraded_to=tuple(str(v) for v in nexts),
        deprecated=bool(item.get("deprecated", False)),
        require_from_binary=bool(rfb),
        when_come_from=when,
    )


@dataclass(frozen=True)
class DepSource:
    """A dependency graph and where it came from (shown to operators next to the route)."""

    graph: DepGraph
    label: str

    def route(self, from_version: str, to_version: str) -> UpgradeRoute:
        return replace(self.graph.shortest_path(from_version, to_version), source=self.label)


def graph_from_text(text: str, label: str) -> DepSource:
    """Parse a dependency file (e.g. the one a target RPM carries); ``ValueError`` says what is wrong."""
    try:
        data = yaml.safe_load(text) or []
        if not isinstance(data, list):
            raise ValueError("it must be a YAML list of version entries.")
        graph = DepGraph([_node_from_yaml(item, i) for i, item in enumerate(data)])
    except yaml.YAMLError as exc:
        raise ValueError(f"The upgrade dependency file {label} is not valid YAML: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"The upgrade dependency file {label} is malformed: {exc}") from exc
    return DepSource(graph, label)


def parse_dep_graph(text: str) -> DepGraph:
    return graph_from_text(text, "(text)").graph


@dataclass(frozen=True)
class UpstreamFile:
    """One entry of ``data/upstream/manifest.yml``."""

    file: str
    commit: str
    line: str
    covers: str
    superseded_by: str | None = None

    @property
    def label(self) -> str:
        return f"upstream oceanbase_upgrade_dep.yml @{self.commit[:8]}"

    def source(self) -> DepSource:
        return _upstream_source(self.file, self.label)


@cache
def _upstream_source(file: str, label: str) -> DepSource:
    return graph_from_text((UPSTREAM_DIR / file).read_text(encoding="utf-8"), label)


def _manifest() -> tuple[UpstreamFile, ...]:
    data = yaml.safe_load((UPSTREAM_DIR / "manifest.yml").read_text(encoding="utf-8"))
    return tuple(UpstreamFile(**entry) for entry in data)


UPSTREAM_FILES: tuple[UpstreamFile, ...] = _manifest()


def default_graph_for(target_version: str) -> DepSource:
    """The shipped upstream file that best stands in for the one inside the target's RPM.

    OCP reads the dependency file carried inside the target RPM (ocp-api.md §5.2), and that file is
    the one of the line of development the target was built from, as of its build. We do not have
    the RPM's file here, so we take the manifest's first current file (newest line first) whose
    nodes (a ``version`` entry or a ``can_be_upgraded_to`` target) know the target's release; a
    target no file knows gets the first file, whose route will say the version is unknown.
    """
    release = ObVersion.parse(target_version).release
    current = [entry for entry in UPSTREAM_FILES if entry.superseded_by is None]
    for entry in current:
        source = entry.source()
        if source.graph.knows_release(release):
            return source
    return current[0].source()


def load_dep_graph(path: str | Path | None = None) -> DepGraph:
    """The graph of ``path``; without one, the manifest's first (newest) upstream file."""
    if path is None:
        return UPSTREAM_FILES[0].source().graph
    return graph_from_text(Path(path).read_text(encoding="utf-8"), str(path)).graph
