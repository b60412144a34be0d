"""Pre-check: everything OCP would refuse, checked before anything is sent, in one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp import OcpError, OcpNotFound
from ocpdash.ocp.upgrade_path import DepGraph, NoUpgradePath, load_dep_graph
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import Upgrade


@dataclass
class Check:
    key: str
    ok: bool
    message: str


@dataclass
class PathStep:
    version: str
    binary: bool
    file_name: str = ""
    in_ocp: bool = False
    in_catalog: bool = False


@dataclass
class PrecheckReport:
    cluster_id: int
    package_id: int
    from_version: str
    to_version: str
    checks: list[Check] = field(default_factory=list)
    path: list[PathStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    @property
    def missing_rpms(self) -> list[PathStep]:
        return [step for step in self.path if step.binary and not step.in_ocp]

    def add(self, key: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(key, ok, message))
        return ok

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "cluster": self.cluster_id,
            "package": self.package_id,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "checks": [vars(c) for c in self.checks],
            "path": [vars(s) for s in self.path],
            "missing_rpms": [s.file_name or s.version for s in self.missing_rpms],
        }


@lru_cache(maxsize=4)
def _graph(path: str) -> DepGraph:
    return load_dep_graph(path or None)


def dep_graph() -> DepGraph:
    return _graph(settings.OCPDASH_UPGRADE_DEP_FILE)


def precheck(user, cluster: Cluster, package: RpmPackage, *, exclude_upgrade_id: int | None = None):
    """Check that ``user`` may upgrade ``cluster`` to ``package`` and that OCP will accept it."""
    report = PrecheckReport(cluster.pk, package.pk, cluster.version, package.full_version)
    report.add(
        "permission",
        user.has_perm("upgrades.submit_upgrade"),
        "You may submit upgrades."
        if user.has_perm("upgrades.submit_upgrade")
        else "You are not allowed to submit upgrades (ask an admin for the Operators role).",
    )
    active = Upgrade.objects.active().filter(cluster=cluster).exclude(pk=exclude_upgrade_id).first()
    report.add(
        "no_active_upgrade",
        active is None,
        "No other upgrade of this cluster is in progress here."
        if active is None
        else f"Upgrade #{active.pk} of this cluster is still {active.get_state_display().lower()}; "
        "finish or close it first.",
    )
    _check_package(report, cluster, package)
    _check_version_and_path(report, cluster, package)
    _check_ocp(report, cluster, package)
    return report


def _check_package(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    report.add(
        "package_enabled",
        package.enabled,
        "The package is enabled in the catalog."
        if package.enabled
        else "The package is disabled in the catalog; a catalog admin must enable it.",
    )
    if not cluster.architecture:
        report.add(
            "architecture", False, "The cluster's CPU architecture is unknown; sync it from OCP first."
        )
    else:
        same = package.arch == cluster.architecture
        report.add(
            "architecture",
            same,
            f"The package is built for {package.arch}"
            + (", like the cluster." if same else f" but the cluster runs on {cluster.architecture}."),
        )
    if cluster.operating_system:
        same = package.dist == cluster.operating_system
        report.add(
            "operating_system",
            same,
            f"The package is for {package.dist}"
            + (", like the cluster's hosts." if same else f" but the hosts run {cluster.operating_system}."),
        )


def _check_version_and_path(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    try:
        current = ObVersion.parse(cluster.version)
    except ValueError:
        report.add("newer", False, f"The cluster's version {cluster.version!r} is unknown; sync it from OCP.")
        return
    newer = is_newer(package.ob_version, current)
    report.add(
        "newer",
        newer,
        f"{package.full_version} is newer than {cluster.version}."
        if newer
        else f"{package.full_version} is not newer than the cluster's {cluster.version}.",
    )
    if not newer:
        return
    try:
        route = dep_graph().shortest_path(cluster.version, package.full_version)
    except NoUpgradePath as exc:
        report.add("upgrade_path", False, exc.message)
        return
    binaries = set(route.binary_versions)
    report.path = [PathStep(version, version in binaries) for version in route.versions]
    report.add("upgrade_path", True, "Upgrade path: " + " → ".join([cluster.version, *route.versions]))


def _check_ocp(report: PrecheckReport, cluster: Cluster, package: RpmPackage) -> None:
    """Live checks against OCP: cluster state, running tasks, and the RPMs on the path."""
    try:
        with cluster.site.client(max_retries=1) as client:
            remote = client.get_cluster(cluster.ocp_id)
            running = client.list_tasks(cluster_id=cluster.ocp_id, status="RUNNING", page_size=5, max_pages=1)
            ocp_packages = client.list_packages(architecture=package.arch) if report.path else []
    except OcpNotFound:
        report.add("cluster_known", False, "OCP does not know this cluster any more; sync clusters.")
        return
    except OcpError as exc:
        report.add("ocp_reachable", False, f"Could not check with OCP: {exc.message}")
        return
    status = remote.status or "unknown"
    report.add(
        "cluster_running",
        status == "RUNNING",
        "The cluster is RUNNING in OCP."
        if status == "RUNNING"
        else f"The cluster is {status} in OCP; it must be RUNNING to upgrade.",
    )
    report.add(
        "no_running_task",
        not running,
        "No OCP task is running on the cluster."
        if not running
        else f"OCP task #{running[0].id} '{running[0].name}' is still running on the cluster.",
    )
    _check_path_rpms(report, package, ocp_packages)


def _check_path_rpms(report: PrecheckReport, package: RpmPackage, ocp_packages) -> None:
    if not report.path:
        return
    catalog = RpmPackage.objects.filter(arch=package.arch, dist=package.dist, name=package.name)
    for step in report.path:
        if not step.binary:
            continue
        target = ObVersion.parse(step.version)
        in_ocp = [
            p
            for p in ocp_packages
            if p.full_version
            and _same(p.full_version, target)
            and p.architecture == package.arch
            and (p.operating_system or package.dist) == package.dist
        ]
        in_catalog = [p for p in catalog if _same(p.full_version, target)]
        step.in_ocp, step.in_catalog = bool(in_ocp), bool(in_catalog)
        names = [p.file_name for p in in_ocp] or [p.file_name for p in in_catalog]
        step.file_name = names[0] if names else ""
    missing = report.missing_rpms
    report.add(
        "rpms_uploaded",
        not missing,
        "Every RPM on the path is uploaded to OCP."
        if not missing
        else "Upload to OCP first: "
        + ", ".join(s.file_name or f"an RPM of {s.version} for {package.arch}" for s in missing),
    )


def is_newer(candidate: ObVersion, current: ObVersion) -> bool:
    """Newer release, or the same release with a later build. OCP often reports a cluster's version
    without its build (``4.2.1.1``): then the same release is not newer, whatever the build."""
    if candidate.release != current.release:
        return candidate.release > current.release
    return current.build is not None and candidate.build is not None and candidate.build > current.build


def _same(full_version: str, target: ObVersion) -> bool:
    candidate = ObVersion.parse(full_version)
    if target.build is None:
        return candidate.same_release(target)
    return candidate == target
