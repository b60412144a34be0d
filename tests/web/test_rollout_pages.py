"""The rollout pages with Django's test client: the list, the page and its live poll, the actions and
who may do them, hostile names, the history's rollout filter (rollouts built with the ORM); and the
new-rollout form's preview and create against the simulator over HTTP."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.rollouts.models import Rollout, RolloutEvent, RolloutState, RolloutUnit, UnitState
from ocpdash.rollouts.plan import Strategy
from ocpdash.sites.models import Cluster
from ocpdash.sites.sync import sync_site
from ocpdash.upgrades.models import State, Upgrade
from ocpdash.web import rolloutview
from tests.web.conftest import hx

HOSTILE = '<script>alert("x")</script>&<b>'
TARGET_X86 = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


@pytest.fixture
def make_rollout(make_cluster, package, operator):

    def make(names=("alpha", "beta"), state=RolloutState.RUNNING, name="fleet", by=operator, **fields):
        clusters = [make_cluster(name=n) for n in names]
        units = [
            {"cluster": c.pk, "name": c.name, "site": c.site.name, "wave": i,
             "members": [{"id": c.pk, "name": c.name, "role": "PRIMARY", "version": c.version}],
             "from_version": c.version, "package": package.pk, "path": [package.full_version],
             "eta": {"median_seconds": 600, "p90_seconds": 900, "text": "about 10 min"}}
            for i, c in enumerate(clusters)
        ]  # fmt: skip
        plan = {"units": units, "strategy": Strategy().as_dict(), "waves": [],
                "left_out": [{"cluster": 0, "name": HOSTILE, "members": [], "why": "too <new>"}]}  # fmt: skip
        rollout = Rollout.objects.create(
            name=name, target_version=package.full_version, created_by=by, state=state, plan=plan,
            plan_digest="d" * 64, current_wave=0, **fields,
        )  # fmt: skip
        for i, c in enumerate(clusters):
            RolloutUnit.objects.create(
                rollout=rollout, cluster=c, package=package, wave=i, position=i, members=units[i]["members"],
                from_version=c.version, path=units[i]["path"],
            )  # fmt: skip
        RolloutEvent.objects.create(rollout=rollout, kind="state", message=f"Created {HOSTILE}", actor=by)
        return rollout

    return make


def test_list_shows_state_as_word_and_symbol_and_progress(client, viewer, make_rollout):
    rollout = make_rollout(name=HOSTILE)
    RolloutUnit.objects.filter(rollout=rollout, wave=0).update(state=UnitState.UPGRADED)
    client.force_login(viewer)
    page = client.get("/rollouts/").content.decode()
    row = re.search(rf'<tr data-rollout-id="{rollout.pk}".*?</tr>', page, re.S).group(0)
    assert "▶" in row and "Running" in row
    assert "1/2 units" in row
    assert "&lt;script&gt;" in row and "<script>alert" not in page
    assert 'href="/rollouts/"' in page  # the nav link
    assert "/rollouts/new/" not in page  # a viewer may not create one


def test_page_draws_each_unit_with_its_state_and_escapes_names(client, viewer, make_rollout):
    rollout = make_rollout(names=(HOSTILE, "beta"))
    client.force_login(viewer)
    page = client.get(f"/rollouts/{rollout.pk}/").content.decode()
    assert "<script>alert" not in page
    svg = re.search(r"<svg class=\"rollout-diagram\".*?</svg>", page, re.S).group(0)
    assert "&lt;script&gt;" in svg
    assert svg.count('class="unit ') == 2
    assert "Canary" in svg and "Wave 1" in svg
    assert "○ Pending" in svg
    assert f"/history/?rollout={rollout.pk}" in page
    assert "too &lt;new&gt;" in page  # left out, and why
    assert 'id="rollout-pause"' not in page  # a viewer has no buttons


def test_unit_links_to_its_upgrade(client, viewer, make_rollout):
    rollout = make_rollout()
    unit = rollout.units.first()
    upgrade = Upgrade.objects.create(
        cluster=unit.cluster, package=unit.package, requested_by=rollout.created_by, state=State.RUNNING,
        from_version=unit.from_version, to_version=rollout.target_version,
    )  # fmt: skip
    RolloutUnit.objects.filter(pk=unit.pk).update(upgrade=upgrade, state=UnitState.UPGRADING)
    client.force_login(viewer)
    page = client.get(f"/rollouts/{rollout.pk}/").content.decode()
    assert f'<a href="/upgrades/{upgrade.pk}/"><g class="unit st-running" id="unit-{unit.pk}"' in page
    assert "▶ Upgrading" in page


def test_poll_is_204_until_the_revision_changes_then_286_once_ended(client, viewer, make_rollout):
    rollout = make_rollout()
    client.force_login(viewer)
    url = f"/rollouts/{rollout.pk}/poll/?v={rollout.revision}&s=running"
    assert hx(client, url).status_code == 204
    Rollout.objects.filter(pk=rollout.pk).update(revision=5)
    changed = hx(client, url)
    assert changed.status_code == 200
    body = changed.content.decode()
    assert 'id="rollout-live" hx-swap-oob="true"' in body and "v=5" in body
    assert 'id="rollout-actions"' not in body  # same state: the action forms stay as typed in
    Rollout.objects.filter(pk=rollout.pk).update(revision=6, state=RolloutState.SUCCESSFUL)
    ended = hx(client, f"/rollouts/{rollout.pk}/poll/?v=5&s=running")
    assert ended.status_code == 286
    assert 'id="rollout-actions"' in ended.content.decode()


def test_viewer_gets_403_on_every_post_and_on_the_new_form(client, viewer, make_rollout):
    rollout = make_rollout()
    client.force_login(viewer)
    assert client.get("/rollouts/new/").status_code == 403
    assert client.post("/rollouts/new/", {"name": "x"}).status_code == 403
    for op in ("pause", "resume", "abort", "approve", "decline"):
        assert client.post(f"/rollouts/{rollout.pk}/{op}/", {"reason": "x"}).status_code == 403, op
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.RUNNING


def test_posts_need_the_csrf_token(operator, make_rollout):
    from django.test import Client

    rollout = make_rollout()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    assert strict.post(f"/rollouts/{rollout.pk}/pause/", {"reason": "x"}).status_code == 403
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.RUNNING


def test_operator_pauses_resumes_and_aborts_with_a_flash_message(client, operator, make_rollout):
    rollout = make_rollout()
    client.force_login(operator)
    page = client.get(f"/rollouts/{rollout.pk}/").content.decode()
    assert 'id="rollout-pause"' in page and 'id="rollout-resume"' not in page
    paused = client.post(f"/rollouts/{rollout.pk}/pause/", {"reason": "freeze <talk>"}, follow=True)
    assert "Paused by op" in paused.content.decode()
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.PAUSED
    client.post(f"/rollouts/{rollout.pk}/resume/", {"reason": ""})
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.RUNNING
    aborted = client.post(f"/rollouts/{rollout.pk}/abort/", {"reason": "enough"}, follow=True)
    assert "Aborted by op" in aborted.content.decode()
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.ABORTED
    assert "freeze &lt;talk&gt;" in aborted.content.decode()  # the timeline, escaped


def test_a_refused_action_is_flashed_not_a_traceback(client, operator, make_rollout):
    rollout = make_rollout()
    client.force_login(operator)
    response = client.post(f"/rollouts/{rollout.pk}/resume/", {"reason": ""}, follow=True)
    assert response.status_code == 200
    assert "Only a paused or halted rollout can be resumed" in response.content.decode()
    too_long = client.post(f"/rollouts/{rollout.pk}/pause/", {"reason": "x" * 10_000}, follow=True)
    assert too_long.status_code == 200 and 'class="error"' in too_long.content.decode()


def test_approver_declines_but_the_creator_may_not(client, approver, operator, make_rollout):
    rollout = make_rollout(state=RolloutState.AWAITING_APPROVAL, by=approver)
    client.force_login(approver)
    page = client.get(f"/rollouts/{rollout.pk}/").content.decode()
    assert 'id="rollout-approve"' not in page  # the creator's own
    assert client.post(f"/rollouts/{rollout.pk}/approve/", {"reason": "ok"}).status_code == 403
    other = make_rollout(names=("gamma",), state=RolloutState.AWAITING_APPROVAL)
    page = client.get(f"/rollouts/{other.pk}/").content.decode()
    assert 'id="rollout-approve"' in page and 'id="rollout-decline"' in page
    declined = client.post(f"/rollouts/{other.pk}/decline/", {"reason": "not this week"}, follow=True)
    assert "Declined by" in declined.content.decode()
    other.refresh_from_db()
    assert other.state == RolloutState.DECLINED


def test_history_filters_by_rollout(client, viewer, make_rollout, make_upgrade):
    rollout = make_rollout()
    unit = rollout.units.first()
    mine = make_upgrade(cluster=unit.cluster)
    RolloutUnit.objects.filter(pk=unit.pk).update(upgrade=mine)
    other = make_upgrade()
    client.force_login(viewer)
    page = client.get(f"/history/?rollout={rollout.pk}").content.decode()
    assert f'data-upgrade-id="{mine.pk}"' in page
    assert f'data-upgrade-id="{other.pk}"' not in page
    assert f'name="rollout" value="{rollout.pk}"' in page


# --- The new-rollout form, with the simulator ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_new_form_previews_the_plan_then_creates_the_rollout(client, sim_site, simulator, operator):
    ids = simulator.add_clusters("orion", 3)
    sync_site(sim_site)
    clusters = list(Cluster.objects.filter(site=sim_site, ocp_id__in=ids).order_by("pk"))
    Cluster.objects.filter(pk=clusters[0].pk).update(name=HOSTILE)
    package = RpmPackage.objects.get(file_name=TARGET_X86)
    client.force_login(operator)
    form = client.get(f"/rollouts/new/?site={sim_site.pk}&version=4.2.1.0").content.decode()
    assert all(f'name="clusters" value="{c.pk}" ' in form for c in clusters)
    assert "<script>alert" not in form
    data = {
        "name": "fleet <1>", "packages": [package.pk], "clusters": [c.pk for c in clusters],
        "canary": [clusters[0].pk], "wave_size": 1, "max_parallel": 1, "soak_minutes": 0,
        "halt_after_failures": 1, "reason": "quarterly",
    }  # fmt: skip
    preview = client.post("/rollouts/new/", {**data, "action": "preview"}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    plan = preview.content.decode()
    assert plan.startswith('\n  <div id="plan"') or plan.lstrip().startswith('<div id="plan"')
    assert [int(w) for w in re.findall(r'data-wave="(\d+)"', plan)] == [0, 1, 2]
    assert "Canary" in plan and 'id="create-rollout"' in plan
    assert "&lt;script&gt;" in plan and "<script>alert" not in plan
    assert Rollout.objects.count() == 0  # a preview stores nothing

    refused = client.post(
        "/rollouts/new/", {**data, "wave_size": 0, "action": "preview"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 400 and 'id="rollout-error"' in refused.content.decode()
    outside = Cluster.objects.exclude(pk__in=[c.pk for c in clusters]).first()
    stray = client.post("/rollouts/new/", {**data, "canary": [outside.pk], "action": "preview"})
    assert stray.status_code == 409  # OperationRefused
    assert "Canary clusters must be among" in stray.content.decode()  # the whole page, the form kept

    created = client.post("/rollouts/new/", {**data, "action": "create"})
    rollout = Rollout.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/rollouts/{rollout.pk}/"
    assert rollout.name == "fleet <1>" and rollout.units.count() == 3
    page = client.get(created["Location"]).content.decode()
    assert "Rollout created" in page and "fleet &lt;1&gt;" in page
    assert timezone.now() >= rollout.created_at


def test_halted_rollout_shows_why_and_a_resume_button_soaking_its_countdown(client, operator, make_rollout):
    halted = make_rollout(state=RolloutState.HALTED, halt_reason=f"Halted after 1 failed: {HOSTILE}")
    client.force_login(operator)
    page = client.get(f"/rollouts/{halted.pk}/").content.decode()
    assert 'id="halt-reason"' in page and "■" in page and "&lt;script&gt;" in page
    assert 'id="rollout-resume"' in page and 'id="rollout-pause"' not in page
    soaking = make_rollout(
        names=("delta",), state=RolloutState.SOAKING, soak_until=timezone.now() + timedelta(minutes=30)
    )
    page = client.get(f"/rollouts/{soaking.pk}/").content.decode()
    assert re.search(r'id="soak".*Soaking until \d\d:\d\d:\d\d \(29m', page), page
    poll = f"/rollouts/{soaking.pk}/poll/?v={soaking.revision}&s=soaking"
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        assert hx(client, poll + "&m=0").status_code == 200  # the countdown moves on once a minute
        assert hx(client, poll + f"&m={int(timezone.now().timestamp() // 60)}").status_code == 204


def test_a_pair_is_one_node_standby_first_with_roles():
    unit = RolloutUnit(
        pk=7, wave=1, position=0, state=UnitState.PENDING, cluster_id=1,
        members=[{"id": 2, "name": "sb", "role": "STANDBY"}, {"id": 1, "name": "pr", "role": "PRIMARY"}],
    )  # fmt: skip
    drawn = str(rolloutview.svg([unit], current_wave=1))
    assert drawn.count('class="unit ') == 1
    assert drawn.index("sb (standby)") < drawn.index("pr (primary)")
    assert "Wave 1 ◀" in drawn  # the current wave
