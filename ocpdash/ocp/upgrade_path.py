"""OceanBase upgrade routes over an ``oceanbase_upgrade_dep.yml`` graph, as OCP and obd compute them.

Sources (shared/ocp/ocp-api.md §5.2). The file's own header (oceanbase ``tools/upgrade/``) defines the
fields and says OCP takes the shortest path over ``can_be_upgraded_to`` edges. Where the header is
silent, or contradicts itself (its field list lets a ``deprecated`` node be an intermediate, its
algorithm paragraph does not), we follow obd (oceanbase/obdeploy ``plugins/oceanbase/4.0.0.0/
upgrade_route.py``), the route code OceanBase ships in its own deployer. We read obd's code and wrote
ours; ``tests/ocp/data/obd_routes.json`` holds obd's answer for every pair of every shipped file, and
``tests/ocp/test_upgrade_path.py`` compares all of them, with each place we differ named and argued.

The rules, in the order they are checked:

1. **No crossing 4.0.** A version below 4.0 never reaches 4.0 or later (OceanBase 4.0 is a new
   architecture; the files keep the two apart and obd has a separate plugin for each side).
2. **Order** (``versions.is_upgrade``): a later release, or a later build of the same release
   (hotfix; beta -> GA). An earlier build is refused; obd would route it, since it only compares
   release numbers.
3. **Never a deprecated target**: a deprecated node, or a target whose exact build is one (the file
   marks its betas and RCs "不能作为目标版本", cannot be a target). obd drops the target's build and
   would route to the release. A deprecated node may be the start or an intermediate (header, obd).
4. **Same release**: one hop straight to the target, the graph not consulted (obd).
5. **Node matching.** A start or target of release ``A.B.C`` uses the plain ``A.B.C`` node; a node
   ``A.B.C-D`` names the one build D: it is used for a start of exactly that build only when the file
   has no plain node, and a ``when_come_from`` entry ``A.B.C-D`` matches exactly that build. This is
   obd's behaviour (it looks for ``<version>-<release>`` where the release carries ``.el7``, so the
   build nodes never match a real start) and the only reading the files support: the header's
   "``A.B.C-D`` means build >= D" would make every GA build of 4.1.0.0 "the beta" (GA builds are
   numbered above it) and add the 4.1.0.2 binary stop that the file keeps for 4.0.0.0 and the beta.
6. **Shortest path**: breadth-first over the edges in file order (``can_be_upgraded_to``, then the
   ``can_be_direct_upgraded_to`` of older files, which sets ``RouteStop.direct_upgrade``); the first
   parent found is kept, as in obd, so ties resolve like obd's.
7. **Binary stops**: the target, and each intermediate with ``require_from_binary`` that is
   unconditional or whose ``when_come_from`` lists the last binary stop taken (the start before the
   first). Re-basing is what makes chained barriers work: 4.0.0.0 -> 4.2.1.2 installs 4.1.0.2 (it
   lists 4.0.0.0) and then 4.2.1.1 (it lists 4.1.0.2, the binary now running). obd re-bases only
   after conditional stops; we re-base after every one (no shipped file has an unconditional one).

Pure module (PyYAML only): used by the simulator and by the dashboard's pre-check.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path

import yaml

from ocpdash.ocp.versions import ObVersion, is_upgrade

UPSTREAM_DIR = Path(__file__).parent / "data" / "upstream"
FOUR = ObVersion((4, 0, 0, 0))


def N_(text: str) -> str:
    """Marks a sentence for the translation catalogue (makemessages' keyword ``N_``) without
    translating it: this package does not use Django; ocpdash.upgrades.precheck says it in the
    reader's language from ``template`` and ``params``."""
    return text


class NoUpgradePath(ValueError):
    """No route exists; ``message`` (English) is suitable for an operator, and ``template`` with
    ``params`` say it again in another language."""

    def __init__(self, template: str, **params: str) -> None:
        self.template, self.params = template, params
        self.message = template % params
        super().__init__(self.message)


def version_matches(node_version: str, version: str | ObVersion) -> bool:
    """Node ``A.B.C`` matches every build of A.B.C; node ``A.B.C-D`` only build D (rule 5)."""
    node = ObVersion.parse(node_version)
    other = version if isinstance(version, ObVersion) else ObVersion.parse(version)
    return node.same_release(other) and (node.build is None or node.build == other.build)


@dataclass(frozen=True)
class DepNode:
    version: str
    can_be_upgraded_to: tuple[str, ...] = ()
    deprecated: bool = False
    require_from_binary: bool = False
    when_come_from: tuple[str, ...] | None = None
    can_be_direct_upgraded_to: tuple[str, ...] = ()

    @cached_property
    def parsed(self) -> ObVersion:
        return ObVersion.parse(self.version)

    def matches(self, version: str | ObVersion) -> bool:
        return version_matches(self.version, version)

    def edges(self) -> Iterator[tuple[str, bool]]:
        """(next version, direct) in file order."""
        yield from ((v, False) for v in self.can_be_upgraded_to)
        yield from ((v, True) for v in self.can_be_direct_upgraded_to)

    def binary_when_coming_from(self, running: str) -> bool:
        """Whether this intermediate needs its binary when ``running`` is the binary installed now."""
        if not self.require_from_binary:
            return False
        if self.when_come_from is None:
            return True
        return any(version_matches(entry, running) for entry in self.when_come_from)


@dataclass(frozen=True)
class RouteStop:
    """One version after the start: OCP's ``upgrade_versions`` entry, a binary one if ``binary``."""

    version: str
    binary: bool
    direct_upgrade: bool = False
    node: str = ""  # the dependency-file node it matched
    why: str = ""  # why the binary is installed here, for operators


@dataclass(frozen=True)
class UpgradeRoute:
    start: str
    target: str
    stops: tuple[RouteStop, ...]
    source: str = ""  # the DepSource label, set by whoever computed the route from a DepSource

    @property
    def versions(self) -> tuple[str, ...]:
        """Every version after the start, the target last (OCP's ``upgrade_versions``)."""
        return tuple(stop.version for stop in self.stops)

    @property
    def binary_versions(self) -> tuple[str, ...]:
        """Versions whose observer binary is installed, the target last (``binary_upgrade_versions``)."""
        return tuple(stop.version for stop in self.stops if stop.binary)

    @property
    def hops(self) -> int:
        return len(self.stops)


class DepGraph:
    def __init__(self, nodes: list[DepNode]) -> None:
        self.nodes: dict[str, DepNode] = {}
        for node in nodes:
            if node.version in self.nodes:
                raise ValueError(f"Version {node.version} appears twice in the upgrade dependency file.")
            self.nodes[node.version] = node
        for node in list(self.nodes.values()):
            for nxt, _direct in node.edges():
                self.nodes.setdefault(nxt, DepNode(nxt))

    def knows_release(self, release: tuple[int, ...]) -> bool:
        return any(node.parsed.release == release for node in self.nodes.values())

    def find_node(self, version: str) -> DepNode | None:
        """The node a cluster at ``version`` starts from: the plain release node, else its exact build."""
        parsed = ObVersion.parse(version)
        found = [n for n in self.nodes.values() if n.parsed.same_release(parsed)]
        plain = [n for n in found if n.parsed.build is None]
        exact = [n for n in found if n.parsed.build is not None and n.parsed.build == parsed.build]
        return next(iter(plain or exact), None)

    def shortest_path(self, from_version: str, to_version: str) -> UpgradeRoute:
        start_v, target_v = _parse(from_version), _parse(to_version)
        _check_order(from_version, to_version, start_v, target_v)
        self._check_target(to_version, target_v)
        if start_v.same_release(target_v):
            return UpgradeRoute(from_version, to_version, (_target_stop(to_version, "", False),))
        start = self.find_node(from_version)
        if start is None:
            raise NoUpgradePath(
                N_("Version %(version)s is not in the upgrade dependency file."), version=from_version
            )
        target = self.find_node(to_version)
        if target is None:
            raise NoUpgradePath(
                N_("Version %(version)s is not in the upgrade dependency file."), version=to_version
            )
        path = self._bfs(start, target, below_four=start_v < FOUR)
        if path is None:
            raise NoUpgradePath(
                N_("The upgrade path from version %(from)s to version %(to)s is not found."),
                **{"from": from_version, "to": to_version},
            )
        return UpgradeRoute(from_version, to_version, _stops(from_version, to_version, path))

    def _check_target(self, to_version: str, target: ObVersion) -> None:
        for node in self.nodes.values():
            if node.deprecated and node.matches(target):
                raise NoUpgradePath(
                    N_(
                        "The target version %(to)s is deprecated (file node %(node)s) and cannot be upgraded "
                        "to."
                    ),
                    to=to_version,
                    node=node.version,
                )

    def _bfs(self, start: DepNode, target: DepNode, below_four: bool) -> list[tuple[DepNode, bool]] | None:
        """Shortest path as (node, reached over a direct edge), the start first; None if none."""
        previous: dict[str, tuple[str, bool] | None] = {start.version: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node is target:
                return self._unwind(previous, node.version)
            for nxt, direct in node.edges():
                if nxt in previous or (below_four and self.nodes[nxt].parsed >= FOUR):
                    continue
                previous[nxt] = (node.version, direct)
                queue.append(self.nodes[nxt])
        return None

    def _unwind(self, previous: dict[str, tuple[str, bool] | None], last: str) -> list[tuple[DepNode, bool]]:
        path: list[tuple[DepNode, bool]] = []
        cursor: str | None = last
        while cursor is not None:
            step = previous[cursor]
            path.append((self.nodes[cursor], bool(step and step[1])))
            cursor = step[0] if step else None
        return list(reversed(path))


def _parse(version: str) -> ObVersion:
    try:
        return ObVersion.parse(version)
    except ValueError as exc:
        raise NoUpgradePath(N_("%(version)s is not an OceanBase version."), version=repr(version)) from exc


def _check_order(from_version: str, to_version: str, start: ObVersion, target: ObVersion) -> None:
    if start < FOUR <= target:
        raise NoUpgradePath(
            N_(
                "The upgrade path from version %(from)s to version %(to)s is not found: versions below 4.0 "
                "cannot be upgraded to 4.0 or later."
            ),
            **{"from": from_version, "to": to_version},
        )
    if not is_upgrade(start, target):
        raise NoUpgradePath(
            N_("The target version %(to)s is not later than %(from)s."),
            **{"from": from_version, "to": to_version},
        )


def _target_stop(to_version: str, node: str, direct: bool) -> RouteStop:
    return RouteStop(to_version, binary=True, direct_upgrade=direct, node=node, why="target")


def _stops(from_version: str, to_version: str, path: list[tuple[DepNode, bool]]) -> tuple[RouteStop, ...]:
    """Rule 7: barriers are judged against the binary running at that point, not the start."""
    running = from_version
    stops = []
    for node, direct in path[1:-1]:
        binary = node.binary_when_coming_from(running)
        why = ""
        if binary:
            why = "require_from_binary" + (f" when coming from {running}" if node.when_come_from else "")
            running = node.version
        stops.append(RouteStop(node.version, binary, direct, node.version, why))
    last, direct = path[-1]
    return (*stops, _target_stop(to_version, last.version, direct))


def _versions(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} must be a list of versions.")
    versions = tuple(str(v) for v in value)
    for version in versions:
        _checked(version, what)
    return versions


def _checked(version: str, where: str) -> str:
    try:
        ObVersion.parse(version)
    except ValueError as exc:
        raise ValueError(f"{where} has {version!r}, which is not an OceanBase version.") from exc
    return version


def _node_from_yaml(item: object, index: int) -> DepNode:
    if not isinstance(item, dict) or item.get("version") is None:
        raise ValueError(f"Entry {index + 1} must be a mapping with a 'version'.")
    version = _checked(str(item["version"]), f"Entry {index + 1}")
    rfb = item.get("require_from_binary", False)
    when = None
    if isinstance(rfb, dict):
        when = _versions(rfb.get("when_come_from"), f"when_come_from of {version}") or None
        rfb = rfb.get("value", False)
    elif not isinstance(rfb, bool):
        raise ValueError(f"require_from_binary of {version} must be true/false or {{value, when_come_from}}.")
    return DepNode(
        version=version,
        can_be_upgraded_to=_versions(item.get("can_be_upgraded_to"), f"can_be_upgraded_to of {version}"),
        deprecated=bool(item.get("deprecated", False)),
        require_from_binary=bool(rfb),
        when_come_from=when,
        can_be_direct_upgraded_to=_versions(
            item.get("can_be_direct_upgraded_to"), f"can_be_direct_upgraded_to of {version}"
        ),
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
    the one of the line of development the target was built from, as of its build. Without the RPM's
    own file, the newest line that knows the target is the best stand-in: we take the manifest's first
    current file (newest line first: master, then the 4.2.x branch, then 3.1.x) whose nodes (a
    ``version`` entry or a ``can_be_upgraded_to`` target) know the target's release; a target no file
    knows gets the first file, whose route then says the version is unknown. Superseded snapshots of
    a line are never chosen: the later file of their line replaced their edges (manifest.yml says so).
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
