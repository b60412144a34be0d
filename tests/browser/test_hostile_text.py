"""OCP text is inert in the table and the SVG: no dialog, no request for the injected image."""

import pytest
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL = "<img src=x onerror=alert(1)>"


def test_hostile_step_name_renders_as_text(page, live_server, operator, make_cluster, make_package):
    cluster = make_cluster(name="evil")
    package = make_package()
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=operator, state=State.RUNNING,
        from_version=cluster.version, to_version=package.full_version, ocp_task_id=1,
        submitted_at=timezone.now(),
    )  # fmt: skip
    UpgradeTask.objects.create(upgrade=upgrade, ocp_task_id=1, name=EVIL, is_parent=True)
    names = [EVIL, '"><svg onload=alert(2)>', "javascript:alert(3)"]
    UpgradeStep.objects.bulk_create(
        UpgradeStep(upgrade=upgrade, ocp_task_id=1, ocp_subtask_id=i + 1, name=name, status="RUNNING",
                    upstreams=[i] if i else [])
        for i, name in enumerate(names)
    )  # fmt: skip
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    login(page, live_server, "op")
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/?step=1")
    node = page.locator("svg.dag .node[data-step-id='1']")
    assert node.locator("title").text_content().startswith(EVIL)
    assert page.locator("table.steps a", has_text=EVIL).count() == 1
    assert page.locator("svg.dag img, table.steps img, #step-detail img").count() == 0
    page.wait_for_timeout(0)
    page.wait_for_load_state("networkidle")
    assert not page.dialogs, page.dialogs
    assert not [u for u in requests if u.rstrip("/").endswith("/x")], requests
