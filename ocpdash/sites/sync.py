"""Cluster sync: copy what each OCP site knows about its clusters into the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from ocpdash.core.meta import max_length_of
from ocpdash.ocp import Cluster as OcpCluster
from ocpdash.ocp import OcpClient, OcpError
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.sites.storable import MAX_BIGINT, Adjustments, Unstorable, identity

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
            stored, unreadable = {}, set()
            for ocp_cluster in remote:
                try:
                    with transaction.atomic():
                        cluster, created = _store_cluster(site, client, ocp_cluster, result)
                except (Unstorable, DatabaseError, ValueError) as exc:  # one bad row must not stop the rest
                    unreadable.add(ocp_cluster.id)
                    result.warnings.append(f"cluster {str(ocp_cluster.name)[:100]!r} not stored: {exc}")
                    continue
                stored[ocp_cluster.id] = (cluster, ocp_cluster)
                result.clusters += 1
                result.created += created
            link_pairs(stored)
            seen = [cluster.pk for cluster, _ in stored.values()]
    except OcpError as exc:
        return _failed(site, result, exc.message, exc.trace_id)
    except Exception as exc:  # a bug or bad data: recorded on the site, never a crash loop of the beat job
        log.exception("Cluster sync from OCP site %s failed", site.name)
        return _failed(site, result, f"ocpdash could not sync ({type(exc).__name__}: {str(exc)[:300]})")
    result.gone = (
        Cluster.objects.filter(site=site, present_in_ocp=True)
        .exclude(pk__in=seen)
        .exclude(ocp_id__in=[i for i in unreadable if 0 <= i < 2**63])
        .update(present_in_ocp=False)
    )
    OcpSite.objects.filter(pk=site.pk).update(last_sync_at=timezone.now(), last_sync_error="")
    return result


def _failed(site: OcpSite, result: SyncResult, message: str, trace_id: str | None = None) -> SyncResult:
    result.error = message
    OcpSite.objects.filter(pk=site.pk).update(last_sync_error=message)
    log.warning(
        "Cluster sync from OCP site %s failed: %s",
        site.name,
        message,
        extra={"site": site.name, "trace_id": trace_id},
    )
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


def _store_cluster(
    site: OcpSite, client: OcpClient, remote: OcpCluster, result: SyncResult
) -> tuple[Cluster, bool]:
    """Store one cluster, its values made storable (storable.py); what was adjusted is a warning."""
    identity(remote.id, "cluster id")
    zones, architecture, release, kernel = _zones_and_platform(client, remote, result)
    adjust, what = Adjustments(), f"cluster {remote.id}"

    def text(name: str, value: str) -> str:
        return adjust.text(value, max_length_of(Cluster, name), f"{what}'s {name}")

    zones = _json_text(zones)
    values = {
        "name": text("name", remote.name or f"cluster {remote.id}"),
        "ob_cluster_id": adjust.number(
            remote.ob_cluster_id, -MAX_BIGINT, MAX_BIGINT, f"{what}'s obClusterId"
        ),
        "version": text("version", cluster_version(remote.ob_version or "", zones)),
        "status": text("status", remote.status or ""),
        "cluster_type": text("cluster_type", remote.type or ""),
        "zones": zones,
        "zone_count": len(zones),
        "server_count": sum(len(z["servers"]) for z in zones),
        "present_in_ocp": True,
        "last_synced_at": timezone.now(),
    }
    if architecture:
        values["architecture"] = text("architecture", architecture)
    if release or kernel:
        values["operating_system"] = text("operating_system", release)
        values["kernel"] = text("kernel", kernel)
    result.warnings.extend(adjust.notes)
    return Cluster.objects.update_or_create(site=site, ocp_id=remote.id, defaults=values)


def _json_text(value: Any) -> Any:
    """OCP's strings inside stored JSON: no NUL (PostgreSQL's jsonb refuses it), none endless."""
    if isinstance(value, str):
        return value.replace("\x00", "")[:1000]
    if isinstance(value, list):
        return [_json_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_text(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_BIGINT:
        return None
    return value


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


def _zones_and_platform(
    client: OcpClient, remote: OcpCluster, result: SyncResult
) -> tuple[list[dict[str, Any]], str, str, str]:
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
        entry = zones.setdefault(
            server.zone_name or "?",
            {
                "name": server.zone_name or "?",
                "region": server.region_name or "",
                "idc": server.idc_name or "",
                "status": "",
                "servers": [],
            },
        )
        entry["servers"].append(
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
