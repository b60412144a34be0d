"""The seeded estate: clusters, zones, servers, hosts and uploaded software packages.

Everything the demo and the tests rely on is in the two tables below; README.md explains which
upgrades succeed and which OCP refuses. The seed only changes incidental data (IP addresses,
obClusterId, sha1/size of packages), never ids, names, versions or the package list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from ocpdash.ocp.rpm import parse_rpm_filename
from ocpdash.ocp.versions import ObVersion
from ocpdash.simulator.envelope import format_time

SEED_EPOCH = dt.datetime(2023, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@dataclass(frozen=True)
class ClusterSpec:
    id: int
    name: str
    version: str  # OCP's "<version>-<build>"
    arch: str
    os: str
    servers_per_zone: tuple[int, ...]
    type: str = "PRIMARY"
    status: str = "RUNNING"
    primary_id: int | None = None
    rs_zone: int = 1  # the zone holding the RootService leader (upgraded first when rolling)


CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(1, "orion", "4.2.1.0-100000102023092807", "x86_64", "el7", (1, 1, 1)),
    ClusterSpec(2, "helios", "4.2.0.0-100000202023052215", "x86_64", "el7", (2, 2, 2), rs_zone=2),
    ClusterSpec(
        3, "lyra", "4.2.1.0-100000102023092807", "aarch64", "el8", (1, 1, 1), "STANDBY", primary_id=1
    ),
    ClusterSpec(4, "vega", "3.1.0-20210401103002", "x86_64", "el7", (1, 1)),
    ClusterSpec(5, "sirius", "2.2.73-20201211175814", "x86_64", "el7", (1, 1, 1), "STANDBY", "STOPPED", 6),
    ClusterSpec(6, "terran", "2.2.73-20201211175814", "x86_64", "el7", (1, 1, 1, 1, 1)),
    ClusterSpec(7, "polaris", "3.1.2-20210812221645", "aarch64", "el7", (1,)),
    ClusterSpec(8, "draco", "4.1.0.0-100000192023032010", "x86_64", "el7", (1, 1, 1)),
)

# Uploaded RPMs. Deliberately missing: 3.1.3 (an intermediate binary version of vega's path to
# 3.1.4), 4.1.0.2 (intermediate binary of draco's path), 4.2.2.0 for aarch64 (lyra).
PACKAGES: tuple[str, ...] = (
    "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm",
    "oceanbase-2.2.76-20210219154519.el7.x86_64.rpm",
    "oceanbase-2.2.77-20210712193021.el7.x86_64.rpm",
    "oceanbase-3.1.2-20210812221645.el7.x86_64.rpm",
    "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm",
    "oceanbase-3.1.4-20220629112235.el7.aarch64.rpm",
    "oceanbase-4.2.0.0-100000202023052215.el7.x86_64.rpm",
    "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm",
    "oceanbase-4.2.1.1-100000162023111615.el8.aarch64.rpm",
    "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm",
    "oceanbase-4.2.2.0-100000192024011210.el7.x86_64.rpm",
)


def seed_package_file_names() -> list[str]:
    """The RPM file names the simulator starts with (the dashboard's demo data mirrors them)."""
    return list(PACKAGES)


def observer_version(full_version: str) -> str:
    """``4.2.1.0-100000102023092807`` -> ``4.2.1.0_100000102023092807-<sha>(Sep 28 2023 07:00:00)``."""
    parsed = ObVersion.parse(full_version)
    build = str(parsed.build or "")
    sha = hashlib.sha1(full_version.encode(), usedforsecurity=False).hexdigest()
    stamp = build[-14:] if len(build) == 14 else build[-10:] + "0000"
    try:
        when = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime("%b %d %Y %H:%M:%S")
    except ValueError:
        when = "Jan 01 2023 00:00:00"
    return f"{parsed.base}_{build}-{sha}({when})"


@dataclass
class Host:
    id: int
    ip: str
    arch: str
    os: str

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": f"host-{self.ip.replace('.', '-')}",
            "innerIpAddress": self.ip,
            "sshPort": 22,
            "architecture": self.arch,
            "operatingSystem": self.os,
            "kind": "DEDICATED_PHYSICAL_MACHINE",
            "status": "AVAILABLE",
            "createTime": _t(SEED_EPOCH),
        }


@dataclass
class Server:
    id: int
    ip: str
    zone: str
    host_id: int
    version: str  # OCP "<version>-<build>"
    rootserver: bool = False
    status: str = "RUNNING"

    def to_json(self, cluster: Cluster) -> dict:
        return {
            "id": self.id,
            "ip": self.ip,
            "port": 2882,
            "sqlPort": 2881,
            "version": observer_version(self.version),
            "withRootserver": self.rootserver,
            "status": self.status,
            "innerStatus": "ACTIVE",
            "clusterId": cluster.id,
            "zoneName": self.zone,
            "regionName": "default",
            "idcName": "idc1",
            "hostId": self.host_id,
            "hostTypeName": "default",
            "startTime": _t(SEED_EPOCH),
            "updateTime": _t(SEED_EPOCH),
        }


@dataclass
class Cluster:
    id: int
    name: str
    ob_cluster_id: int
    version: str  # OCP "<version>-<build>"
    arch: str
    os: str
    type: str
    status: str
    primary_id: int | None
    zones: list[str] = field(default_factory=list)
    zone_status: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    @property
    def rootservice_zone(self) -> str:
        return next(s.zone for s in self.servers if s.rootserver)

    def zone_servers(self, zone: str) -> list[Server]:
        return [s for s in self.servers if s.zone == zone]

    def to_json(self, estate: Estate) -> dict:
        primary = estate.clusters.get(self.primary_id) if self.primary_id else None
        standbys = [c for c in estate.clusters.values() if c.primary_id == self.id]
        return {
            "id": self.id,
            "name": self.name,
            "obClusterId": self.ob_cluster_id,
            "obVersion": ObVersion.parse(self.version).base,
            "status": self.status,
            "type": self.type,
            "primaryCluster": primary.ref() if primary else None,
            "standbyClusters": [c.ref() for c in standbys],
            "rootServers": [self._root_json()],
            "regionCount": 1,
            "tenantCount": 2,
            "partitionCount": 120 * len(self.servers),
            "serverCount": len(self.servers),
            "syncStatus": "VALID" if self.type == "STANDBY" else None,
            "zones": [self.zone_json(z) for z in self.zones],
            "createTime": _t(SEED_EPOCH),
            "updateTime": _t(SEED_EPOCH),
            "creator": "admin",
        }

    def ref(self) -> dict:
        return {"id": self.id, "name": self.name, "obClusterId": self.ob_cluster_id, "type": self.type}

    def _root_json(self) -> dict:
        leader = next(s for s in self.servers if s.rootserver)
        return {"address": f"{leader.ip}:2882", "role": "LEADER", "sql_port": 2881}

    def zone_json(self, zone: str) -> dict:
        servers = self.zone_servers(zone)
        return {
            "clusterId": self.id,
            "obClusterId": self.ob_cluster_id,
            "name": zone,
            "idcId": 1,
            "idcName": "idc1",
            "regionName": "default",
            "status": self.zone_status.get(zone, "RUNNING"),
            "innerStatus": "ACTIVE",
            "compactionStatus": "IDLE",
            "rootServer": self._root_json() if zone == self.rootservice_zone else None,
            "serverCount": len(servers),
            "hostCount": len(servers),
            "servers": [s.to_json(self) for s in servers],
            "createTime": _t(SEED_EPOCH),
            "updateTime": _t(SEED_EPOCH),
        }


@dataclass
class Package:
    id: int
    file_name: str
    size: int
    sha1: str
    create_time: float

    def to_json(self, base_url: str = "http://127.0.0.1:8080") -> dict:
        rpm = parse_rpm_filename(self.file_name)
        return {
            "id": self.id,
            "name": rpm.name,
            "fileName": self.file_name,
            "extension": "rpm",
            "size": self.size,
            "sha1": self.sha1,
            "downloadUrl": f"{base_url}/api/v2/files/sys-package/{self.file_name}",
            "type": "OB_SERVER_INSTALL_PACKAGE" if rpm.name.startswith("oceanbase") else "OTHER",
            "version": rpm.version,
            "buildNumber": rpm.build,
            "operatingSystem": rpm.dist,
            "architecture": rpm.arch,
            "createTime": _t(self.create_time),
            "deletable": True,
            "installationDataList": [],
        }


@dataclass
class Estate:
    seed: int
    clusters: dict[int, Cluster] = field(default_factory=dict)
    hosts: dict[int, Host] = field(default_factory=dict)
    packages: dict[int, Package] = field(default_factory=dict)
    next_package_id: int = 1

    def add_package(self, file_name: str, content: bytes | None, now: float) -> Package:
        if content is None:
            digest = hashlib.sha1(f"{self.seed}:{file_name}".encode(), usedforsecurity=False).hexdigest()
            size = 80_000_000 + int(digest[:6], 16)
        else:
            digest, size = hashlib.sha1(content, usedforsecurity=False).hexdigest(), len(content)
        pkg = Package(self.next_package_id, file_name, size, digest, now)
        self.packages[pkg.id] = pkg
        self.next_package_id += 1
        return pkg

    def package_named(self, file_name: str) -> Package | None:
        return next((p for p in self.packages.values() if p.file_name == file_name), None)


def build_estate(seed: int = 0) -> Estate:
    rng = random.Random(seed)
    estate = Estate(seed=seed)
    server_id = host_id = 1
    for spec in CLUSTERS:
        cluster = Cluster(
            spec.id,
            spec.name,
            rng.randint(1, 99999),
            spec.version,
            spec.arch,
            spec.os,
            spec.type,
            spec.status,
            spec.primary_id,
        )
        base = rng.randint(1, 200)
        for z, count in enumerate(spec.servers_per_zone, start=1):
            zone = f"zone{z}"
            cluster.zones.append(zone)
            for s in range(count):
                ip = f"10.{spec.id}.{z}.{base + s}"
                estate.hosts[host_id] = Host(host_id, ip, spec.arch, spec.os)
                rootserver = z == spec.rs_zone and s == 0
                cluster.servers.append(Server(server_id, ip, zone, host_id, spec.version, rootserver))
                server_id += 1
                host_id += 1
        estate.clusters[cluster.id] = cluster
    for i, name in enumerate(PACKAGES):
        estate.add_package(name, None, SEED_EPOCH + 3600 * i)
    return estate


def _t(epoch: float) -> str:
    return format_time(epoch) or ""


def clone_cluster(estate: Estate, like: Cluster, count: int) -> list[int]:
    """Add ``count`` copies of ``like`` (same version, platform and zones, new ids, hosts and servers),
    for load tests that need many clusters upgrading at once."""
    new_ids = []
    next_cluster = max(estate.clusters) + 1
    next_server = max((s.id for c in estate.clusters.values() for s in c.servers), default=0) + 1
    next_host = max(estate.hosts, default=0) + 1
    for n in range(count):
        cid = next_cluster + n
        name = f"{like.name}-{cid}"
        copy = Cluster(cid, name, 100000 + cid, like.version, like.arch, like.os, "PRIMARY", "RUNNING", None)
        copy.zones = list(like.zones)
        for server in like.servers:
            ip = f"10.{200 + cid // 250}.{cid % 250}.{next_server % 250}"
            estate.hosts[next_host] = Host(next_host, ip, like.arch, like.os)
            copy.servers.append(
                Server(next_server, ip, server.zone, next_host, like.version, server.rootserver)
            )
            next_server += 1
            next_host += 1
        estate.clusters[cid] = copy
        new_ids.append(cid)
    return new_ids
