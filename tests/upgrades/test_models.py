import pytest
from django.db import IntegrityError, transaction

from ocpdash.upgrades.models import State, Upgrade


def make_upgrade(cluster, package, user, state=State.QUEUED):
    return Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=user, state=state,
        from_version=cluster.version, to_version=package.full_version,
    )  # fmt: skip


def test_database_refuses_a_second_active_upgrade_for_a_cluster(make_cluster, make_package, operator):
    cluster, package = make_cluster(), make_package()
    make_upgrade(cluster, package, operator, State.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_upgrade(cluster, package, operator, State.QUEUED)


@pytest.mark.parametrize("state", [State.FAILED, State.SUBMITTING])
def test_failed_and_submitting_upgrades_count_as_active(make_cluster, make_package, operator, state):
    cluster, package = make_cluster(), make_package()
    make_upgrade(cluster, package, operator, state)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_upgrade(cluster, package, operator)


def test_finished_upgrades_do_not_block_a_new_one(make_cluster, make_package, operator):
    cluster, package = make_cluster(), make_package()
    for state in (State.SUCCESSFUL, State.REJECTED, State.ROLLED_BACK):
        make_upgrade(cluster, package, operator, state)
    make_upgrade(cluster, package, operator)
    assert Upgrade.objects.filter(cluster=cluster).count() == 4


def test_other_clusters_are_independent(make_cluster, make_package, operator):
    package = make_package()
    make_upgrade(make_cluster(), package, operator, State.RUNNING)
    make_upgrade(make_cluster(), package, operator, State.RUNNING)
    assert Upgrade.objects.active().count() == 2
