"""Change management through the API and the CLI: the same domain functions, permissions and events
as the web pages (the simulator over HTTP answers the plan's re-checks)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.models import Approval, ApprovalPolicy, MaintenanceWindow
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import State, Upgrade
from tests.api.conftest import assert_error
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production(sim_site):
    orion = Cluster.objects.get(site=sim_site, name=HAPPY_CLUSTER)
    orion.labels = ["production"]
    orion.save(update_fields=["labels"])
    ApprovalPolicy.objects.create(label="production", approvals_required=1)
    return orion


@pytest.fixture
def package(sim_site):
    return RpmPackage.objects.get(file_name=HAPPY_PACKAGE)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def request(api, user, cluster, package, **fields):
    return api(user).post(
        "/api/upgrades/", {"cluster": cluster.pk, "package": package.pk, **fields}, format="json"
    )


def test_api_request_approve_and_detail(api, production, package, operator, approver, viewer):
    response = request(api, operator, production, package, reason="patch")
    assert response.status_code == 202, response.json()
    data = response.json()
    assert data["state"] == "awaiting_approval" and data["approvals_required"] == 1
    assert (
        re.fullmatch(r"[0-9a-f]{64}", data["plan_digest"])
        and data["plan"]["package"]["file_name"] == HAPPY_PACKAGE
    )
    assert data["eta"]["text"] == "no history yet" and data["eta"]["samples"] == 0
    assert data["approvals"] == [] and "cancel" in data["operations"]
    url = f"/api/upgrades/{data['id']}"
    assert_error(api(viewer).post(f"{url}/approve/", {}, format="json"), 403, "permission_denied")
    assert_error(api(operator).post(f"{url}/approve/", {}, format="json"), 403, "permission_denied")
    stale = api(approver).post(f"{url}/approve/", {"plan_digest": "f" * 64}, format="json")
    assert_error(stale, 409, "operation_refused")
    done = api(approver).post(
        f"{url}/approve/", {"plan_digest": data["plan_digest"], "comment": "go"}, format="json"
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["message"].startswith("Approved by appr: go.")
    assert body["upgrade"]["state"] == "scheduled"
    assert body["upgrade"]["approvals"][0] | {"created_at": None} == {
        "user": "appr", "decision": "approved", "comment": "go", "plan_digest": data["plan_digest"],
        "created_at": None, "void": False, "void_reason": "",
    }  # fmt: skip
    assert any("Approved by appr" in e["message"] for e in body["upgrade"]["events"])


def test_api_decline_needs_a_comment_and_self_approval_is_forbidden(
    api, production, package, make_user, approver
):
    both = make_user("both", "Operators")
    both.groups.add(*approver.groups.all())
    upgrade_id = request(api, both, production, package).json()["id"]
    url = f"/api/upgrades/{upgrade_id}"
    refused = assert_error(api(both).post(f"{url}/approve/", {}, format="json"), 403, "permission_denied")
    assert "You requested this upgrade" in refused["message"]
    missing = assert_error(api(approver).post(f"{url}/decline/", {}, format="json"), 400, "invalid")
    assert "comment" in missing["fields"]
    declined = api(approver).post(f"{url}/decline/", {"comment": "wrong week"}, format="json")
    assert declined.status_code == 200 and declined.json()["upgrade"]["state"] == "declined"
    assert Approval.objects.get().decision == "declined"


def test_api_start_choices_and_their_errors(api, production, package, operator, sim_site):
    bad = assert_error(request(api, operator, production, package, start="soon"), 400, "invalid")
    assert "Start must be 'now', 'next_window' or a time" in bad["fields"]["start"][0]
    naive = assert_error(
        request(api, operator, production, package, start="2030-01-01T01:00"), 400, "invalid"
    )
    assert "with its UTC offset" in naive["fields"]["start"][0]
    none = request(api, operator, production, package, start="next_window")
    assert none.status_code == 409 and "have no maintenance window" in none.json()["message"]
    MaintenanceWindow.objects.create(site=sim_site, weekday=5, time_zone="Asia/Shanghai")
    ok = request(api, operator, production, package, start="next_window")
    assert ok.status_code == 202 and ok.json()["start_mode"] == "next_window"
    assert ok.json()["eta"]["fit"].startswith("in Saturday's window")
    cancelled = api(operator).post(
        f"/api/upgrades/{ok.json()['id']}/cancel/", {"reason": "later"}, format="json"
    )
    assert cancelled.json()["upgrade"]["state"] == "cancelled"


def test_cli_request_approve_decline_and_cancel(production, package, operator, approver, viewer):
    out = run("submit_upgrade", HAPPY_CLUSTER, HAPPY_PACKAGE, "--user", operator.username, "--reason", "r")
    upgrade = Upgrade.objects.get()
    assert f"Requested upgrade #{upgrade.pk}" in out and "awaiting approval" in out
    assert f"manage.py approve_upgrade {upgrade.pk}" in out
    with pytest.raises(CommandError, match="Approvers role needed"):
        run("approve_upgrade", str(upgrade.pk), "--user", viewer.username)
    operator.groups.add(*approver.groups.all())  # an operator who approves too: not their own request
    with pytest.raises(CommandError, match="another approver must approve it"):
        run("approve_upgrade", str(upgrade.pk), "--user", operator.username)
    with pytest.raises(CommandError, match="plan changed since you loaded it"):
        run("approve_upgrade", str(upgrade.pk), "--user", approver.username, "--plan-digest", "0" * 64)
    said = run("approve_upgrade", str(upgrade.pk), "--user", approver.username, "--comment", "fine")
    assert "Approved by appr: fine." in said
    status = run("upgrade_status", str(upgrade.pk))
    assert f"plan digest: {upgrade.plan_digest}" in status and "approvals: 1 of 1 (appr)" in status
    run("cancel_upgrade", str(upgrade.pk), "--user", operator.username, "--reason", "not now")
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.CANCELLED
    run("submit_upgrade", HAPPY_CLUSTER, HAPPY_PACKAGE, "--user", operator.username)
    second = Upgrade.objects.get(state=State.AWAITING_APPROVAL)
    with pytest.raises(CommandError):
        run("decline_upgrade", str(second.pk), "--user", approver.username)  # --comment is required
    assert run("decline_upgrade", str(second.pk), "--user", approver.username, "--comment", "no").strip() == (
        "Declined by appr: no"
    )
    with pytest.raises(CommandError, match="Give the start time with its UTC offset"):
        run(
            "submit_upgrade",
            HAPPY_CLUSTER,
            HAPPY_PACKAGE,
            "--user",
            operator.username,
            "--start",
            "2030-01-01",
        )
