"""The DAG works without a mouse: its nodes take focus and open their step on Enter or Space."""

import pytest
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dag_nodes_take_focus_and_open_their_step_with_enter_or_space(
    page, live_server, viewer, make_cluster, make_package
):
    cluster, package = make_cluster(name="keys"), make_package()
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=viewer, state=State.RUNNING,
        from_version=cluster.version, to_version=package.full_version, ocp_task_id=1,
        submitted_at=timezone.now(),
    )  # fmt: skip
    UpgradeTask.objects.create(
        upgrade=upgrade, ocp_task_id=1, name="Submit upgrade OB cluster dag", is_parent=True
    )  # noqa: E501
    UpgradeStep.objects.bulk_create(
        UpgradeStep(upgrade=upgrade, ocp_task_id=1, ocp_subtask_id=i + 1, name=f"Keyboard step {i + 1}",
                    status="SUCCESSFUL" if i == 0 else "PENDING", upstreams=[i] if i else [])
        for i in range(3)
    )  # fmt: skip
    login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")
    first = page.locator("svg.dag g.node[data-step-id='1']")
    first.focus()
    assert page.evaluate("document.activeElement.id") == "node-1"
    page.keyboard.press("Enter")
    page.locator("#step-detail", has_text="Keyboard step 1").wait_for()
    page.locator("svg.dag g.node[data-step-id='2']").focus()
    page.keyboard.press("Space")
    page.locator("#step-detail", has_text="Keyboard step 2").wait_for()
    assert "step=2" in page.url
    assert not page.console_errors
