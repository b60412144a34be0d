"""The seeded estate: clusters, zones, servers, hosts and uploaded software packages.

Everything the demo and the tests rely on is in the tables below; README.md explains which
upgrades succeed and which OCP refuses. The seed only changes incidental data (IP addresses,
obClusterId, sha1/size of packages), never ids, names, versions or the package list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from ocpdash.ocp.versions import ObVersion
from ocpdash.simulator.envelope import format_time
from ocpdash.simulator.packages import Package, new_package

SEED_EPOCH = dt.datetime(2023, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@dataclass(frozen=True)
class Platform:
    """What a host reports (``operatingSystem`` = kernel, ``operatingSystemRelease`` = distribution)
    and which RPM dists the simulator installs on it."""

    kernel: str
    dists: tuple[str, ...]


# (release, arch) -> Platform. alios7's kernel is the host-details doc sample; the others are the
# kernels those distributions ship. The dists accepted per release are inferred (OceanBase builds
# el7 and el8 RPMs; AliOS 7, CentOS 7 and RHEL 7 run el7 ones). "kylinV10" is how OCP would
# plausibly spell Kylin V10's release (inferred: no public sample).
PLATFORMS: dict[tuple[str, str], Platform] = {
    ("alios7", "x86_64"): Platform("4.9.168-018.ali3000.alios7.x86_64", ("el7", "alios7")),
    ("centos7", "x86_64"): Platform("3.10.0-1160.el7.x86_64", ("el7",)),
    ("centos7", "aarch64"): Platform("4.18.0-348.20.1.el7.aarch64", ("el7",)),
    ("rhel7", "x86_64"): Platform("3.10.0-1160.108.1.el7.x86_64", ("el7",)),
    ("rhel8", "x86_64"): Platform("4.18.0-372.9.1.el8.x86_64", ("el8",)),
    ("kylinV10", "aarch64"): Platform("4.19.90-24.4.v2101.ky10.aarch64", ("el7", "el8")),
}


@dataclass(frozen=True)
class ClusterSpec:
    id: int
    name: str
    version: str  # OCP's "<version>-<build>"
    arch: str
    release: str  # the hosts' operatingSystemRelease
    servers_per_zone: tuple[int, ...]
    type: str = "PRIMARY"
    status: str = "RUNNING"
    primary_id: int | None = None
    rs_zone: int = 1  # the zone holding the RootService leader (upgraded first when rolling)


V4210 = "4.2.1.0-100000102023092807"
V2273 = "2.2.73-20201211175814"
CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec(1, "orion", V4210, "x86_64", "alios7", (1, 1, 1)),
    ClusterSpec(2, "helios", "4.2.0.0-100000202023052215", "x86_64", "centos7", (2, 2, 2), rs_zone=2),
    ClusterSpec(3, "lyra", V4210, "aarch64", "kylinV10", (1, 1, 1)),
    ClusterSpec(4, "vega", "3.1.1-20210926160532", "x86_64", "rhel7", (1, 1)),
    ClusterSpec(5, "sirius", V2273, "x86_64", "centos7", (1, 1, 1), "STANDBY", "STOPPED", 6),
    ClusterSpec(6, "terran", V2273, "x86_64", "centos7", (1, 1, 1, 1, 1)),
    ClusterSpec(7, "polaris", "3.1.2-20210812221645", "aarch64", "centos7", (1,)),
    ClusterSpec(8, "draco", "4.1.0.0-100000192023032010", "x86_64", "alios7", (1, 1, 1)),
    ClusterSpec(9, "castor", V4210, "x86_64", "alios7", (1, 1, 1)),
    ClusterSpec(10, "pollux", V4210, "x86_64", "alios7", (1, 1, 1), "STANDBY", primary_id=9),
    ClusterSpec(11, "atlas", "4.0.0.0-100000272022110114", "x86_64", "rhel7", (1, 1, 1)),
    ClusterSpec(12, "nova", "4.3.0.0-100000242024032211", "x86_64", "rhel8", (1, 1, 1)),
)

# Uploaded RPMs, in upload order (ids 1..n). Deliberately missing: 4.1.0.2 (an intermediate binary
# version of draco's and atlas's paths). The OBProxy and OCP agent packages are there because OCP's
# package list has them too: clients must filter by type or name.
PACKAGES: tuple[str, ...] = (
    "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm",
    "oceanbase-3.1.2-20210812221645.el7.x86_64.rpm",
    "obproxy-ce-4.2.1.0-11.el7.x86_64.rpm",
    "oceanbase-3.1.4-20220629112235.el7.x86_64.rpm",
    "oceanbase-3.1.4-20220629112235.el7.aarch64.rpm",
    "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm",
    "ocp-agent-ce-4.2.2-20240108150515.el7.x86_64.rpm",
    "oceanbase-4.2.1.1-100000162023111615.el7.aarch64.rpm",
    "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm",
    "oceanbase-4.3.3.0-100000142024101215.el8.x86_64.rpm",
)


def seed_package_file_names() -> list[str]:
    """The OceanBase server RPMs the simulator starts with (the dashboard's demo catalog mirrors them)."""
    return [name for name in PACKAGES if name.startswith("oceanbase-")]


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
    release: str
    cluster_id: int

    @property
    def platform(self) -> Platform:
        default = Platform(f"5.10.0-1.{self.release}.{self.arch}", ("el7", "el8"))  # invented
        return PLATFORMS.get((self.release, self.arch), default)

    def to_json(self, estate: Estate, agent_version: str) -> dict:
        """The host-details doc sample's fields (nulls omitted by the envelope)."""
        cluster = estate.clusters.get(self.cluster_id)
        services = []
        if cluster is not None:
            services.append(
                {
                    "name": f"{cluster.name}:{cluster.ob_cluster_id}",
                    "softwarePackageId": None,
                    "type": "OB_CLUSTER",
                    "version": ObVersion.parse(cluster.version).base,
                }
            )
        return {
            "alias": None,
            "architecture": self.arch,
            "createTime": _t(SEED_EPOCH),
            "description": None,
            "hostAgentId": 6000000 + self.id,
            "hostAgentStatus": "AVAILABLE",
            "hostAgentVersion": agent_version,
            "id": self.id,
            "idcDescription": None,
            "idcId": 1,
            "idcName": "idc1",
            "innerIpAddress": self.ip,
            "kind": "DEDICATED_PHYSICAL_MACHINE",
            "name": f"host-{self.ip.replace('.', '-')}",
            "operatingSystem": self.platform.kernel,
            "operatingSystemRelease": self.release,
            "publishPorts": None,
            "regionDescription": None,
            "regionId": 1,
            "regionName": "default",
            "serialNumber": None,
            "services": services,
            "sshPort": 22,
            "status": "ONLINE",
            "typeDescription": None,
            "typeId": 1,
            "typeName": "default",
            "updateTime": _t(SEED_EPOCH),
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
    release: str
    type: str
    status: str
    primary_id: int | None
    zones: list[str] = field(default_factory=list)
    zone_status: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    @property
    def rootservice_zone(self) -> str:
        return next(s.zone for s in self.servers if s.rootserver)

    @property
    def dists(self) -> tuple[str, ...]:
        """RPM dists installable on this cluster's hosts."""
        platform = PLATFORMS.get((self.release, self.arch))
        return platform.dists if platform else ("el7", "el8")

    def zone_servers(self, zone: str) -> list[Server]:
        return [s for s in self.servers if s.zone == zone]

    def to_json(self, estate: Estate) -> dict:
        primary = estate.clusters.get(self.primary_id) if self.primary_id else None
        standbys = estate.standbys_of(self)
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
class Estate:
    seed: int
    clusters: dict[int, Cluster] = field(default_factory=dict)
    hosts: dict[int, Host] = field(default_factory=dict)
    packages: dict[int, Package] = field(default_factory=dict)
    next_package_id: int = 1

    def add_package(
        self, file_name: str, content: bytes | None, now: float, dep_yaml: str | None = None
    ) -> Package:
        pkg = new_package(self.next_package_id, file_name, content, now, self.seed, dep_yaml)
        self.packages[pkg.id] = pkg
        self.next_package_id += 1
        return pkg

    def package_named(self, file_name: str) -> Package | None:
        return next((p for p in self.packages.values() if p.file_name == file_name), None)

    def standbys_of(self, cluster: Cluster) -> list[Cluster]:
        return [c for c in self.clusters.values() if c.primary_id == cluster.id]

    def pair_of(self, cluster: Cluster) -> list[Cluster]:
        """The clusters one upgrade covers, standbys first: OCP upgrades the associated primary or
        standby too (console doc 700.upgrade-cluster-version.md), the standby's cluster first."""
        primary = self.clusters.get(cluster.primary_id) if cluster.primary_id else cluster
        primary = primary or cluster
        return [*self.standbys_of(primary), primary]


def _add_cluster(estate: Estate, spec: ClusterSpec, ob_cluster_id: int, base_ip: int, ids: list[int]) -> None:
    """``ids`` = [next server id, next host id], advanced in place."""
    cluster = Cluster(
        spec.id,
        spec.name,
        ob_cluster_id,
        spec.version,
        spec.arch,
        spec.release,
        spec.type,
        spec.status,
        spec.primary_id,
    )
    for z, count in enumerate(spec.servers_per_zone, start=1):
        zone = f"zone{z}"
        cluster.zones.append(zone)
        for s in range(count):
            ip = f"10.{spec.id % 250}.{z}.{base_ip + s}"
            estate.hosts[ids[1]] = Host(ids[1], ip, spec.arch, spec.release, spec.id)
            rootserver = z == spec.rs_zone and s == 0
            cluster.servers.append(Server(ids[0], ip, zone, ids[1], spec.version, rootserver))
            ids[0] += 1
            ids[1] += 1
    estate.clusters[cluster.id] = cluster


def build_estate(seed: int = 0) -> Estate:
    rng = random.Random(seed)
    estate = Estate(seed=seed)
    ids = [1, 1]
    for spec in CLUSTERS:
        _add_cluster(estate, spec, rng.randint(1, 99999), rng.randint(1, 200), ids)
    for i, name in enumerate(PACKAGES):
        estate.add_package(name, None, SEED_EPOCH + 3600 * i)
    return estate


def _t(epoch: float) -> str:
    return format_time(epoch) or ""


def clone_cluster(estate: Estate, like: Cluster, count: int, *, standby: bool = False) -> list[int]:
    """Add ``count`` copies of ``like`` (same version, platform and zones, new ids, hosts and servers),
    for load tests that need many clusters upgrading at once. Copies are standalone primaries; with
    ``standby`` each copy is a primary/standby pair (the standby's id follows its primary's)."""
    new_ids = []
    next_cluster = max(estate.clusters) + 1
    next_server = max((s.id for c in estate.clusters.values() for s in c.servers), default=0) + 1
    next_host = max(estate.hosts, default=0) + 1
    roles = (("PRIMARY", False), ("STANDBY", True)) if standby else (("PRIMARY", False),)
    for n in range(count * len(roles)):
        cid = next_cluster + n
        role, is_standby = roles[n % len(roles)]
        name = f"{like.name}-{cid}" + ("-standby" if is_standby else "")
        copy = Cluster(
            cid,
            name,
            100000 + cid,
            like.version,
            like.arch,
            like.release,
            role,
            "RUNNING",
            cid - 1 if is_standby else None,
        )
        copy.zones = list(like.zones)
        for server in like.servers:
            ip = f"10.{200 + cid // 250}.{cid % 250}.{next_server % 250}"
            estate.hosts[next_host] = Host(next_host, ip, like.arch, like.release, cid)
            copy.servers.append(
                Server(next_server, ip, server.zone, next_host, like.version, server.rootserver)
            )
            next_server += 1
            next_host += 1
        estate.clusters[cid] = copy
        new_ids.append(cid)
    return new_ids


def add_fleet(estate: Estate, count: int) -> list[int]:
    """``count`` more clusters for fleet rollouts (the demo's): copies of orion (x86_64) and lyra
    (aarch64), and every fourth an orion primary/standby pair (two clusters)."""
    by_name = {c.name: c for c in estate.clusters.values()}
    ids: list[int] = []
    while len(ids) < count:
        n = len(ids)
        if n % 4 == 3 and count - n >= 2:
            ids += clone_cluster(estate, by_name["orion"], 1, standby=True)
        else:
            ids += clone_cluster(estate, by_name["lyra" if n % 4 == 1 else "orion"], 1)
    return ids
