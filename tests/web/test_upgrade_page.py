import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import now

from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep
from tests.web.conftest import hx

pytestmark = pytest.mark.django_db


def poll_url(html):
    return re.search(r'id="poller" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_upgrade_page_shows_header_dag_steps_timeline(client, operator, make_upgrade):
    upgrade = make_upgrade(steps=5, child_steps=6)
    client.force_login(operator)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert "orion" in html and upgrade.to_version in html
    assert html.count('class="node ') == 11
    assert 'data-step-id="3" data-status="PENDING"' in html
    assert "4 of 11 steps" in html
    assert 'id="poller" hx-get=' in html
    assert "Upgrade requested." in html
    # the child task is drawn in zone swimlanes, asked from the step names
    assert 'class="lane-label"' in html and ">zone2</text>" in html


def test_poll_answers_204_when_nothing_changed(client, viewer, make_upgrade):
    upgrade = make_upgrade()
    client.force_login(viewer)
    url = poll_url(client.get(reverse("upgrade", args=[upgrade.pk])).content.decode())
    response = hx(client, url)
    assert response.status_code == 204 and response.content == b""
    missing = hx(client, reverse("upgrade_poll", args=[upgrade.pk + 1000]) + "?v=0")
    assert missing.status_code == 404


def test_poll_sends_only_changed_task_and_new_events_out_of_band(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=4, child_steps=3)
    client.force_login(viewer)
    url = poll_url(client.get(reverse("upgrade", args=[upgrade.pk])).content.decode())
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=3).update(status="RUNNING")
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_task_id=901).update(
        changed_at=UpgradeStep.objects.get(upgrade=upgrade, ocp_subtask_id=1).changed_at.replace(year=2000)
    )
    event = UpgradeEvent.objects.create(
        upgrade=upgrade, kind="step", message="Step 'Step 2': PENDING → RUNNING"
    )
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=5)
    response = hx(client, url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dag-task-900" class="dag-scroll" hx-swap-oob="true"' in html
    assert 'data-step-id="3" data-status="RUNNING"' in html
    assert "dag-task-901" not in html, "an unchanged task is not sent"
    assert 'hx-swap-oob="beforeend:#timeline"' in html and f'data-event-id="{event.pk}"' in html
    assert "Upgrade requested." not in html, "old events are not sent again"
    assert 'id="upgrade-header" class="card upgrade-header" hx-swap-oob="true"' in html
    assert "v=5" in poll_url(html)


def test_poll_answers_286_with_final_content_when_terminal(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=3)
    client.force_login(viewer)
    url = poll_url(client.get(reverse("upgrade", args=[upgrade.pk])).content.decode())
    UpgradeStep.objects.filter(upgrade=upgrade).update(status="SUCCESSFUL")
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.SUCCESSFUL, revision=9)
    response = hx(client, url)
    html = response.content.decode()
    assert response.status_code == 286
    assert "Successful" in html and "3 of 3 steps" in html
    assert 'id="poller" hx-get' not in html, "the final poller does not poll again"


def test_page_of_terminal_upgrade_does_not_poll(client, viewer, make_upgrade):
    upgrade = make_upgrade(state=State.SUCCESSFUL)
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert 'id="poller" hx-get' not in html


def test_ocp_fault_is_shown_with_the_last_known_state(client, viewer, make_upgrade):
    upgrade = make_upgrade(ocp_fault="OCP unreachable since 12:00:00: connection refused")
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert "OCP unreachable since 12:00:00: connection refused" in html
    assert "Showing the last known state; still following" in html
    assert html.count('class="node ') == 5


@pytest.mark.parametrize("flag", ["SKIP", "CANCEL"])
def test_skipped_and_canceled_steps_are_shown_as_such(client, viewer, make_upgrade, flag):
    upgrade = make_upgrade(steps=3)
    status = "SUCCESSFUL" if flag == "SKIP" else "FAILED"
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=3).update(status=status, operation=flag)
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    shown = "SKIPPED" if flag == "SKIP" else "CANCELED"
    assert f'data-status="{status}" data-display-status="{shown}"' in html
    assert f"st-{shown.lower()}" in html


def test_step_detail_fragment_and_shareable_url(client, operator, make_upgrade):
    upgrade = make_upgrade(steps=3, statuses=["SUCCESSFUL", "FAILED", "PENDING"])
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.FAILED)
    client.force_login(operator)
    url = reverse("upgrade", args=[upgrade.pk]) + "?step=2"
    fragment = hx(client, url, hx_target="step-detail").content.decode()
    assert fragment.startswith('\n<aside id="step-detail"') or fragment.lstrip().startswith(
        '<aside id="step-detail"'
    )
    assert "<html" not in fragment
    assert "Retry step" in fragment and "Skip step" in fragment
    full = client.get(url).content.decode()
    assert "<html" in full and 'id="step-info"' in full and "Retry step" in full


def test_viewer_sees_no_operation_controls(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=3, statuses=["SUCCESSFUL", "FAILED", "PENDING"])
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.FAILED)
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk]) + "?step=2").content.decode()
    assert "op-form" not in html and "Retry" not in html


def test_step_log_comes_from_a_worker_and_says_when_ocp_cannot_be_reached(
    client, viewer, make_upgrade, redis_service
):
    from ocpdash.upgrades.models import UpgradeStep
    from ocpdash.upgrades.steplog import fetch

    upgrade = make_upgrade(steps=3, statuses=["SUCCESSFUL", "RUNNING", "PENDING"])
    client.force_login(viewer)
    first = hx(client, reverse("step_log", args=[upgrade.pk, 2]))
    assert first.status_code == 200, "a running step's log keeps polling"
    assert "Loading the log from OCP" in first.content.decode(), "the request never waits for OCP"
    running = UpgradeStep.objects.get(upgrade=upgrade, ocp_subtask_id=2)
    assert running.log_requested_at is not None, "a worker was asked"
    fetch(running.pk)  # what the worker does (the site's URL answers nothing)
    again = hx(client, reverse("step_log", args=[upgrade.pk, 2]))
    assert "could not be read from OCP" in again.content.decode()
    assert UpgradeStep.objects.get(pk=running.pk).log_requested_at == running.log_requested_at, (
        "asked once per few seconds however many people watch"
    )
    done = UpgradeStep.objects.get(upgrade=upgrade, ocp_subtask_id=1)
    fetch(done.pk)
    assert hx(client, reverse("step_log", args=[upgrade.pk, 1])).status_code == 286, "fetched after it ended"


def test_the_step_panels_close_answers_with_an_empty_panel(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=2)
    client.force_login(viewer)
    response = client.get(
        reverse("upgrade", args=[upgrade.pk]) + "?step=0",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="step-detail",
    )
    assert response.status_code == 200
    assert "Click a step" in response.content.decode()


def test_unknown_step_is_404(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=2)
    client.force_login(viewer)
    assert hx(client, reverse("step_log", args=[upgrade.pk, 777])).status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_upgrade_page_queries_do_not_grow_with_steps(client, operator, make_upgrade, make_cluster):
    small = make_upgrade(steps=5)
    big = make_upgrade(steps=250, child_steps=50, cluster=make_cluster(name="big"))
    assert big.steps.count() == 300
    client.force_login(operator)
    count_queries(client, reverse("upgrade", args=[small.pk]))  # warm caches (session, permissions)
    Upgrade.objects.filter(pk=small.pk).update(revision=1)  # a full render again, not the shared markup
    assert count_queries(client, reverse("upgrade", args=[small.pk])) == count_queries(
        client, reverse("upgrade", args=[big.pk])
    )


def test_hostile_step_name_is_escaped_in_table_and_svg(client, viewer, make_upgrade):
    evil = "<img src=x onerror=alert(1)>"
    upgrade = make_upgrade(steps=3, names=["ok", evil, '" onmouseover="alert(2)'])
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert evil not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'onmouseover="alert' not in html


def test_poll_of_a_large_task_sends_only_the_changed_nodes_and_rows(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=4, child_steps=80)
    client.force_login(viewer)
    url = poll_url(client.get(reverse("upgrade", args=[upgrade.pk])).content.decode())
    old = UpgradeStep.objects.get(upgrade=upgrade, ocp_subtask_id=1).changed_at.replace(year=2000)
    UpgradeStep.objects.filter(upgrade=upgrade).update(changed_at=old)
    changed = UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=5010)
    changed.update(status="RUNNING", changed_at=now())
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=7)
    html = hx(client, url).content.decode()
    assert 'id="node-5010" hx-swap-oob="true" data-step-id="5010" data-status="RUNNING"' in html
    assert 'id="row-5010" hx-swap-oob="true"' in html
    assert html.count('class="node ') == 1, "no unchanged node is sent again"
    assert 'id="dag-task-901"' not in html, "the large task's DAG is not sent whole"


def test_timeline_shows_the_newest_events_and_says_where_the_rest_are(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=3)
    UpgradeEvent.objects.bulk_create(
        UpgradeEvent(upgrade=upgrade, kind="step", message=f"event {i}") for i in range(150)
    )
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert html.count('class="event ') == 100 and "event 149" in html and "event 10<" not in html
    assert f"/api/upgrades/{upgrade.pk}/" in html and 'data-keep="100"' in html


def test_dag_markup_is_shared_until_the_revision_changes(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=3, statuses=["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"])
    client.force_login(viewer)
    url = reverse("upgrade", args=[upgrade.pk])
    assert 'data-step-id="3" data-status="SUCCESSFUL"' in client.get(url).content.decode()
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=3).update(status="FAILED")
    cached = client.get(url).content.decode()
    assert 'data-step-id="3" data-status="SUCCESSFUL"' in cached, "served from the shared markup"
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 1)  # as the engine does
    html = client.get(url).content.decode()
    assert 'data-step-id="3" data-status="FAILED"' in html and 'id="row-3"' in html
