import pytest

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster
from ocpdash.sites.sync import sync_site

TARGET_X86 = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
TARGET_ARM = "oceanbase-4.2.1.1-100000162023111615.el7.aarch64.rpm"


class Fleet:
    """Simulated clusters added for one test: standalone x86_64 and aarch64 copies and pairs."""

    def __init__(self, site, x86: list[int], arm: list[int], pairs: list[tuple[int, int]]) -> None:
        self.site = site
        by_ocp = {c.ocp_id: c for c in Cluster.objects.filter(site=site).select_related("primary")}
        self.x86 = [by_ocp[i] for i in x86]
        self.arm = [by_ocp[i] for i in arm]
        self.pairs = [(by_ocp[p], by_ocp[s]) for p, s in pairs]

    @property
    def clusters(self) -> list[Cluster]:
        return [*self.x86, *self.arm, *(c for pair in self.pairs for c in pair)]

    @property
    def packages(self) -> list[RpmPackage]:
        return list(RpmPackage.objects.filter(file_name__in=[TARGET_X86, TARGET_ARM]))


@pytest.fixture
def make_fleet(sim_site, simulator):
    def make(x86: int, arm: int = 0, pairs: int = 0) -> Fleet:
        x86_ids = simulator.add_clusters("orion", x86) if x86 else []
        arm_ids = simulator.add_clusters("lyra", arm) if arm else []
        pair_ids = simulator.add_clusters("orion", pairs, standby=True) if pairs else []
        result = sync_site(sim_site)
        assert not result.error, result.error
        return Fleet(sim_site, x86_ids, arm_ids, list(zip(pair_ids[::2], pair_ids[1::2])))

    return make
