import pytest

from ocpdash.upgrades.models import State, Upgrade


@pytest.fixture
def make_upgrade_row(make_cluster, make_package, make_user):
    def make(state=State.SUCCESSFUL):
        cluster, package = make_cluster(), make_package()
        return Upgrade.objects.create(
            cluster=cluster, package=package, requested_by=make_user(), state=state,
            from_version=cluster.version, to_version=package.full_version,
        )  # fmt: skip

    return make
