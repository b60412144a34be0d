"""Validation of ``POST /api/v2/ob/clusters/{id}/upgrade`` (ocp-api.md §5.1, §5.3, §8.4) into an UpgradePlan.

The body depends on the OCP version imitated: below 4.3 it is ``{"rpmFileName"}`` and anything else
is ignored (Jackson ignores unknown fields); from 4.3 ``upgradeMode``, ``destVersion`` and
``operatingSystem`` are required (W43 page), checked by bean validation before anything else.
A cluster with a primary or standby is upgraded together with it (console doc
``600.cluster-functions/700.upgrade-cluster-version.md``): every member is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpdash.ocp.upgrade_path import DepSource, NoUpgradePath, default_graph_for, version_matches
from ocpdash.ocp.versions import ObVersion
from ocpdash.simulator.config import version_tuple
from ocpdash.simulator.dags import MemberPlan, UpgradePlan
from ocpdash.simulator.envelope import ILLEGAL_ARGUMENT, ApiError, bad_request, not_found
from ocpdash.simulator.estate import Cluster, Estate
from ocpdash.simulator.packages import Package, PackageNameError, split_rpm_name

MODES = ("ROLLING", "STOP_SERVICE")
REQUIRED_43 = ("upgradeMode", "destVersion", "operatingSystem")  # W43 page, in its order
PARAM_OBJECT = "clusterUpgradeParam"  # invented: the bean name OCP's request class would give
MALFORMED = "Malformed JSON request"


@dataclass
class Request:
    """The upgrade request after the body was read for the imitated OCP version."""

    mode: str | None  # None: ROLLING with >= 3 zones, else STOP_SERVICE (below 4.3)
    rpm_file_name: str | None = None
    dest_version: str | None = None
    operating_system: str | None = None
    freeze_server: bool = False
    zone_order: list[str] | None = None


def missing_package(cluster: Cluster, version: str) -> ApiError:
    message = (
        "The installation package required for the upgrade is not found. "
        f"The hardware architecture is {cluster.arch}, and the version is {version}"
    )
    debug = (
        f"[OBE11067] {message} (cluster {cluster.name}, {cluster.release}: {'/'.join(cluster.dists)} RPMs)"
    )
    return ApiError(400, ILLEGAL_ARGUMENT, message, "OBE11067", debug=debug)


def not_in_state(cluster: Cluster) -> ApiError:
    return bad_request(
        f"Cluster {cluster.name} in the [{cluster.status}] state does not support this operation", "OBE11007"
    )


def read_body(body: object, ocp_version: str) -> Request:
    """The request as the imitated OCP reads it; a 4.3+ body is validated here (400, code 10001)."""
    if not isinstance(body, dict):
        raise bad_request(MALFORMED)
    if version_tuple(ocp_version) < (4, 3):
        name = body.get("rpmFileName")
        return Request(mode=None, rpm_file_name=str(name) if name else None)
    missing = [key for key in REQUIRED_43 if body.get(key) is None]
    if missing:
        sub_errors = [
            {"object": PARAM_OBJECT, "field": key, "rejectedValue": None, "message": "must not be null"}
            for key in missing
        ]
        raise ApiError(400, ILLEGAL_ARGUMENT, "must not be null", sub_errors=sub_errors)
    mode, freeze, order = body["upgradeMode"], body.get("freezeServer", False), body.get("zoneOrder")
    if mode not in MODES or not isinstance(freeze, bool | None):
        raise bad_request(MALFORMED)  # Jackson cannot read an unknown enum value or a non-boolean
    if order is not None and not (isinstance(order, list) and all(isinstance(z, str) for z in order)):
        raise bad_request(MALFORMED)
    return Request(
        mode=mode,
        dest_version=str(body["destVersion"]),
        operating_system=str(body["operatingSystem"]),
        freeze_server=bool(freeze),
        zone_order=order or None,
    )


def check_state(estate: Estate, cluster_id: int, busy: set[int]) -> list[Cluster]:
    """The clusters one upgrade covers (standbys first), once each is RUNNING and not busy."""
    cluster = estate.clusters.get(cluster_id)
    if cluster is None:
        raise not_found(f"Cluster {cluster_id} does not exist.", "OBE11001")
    members = estate.pair_of(cluster)
    for member in [cluster, *(m for m in members if m is not cluster)]:
        if member.status != "RUNNING":
            raise not_in_state(member)
    if any(m.id in busy for m in members):
        raise bad_request(
            "The last operation and maintenance task of the cluster is still in progress", "OBE11020"
        )
    return members


def plan_upgrade(
    estate: Estate, cluster_id: int, body: object, busy: set[int], ocp_version: str
) -> UpgradePlan:
    """Check every pre-condition (README.md lists the order); ``busy`` = clusters with a blocking task."""
    request = read_body(body, ocp_version)
    members = check_state(estate, cluster_id, busy)
    cluster = estate.clusters[cluster_id]
    target_pkg = _target_package(estate, cluster, request)
    target = split_rpm_name(target_pkg.file_name).full_version
    if ObVersion.parse(target) <= ObVersion.parse(cluster.version):
        raise bad_request(
            f"The target version {target} must be later than the current version {cluster.version}",
            "OBE11063",
        )
    source = target_pkg.dep_source or default_graph_for(target)
    try:
        route = source.route(cluster.version, target)
    except NoUpgradePath as exc:
        raise bad_request(exc.message, "OBE11063") from None
    dist = split_rpm_name(target_pkg.file_name).dist or ""
    binaries = [*route.binary_versions[:-1], target]
    primary = members[-1]
    plans = []
    for member in members:
        files = [
            target_pkg.file_name
            if member is cluster and version == target
            else _member_package(estate, member, version, dist).file_name
            for version in binaries
        ]
        order = request.zone_order if member is primary else None
        plans.append(MemberPlan(member.id, files, _mode(member, request.mode), _zone_order(member, order)))
    return UpgradePlan(
        cluster_id=cluster.id,
        from_version=cluster.version,
        target=target,
        upgrade_versions=list(route.versions),
        binary_versions=[split_rpm_name(f).full_version for f in plans[0].package_files],
        members=plans,
        primary_cluster_id=primary.id,
        freeze_server=request.freeze_server,
        dep_source=source.label,
    )


def _target_package(estate: Estate, cluster: Cluster, request: Request) -> Package:
    if request.mode is None:  # below 4.3: the named RPM
        if not request.rpm_file_name:
            raise bad_request("You must specify the RPM package name", "OBE11013")
        try:
            parts = split_rpm_name(request.rpm_file_name)
        except PackageNameError as exc:
            raise bad_request(f"Invalid package name {request.rpm_file_name}: {exc}", "PKG10016") from None
        if parts.ob_version is None:
            raise bad_request(
                f"Invalid package name {request.rpm_file_name}: not an OceanBase server RPM", "PKG10016"
            )
        pkg = estate.package_named(request.rpm_file_name)
        if pkg is None or parts.arch != cluster.arch or parts.dist not in cluster.dists:
            raise missing_package(cluster, parts.full_version)
        return pkg
    try:
        ObVersion.parse(request.dest_version or "")
    except ValueError:
        raise bad_request(
            f"The input parameter destVersion is empty or invalid: {request.dest_version!r}"
        ) from None
    dest = request.dest_version or ""
    found = _server_packages(estate, cluster, dest, only_dist=request.operating_system)
    if not found:
        raise missing_package(cluster, dest)
    return found[0]


def _server_packages(
    estate: Estate, cluster: Cluster, version: str, only_dist: str | None = None
) -> list[Package]:
    """Uploaded server RPMs installable on ``cluster`` matching ``version`` (node rules of §5.2),
    an exact version first, then the newest."""
    found = []
    for pkg in estate.packages.values():
        parts = split_rpm_name(pkg.file_name)
        ob = parts.ob_version
        fits = ob is not None and parts.arch == cluster.arch and parts.dist in cluster.dists
        if fits and (only_dist is None or parts.dist == only_dist) and version_matches(version, ob):
            found.append((parts.full_version == version, ob, pkg))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [pkg for _, _, pkg in found]


def _member_package(estate: Estate, member: Cluster, version: str, dist: str) -> Package:
    """The RPM of ``version`` for ``member``: the target's dist when it runs there, else any it runs."""
    found = _server_packages(estate, member, version)
    same_dist = [p for p in found if split_rpm_name(p.file_name).dist == dist]
    if not (same_dist or found):
        raise missing_package(member, version)
    return (same_dist or found)[0]


def _mode(cluster: Cluster, requested: str | None) -> str:
    if requested is None:
        return "ROLLING" if len(cluster.zones) >= 3 else "STOP_SERVICE"
    if requested == "ROLLING" and len(cluster.zones) < 3:
        raise bad_request(
            f"Rolling upgrade needs at least 3 zones so that every tenant keeps a majority; cluster "
            f"{cluster.name} has {len(cluster.zones)}. Use a downtime upgrade (STOP_SERVICE)."
        )
    return requested


def _zone_order(cluster: Cluster, order: list[str] | None) -> list[str]:
    if order:
        if sorted(order) != sorted(cluster.zones):
            raise bad_request(
                f"The input parameter zoneOrder is empty or invalid: it must list every zone of "
                f"{cluster.name} once ({', '.join(cluster.zones)})."
            )
        return list(order)
    first = cluster.rootservice_zone
    return [first] + [z for z in cluster.zones if z != first]


__all__ = ["DepSource", "plan_upgrade", "read_body"]
