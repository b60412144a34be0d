"""Fixtures shared by the engine's step-by-step tests (fencing, trace ids)."""

import pytest

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import Upgrade

HAPPY_CLUSTER = "orion"
HAPPY_PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


@pytest.fixture
def queued(sim_site, operator, redis_service):
    """A queued upgrade of the simulator's happy cluster (nothing sent to OCP yet)."""
    cluster = Cluster.objects.select_related("site").get(name=HAPPY_CLUSTER)
    package = RpmPackage.objects.get(file_name=HAPPY_PACKAGE)
    return Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=operator, from_version=cluster.version,
        to_version=package.full_version,
    )  # fmt: skip
