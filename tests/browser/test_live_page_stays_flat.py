"""A page watched for hours must not grow: every live update replaces, never accumulates."""

import pytest
from django.db.models import F
from django.utils import timezone

from ocpdash.upgrades import events
from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_NODES = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ALL);
  let n = 0; while (walker.nextNode()) n++; return n;
}"""


def test_live_updates_keep_the_dom_the_same_size(
    page, live_server, operator, make_cluster, make_package, settings
):
    cluster, package = make_cluster(name="steady"), make_package()
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=operator, state=State.RUNNING,
        from_version=cluster.version, to_version=package.full_version, ocp_task_id=1,
        submitted_at=timezone.now(),
    )  # fmt: skip
    UpgradeTask.objects.create(
        upgrade=upgrade, ocp_task_id=1, name="Submit upgrade OB cluster dag", is_parent=True
    )
    UpgradeStep.objects.bulk_create(
        UpgradeStep(upgrade=upgrade, ocp_task_id=1, ocp_subtask_id=i + 1, name=f"Step {i}", status="PENDING",
                    upstreams=[i] if i else [])
        for i in range(30)
    )  # fmt: skip
    for i in range(120):  # a full timeline, as hours into an upgrade
        events.record(upgrade.pk, "info", f"earlier event {i}")
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")

    def change(n: int) -> None:
        now = timezone.now()
        UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=n).update(status="RUNNING", changed_at=now)
        events.record(upgrade.pk, "step", f"Step 'Step {n - 1}': PENDING → RUNNING", subtask_id=n)
        Upgrade.objects.filter(pk=upgrade.pk).update(revision=F("revision") + 1)
        page.wait_for_selector(f"svg.dag .node[data-step-id='{n}'][data-status='RUNNING']")
        page.wait_for_timeout(500)  # let htmx settle

    for n in range(1, 4):
        change(n)
    baseline = page.evaluate(COUNT_NODES)
    for n in range(4, 16):
        change(n)
    assert page.evaluate(COUNT_NODES) == baseline, "live updates leave nodes behind"
    assert page.locator("#timeline > li").count() == 100
    assert page.locator("#poller").count() == 1
