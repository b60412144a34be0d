"""Change management in the browser: the form's Start choice, the Change panel of a waiting upgrade,
approve / decline / check again, the expected end of a running upgrade, "To approve" and "Upcoming".

Upgrades that wait are built with the ORM (a frozen plan as ocpdash.changes.plan writes it) where
no OCP call is involved; requests, approvals and re-checks, which ask OCP, go to the simulator.
"""

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.models import Approval, ApprovalPolicy, Blackout, MaintenanceWindow
from ocpdash.core.roles import APPROVER, OPERATOR
from ocpdash.sites.models import Cluster
from ocpdash.upgrades import operations
from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask
from tests.web.conftest import hx
from tests.web.test_upgrade_form_start import ORION_PACKAGE, request_upgrade

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'
DIGEST = "ab12cd34ef56" + "0" * 52


@pytest.fixture
def approver(make_user):
    return make_user("approver", APPROVER)


def frozen_plan(cluster, package, *, member=None, reason_text="1 approval (policy for cluster orion)"):
    """A plan as ocpdash.changes.plan.freeze and flow.arrange write it."""
    return {
        "cluster": {"id": cluster.pk, "name": cluster.name, "site": cluster.site.name,
                    "ocp_id": cluster.ocp_id},
        "members": [{"id": cluster.pk, "name": member or cluster.name, "role": "PRIMARY",
                     "version": cluster.version, "ocp_version": "2.2.73-20201211175814"}],
        "package": {"id": package.pk, "file_name": package.file_name, "version": package.full_version,
                    "enabled": True, "sha256": ""},
        "path": [{"version": "2.2.74", "binary": False, "rpm": ""},
                 {"version": "2.2.75", "binary": True, "rpm": package.file_name}],
        "route_source": "OCP's upgrade dependency file",
        "options": {"upgrade_mode": "ROLLING", "zone_order": ["zone1", "zone2"], "freeze_server": True},
        "start": {"mode": "now", "at": None},
        "precheck": {"ok": True, "failing": []},
        "details": {
            "checks": [
                {"key": "cluster_running", "ok": True, "message": "The cluster is RUNNING.", "level": "ok"},
                {"key": "operating_system", "ok": True, "message": "el8 on el7 hosts.", "level": "warning"},
            ],
            "missing_rpms": [],
            "approval": {"approvals": 1, "because": reason_text},
            "eta": {"text": "about 47 min (p90 1 h 05 min)", "median_seconds": 2820, "p90_seconds": 3900},
        },
    }  # fmt: skip


@pytest.fixture
def make_waiting(make_cluster, package, operator):
    """An upgrade awaiting approval (or scheduled) on a cluster of its own."""

    def make(state=State.AWAITING_APPROVAL, requested_by=None, cluster=None, member=None, **fields):
        cluster = cluster or make_cluster()
        fields.setdefault("plan", frozen_plan(cluster, package, member=member))
        fields.setdefault("plan_digest", DIGEST)
        fields.setdefault("approvals_required", 1)
        return Upgrade.objects.create(
            cluster=cluster, package=package, requested_by=requested_by or operator, state=state,
            from_version=cluster.version, to_version=package.full_version, upgrade_path=["2.2.74", "2.2.75"],
            **fields,
        )  # fmt: skip

    return make


def page(client, upgrade) -> str:
    response = client.get(reverse("upgrade", args=[upgrade.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- The Change panel ------------------------------------------------------------------------


def test_the_change_panel_shows_the_frozen_plan_approvals_start_and_eta(
    client, approver, make_user, make_waiting
):
    upgrade = make_waiting(start_note="Waits for approval.", reason="monthly patch")
    colleague = make_user("colleague", APPROVER)
    Approval.objects.create(
        upgrade=upgrade, user=colleague, decision="approved", plan_digest="old" * 8, comment="fine then",
        voided_at=timezone.now(), void_reason="The plan changed: OCP reports orion at 2.2.74 (was 2.2.73).",
    )  # fmt: skip
    client.force_login(approver)
    html = page(client, upgrade)
    panel = re.search(r'<section id="change".*?</section>', html, re.S).group(0)
    assert f'<code class="digest" title="{DIGEST}">ab12cd34ef56</code>' in panel
    assert f'value="{DIGEST}" size="34" aria-label="Full plan digest"' in panel
    assert f"<td>{upgrade.cluster.name}</td><td>primary</td><td>2.2.73-20201211175814</td>" in panel
    assert upgrade.package.file_name in re.search(r'id="plan-package">(.*?)</dd>', panel).group(1)
    assert "rolling, zones zone1 → zone2, minor compaction first" in panel
    assert '<li data-version="2.2.74">2.2.74 <span class="muted">(upgrade scripts only)</span>' in panel
    assert f"2.2.75 — binary stop, RPM {upgrade.package.file_name}" in panel
    assert 'data-check="operating_system">⚠ el8 on el7 hosts.' in panel
    assert 'data-check="cluster_running">✓ The cluster is RUNNING.' in panel
    assert '<span id="approvals-count">0 of 1</span>' in panel
    assert "Needed: 1 approval (policy for cluster orion); never by the requester." in panel
    assert "<del><strong>Approved</strong> by colleague" in panel
    assert "Void: The plan changed: OCP reports orion at 2.2.74 (was 2.2.73)." in panel
    assert "Starts now once approved." in panel and "Waits for approval." in panel
    assert re.search(r'id="change-eta">no history yet', panel), "no past upgrades: said as such"
    assert 'name="plan_digest" value="' + DIGEST + '"' in panel and "Approve this plan" in panel
    assert 'class="decline">Decline</button>' in panel and "Check the plan again" in panel
    assert "Waiting for" in html, "the header does not say 'Running for' before it runs"


def test_the_requester_and_viewers_get_no_approve_button(client, operator, viewer, make_waiting):
    upgrade = make_waiting()
    client.force_login(operator)
    html = page(client, upgrade)
    assert 'id="change"' in html and "Approve this plan" not in html and "Decline</button>" not in html
    assert "You requested it: another approver approves it (you can cancel it)." in html
    assert "Check the plan again" in html, "the requester may ask OCP again"
    assert 'class="op-cancel"' in html, "cancelling stays with the operations"
    client.force_login(viewer)
    html = page(client, upgrade)
    assert 'id="change"' in html
    for control in ("Approve this plan", "Decline</button>", "Check the plan again", 'class="op-cancel"'):
        assert control not in html


def test_the_panel_is_empty_and_polled_away_once_the_upgrade_runs(client, approver, make_waiting):
    upgrade = make_waiting()
    client.force_login(approver)
    html = page(client, upgrade)
    poll = re.search(r'id="poller" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.QUEUED, revision=7)
    response = hx(client, poll)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<section id="change" class="" hx-swap-oob="true" data-state="queued">' in body
    assert "Approve this plan" not in body


def test_an_unchanged_poll_of_a_waiting_upgrade_is_a_204_without_extra_queries(
    client, viewer, make_waiting, make_upgrade
):
    waiting, running = make_waiting(), make_upgrade()
    client.force_login(viewer)

    def poll_queries(upgrade):
        html = page(client, upgrade)
        url = re.search(r'id="poller" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
        with CaptureQueriesContext(connection) as ctx:
            response = hx(client, url)
        assert response.status_code == 204
        return [q["sql"] for q in ctx.captured_queries]

    waiting_sql, running_sql = poll_queries(waiting), poll_queries(running)
    assert len(waiting_sql) == len(running_sql)
    assert not [sql for sql in waiting_sql if "approval" in sql.lower() or "window" in sql.lower()]


# --- Approve, decline, check again -----------------------------------------------------------


def test_self_approval_is_refused_with_a_403_that_says_why(client, make_user, make_waiting):
    both = make_user("both", OPERATOR)
    both.groups.add(*make_user("tmp", APPROVER).groups.all())
    upgrade = make_waiting(requested_by=both)
    client.force_login(both)
    html = page(client, upgrade)
    assert "Approve this plan" not in html and "You requested it" in html
    response = client.post(
        reverse("approve", args=[upgrade.pk]), {"plan_digest": DIGEST}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert "You requested this upgrade: another approver must approve it." in response.content.decode()
    response = client.post(reverse("decline", args=[upgrade.pk]), {"comment": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not Approval.objects.exists() and Upgrade.objects.get().state == State.AWAITING_APPROVAL


def test_viewers_and_operators_cannot_approve_or_decline(client, viewer, operator, make_user, make_waiting):
    upgrade = make_waiting(requested_by=make_user("someone", OPERATOR))
    for user in (viewer, operator):
        client.force_login(user)
        for name, data in (("approve", {"plan_digest": DIGEST}), ("decline", {"comment": "no"})):
            response = client.post(reverse(name, args=[upgrade.pk]), data, HTTP_HX_REQUEST="true")
            assert response.status_code == 403, (user, name)
            assert "Approvers role needed" in response.content.decode()
    client.force_login(viewer)
    assert client.post(reverse("recheck", args=[upgrade.pk]), HTTP_HX_REQUEST="true").status_code == 403
    assert not Approval.objects.exists() and Upgrade.objects.get().state == State.AWAITING_APPROVAL


def test_approving_a_plan_that_changed_since_it_was_loaded_is_refused(client, approver, make_waiting):
    upgrade = make_waiting()
    client.force_login(approver)
    response = client.post(
        reverse("approve", args=[upgrade.pk]), {"plan_digest": "f" * 64}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert body.startswith('<p class="outcome error" role="status">The plan changed since you loaded it')
    assert '<section id="change" class="card change" hx-swap-oob="true"' in body, "the current plan beside it"
    assert not Approval.objects.exists()


def test_decline_needs_a_reason_and_then_ends_the_upgrade_saying_who_and_why(client, approver, make_waiting):
    upgrade = make_waiting()
    client.force_login(approver)
    url = reverse("decline", args=[upgrade.pk])
    response = client.post(url, {"comment": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Say why you decline it: the requester reads it." in response.content.decode()
    assert Upgrade.objects.get().state == State.AWAITING_APPROVAL

    response = client.post(url, {"comment": f"not during the sale {HOSTILE}"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Declined by approver: not during the sale &lt;img" in body and HOSTILE not in body
    assert '<section id="change" class="" hx-swap-oob="true" data-state="declined">' in body
    assert Upgrade.objects.get().state == State.DECLINED
    html = page(client, upgrade)
    ending = re.search(r'<p class="banner info" id="ending">(.*?)</p>', html).group(1)
    assert ending.startswith("Declined by approver at ") and "not during the sale &lt;img src=x" in ending
    assert HOSTILE not in html


def test_a_plain_form_post_redirects_back_with_the_outcome(client, approver, make_waiting):
    upgrade = make_waiting()
    client.force_login(approver)
    response = client.post(reverse("decline", args=[upgrade.pk]), {"comment": "too risky"})
    assert response.status_code == 302 and response.url == reverse("upgrade", args=[upgrade.pk]) + "#change"
    html = client.get(response.url).content.decode()
    assert "Declined by approver: too risky" in html


def test_a_cancelled_request_says_who_cancelled_it_and_why(client, operator, make_waiting):
    upgrade = make_waiting()
    operations.cancel(operator, upgrade, "wrong package")
    client.force_login(operator)
    html = page(client, upgrade)
    assert re.search(r'id="ending">Cancelled by op at [\d-]+ [\d:]+: wrong package</p>', html)
    assert 'id="poller" hx-get' not in html, "a cancelled upgrade does not poll"


def test_the_new_posts_need_the_csrf_token(approver, make_waiting):
    upgrade = make_waiting()
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)
    for name, data in (("approve", {"plan_digest": DIGEST}), ("decline", {"comment": "no"}), ("recheck", {})):
        response = client.post(reverse(name, args=[upgrade.pk]), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 403, name
        assert "CSRF" in response.content.decode()
    assert Upgrade.objects.get().state == State.AWAITING_APPROVAL and not Approval.objects.exists()
    # the panel's forms carry the token: the same post with it goes through
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    decline_form = re.search(r'<form class="change-form decline-form".*?</form>', html, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', decline_form).group(1)
    response = client.post(
        reverse("decline", args=[upgrade.pk]), {"comment": "no", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and Upgrade.objects.get().state == State.DECLINED


# --- Against OCP (the simulator): request, approve, check again --------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_request_waits_for_approval_and_an_approver_approves_it_from_the_page(
    sim_site, client, operator, approver
):
    orion = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name=ORION_PACKAGE)
    ApprovalPolicy.objects.create(cluster=orion, approvals_required=1)
    client.force_login(operator)
    upgrade = request_upgrade(client, orion, package)
    assert upgrade.state == State.AWAITING_APPROVAL and len(upgrade.plan_digest) == 64
    html = page(client, upgrade)
    assert 'data-state="awaiting_approval"' in html and "Approve this plan" not in html

    client.force_login(approver)
    html = client.get(reverse("approvals")).content.decode()
    assert f'<tr data-upgrade-id="{upgrade.pk}"' in html
    assert '<span class="badge count" id="to-approve-count">1</span>' in html
    html = page(client, upgrade)
    digest = re.search(r'name="plan_digest" value="([0-9a-f]{64})"', html).group(1)
    assert digest == upgrade.plan_digest
    assert "<td>orion</td><td>primary</td><td>4.2.1.0" in html, "the version OCP reported"
    response = client.post(
        reverse("approve", args=[upgrade.pk]),
        {"plan_digest": digest, "comment": "ok"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200, body
    assert (
        '<p class="outcome ok" role="status">Approved by approver: ok. Approved (approver); it starts now.'
        in body
    )
    upgrade.refresh_from_db()
    assert upgrade.state == State.SCHEDULED, "beat's start look queues it (no worker in this test)"
    assert "approved, waiting for its start" in body and '<span id="approvals-count">1 of 1</span>' in body
    assert "Approve this plan" not in body, "approved once on this plan"
    html = client.get(reverse("approvals")).content.decode()
    assert f'<tr data-upgrade-id="{upgrade.pk}"' not in html and 'id="to-approve-count"' not in html


@pytest.mark.django_db(transaction=True)
def test_check_again_voids_the_approvals_when_ocp_changed_the_plan(
    sim_site, simulator, client, operator, approver, make_user
):
    orion = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name=ORION_PACKAGE)
    ApprovalPolicy.objects.create(cluster=orion, approvals_required=2)
    client.force_login(operator)
    upgrade = request_upgrade(client, orion, package)
    recheck = reverse("recheck", args=[upgrade.pk])
    response = client.post(recheck, HTTP_HX_REQUEST="true")
    assert "The plan was checked again with OCP: unchanged." in response.content.decode()

    client.force_login(approver)
    client.post(
        reverse("approve", args=[upgrade.pk]), {"plan_digest": upgrade.plan_digest}, HTTP_HX_REQUEST="true"
    )
    assert '<span id="approvals-count">1 of 2</span>' in page(client, upgrade)
    simulator.set_cluster_status(1, "STOPPED")
    response = client.post(recheck, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "The plan changed; see the upgrade&#x27;s events." in body
    assert '<span id="approvals-count">0 of 2</span>' in body
    assert re.search(r"<del><strong>Approved</strong> by approver.*?</del> <span class=\"void-reason\">Void: "
                     r"The plan changed: the pre-check now fails: .*STOPPED", body)  # fmt: skip
    assert '<span class="error">failed</span>' in body
    old = upgrade.plan_digest
    response = client.post(
        reverse("approve", args=[upgrade.pk]), {"plan_digest": old}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409, "the plan the approver saw is not the plan now"


# --- The running upgrade's expected end ------------------------------------------------------


def test_a_running_upgrade_shows_its_eta_and_expected_end_in_the_header(
    client, viewer, make_upgrade, make_cluster, package, operator
):
    past_cluster = make_cluster(name="past")
    start = timezone.now() - timedelta(days=3)
    past = Upgrade.objects.create(
        cluster=past_cluster, package=package, requested_by=operator, state=State.SUCCESSFUL,
        from_version="2.2.73", to_version=package.full_version, submitted_at=start,
        finished_at=start + timedelta(minutes=50),
    )  # fmt: skip
    UpgradeTask.objects.create(upgrade=past, ocp_task_id=1, name="t", is_parent=True, started_at=start)
    for i in range(5):
        UpgradeStep.objects.create(
            upgrade=past, ocp_task_id=1, ocp_subtask_id=i + 1, name=f"Step {i}", status="SUCCESSFUL",
            upstreams=[i] if i else [], started_at=start + timedelta(minutes=10 * i),
            finished_at=start + timedelta(minutes=10 * (i + 1)),
        )  # fmt: skip
    running = make_upgrade(steps=5)  # two steps done, three to go
    client.force_login(viewer)
    html = page(client, running)
    eta = re.search(r'<span id="eta" class="eta">(.*?)</span>', html).group(1)
    # The end is "HH:MM", with its date in front when it falls on another day (run near midnight).
    assert re.fullmatch(r"ETA about 30 min \(p90 30 min\)[^·]* · expected end (\S+ )*\d\d:\d\d", eta), eta


# --- To approve, Upcoming --------------------------------------------------------------------


def test_to_approve_lists_what_this_approver_may_approve_oldest_first(
    client, approver, operator, make_user, make_waiting, django_assert_max_num_queries
):
    now = timezone.now()
    newer = make_waiting(created_at=now - timedelta(hours=1), reason=HOSTILE, member=HOSTILE)
    older = make_waiting(created_at=now - timedelta(hours=5))
    done = make_waiting()  # approved by this approver on its current plan: not listed
    Approval.objects.create(upgrade=done, user=approver, decision="approved", plan_digest=DIGEST)
    replanned = make_waiting()  # approved on an older plan: listed again
    Approval.objects.create(upgrade=replanned, user=approver, decision="approved", plan_digest="e" * 64)
    own = make_waiting(requested_by=approver)  # theirs: under "Your requests"
    make_waiting(state=State.SCHEDULED)  # approved already: not awaiting
    client.force_login(approver)
    client.get(reverse("approvals"))  # session and permission caches warm
    with django_assert_max_num_queries(6):  # session, user, two lists, the count, the banner
        html = client.get(reverse("approvals")).content.decode()
    to_approve = re.search(
        r'<table class="grid waiting-upgrades" id="to-approve">.*?</table>', html, re.S
    ).group(0)
    listed = [int(n) for n in re.findall(r'<tr data-upgrade-id="(\d+)"', to_approve)]
    assert listed == [older.pk, newer.pk, replanned.pk]
    mine = re.search(r'id="my-requests">.*?</table>', html, re.S).group(0)
    assert re.findall(r'<tr data-upgrade-id="(\d+)"', mine) == [str(own.pk)]
    assert '<span class="badge count" id="to-approve-count">3</span>' in html
    assert "about 47 min (p90 1 h 05 min)" in to_approve and "path 2.2.74 → 2.2.75" in to_approve
    assert "0 of 1" in to_approve and "1 approval (policy for cluster orion)" in to_approve
    assert HOSTILE not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html

    for _ in range(6):  # more rows, not more queries
        make_waiting()
    with django_assert_max_num_queries(6):
        html = client.get(reverse("approvals")).content.decode()
    assert '<span class="badge count" id="to-approve-count">9</span>' in html


def test_to_approve_is_only_in_the_navigation_of_approvers(client, viewer, operator, approver, make_waiting):
    make_waiting()
    client.force_login(viewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="nav-approvals"' not in html and 'href="/upcoming/"' in html
    html = client.get(reverse("approvals")).content.decode()
    assert 'id="to-approve"' not in html and 'id="my-requests"' in html, "viewers see their own requests only"
    client.force_login(operator)
    html = client.get(reverse("approvals")).content.decode()
    assert 'id="nav-approvals"' not in html and "None of your requests waits" not in html, (
        "the operator's own"
    )
    client.force_login(approver)
    html = client.get(reverse("dashboard")).content.decode()
    assert re.search(
        r'id="nav-approvals">To approve <span class="badge count" id="to-approve-count">1</span>', html
    )


def test_the_lists_need_the_view_permission(client, make_user):
    client.force_login(make_user("nobody"))
    for name in ("approvals", "upcoming"):
        assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("upcoming")).status_code == 302


def test_upcoming_lists_waiting_upgrades_windows_and_freezes_in_bounded_queries(
    client, viewer, make_cluster, make_waiting, site, django_assert_max_num_queries
):
    now = timezone.now()
    soon, later = now + timedelta(hours=2), now + timedelta(days=2)
    late = make_waiting(
        state=State.SCHEDULED, planned_start=later, start_note=f"Waits for the window {HOSTILE}"
    )
    early = make_waiting(state=State.SCHEDULED, planned_start=soon, start_note="Starts at soon.")
    unapproved = make_waiting()
    own_window = make_cluster(name="vega")
    MaintenanceWindow.objects.create(
        site=site, weekday=5, start_time=time(1), end_time=time(5), time_zone="Asia/Shanghai"
    )
    MaintenanceWindow.objects.create(cluster=own_window, weekday=2, start_time=time(22), end_time=time(2))
    Blackout.objects.create(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3), reason="Sale"
    )
    Blackout.objects.create(site=site, starts_at=later, ends_at=later + timedelta(days=1), reason=HOSTILE)
    Blackout.objects.create(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1), reason="Over")
    client.force_login(viewer)
    client.get(reverse("upcoming"))
    with django_assert_max_num_queries(7):  # session, user, upgrades, windows, clusters, freezes, banner
        html = client.get(reverse("upcoming")).content.decode()
    table = re.search(r'id="upcoming-upgrades">.*?</table>', html, re.S).group(0)
    assert [int(n) for n in re.findall(r'data-upgrade-id="(\d+)"', table)] == [
        early.pk,
        late.pk,
        unapproved.pk,
    ]
    assert "Starts at soon." in table and "Waits for the window &lt;img" in table
    assert table.count("01:00–05:00 Asia/Shanghai") == 3, "each row's next window (the site's)"
    windows = re.search(r'id="cluster-windows">.*?</table>', html, re.S).group(0)
    vega = re.search(r'<tr data-cluster="vega">.*?</tr>', windows, re.S).group(0)
    assert "its own" in vega and vega.count("Wed ") == 3 and "22:00–Thu 02:00 UTC" in vega
    assert windows.count("its site's") == 3, "the three requests' clusters"
    freezes = re.search(r'id="freezes">.*?</table>', html, re.S).group(0)
    assert "Sale" in freezes and "in effect" in freezes and "every cluster" in freezes
    assert "site test-site" in freezes and "Over" not in freezes
    assert HOSTILE not in html

    for _ in range(5):
        make_waiting(state=State.SCHEDULED, planned_start=later)
    with django_assert_max_num_queries(7):
        html = client.get(reverse("upcoming")).content.decode()
    assert html.count("data-upgrade-id=") == 8
