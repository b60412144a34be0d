"""Validation of ``POST /api/v2/ob/clusters/{id}/upgrade`` (ocp-api.md §8.4) into an UpgradePlan."""

from __future__ import annotations

from ocpdash.ocp.rpm import RpmName, RpmNameError, parse_rpm_filename
from ocpdash.ocp.upgrade_path import DepGraph, NoUpgradePath, version_matches
from ocpdash.ocp.versions import ObVersion
from ocpdash.simulator.dags import UpgradePlan
from ocpdash.simulator.envelope import ApiError, bad_request, not_found
from ocpdash.simulator.estate import Cluster, Estate

SERVER_PACKAGES = ("oceanbase", "oceanbase-ce", "oceanbase-standalone")
MODES = {
    "ROLLING": "ROLLING",
    "STOP_SERVICE": "STOP_SERVICE",
    "STOPSERVICE": "STOP_SERVICE",
    "DOWNTIME": "STOP_SERVICE",
}


def missing_package(arch: str, version: str) -> ApiError:
    return bad_request(
        "The installation package required for the upgrade is not found. "
        f"The hardware architecture is {arch}, and the version is {version}",
        "OBE11067",
    )


def plan_upgrade(estate: Estate, graph: DepGraph, cluster_id: int, body: object, busy: bool) -> UpgradePlan:
    """Check every pre-condition in the order of §8.4; ``busy`` = a task still RUNNING on the cluster."""
    cluster = estate.clusters.get(cluster_id)
    if cluster is None:
        raise not_found(f"Cluster {cluster_id} does not exist.", "OBE11001")
    if cluster.status != "RUNNING":
        raise bad_request(
            f"Cluster {cluster.name} in the [{cluster.status}] state does not support this operation",
            "OBE11007",
        )
    if busy:
        raise bad_request(
            "The last operation and maintenance task of the cluster is still in progress", "OBE11020"
        )
    body = body if isinstance(body, dict) else {}
    os_name = body.get("operatingSystem") or cluster.os
    target = _target_version(body)
    if ObVersion.parse(target) <= ObVersion.parse(cluster.version):
        raise bad_request(
            f"The target version {target} must be later than the current version {cluster.version}",
            "OBE11063",
        )
    try:
        route = graph.shortest_path(cluster.version, target)
    except NoUpgradePath as exc:
        raise bad_request(exc.message, "OBE11063") from None
    binaries, files = [], []
    for version in route.binary_versions[:-1]:
        pkg = _find_package(estate, cluster.arch, os_name, version)
        if pkg is None:
            raise missing_package(cluster.arch, version)
        binaries.append(pkg.full_version)
        files.append(pkg.file_name)
    target_pkg = _target_package(estate, cluster, body, os_name)
    target = target_pkg.full_version
    binaries.append(target)
    files.append(target_pkg.file_name)
    mode = _mode(cluster, body)
    return UpgradePlan(
        cluster_id=cluster.id,
        from_version=cluster.version,
        target=target,
        upgrade_versions=[*route.versions[:-1], target],
        binary_versions=binaries,
        package_files=files,
        mode=mode,
        freeze_server=bool(body.get("freezeServer", False)),
        zone_order=_zone_order(cluster, body.get("zoneOrder")),
    )


def _target_version(body: dict) -> str:
    file_name, dest = body.get("rpmFileName"), body.get("destVersion")
    if file_name:
        try:
            return parse_rpm_filename(str(file_name)).full_version
        except RpmNameError as exc:
            raise bad_request(f"Invalid package name {file_name}: {exc.message}", "PKG10016") from None
    if not dest:
        raise bad_request("You must specify the RPM package name", "OBE11013")
    try:
        ObVersion.parse(str(dest))
    except ValueError:
        raise bad_request(f"The input parameter destVersion is empty or invalid: {dest!r}") from None
    return str(dest)


def _target_package(estate: Estate, cluster: Cluster, body: dict, os_name: str) -> RpmName:
    file_name = body.get("rpmFileName")
    if file_name:
        rpm = parse_rpm_filename(str(file_name))
        if rpm.arch != cluster.arch or estate.package_named(rpm.file_name) is None:
            raise missing_package(cluster.arch, rpm.full_version)
        return rpm
    dest = str(body["destVersion"])
    pkg = _find_package(estate, cluster.arch, os_name, dest)
    if pkg is None:
        raise missing_package(cluster.arch, dest)
    return pkg


def _find_package(estate: Estate, arch: str, os_name: str, version: str) -> RpmName | None:
    """The newest uploaded server RPM for ``arch``/``os_name`` matching ``version`` (node rules of §5.2)."""
    found = []
    for pkg in estate.packages.values():
        rpm = parse_rpm_filename(pkg.file_name)
        fits = rpm.name in SERVER_PACKAGES and rpm.arch == arch and rpm.dist == os_name
        if fits and version_matches(version, rpm.full_version):
            found.append(rpm)
    return max(found, key=lambda r: ObVersion.parse(r.full_version), default=None)


def _mode(cluster: Cluster, body: dict) -> str:
    raw = body.get("upgradeMode")
    if raw is None:
        return "ROLLING" if len(cluster.zones) >= 3 else "STOP_SERVICE"
    mode = MODES.get(str(raw).upper())
    if mode is None:
        raise bad_request(
            f"The input parameter upgradeMode is empty or invalid: {raw!r} (ROLLING or STOP_SERVICE)."
        )
    if mode == "ROLLING" and len(cluster.zones) < 3:
        raise bad_request(
            f"Rolling upgrade needs at least 3 zones so that every tenant keeps a majority; cluster "
            f"{cluster.name} has {len(cluster.zones)}. Use a downtime upgrade (STOP_SERVICE)."
        )
    return mode


def _zone_order(cluster: Cluster, order: object) -> list[str]:
    if order:
        if not isinstance(order, list) or sorted(order) != sorted(cluster.zones):
            raise bad_request(
                f"The input parameter zoneOrder is empty or invalid: it must list every zone of "
                f"{cluster.name} once ({', '.join(cluster.zones)})."
            )
        return [str(z) for z in order]
    first = cluster.rootservice_zone
    return [first] + [z for z in cluster.zones if z != first]
