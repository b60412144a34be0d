"""Cluster sync: copy what each OCP site knows about its clusters into the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from ocpdash.ocp import Cluster as OcpCluster
from ocpdash.ocp import OcpClient, OcpError
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster, OcpSite

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    site: str
    clusters: int = 0
    created: int = 0
    gone: int = 0
    error: str = ""
    warnings: list[str] = field(default_factory=list)


def sync_all_sites() -> list[SyncResult]:
    return [sync_site(site) for site in OcpSite.objects.filter(enabled=True)]


def sync_site(site: OcpSite) -> SyncResult:
    result = SyncResult(site.name)
    try:
        with site.client() as client:
            _read_ocp_version(site, client, result)
            remote = client.list_clusters()
            stored = {}
            for ocp_cluster in remote:
                cluster, created = _store_cluster(site, client, ocp_cluster, result)
                stored[ocp_cluster.id] = (cluster, ocp_cluster)
                result.clusters += 1
                result.created += created
            link_pairs(stored)
            seen = [cluster.pk for cluster, _ in stored.values()]
    except OcpError as exc:
        result.error = exc.message
        OcpSite.objects.filter(pk=site.pk).update(last_sync_error=exc.message)
        log.warning("Cluster sync from OCP site %s failed: %s", site.name, exc.message)
        return result
    result.gone = (
        Cluster.objects.filter(site=site, present_in_ocp=True)
        .exclude(pk__in=seen)
        .update(present_in_ocp=False)
    )
    OcpSite.objects.filter(pk=site.pk).update(last_sync_at=timezone.now(), last_sync_error="")
    return result


def refresh_cluster(cluster: Cluster) -> Cluster:
    """Re-read one cluster from OCP (after an upgrade ends, or on demand)."""
    with cluster.site.client() as client:
        ocp_cluster = client.get_cluster(cluster.ocp_id, name=cluster.name)
        cluster, _ = _store_cluster(cluster.site, client, ocp_cluster, SyncResult(cluster.site.name))
    return cluster


def _read_ocp_version(site: OcpSite, client: OcpClient, result: SyncResult) -> None:
    """OCP's own version (GET /api/v2/info), kept on the site: the upgrade request depends on it."""
    try:
        info = client.get_info()
    except OcpError as exc:
        result.warnings.append(f"OCP's version not read ({exc.message})")
        return
    version = (info.build_version or "")[: OcpSite._meta.get_field("ocp_version").max_length]
    OcpSite.objects.filter(pk=site.pk).update(ocp_version=version, ocp_version_checked_at=timezone.now())
    site.ocp_version = version


def link_pairs(stored: dict[int, tuple[Cluster, OcpCluster]]) -> None:
    """Who is whose primary, from either side: a standby's ``primaryCluster`` or a primary's
    ``standbyClusters`` (OCP may fill only one of them)."""
    primary_of: dict[int, int] = {}
    for ocp_id, (_, remote) in stored.items():
        if remote.primary_cluster is not None and remote.primary_cluster.id != ocp_id:
            primary_of[ocp_id] = remote.primary_cluster.id
        for standby in remote.standby_clusters:
            if standby.id != ocp_id:
                primary_of.setdefault(standby.id, ocp_id)
    for ocp_id, (cluster, _) in stored.items():
        primary = stored.get(primary_of.get(ocp_id, -1))
        primary_pk = primary[0].pk if primary else None
        if cluster.primary_id != primary_pk:
            Cluster.objects.filter(pk=cluster.pk).update(primary=primary_pk)
            cluster.primary_id = primary_pk


def _clip(model, name: str, value: str) -> str:
    return value[: model._meta.get_field(name).max_length]


def _store_cluster(site: OcpSite, client: OcpClient, remote: OcpCluster, result: SyncResult):
    zones, architecture, release, kernel = _zones_and_platform(client, remote, result)
    values = {
        "name": remote.name or f"cluster {remote.id}",
        "ob_cluster_id": remote.ob_cluster_id,
        "version": cluster_version(remote.ob_version or "", zones),
        "status": remote.status or "",
        "cluster_type": remote.type or "",
        "zones": zones,
        "zone_count": len(zones),
        "server_count": sum(len(z["servers"]) for z in zones),
        "present_in_ocp": True,
        "last_synced_at": timezone.now(),
    }
    if architecture:
        values["architecture"] = _clip(Cluster, "architecture", architecture)
    if release or kernel:
        values["operating_system"] = _clip(Cluster, "operating_system", release)
        values["kernel"] = _clip(Cluster, "kernel", kernel)
    return Cluster.objects.update_or_create(site=site, ocp_id=remote.id, defaults=values)


def cluster_version(ob_version: str, zones: list[dict]) -> str:
    """OCP's ``obVersion`` is the bare release (``4.2.1.0``); the observers report the build too
    (``4.2.1.0_100000102023092807-<sha>(...)``). When every server runs the same build of that
    release, keep ``<release>-<build>`` so build-level comparisons (pre-check, paths) are exact."""
    try:
        release = ObVersion.parse(ob_version)
        versions = {ObVersion.parse(srv["version"]) for z in zones for srv in z["servers"] if srv["version"]}
    except ValueError:
        return ob_version
    if len(versions) == 1:
        (server_version,) = versions
        if server_version.same_release(release) and server_version.build is not None:
            return str(server_version)
    return ob_version


def _zones_and_platform(client: OcpClient, remote: OcpCluster, result: SyncResult):
    """Zones with their servers, and the architecture/OS of the cluster's hosts (from the first host)."""
    try:
        servers = client.list_servers(remote.id)
    except OcpError as exc:
        result.warnings.append(f"{remote.name}: servers not read ({exc.message})")
        servers = [s for z in remote.zones for s in z.servers]
    zones: dict[str, dict] = {}
    for zone in remote.zones:
        zones[zone.name] = {
            "name": zone.name,
            "region": zone.region_name or "",
            "idc": zone.idc_name or "",
            "status": zone.status or "",
            "servers": [],
        }
    for server in servers:
        zone = zones.setdefault(
            server.zone_name or "?",
            {
                "name": server.zone_name or "?",
                "region": server.region_name or "",
                "idc": server.idc_name or "",
                "status": "",
                "servers": [],
            },
        )
        zone["servers"].append(
            {
                "id": server.id,
                "ip": server.ip or "",
                "port": server.port,
                "version": server.version or "",
                "status": server.status or "",
                "rootserver": server.with_rootserver,
            }
        )
    architecture = release = kernel = ""
    host_id = next((s.host_id for s in servers if s.host_id), None)
    if host_id:
        try:
            host = client.get_host(host_id)
        except OcpError as exc:
            result.warnings.append(f"{remote.name}: host platform not read ({exc.message})")
        else:
            architecture = host.architecture or ""
            release, kernel = host.operating_system_release or "", host.operating_system or ""
    return list(zones.values()), architecture, release, kernel
