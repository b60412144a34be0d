"""The upgrade page's overview strip, Gantt view and replay, server side (issue 17); the browser tests
in tests/browser/test_upgrade_views.py drive the same pages in Chromium."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.web import snapshot
from ocpdash.web.views.upgrades import PageQuery
from tests.web.conftest import build_chain, hx
from tests.web.test_upgrade_page import poll_url

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ZONED = ["Check upgrade environment", "Stop zone zone1", "Install OceanBase RPM", "Start zone zone1",
         "Stop zone zone2", "Install OceanBase RPM", "Start zone zone2", "Stop zone zone3",
         "Start zone zone3", "Execute upgrade post script"]  # fmt: skip
HALF = ["SUCCESSFUL"] * 5 + ["RUNNING"] + ["PENDING"] * 4


def with_child(make_upgrade, names=ZONED, statuses=HALF, version="4.2.1.1", **fields):
    """An upgrade whose child task (under the parent's step 3) upgrades zone1..3 in a chain."""
    upgrade = make_upgrade(steps=4, statuses=["SUCCESSFUL", "SUCCESSFUL", "RUNNING", "PENDING"], **fields)
    UpgradeTask.objects.create(
        upgrade=upgrade,
        ocp_task_id=901,
        name="Upgrade",
        parent_subtask_id=3,
        status="RUNNING",
        binary_version=version,
    )
    build_chain(upgrade, 901, 5000, len(names), names, statuses)
    return upgrade


def page(client, upgrade, **query):
    return client.get(reverse("upgrade", args=[upgrade.pk]), query).content.decode()


def cells(html):
    return re.findall(
        r'<li class="ov-cell ov-\w+" id="ovc-[\d-]+" data-zone="([^"]+)" data-state="(\w+)"', html
    )


# --- Overview strip ---------------------------------------------------------------------------------


def test_the_overview_has_a_row_per_child_task_and_a_cell_per_zone_in_upgrade_order(
    client, viewer, make_upgrade
):
    upgrade = with_child(make_upgrade)
    client.force_login(viewer)
    html = page(client, upgrade)
    assert cells(html) == [("zone1", "done"), ("zone2", "running"), ("zone3", "pending")]
    row = '<div class="ov-row ov-running" id="ovr-0" data-task-id="901" data-state="running">(.*?)</div>'
    row = re.search(row, html, re.S)
    assert row and "4.2.1.1" in row.group(1) and "5/10" in row.group(1)
    assert html.index('id="overview"') < html.index('id="dag"'), "at the top, above the graph"
    assert '<span aria-hidden="true">▶</span>' in html, "a symbol for each state, not colour alone"


def test_a_failed_step_fails_its_zone(client, viewer, make_upgrade):
    upgrade = with_child(make_upgrade, statuses=["SUCCESSFUL"] * 5 + ["FAILED"] + ["PENDING"] * 4)
    client.force_login(viewer)
    assert ("zone2", "failed") in cells(page(client, upgrade))


def test_child_tasks_ocp_has_not_made_yet_are_shown_from_the_plan_standby_first(
    client, viewer, make_upgrade, make_cluster, cluster
):
    standby = make_cluster(name="pollux", cluster_type="STANDBY", primary=cluster,
                           zones=[{"name": "sz1"}, {"name": "sz2"}])  # fmt: skip
    context = {"list_map": {"binary_upgrade_versions": ["4.2.1.1", "4.2.1.2"],
                            "cluster_ids": [str(standby.ocp_id), str(cluster.ocp_id)]}}  # fmt: skip
    upgrade = make_upgrade(steps=3, ocp_context=context)
    upgrade.also_upgrades.add(standby)
    UpgradeTask.objects.create(upgrade=upgrade, ocp_task_id=901, name="Upgrade", parent_subtask_id=2,
                               binary_version="4.2.1.1", cluster_ocp_id=standby.ocp_id)  # fmt: skip
    build_chain(upgrade, 901, 5000, 2, ["Stop zone sz1", "Start zone sz1"], ["SUCCESSFUL", "SUCCESSFUL"])
    client.force_login(viewer)
    html = page(client, upgrade)
    rows = re.findall(
        r'class="ov-label" id="ovl-\d+">.*?</span> ([\d.]+) · (\w+)( <span class="muted">\(standby\))?', html
    )
    assert [(v, m, bool(s)) for v, m, s in rows] == [
        ("4.2.1.1", "pollux", True), ("4.2.1.1", "orion", False), ("4.2.1.2", "pollux", True),
        ("4.2.1.2", "orion", False),
    ]  # fmt: skip
    assert html.count("not started") == 3
    assert cells(html)[:3] == [("sz1", "done"), ("zone1", "pending"), ("zone2", "pending")]


def test_a_changed_poll_sends_the_overview_and_an_unchanged_one_reads_nothing_else(
    client, viewer, make_upgrade
):
    upgrade = with_child(make_upgrade)
    client.force_login(viewer)
    url = poll_url(page(client, upgrade))
    with CaptureQueriesContext(connection) as unchanged:
        assert hx(client, url).status_code == 204
    tables = " ".join(q["sql"] for q in unchanged.captured_queries)
    assert not re.search(r"upgradestep|upgradeevent|upgradetask|sites_cluster", tables), tables
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id__in=(5005, 5006)).update(status="SUCCESSFUL")
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=5007).update(status="RUNNING")
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 1)
    html = hx(client, url).content.decode()
    assert 'id="overview" class="card overview" aria-labelledby="overview-title" hx-swap-oob="true"' in html
    assert ("zone2", "done") in cells(html)


def test_a_poll_sends_only_the_overview_cells_and_labels_that_changed_until_a_row_does(
    client, viewer, make_upgrade
):
    upgrade = with_child(make_upgrade)
    UpgradeStep.objects.filter(upgrade=upgrade).update(changed_at=timezone.now() - timedelta(hours=1))
    client.force_login(viewer)
    html = page(client, upgrade)
    heads = re.search(r'id="ov-heads" value="([^"]*)"', html).group(1)
    assert heads and 'hx-include="#ov-heads"' in html
    url = f"{poll_url(html)}&o={heads}"
    later = timezone.now() + timedelta(seconds=5)
    steps = UpgradeStep.objects.filter(upgrade=upgrade)
    steps.filter(ocp_subtask_id=5005).update(status="SUCCESSFUL", changed_at=later)
    steps.filter(ocp_subtask_id=5006).update(status="RUNNING", changed_at=later)
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 1)
    sent = hx(client, url).content.decode()
    assert 'id="overview"' not in sent and 'id="ovr-0"' not in sent, "the row is the same: no redraw"
    assert cells(sent) == [("zone2", "running")], "only the zone whose steps changed"
    assert re.search(r'<span class="ov-label" id="ovl-0" hx-swap-oob="true">.*?6/10', sent, re.S)
    # the child task ends: its row's state changes, so the row is sent whole, with the new heads
    steps.filter(ocp_task_id=901).update(status="SUCCESSFUL", changed_at=later + timedelta(seconds=1))
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 2)
    sent = hx(client, url).content.decode()
    assert re.search(r'<div class="ov-row ov-done" id="ovr-0" [^>]*hx-swap-oob="true"', sent)
    assert re.search(r'id="ov-heads" value="(?!' + heads + r')[0-9a-f]{8}" hx-swap-oob="true"', sent)
    assert ("zone3", "done") in cells(sent)


# --- Gantt view -------------------------------------------------------------------------------------


def test_the_gantt_tab_is_a_link_and_a_fragment(client, viewer, make_upgrade):
    upgrade = with_child(make_upgrade)
    client.force_login(viewer)
    html = page(client, upgrade, view="gantt")
    assert html.count('<g class="row ') == 14 and 'class="gantt"' in html
    assert re.search(r'href="/upgrades/\d+/\?view=gantt"[^>]*aria-current="page">Gantt<', html)
    assert 'class="dag"' not in html, "the Gantt replaces the graph"
    fragment = hx(
        client, reverse("upgrade", args=[upgrade.pk]) + "?view=gantt", hx_target="dag"
    ).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="dag"')
    assert 'id="overview"' in fragment and 'hx-swap-oob="true"' in fragment


def test_a_poll_of_the_gantt_view_sends_the_gantt_into_its_box(client, viewer, make_upgrade):
    upgrade = with_child(make_upgrade)
    client.force_login(viewer)
    url = poll_url(page(client, upgrade, view="gantt"))
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=5006).update(status="SUCCESSFUL")
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 1)
    current = f"http://testserver/upgrades/{upgrade.pk}/?view=gantt"
    html = hx(client, url, hx_current_url=current).content.decode()
    assert '<div hx-swap-oob="innerHTML:#gantt">' in html and 'class="gantt"' in html
    assert 'id="dag-task-' not in html and 'id="node-' not in html, "no part of a graph that is not shown"


def test_gantt_and_replay_pages_read_as_many_queries_for_5_as_for_300_steps(
    client, operator, make_upgrade, make_cluster
):
    small = ended(make_upgrade(steps=5), 60)
    big = ended(make_upgrade(steps=250, child_steps=50, cluster=make_cluster(name="big")), 60)
    client.force_login(operator)

    def count(upgrade, **query):
        Upgrade.objects.filter(pk=upgrade.pk).update(revision=upgrade.revision + 7)  # no shared markup
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("upgrade", args=[upgrade.pk]), query).status_code == 200
        return len(ctx.captured_queries)

    count(small)  # warm (session, permissions)
    for query in ({"view": "gantt"}, {"at": "2026-03-01T08:30:00Z"}):
        assert count(small, **query) == count(big, **query), query


# --- Replay -----------------------------------------------------------------------------------------


def ended(upgrade, minutes=30):
    Upgrade.objects.filter(pk=upgrade.pk).update(
        state=State.SUCCESSFUL, submitted_at=T0, finished_at=T0 + timedelta(minutes=minutes)
    )
    return Upgrade.objects.get(pk=upgrade.pk)


def finished(make_upgrade):
    upgrade = ended(with_child(make_upgrade, statuses=["SUCCESSFUL"] * 10))
    UpgradeStep.objects.filter(upgrade=upgrade).update(status="SUCCESSFUL")
    order = [1, 2, *range(5000, 5010), 4]  # and 3, which waits for the child task meanwhile
    UpgradeEvent.objects.bulk_create(
        UpgradeEvent(
            upgrade=upgrade,
            kind="step",
            ocp_subtask_id=sid,
            message="m",
            created_at=T0 + timedelta(minutes=m),
            data={"status": status, "operation": ""},
        )
        for i, sid in enumerate(order)
        for m, status in ((i * 2, "RUNNING"), (i * 2 + 1.5, "SUCCESSFUL"))
    )
    for m, status in ((3.9, "RUNNING"), (23.9, "SUCCESSFUL")):
        moment = T0 + timedelta(minutes=m)
        UpgradeEvent.objects.create(
            upgrade=upgrade,
            kind="step",
            ocp_subtask_id=3,
            message="m",
            created_at=moment,
            data={"status": status},
        )
    return upgrade


def node_statuses(html):
    return dict(re.findall(r'data-step-id="(\d+)" data-status="(\w+)" data-display-status', html))


def test_a_finished_upgrade_is_replayed_at_the_time_asked_for(client, viewer, make_upgrade):
    upgrade = finished(make_upgrade)
    client.force_login(viewer)
    html = page(client, upgrade, at=(T0 + timedelta(minutes=12, seconds=30)).isoformat())
    shown = node_statuses(html)
    assert shown["5003"] == "SUCCESSFUL" and shown["5004"] == "RUNNING" and shown["5005"] == "PENDING"
    assert shown["3"] == "RUNNING", "the parent waits for its child"
    assert "As at 2026-03-01 08:12:30" in html and 'id="replay-at"' in html
    assert ("zone1", "done") in cells(html) and ("zone2", "running") in cells(html)
    by_epoch = page(client, upgrade, at=str(int((T0 + timedelta(minutes=12, seconds=30)).timestamp())))
    assert node_statuses(by_epoch) == shown, "epoch seconds or ISO time"
    assert '<span class="badge st-running">RUNNING</span>' in html, "the child task's state as at then"
    assert (
        'id="rows-dag-task-901"' in html
        and 'data-step-id="5009" data-status="SUCCESSFUL"' in html.split('id="steps"')[1]
    ), "the steps table shows the end"


def test_the_replay_slider_answers_with_the_drawing_and_the_time(client, viewer, make_upgrade):
    upgrade = finished(make_upgrade)
    client.force_login(viewer)
    moment = int((T0 + timedelta(minutes=5)).timestamp())
    html = hx(
        client, reverse("upgrade", args=[upgrade.pk]) + f"?view=graph&at={moment}", hx_target="dag"
    ).content.decode()
    assert html.lstrip().startswith('<section id="dag"') and '<output id="replay-time"' in html
    assert "as at 2026-03-01 08:05:00" in html


@pytest.mark.parametrize("at", ["garbage", "nan", "1e30", "-5", "2026-02-30T00:00"])
def test_a_bad_moment_shows_the_end(client, viewer, make_upgrade, at):
    upgrade = finished(make_upgrade)
    client.force_login(viewer)
    html = page(client, upgrade, at=at)
    assert "As at" not in html and set(node_statuses(html).values()) == {"SUCCESSFUL"}


def test_a_running_upgrade_is_not_replayed(client, viewer, make_upgrade):
    upgrade = with_child(make_upgrade)
    client.force_login(viewer)
    html = page(client, upgrade, at=T0.isoformat())
    assert "As at" not in html and 'id="replay-at"' not in html and 'id="poller" hx-get' in html


def test_page_query_reads_step_view_and_moment():
    query = PageQuery.parse({"step": "12", "view": "gantt", "at": "1772352000"})
    assert query == PageQuery(12, "gantt", T0)
    assert PageQuery.parse({"view": "<svg>", "step": "x"}) == PageQuery()


# --- Hostile OCP text, and the SVG for files ----------------------------------------------------------

EVIL = "<img src=x onerror=alert(1)>"


def test_hostile_zone_version_and_step_names_are_escaped_in_overview_gantt_and_replay(
    client, viewer, make_upgrade, make_cluster
):
    zones = [{"name": EVIL}, {"name": "zone2"}, {"name": "zone3"}]
    names = [n.replace("zone1", EVIL) for n in ZONED]
    names[2] = '" onmouseover="alert(2)'
    upgrade = with_child(
        make_upgrade, names=names, version=EVIL, cluster=make_cluster(name="evil", zones=zones)
    )
    client.force_login(viewer)
    for query in ({}, {"view": "gantt"}):
        html = page(client, upgrade, **query)
        assert EVIL not in html and 'onmouseover="alert' not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    html = page(client, ended(upgrade), at=(T0 + timedelta(minutes=1)).isoformat())
    assert EVIL not in html and "As at" in html


def test_file_svgs_are_well_formed_self_contained_and_escaped(make_upgrade, make_cluster):
    zones = [{"name": EVIL}, {"name": "zone2"}, {"name": "zone3"}]
    names = [n.replace("zone1", EVIL) for n in ZONED]
    upgrade = with_child(
        make_upgrade, names=names, version=EVIL, cluster=make_cluster(name="evil", zones=zones)
    )
    for render in (snapshot.render_gantt_svg, snapshot.render_dag_svg, snapshot.render_overview_svg):
        markup = str(render(upgrade))
        root = ET.fromstring(f"<div>{markup}</div>")  # one or several <svg>
        assert EVIL not in markup and "<script" not in markup and 'class="st-' not in markup.split("<rect")[0]
        assert root.findall("{http://www.w3.org/2000/svg}svg"), render.__name__
        assert ' fill="#' in markup, "colours as attributes, no stylesheet needed"
    later = snapshot.render_gantt_svg(upgrade, at=T0)
    assert "as at" in str(later)


def test_a_small_move_of_the_slider_sends_only_the_steps_that_changed(client, viewer, make_upgrade):
    upgrade = finished(make_upgrade)
    client.force_login(viewer)
    url = reverse("upgrade", args=[upgrade.pk])
    shown, asked = T0 + timedelta(minutes=12, seconds=30), T0 + timedelta(minutes=14, seconds=30)
    query = {"view": "graph", "at": asked.isoformat(), "from": f"{shown.timestamp()}"}
    response = client.get(url, query, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dag")
    html = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert response["HX-Push-Url"] == f"{url}?at=2026-03-01T08%3A14%3A30%2B00%3A00"
    # 08:12:30 → 08:14:30: 5004 finished and 5005 started; 3 still runs (its time moved on)
    sent = re.findall(r'id="node-(\d+)" hx-swap-oob="true" data-step-id="\d+" data-status="(\w+)"', html)
    assert sorted(sent) == [("3", "RUNNING"), ("5004", "SUCCESSFUL"), ("5005", "RUNNING")]
    assert 'id="replay-from"' in html and 'id="replay-note" hx-swap-oob="true"' in html
    assert 'id="overview"' in html
    far = client.get(url, {**query, "from": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dag")
    assert "HX-Reswap" not in far and far.content.decode().lstrip().startswith('<section id="dag"'), (
        "from the end, most of the graph changed: drawn whole"
    )
