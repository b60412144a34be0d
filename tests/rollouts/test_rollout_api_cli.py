"""The rollouts API and CLI call the same domain functions as the pages: the shapes the issue names,
permissions on every mutating path, and clear errors."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ocpdash.rollouts import flow
from ocpdash.rollouts.models import Rollout, RolloutState, UnitState

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(fleet, **extra) -> dict:
    return {
        "name": "api fleet",
        "packages": [p.pk for p in fleet.packages],
        "clusters": [c.pk for c in fleet.clusters],
        "canary": [fleet.x86[0].pk],
        "wave_size": 2,
        "max_parallel": 1,
        "soak_minutes": 0,
        "halt_after_failures": 1,
        **extra,
    }


def test_create_follow_pause_resume_abort_over_the_api(make_fleet, operator, viewer):
    fleet = make_fleet(x86=3, pairs=1)
    api = client_for(operator)
    plan = api.post("/api/rollouts/plan/", body(fleet), format="json")
    assert plan.status_code == 200, plan.json()
    assert [w["units"] for w in plan.json()["waves"]] == [1, 2, 1]
    assert not Rollout.objects.exists()
    created = api.post("/api/rollouts/", body(fleet), format="json")
    assert created.status_code == 201, created.json()
    rollout = created.json()
    assert rollout["state"] == "running"
    assert {c["name"] for c in rollout["clusters"]} == {c.name for c in fleet.clusters}
    assert {c["state"] for c in rollout["clusters"]} == {"pending"}
    flow.reconcile(rollout["id"])
    detail = api.get(f"/api/rollouts/{rollout['id']}/").json()
    started = [c for c in detail["clusters"] if c["upgrade"]]
    assert [c["name"] for c in started] == [fleet.x86[0].name] and started[0]["state"] == "upgrading"
    assert client_for(viewer).post(f"/api/rollouts/{rollout['id']}/pause/", {}).status_code == 403
    assert api.post(f"/api/rollouts/{rollout['id']}/pause/", {"reason": "lunch"}).json()["rollout"][
        "state"
    ] == ("paused")
    refused = api.post(f"/api/rollouts/{rollout['id']}/pause/", {})
    assert refused.status_code == 409 and "paused" in refused.json()["message"]
    assert api.post(f"/api/rollouts/{rollout['id']}/resume/", {}).json()["rollout"]["state"] == "running"
    aborted = api.post(f"/api/rollouts/{rollout['id']}/abort/", {"reason": "enough"}).json()
    assert aborted["rollout"]["state"] == "aborted"
    events = api.get(f"/api/rollouts/{rollout['id']}/events/").json()["results"]
    assert any("enough" in e["message"] for e in events)
    assert api.get("/api/rollouts/").json()["results"][0]["units_total"] == 4


def test_api_errors_are_clear(make_fleet, operator, viewer):
    fleet = make_fleet(x86=1)
    api = client_for(operator)
    bad = api.post("/api/rollouts/", body(fleet, wave_size=0), format="json")
    assert bad.status_code == 400 and "wave_size" in bad.json()["fields"]
    stray = api.post(
        "/api/rollouts/", body(fleet, canary=[fleet.site.clusters.get(name="nova").pk]), format="json"
    )
    assert stray.status_code in (400, 409) and "Canary" in stray.json()["message"]
    assert client_for(viewer).post("/api/rollouts/", body(fleet), format="json").status_code == 403
    assert api.get("/api/rollouts/999999/").status_code == 404


def test_cli_creates_shows_and_operates_a_rollout(make_fleet, operator, capsys):
    fleet = make_fleet(x86=2)
    x86 = [p.file_name for p in fleet.packages if p.arch == "x86_64"]
    call_command(
        "rollout_create", "cli fleet", "--user", operator.username, "--package", x86[0],
        *[arg for c in fleet.clusters for arg in ("--cluster", str(c.pk))], "--wave-size", "1", "--plan-only",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "canary" not in out and "wave 2" in out and not Rollout.objects.exists()
    call_command(
        "rollout_create", "cli fleet", "--user", operator.username, "--package", x86[0],
        *[arg for c in fleet.clusters for arg in ("--cluster", c.name)], "--wave-size", "1",
    )  # fmt: skip
    rollout = Rollout.objects.get()
    assert rollout.state == RolloutState.RUNNING
    call_command("rollout_pause", str(rollout.pk), "--user", operator.username, "--reason", "wait")
    call_command("rollout_status", str(rollout.pk))
    out = capsys.readouterr().out
    assert "paused" in out and fleet.clusters[0].name in out
    call_command("rollout_resume", str(rollout.pk), "--user", operator.username)
    call_command("rollout_abort", str(rollout.pk), "--user", operator.username)
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.ABORTED
    assert set(rollout.units.values_list("state", flat=True)) == {UnitState.NOT_STARTED}
    with pytest.raises(CommandError, match="ended"):
        call_command("rollout_abort", str(rollout.pk), "--user", operator.username)
    with pytest.raises(CommandError, match="No rollout"):
        call_command("rollout_status", "424242")
