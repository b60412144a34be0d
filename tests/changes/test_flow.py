"""Change management against the simulator over HTTP, in this process (no workers: what would be
sent to them is read from the real Redis queue): approvals bound to the plan, self-approval, a plan
made stale in OCP, declines, cancels, change freezes, windows (time moved with time-machine)."""

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes import flow
from ocpdash.changes.models import Approval, ApprovalPolicy, Blackout, MaintenanceWindow
from ocpdash.core.roles import APPROVER, OPERATOR
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import NotAllowed, OperationRefused
from ocpdash.upgrades.models import State, Upgrade
from ocpdash.upgrades.operations import cancel
from ocpdash.upgrades.submission import submit_upgrade
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE

pytestmark = pytest.mark.django_db(transaction=True)

START = "ocpdash.changes.tasks.start_upgrade"
SUBMIT = "ocpdash.upgrades.tasks.submit_upgrade"


@pytest.fixture
def queue(redis_service):
    """The Celery messages sent meanwhile, as (task name, args), from the real broker."""
    redis_service.flushall()

    def read() -> list[tuple[str, list]]:
        found = []
        for raw in redis_service.client().lrange("celery", 0, -1):
            message = json.loads(raw)
            body = json.loads(__import__("base64").b64decode(message["body"]))
            found.append((message["headers"]["task"], body[0]))
        return sorted(found, key=str)

    return read


@pytest.fixture
def orion(sim_site):
    return Cluster.objects.get(site=sim_site, name=HAPPY_CLUSTER)


@pytest.fixture
def package(sim_site):
    return RpmPackage.objects.get(file_name=HAPPY_PACKAGE)


@pytest.fixture
def production(orion):
    orion.labels = ["production"]
    orion.save(update_fields=["labels"])
    ApprovalPolicy.objects.create(label="production", approvals_required=1)
    return orion


def events(upgrade) -> str:
    return "\n".join(upgrade.events.values_list("message", flat=True))


def test_a_request_under_a_policy_waits_for_an_approval_and_nothing_reaches_ocp(
    production, package, operator, simulator, queue
):
    upgrade = submit_upgrade(operator, production, package, reason="quarterly patch")
    assert upgrade.state == State.AWAITING_APPROVAL and upgrade.approvals_required == 1
    assert len(upgrade.plan_digest) == 64 and upgrade.plan_digest == flow.plans.digest(upgrade.plan)
    assert upgrade.plan["package"]["file_name"] == HAPPY_PACKAGE
    assert [m["name"] for m in upgrade.plan["members"]] == [HAPPY_CLUSTER]
    assert upgrade.plan["members"][0]["ocp_version"]  # the version OCP reported during the pre-check
    assert upgrade.plan["precheck"] == {"ok": True, "failing": []}
    assert "waits for 1 approval by approvers other than the requester" in events(upgrade)
    assert "clusters labelled production" in events(upgrade)
    assert simulator.upgrade_posts() == 0 and queue() == []


def test_nobody_approves_their_own_request_whatever_their_roles(production, package, make_user, approver):
    both = make_user("both", OPERATOR)
    both.groups.add(*approver.groups.all())
    assert both.has_perm("upgrades.approve_upgrade")
    upgrade = submit_upgrade(both, production, package)
    assert not flow.may_approve(both, upgrade) and flow.may_approve(approver, upgrade)
    with pytest.raises(NotAllowed, match="You requested this upgrade: another approver must approve it"):
        flow.approve(both, upgrade)
    with pytest.raises(NotAllowed, match="cancel it"):
        flow.decline(both, upgrade, comment="no")
    assert not Approval.objects.exists()


def test_operators_and_viewers_cannot_approve(production, package, operator, make_user, viewer):
    upgrade = submit_upgrade(operator, production, package)
    for user in (make_user(role=OPERATOR), viewer):
        with pytest.raises(NotAllowed, match="Approvers role needed"):
            flow.approve(user, upgrade)
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.AWAITING_APPROVAL


def test_an_approval_schedules_it_and_the_start_queues_one_submission(
    production, package, operator, approver, simulator, queue
):
    upgrade = submit_upgrade(operator, production, package)
    said = flow.approve(approver, upgrade, comment="ok for tonight", plan_digest=upgrade.plan_digest)
    assert "Approved by appr: ok for tonight." in said and "it starts now" in said
    upgrade.refresh_from_db()
    assert upgrade.state == State.SCHEDULED
    (approval,) = Approval.objects.all()
    assert approval.user == approver and approval.plan_digest == upgrade.plan_digest and not approval.is_void
    assert queue() == [(START, [upgrade.pk])]
    with pytest.raises(OperationRefused, match="Only an upgrade awaiting approval"):
        flow.approve(approver, upgrade)
    assert flow.try_start(upgrade.pk) == "started"
    upgrade.refresh_from_db()
    assert upgrade.state == State.QUEUED
    assert (SUBMIT, [upgrade.pk]) in queue()
    assert "Started by ocpdash: Starts now. The plan was checked with OCP and is unchanged." in events(
        upgrade
    )
    assert flow.try_start(upgrade.pk) == "gone"  # a second look (another beat) does nothing
    assert simulator.upgrade_posts() == 0  # the worker sends it, once


def test_a_digest_the_approver_did_not_see_is_refused(production, package, operator, approver):
    upgrade = submit_upgrade(operator, production, package)
    with pytest.raises(OperationRefused, match="The plan changed since you loaded it"):
        flow.approve(approver, upgrade, plan_digest="0" * 64)
    assert not Approval.objects.exists()


def test_a_plan_made_stale_in_ocp_voids_the_approvals_and_says_why(
    production, package, operator, approver, make_user, simulator
):
    ApprovalPolicy.objects.filter(label="production").update(approvals_required=2)
    second = make_user("appr2", APPROVER)
    upgrade = submit_upgrade(operator, production, package)
    assert "1 of 2 approvals" in flow.approve(approver, upgrade)
    first_digest = upgrade.plan_digest
    simulator.set_cluster_status(production.ocp_id, "STOPPED")  # someone stopped it in OCP's console
    with pytest.raises(OperationRefused, match="The plan changed since it was requested"):
        flow.approve(second, upgrade)
    upgrade.refresh_from_db()
    assert upgrade.state == State.AWAITING_APPROVAL and upgrade.plan_digest != first_digest
    (void,) = Approval.objects.all()
    assert void.is_void and "the pre-check now fails: The cluster is STOPPED in OCP" in void.void_reason
    with translation.override("zh-hans"):
        assert void.void_reason_text.startswith("计划已变更：预检查现在不通过：")
    assert "1 approval(s) are void; it waits for approval of the new plan" in events(upgrade)
    # A failing plan cannot be approved; once OCP runs it again the plan changes back, and it can.
    with pytest.raises(OperationRefused, match="The pre-check fails for this plan"):
        flow.approve(second, upgrade)
    simulator.set_cluster_status(production.ocp_id, "RUNNING")
    with pytest.raises(OperationRefused, match="The plan changed"):
        flow.approve(second, upgrade)
    upgrade.refresh_from_db()
    assert upgrade.plan_digest == first_digest  # the same plan as requested, approved afresh
    assert "1 of 2 approvals" in flow.approve(second, upgrade)
    assert "Approved (appr2, appr)" in flow.approve(approver, upgrade)
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.SCHEDULED


def test_a_plan_that_changes_before_its_start_goes_back_to_approval(production, package, operator, approver):
    upgrade = submit_upgrade(operator, production, package)
    flow.approve(approver, upgrade)
    RpmPackage.objects.filter(pk=package.pk).update(enabled=False)
    assert flow.try_start(upgrade.pk) == "awaiting_approval"
    upgrade.refresh_from_db()
    assert upgrade.state == State.AWAITING_APPROVAL
    assert f"the package {HAPPY_PACKAGE} was disabled in the catalog" in events(upgrade)
    assert Approval.objects.get().is_void


def test_decline_needs_a_reason_ends_it_and_frees_the_cluster(production, package, operator, approver):
    upgrade = submit_upgrade(operator, production, package)
    with pytest.raises(OperationRefused, match="Say why you decline it"):
        flow.decline(approver, upgrade, comment="  ")
    said = flow.decline(approver, upgrade, comment="Not during the sales week.")
    assert said == "Declined by appr: Not during the sales week."
    upgrade.refresh_from_db()
    assert upgrade.state == State.DECLINED and upgrade.is_terminal and upgrade.finished_at
    assert Approval.objects.get().decision == Approval.Decision.DECLINED
    with pytest.raises(OperationRefused):
        flow.approve(approver, upgrade)
    again = submit_upgrade(operator, production, package)
    assert again.state == State.AWAITING_APPROVAL


def test_cancel_before_the_start_sends_nothing(production, package, operator, approver, simulator, queue):
    upgrade = submit_upgrade(operator, production, package)
    flow.approve(approver, upgrade)
    assert cancel(operator, upgrade, "wrong package") == "Upgrade cancelled; nothing had been sent to OCP."
    upgrade.refresh_from_db()
    assert upgrade.state == State.CANCELLED
    assert flow.try_start(upgrade.pk) == "gone"
    assert (SUBMIT, [upgrade.pk]) not in queue() and simulator.upgrade_posts() == 0


def test_a_change_freeze_holds_a_due_upgrade_until_it_ends(orion, package, operator, queue):
    now = timezone.now()
    freeze = Blackout.objects.create(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2), reason="Singles' Day freeze"
    )
    upgrade = submit_upgrade(operator, orion, package)  # no policy: it would start now
    assert upgrade.state == State.SCHEDULED and upgrade.planned_start == freeze.ends_at
    assert "Held by the change freeze 'Singles' Day freeze' (every cluster)" in upgrade.start_note
    with translation.override("zh-hans"):  # kept as a phrase: read in the reader's language
        assert "因变更封网期“Singles' Day freeze”（所有集群）暂停" in upgrade.start_note_text
    assert flow.start_due() == [] and flow.try_start(upgrade.pk) == "waiting"
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.SCHEDULED
    with time_machine.travel(freeze.ends_at + timedelta(seconds=1), tick=True):
        assert flow.start_due() == [upgrade.pk]
        assert flow.try_start(upgrade.pk) == "started"
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.QUEUED
    assert (SUBMIT, [upgrade.pk]) in queue()


def test_next_window_waits_for_the_opening_and_starts_there(orion, package, operator, sim_site, queue):
    MaintenanceWindow.objects.create(
        site=sim_site, weekday=5, start_time=time(1), end_time=time(5), time_zone="Asia/Shanghai"
    )
    tuesday = datetime(2026, 12, 1, 9, tzinfo=UTC)
    opening = datetime(2026, 12, 4, 17, tzinfo=UTC)  # Saturday 01:00 in Shanghai
    with time_machine.travel(tuesday, tick=True):
        upgrade = submit_upgrade(operator, orion, package, start=flow.Start.parse("next_window"))
    assert upgrade.state == State.SCHEDULED and upgrade.planned_start == opening
    assert upgrade.start_note == "Waits for the next maintenance window, Sat 5 Dec 01:00–05:00 Asia/Shanghai."
    with time_machine.travel(opening - timedelta(minutes=1), tick=True):
        assert flow.start_due() == []
    with time_machine.travel(opening + timedelta(seconds=5), tick=True):
        assert flow.start_due() == [upgrade.pk]
        assert flow.try_start(upgrade.pk) == "started"
    upgrade.refresh_from_db()
    assert upgrade.state == State.QUEUED
    assert "Starts now in the window Sat 5 Dec 01:00–05:00 Asia/Shanghai" in events(upgrade)


def test_impossible_starts_are_refused_with_what_to_do(orion, package, operator, sim_site):
    with pytest.raises(OperationRefused, match="have no maintenance window: add one in the admin"):
        submit_upgrade(operator, orion, package, start=flow.Start("next_window"))
    with pytest.raises(OperationRefused, match="is in the past"):
        submit_upgrade(operator, orion, package, start=flow.Start("at", timezone.now() - timedelta(hours=1)))
    MaintenanceWindow.objects.create(
        site=sim_site, weekday=5, start_time=time(1), end_time=time(5), time_zone="UTC"
    )
    monday = datetime(2026, 12, 7, 12, tzinfo=UTC)
    with (
        time_machine.travel(monday - timedelta(days=1), tick=True),
        pytest.raises(OperationRefused, match="is outside orion's maintenance windows .next: Sat 12 Dec"),
    ):
        submit_upgrade(operator, orion, package, start=flow.Start("at", monday))
    assert not Upgrade.objects.exists()
    for bad in ("tomorrow", "2026-12-05T01:00:00", "x" * 100):
        with pytest.raises(ValueError):
            flow.Start.parse(bad)


def test_a_stricter_policy_applies_to_a_request_already_made(orion, package, operator, approver):
    upgrade = submit_upgrade(
        operator, orion, package, start=flow.Start("at", timezone.now() + timedelta(hours=1))
    )
    assert upgrade.state == State.SCHEDULED and upgrade.approvals_required == 0
    ApprovalPolicy.objects.create(cluster=orion, approvals_required=1)
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=5), tick=True):
        assert flow.try_start(upgrade.pk) == "awaiting_approval"
    upgrade.refresh_from_db()
    assert upgrade.state == State.AWAITING_APPROVAL and upgrade.approvals_required == 1
    assert "The approval policy now asks for 1 approval (policy for cluster orion); 0 given" in events(
        upgrade
    )
