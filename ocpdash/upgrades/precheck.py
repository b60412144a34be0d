"""Pre-check: everything OCP would refuse, checked before anything is sent, in one report.

A check fails (nothing may be sent), warns (OCP decides; the operator should know) or passes. A
cluster in a primary/standby pair is checked with every member, since OCP upgrades them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.phrases import joined, known, phrase, translated
from ocpdash.ocp import OcpError, OcpNotFound
from ocpdash.ocp.platform import rpm_family
from ocpdash.ocp.types import MANUAL
from ocpdash.ocp.upgrade_path import DepSource, NoUpgradePath, default_graph_for, graph_from_text
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.options import UpgradeOptions

OK, WARNING, ERROR = "ok", "warning", "error"
# OceanBase server RPMs (OCP's package type OB_SERVER_INSTALL_PACKAGE); obproxy, agents and
# oceanbase-ce-libs are not upgrade targets.
SERVER_PACKAGE_NAMES = ("oceanbase", "oceanbase-ce", "oceanbase-standalone")
SERVER_PACKAGE_TYPE = "OB_SERVER_INSTALL_PACKAGE"
# A pre-check run for a web request (page or API) waits for OCP at most this long in all.
WEB_OCP_SECONDS = 10.0


@dataclass
class Check:
    key: str
    ok: bool
    message: str  # a Phrase (ocpdash.core.phrases): English, and said again in the reader's language
    level: str = ""

    def __post_init__(self) -> None:
        self.level = self.level or (OK if self.ok else ERROR)


@dataclass
class PathStep:
    version: str
    binary: bool
    file_name: str = ""
    in_ocp: bool = False
    in_catalog: bool = False
    missing: list[str] = field(default_factory=list)  # "<arch>/<family>" platforms without an RPM in OCP


@dataclass
class PrecheckReport:
    cluster_id: int
    package_id: int
    from_version: str
    to_version: str
    checks: list[Check] = field(default_factory=list)
    path: list[PathStep] = field(default_factory=list)
    route_source: str = ""
    options: UpgradeOptions = field(default_factory=UpgradeOptions)
    pair: list[Cluster] = field(default_factory=list)  # every cluster the upgrade upgrades, standby first
    ocp_versions: dict[str, str] = field(default_factory=dict)  # member name → version OCP reports now

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.level == WARNING]

    @property
    def missing_rpms(self) -> list[PathStep]:
        return [step for step in self.path if step.binary and not step.in_ocp]

    @property
    def also_upgrades(self) -> list[Cluster]:
        return [member for member in self.pair if member.pk != self.cluster_id]

    def add(self, key: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(key, ok, message))
        return ok

    def warn(self, key: str, message: str) -> None:
        self.checks.append(Check(key, True, message, WARNING))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "cluster": self.cluster_id,
            "package": self.package_id,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "checks": [{**vars(c), "message": translated(c.message)} for c in self.checks],
            "warnings": [translated(c.message) for c in self.warnings],
            "path": [vars(s) for s in self.path],
            "route_source": self.route_source,
            "missing_rpms": [s.file_name or s.version for s in self.missing_rpms],
            "options": self.options.as_dict(),
            "ocp_versions": self.ocp_versions,
            "also_upgrades": [
                {"id": c.pk, "name": c.name, "role": c.cluster_type} for c in self.also_upgrades
            ],
        }


RPM_OWN_FILE = "the RPM's own oceanbase_upgrade_dep.yml"  # a DepSource label
UPSTREAM_FILE = "upstream oceanbase_upgrade_dep.yml @"  # ocpdash.ocp.upgrade_path.UpstreamFile.label


def route_source_text(label: str) -> str:
    """Where a path came from (a DepSource label: English in the frozen plan, whose digest holds it)
    in the reader's language."""
    return translated(route_source_phrase(label))


def route_source_phrase(label: str) -> str:
    """A DepSource label as a phrase (to say in a sentence that is kept); other labels as they are."""
    if label == RPM_OWN_FILE:
        return phrase("the RPM's own oceanbase_upgrade_dep.yml")
    if label.startswith(UPSTREAM_FILE):
        return phrase(
            "upstream oceanbase_upgrade_dep.yml @%(commit)s", commit=label.removeprefix(UPSTREAM_FILE)
        )
    return label  # OCPDASH_UPGRADE_DEP_FILE (its path): a setting's name reads the same


@lru_cache(maxsize=64)
def _dep_source(target: str, package_file: str, override: str) -> DepSource:
    if package_file:
        return graph_from_text(package_file, RPM_OWN_FILE)
    if override:
        with open(override, encoding="utf-8") as handle:
            return graph_from_text(handle.read(), f"OCPDASH_UPGRADE_DEP_FILE ({override})")
    return default_graph_for(target)


def dep_source(package: RpmPackage) -> DepSource:
    """Where the path comes from, as OCP takes it: the target RPM's own dependency file when the
    catalog holds it, else ``OCPDASH_UPGRADE_DEP_FILE``, else the bundled upstream file."""
    return _dep_source(package.full_version, package.upgrade_dep_file, settings.OCPDASH_UPGRADE_DEP_FILE)


def precheck(
    user,
    cluster: Cluster,
    package: RpmPackage,
    options: UpgradeOptions | None = None,
    *,
    exclude_upgrade_id: int | None = None,
    deadline_seconds: float | None = None,
) -> PrecheckReport:
    """Check that ``user`` may upgrade ``cluster`` (and its pair) to ``package`` with ``options``,
    and that OCP will accept it."""
    report = PrecheckReport(cluster.pk, package.pk, cluster.version, package.full_version)
    report.pair = cluster.pair_members()
    report.options = (options or UpgradeOptions()).resolved(cluster.pair_root)
    allowed = user.has_perm("upgrades.submit_upgrade")
    report.add(
        "permission",
        allowed,
        phrase("You may submit upgrades.")
        if allowed
        else phrase("You are not allowed to submit upgrades (ask an admin for the Operators role)."),
    )
    _check_active(report, cluster, exclude_upgrade_id)
    _check_pair(report)
    _check_package(report, cluster, package)
    _check_options(report, cluster, options or UpgradeOptions())
    _check_version_and_path(report, cluster, package)
    _check_ocp(report, cluster, package, deadline_seconds)
    return report


def _check_active(report: PrecheckReport, cluster: Cluster, exclude_upgrade_id: int | None) -> None:
    pair_key = cluster.primary_id or cluster.pk
    active = Upgrade.objects.active().filter(pair_key=pair_key).exclude(pk=exclude_upgrade_id).first()
    if active is None:
        report.add(
            "no_active_upgrade",
            True,
            phrase("No other upgrade of this cluster or its pair is in progress here."),
        )
        return
    state = known(active.get_state_display())  # the state's label: ocpdash.web.terms
    if active.cluster_id == cluster.pk:
        text = phrase(
            "Upgrade #%(id)s of this cluster is still %(state)s; finish or close it first.",
            id=active.pk,
            state=state,
        )
    else:
        text = phrase(
            "Upgrade #%(id)s of its pair member %(name)s is still %(state)s; finish or close it first.",
            id=active.pk,
            state=state,
            name=active.cluster.name,
        )
    report.add("no_active_upgrade", False, text)


def _check_pair(report: PrecheckReport) -> None:
    others = report.also_upgrades
    if not others:
        return
    names = joined(
        *(
            joined(known(c.cluster_type.lower()) if c.cluster_type else phrase("member"), c.name)
            for c in others
        ),
        sep=", ",
    )
    text = phrase(
        "This also upgrades %(names)s: OCP upgrades both members of a primary/standby pair in one task, "
        "the standby first (%(order)s).",
        names=names,
        order=" → ".join(c.name for c in report.pair),
    )
    report.add("pair", True, text)


def _check_package(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    report.add(
        "package_enabled",
        package.enabled,
        phrase("The package is enabled in the catalog.")
        if package.enabled
        else phrase("The package is disabled in the catalog; a catalog admin must enable it."),
    )
    if package.name not in SERVER_PACKAGE_NAMES:
        report.add(
            "server_package",
            False,
            phrase("%(file)s is not an OceanBase server RPM.", file=package.file_name),
        )
    if not cluster.architecture:
        report.add(
            "architecture",
            False,
            phrase("The cluster's CPU architecture is unknown; sync it from OCP first."),
        )
    else:
        same = package.arch == cluster.architecture
        if same:
            text = phrase("The package is built for %(arch)s, like the cluster.", arch=package.arch)
        else:
            text = phrase(
                "The package is built for %(arch)s but the cluster runs on %(cluster_arch)s.",
                arch=package.arch,
                cluster_arch=cluster.architecture,
            )
        report.add("architecture", same, text)
    _check_platform(report, cluster, package)


def _check_platform(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    """The package's EL family against the hosts': a clear mismatch refuses; what ocpdash cannot
    tell (an OS it cannot map, obd's compatibility choices) is left to OCP, with a warning."""
    platform, family = cluster.platform, rpm_family(package.dist)
    if not cluster.operating_system and not cluster.kernel:
        report.warn(
            "operating_system",
            phrase("The hosts' operating system is unknown; OCP checks it when it upgrades."),
        )
    elif family is None or platform.family is None:
        report.warn(
            "operating_system",
            phrase(
                "ocpdash cannot tell which RPM build (%(dist)s) hosts running %(os)s take; "
                "OCP checks it when it upgrades.",
                dist=package.dist,
                os=platform.described_as,
            ),
        )
    elif family == platform.family:
        report.add(
            "operating_system",
            True,
            phrase(
                "The package is for %(dist)s, which hosts running %(os)s take.",
                dist=package.dist,
                os=platform.described_as,
            ),
        )
    elif not platform.certain:
        report.warn(
            "operating_system",
            phrase(
                "The package is for %(dist)s; obd installs %(family)s packages on %(os)s. "
                "OCP checks it when it upgrades.",
                dist=package.dist,
                family=platform.family,
                os=platform.described_as,
            ),
        )
    else:
        report.add(
            "operating_system",
            False,
            phrase(
                "The package is for %(dist)s but the hosts run %(os)s (%(family)s); "
                "choose the %(family)s build.",
                dist=package.dist,
                family=platform.family,
                os=platform.described_as,
            ),
        )


def _check_options(report: PrecheckReport, cluster: Cluster, options: UpgradeOptions) -> None:
    primary = cluster.pair_root
    problems = options.problems(primary, primary.site.ocp_release)
    resolved = report.options
    if problems:
        report.add("options", False, joined(*problems))
        return
    rolling = resolved.upgrade_mode == "ROLLING"
    how = joined(
        phrase("Rolling upgrade") if rolling else phrase("Downtime upgrade (all zones at once)"),
        phrase(", zones in this order: %(zones)s", zones=" → ".join(resolved.zone_order))
        if rolling and resolved.zone_order
        else "",
        phrase(", with a minor compaction before each zone stops") if resolved.freeze_server else "",
        sep="",
    )
    if primary.site.ocp_release is None:
        text = phrase(
            "%(how)s. OCP's version at site %(site)s is not known yet (it is read on every sync): "
            "ocpdash sends OCP ≤ 4.2's request and OCP 4.3's if OCP asks for it.",
            how=how,
            site=primary.site.name,
        )
        report.warn("options", text)
    else:
        report.add("options", True, joined(how, ".", sep=""))


def _check_version_and_path(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    try:
        current = ObVersion.parse(cluster.version)
    except ValueError:
        text = phrase(
            "The cluster's version %(version)r is unknown; sync it from OCP.", version=cluster.version
        )
        report.add("newer", False, text)
        return
    newer = is_newer(package.ob_version, current)
    report.add(
        "newer",
        newer,
        phrase("%(target)s is newer than %(current)s.", target=package.full_version, current=cluster.version)
        if newer
        else phrase(
            "%(target)s is not newer than the cluster's %(current)s.",
            target=package.full_version,
            current=cluster.version,
        ),
    )
    for member in report.also_upgrades:
        if not _newer_than(package.ob_version, member.version):
            report.add(
                "pair_versions",
                False,
                phrase(
                    "%(name)s (in the same pair) runs %(version)s, which %(target)s is not newer than; "
                    "sync the clusters or upgrade it first.",
                    name=member.name,
                    version=member.version or phrase("an unknown version"),
                    target=package.full_version,
                ),
            )
    if not newer:
        return
    try:
        source = dep_source(package)
        route = source.route(cluster.version, package.full_version)
    except NoUpgradePath as exc:  # said again in the reader's language (msgids marked N_ there)
        report.add("upgrade_path", False, phrase(exc.template, **exc.params))
        return
    except ValueError as exc:  # a malformed dependency file: its parser's words, for whoever keeps it
        report.add("upgrade_path", False, str(exc))
        return
    report.route_source = source.label
    report.path = [PathStep(stop.version, stop.binary) for stop in route.stops]
    stops = joined(
        cluster.version,
        *(joined(s.version, phrase("(binary)")) if s.binary else s.version for s in route.stops),
        sep=" → ",
    )
    text = phrase(
        "Upgrade path: %(stops)s (from %(source)s).", stops=stops, source=route_source_phrase(source.label)
    )
    report.add("upgrade_path", True, text)


def _newer_than(candidate: ObVersion, version: str) -> bool:
    try:
        return is_newer(candidate, ObVersion.parse(version))
    except ValueError:
        return False


def _check_ocp(report: PrecheckReport, cluster: Cluster, package: RpmPackage, deadline_seconds=None) -> None:
    """Live checks against OCP: every pair member's state and running tasks, and the RPMs on the path."""
    try:
        with cluster.site.client(max_retries=1, deadline_seconds=deadline_seconds) as client:
            for member in report.pair:
                _check_member(report, client, member)
            ocp_packages = client.list_packages() if report.path else []
    except OcpNotFound:
        report.add("cluster_known", False, phrase("OCP does not know this cluster any more; sync clusters."))
        return
    except OcpError as exc:
        report.add("ocp_reachable", False, phrase("Could not check with OCP: %(error)s", error=exc.message))
        return
    _check_path_rpms(report, package, ocp_packages)


def _check_member(report: PrecheckReport, client, member: Cluster) -> None:
    remote = client.get_cluster(member.ocp_id, name=member.name)
    status = remote.status or "unknown"
    who = (
        phrase("The cluster")
        if member.pk == report.cluster_id
        else phrase("%(name)s (same pair)", name=member.name)
    )
    report.ocp_versions[member.name] = remote.ob_version or ""
    _check_synced_version(report, member, remote.ob_version or "")
    key = "cluster_running" if member.pk == report.cluster_id else f"cluster_running:{member.name}"
    report.add(
        key,
        status == "RUNNING",
        phrase("%(who)s is RUNNING in OCP.", who=who)
        if status == "RUNNING"
        else phrase("%(who)s is %(status)s in OCP; it must be RUNNING.", who=who, status=status),
    )
    running = client.list_tasks(cluster_id=member.ocp_id, status="RUNNING", page_size=20, max_pages=1)
    manual = {
        t.id
        for t in client.list_tasks(
            cluster_id=member.ocp_id, status="RUNNING", type=MANUAL, page_size=20, max_pages=1
        )
    }
    blocking = [t for t in running if t.id in manual]
    key = "no_running_task" if member.pk == report.cluster_id else f"no_running_task:{member.name}"
    report.add(
        key,
        not blocking,
        phrase("No operator's OCP task is running on %(name)s.", name=member.name)
        if not blocking
        else phrase(
            "OCP task #%(id)s '%(task)s' is still running on %(name)s; OCP refuses an upgrade until it ends.",
            id=blocking[0].id,
            task=blocking[0].name,
            name=member.name,
        ),
    )
    system = [t for t in running if t.id not in manual]
    if system:
        names = ", ".join(f"#{t.id} '{t.name}'" for t in system[:3])
        report.warn(
            f"system_tasks:{member.name}",
            phrase(
                "OCP's own task(s) %(tasks)s are running on %(name)s; if OCP says the cluster is busy, "
                "ocpdash submits again when they end.",
                tasks=names,
                name=member.name,
            ),
        )


def _check_synced_version(report: PrecheckReport, member: Cluster, reported: str) -> None:
    """The path was worked out from the version ocpdash synced; OCP may know better by now (an upgrade
    run from OCP's console, a sync that has not happened yet)."""
    try:
        same = ObVersion.parse(reported).release == ObVersion.parse(member.version).release
    except ValueError:
        return  # OCP or ocpdash does not say a version: the other checks speak for it
    if not same:
        report.add(
            f"version_synced:{member.name}",
            False,
            phrase(
                "OCP reports %(name)s runs %(reported)s now, but ocpdash last synced %(synced)s; "
                "sync clusters and check again.",
                name=member.name,
                reported=reported,
                synced=member.version,
            ),
        )


def _check_path_rpms(report: PrecheckReport, package: RpmPackage, ocp_packages) -> None:
    """Every binary stop needs an RPM in OCP for each platform (arch and EL family) of the pair."""
    if not report.path:
        return
    platforms = _platforms(report, package)
    servers = [p for p in ocp_packages if _server_rpm(p)]
    unreadable = [p for p in ocp_packages if _server_type(p) and p not in servers]
    if unreadable:
        names = ", ".join(str(p.file_name or p.id) for p in unreadable[:3])
        report.warn(
            "ocp_packages",
            phrase(
                "OCP lists %(count)s server package(s) whose version ocpdash cannot read (%(names)s); "
                "they were not considered.",
                count=len(unreadable),
                names=names,
            ),
        )
    catalog = list(RpmPackage.objects.filter(name=package.name))
    for step in report.path:
        if not step.binary:
            continue
        target = ObVersion.parse(step.version)
        for arch, family in platforms:
            found = [
                p
                for p in servers
                if _fits(p.full_version, target, p.architecture, p.operating_system, arch, family)
            ]
            if (arch, family) == platforms[0]:
                in_catalog = [
                    p for p in catalog if _fits(p.full_version, target, p.arch, p.dist, arch, family)
                ]
                step.in_catalog = bool(in_catalog)
                file_names = [p.file_name for p in found] or [p.file_name for p in in_catalog]
                step.file_name = file_names[0] if file_names else ""
            if not found:
                step.missing.append(f"{arch}/{family}")
        step.in_ocp = not step.missing
    missing = report.missing_rpms
    report.add(
        "rpms_uploaded",
        not missing,
        phrase("Every RPM on the path is uploaded to OCP.")
        if not missing
        else phrase(
            "Upload to OCP first: %(rpms)s",
            rpms=joined(
                *(
                    joined(
                        s.file_name or phrase("an RPM of %(version)s", version=s.version),
                        f"({', '.join(s.missing)})",
                    )
                    for s in missing
                ),
                sep=", ",
            ),
        ),
    )


def _platforms(report: PrecheckReport, package: RpmPackage) -> list[tuple[str, str]]:
    """(arch, EL family) of the package first, then of every other pair member that differs."""
    first = (package.arch, rpm_family(package.dist) or package.dist)
    found = [first]
    for member in report.also_upgrades:
        platform = (member.architecture or package.arch, member.platform.family or first[1])
        if platform not in found:
            found.append(platform)
    return found


def _server_type(pkg) -> bool:
    """An OceanBase server RPM by OCP's type and name (OCP lists obproxy, agents and more too)."""
    if pkg.type and pkg.type != SERVER_PACKAGE_TYPE:
        return False
    return not (pkg.name and pkg.name not in SERVER_PACKAGE_NAMES)


def _server_rpm(pkg) -> bool:
    """A server RPM whose version parses."""
    if not _server_type(pkg):
        return False
    try:
        ObVersion.parse(pkg.full_version or "")
    except ValueError:
        return False
    return True


def _fits(full_version, target: ObVersion, arch, dist, want_arch: str, want_family: str) -> bool:
    if not full_version or arch != want_arch:
        return False
    if dist and (rpm_family(dist) or dist) != want_family:
        return False
    return _same(full_version, target)


def is_newer(candidate: ObVersion, current: ObVersion) -> bool:
    """Newer release, or the same release with a later build. OCP often reports a cluster's version
    without its build (``4.2.1.1``): then the same release is not newer, whatever the build."""
    if candidate.release != current.release:
        return candidate.release > current.release
    return current.build is not None and candidate.build is not None and candidate.build > current.build


def _same(full_version: str, target: ObVersion) -> bool:
    try:
        candidate = ObVersion.parse(full_version)
    except ValueError:
        return False
    if target.build is None:
        return candidate.same_release(target)
    return candidate.release == target.release and candidate.build == target.build
