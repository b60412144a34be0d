"""Upgrades built directly with the ORM, so page tests need neither OCP nor workers."""

import pytest
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask

ZONES = [{"name": f"zone{i}", "region": "r1", "idc": "idc1", "status": "RUNNING",
          "servers": [{"id": i, "ip": f"10.0.0.{i}", "port": 2882, "version": "2.2.73", "status": "RUNNING",
                       "rootserver": i == 1}]} for i in (1, 2, 3)]  # fmt: skip


@pytest.fixture
def cluster(make_cluster):
    return make_cluster(name="orion", zones=ZONES)


@pytest.fixture
def package(make_package):
    return make_package()


@pytest.fixture
def make_upgrade(cluster, package, operator):
    def make(steps=5, state=State.RUNNING, names=None, statuses=None, child_steps=0, **fields):
        upgrade = Upgrade.objects.create(
            cluster=fields.pop("cluster", cluster), package=package, requested_by=operator, state=state,
            from_version="2.2.73-20201211175814", to_version=package.full_version, ocp_task_id=900,
            submitted_at=timezone.now(), **fields,
        )  # fmt: skip
        UpgradeTask.objects.create(upgrade=upgrade, ocp_task_id=900, name="Submit upgrade OB cluster dag",
                                   is_parent=True, status="RUNNING")  # fmt: skip
        build_chain(upgrade, 900, 1, steps, names, statuses)
        if child_steps:
            UpgradeTask.objects.create(upgrade=upgrade, ocp_task_id=901, name="Upgrade child",
                                       parent_subtask_id=1 + steps - 1, status="RUNNING")  # fmt: skip
            zone_names = [f"Stop zone zone{1 + i % 3}" for i in range(child_steps)]
            build_chain(upgrade, 901, 5000, child_steps, zone_names, None)
        UpgradeEvent.objects.create(upgrade=upgrade, kind="state", message="Upgrade requested.")
        return upgrade

    return make


def default_status(i):
    return "SUCCESSFUL" if i < 2 else "PENDING"


def build_chain(upgrade, task_id, first, count, names=None, statuses=None):
    steps = []
    for i in range(count):
        sid = first + i
        steps.append(
            UpgradeStep(
                upgrade=upgrade, ocp_task_id=task_id, ocp_subtask_id=sid,
                name=(names[i] if names and i < len(names) else f"Step {i}"),
                status=statuses[i] if statuses and i < len(statuses) else default_status(i),
                upstreams=[sid - 1] if i else [], downstreams=[sid + 1] if i < count - 1 else [],
            )
        )  # fmt: skip
    UpgradeStep.objects.bulk_create(steps)
    return steps


def hx(client, url, **headers):
    return client.get(url, HTTP_HX_REQUEST="true", **{f"HTTP_{k.upper()}": v for k, v in headers.items()})
