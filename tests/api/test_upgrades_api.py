"""Upgrades over the API: history, detail, operations, comments and sign-off, by role and error shape."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocpdash.upgrades.models import State, UpgradeEvent
from tests.api.conftest import assert_error

DENIED = "permission_denied"


def test_history_lists_upgrades_with_filters(api, viewer, make_upgrade):
    running = make_upgrade(State.RUNNING)
    done = make_upgrade(State.SUCCESSFUL)
    data = api(viewer).get("/api/upgrades/").json()
    assert [u["id"] for u in data["results"]] == [done.pk, running.pk]
    only = api(viewer).get("/api/upgrades/", {"state": "running"}).json()["results"]
    assert [u["id"] for u in only] == [running.pk]
    assert only[0]["cluster"]["name"] == running.cluster.name


def test_detail_has_steps_with_ocp_ids_and_events(api, viewer, make_upgrade):
    upgrade = make_upgrade(State.RUNNING, steps=2, ocp_task_id=7)
    data = api(viewer).get(f"/api/upgrades/{upgrade.pk}/").json()
    first = data["steps"][0]
    assert first["ocp_task_id"] == 7 and first["ocp_subtask_id"] == 100
    assert first["display_status"] == "RUNNING" and first["operations"] == ["cancel"]
    assert data["steps"][1]["upstreams"] == [0]
    assert data["events"][0]["message"] == "Upgrade requested."
    assert data["state"] == "running" and data["to_version"] == upgrade.to_version


def test_unauthenticated_and_bad_token_get_json_not_a_redirect(api, db):
    response = api().get("/api/upgrades/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(client.get("/api/upgrades/"), 401, "authentication_failed")


def test_unknown_upgrade_and_bad_cursor_are_404_json(api, viewer):
    assert_error(api(viewer).get("/api/upgrades/999999/"), 404, "not_found")
    assert_error(api(viewer).get("/api/upgrades/", {"cursor": "garbage"}), 404, "not_found")


def test_wrong_method_is_405_json(api, viewer):
    assert_error(api(viewer).delete("/api/upgrades/"), 405, "method_not_allowed")


def test_close_a_failed_upgrade_as_operator_records_actor_and_reason(api, operator, make_upgrade):
    upgrade = make_upgrade(State.FAILED, ocp_task_id=7, ocp_task_status="FAILED")
    response = api(operator).post(f"/api/upgrades/{upgrade.pk}/close/", {"reason": "abandon"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["upgrade"]["state"] == "closed"
    event = upgrade.events.get(kind=UpgradeEvent.Kind.OPERATION)
    assert event.actor == operator and "abandon" in event.message


def test_operation_not_possible_now_is_409(api, operator, make_upgrade):
    upgrade = make_upgrade(State.RUNNING, ocp_task_id=7)
    body = assert_error(api(operator).post(f"/api/upgrades/{upgrade.pk}/retry/"), 409, "operation_refused")
    assert "possible" in body["message"]


def test_step_operation_when_ocp_is_down_is_503_and_changes_nothing(api, operator, make_upgrade):
    upgrade = make_upgrade(State.RUNNING, steps=1, ocp_task_id=7)
    response = api(operator).post(f"/api/upgrades/{upgrade.pk}/steps/100/cancel/", {"reason": "x"})
    assert_error(response, 503, "ocp_unavailable")
    upgrade.refresh_from_db()
    assert upgrade.state == State.RUNNING
    said = list(upgrade.events.order_by("pk").values_list("message", flat=True))
    assert said[-2].startswith("Cancel of step 'step 0' requested by op"), "the intent, before OCP was called"
    assert said[-1].startswith("Nothing was changed; OCP could not be reached"), "then the outcome"


def test_step_operation_on_unknown_subtask_is_404(api, operator, make_upgrade):
    upgrade = make_upgrade(State.RUNNING, steps=1)
    assert_error(api(operator).post(f"/api/upgrades/{upgrade.pk}/steps/555/skip/"), 404, "not_found")


@pytest.mark.parametrize(
    "path", ["retry/", "rollback/", "close/", "steps/100/retry/", "steps/100/skip/", "steps/100/cancel/"]
)
@pytest.mark.parametrize("role", ["viewer", "catalog_admin"])
def test_operations_are_for_operators_only(api, request, make_upgrade, path, role):
    upgrade = make_upgrade(State.FAILED, steps=1, ocp_task_id=7)
    user = request.getfixturevalue(role)
    assert_error(api(user).post(f"/api/upgrades/{upgrade.pk}/{path}"), 403, DENIED)


def test_comments_read_by_viewers_written_by_operators(api, viewer, operator, make_upgrade):
    upgrade = make_upgrade(State.SUCCESSFUL)
    url = f"/api/upgrades/{upgrade.pk}/comments/"
    assert_error(api(viewer).post(url, {"body": "hi"}, format="json"), 403, DENIED)
    created = api(operator).post(url, {"body": "went fine"}, format="json")
    assert created.status_code == 201 and created.json()["author"] == operator.username
    assert [c["body"] for c in api(viewer).get(url).json()] == ["went fine"]
    assert_error(api(operator).post(url, {"body": ""}, format="json"), 400, "invalid")


def test_sign_off_once_on_a_finished_upgrade(api, operator, viewer, make_upgrade):
    upgrade = make_upgrade(State.SUCCESSFUL)
    url = f"/api/upgrades/{upgrade.pk}/sign-off/"
    assert_error(api(viewer).post(url), 403, DENIED)
    response = api(operator).post(url, {"note": "checked"}, format="json")
    assert response.status_code == 200 and response.json()["reviewed_by"] == operator.username
    assert_error(api(operator).post(url), 409, "operation_refused")
    running = make_upgrade(State.RUNNING)
    assert_error(api(operator).post(f"/api/upgrades/{running.pk}/sign-off/"), 409, "operation_refused")


def test_precheck_and_submit_need_the_operator_role(api, viewer, make_cluster, make_package):
    body = {"cluster": make_cluster().pk, "package": make_package().pk}
    assert_error(api(viewer).post("/api/upgrades/precheck/", body, format="json"), 403, DENIED)
    assert_error(api(viewer).post("/api/upgrades/", body, format="json"), 403, DENIED)


def test_submit_with_unknown_ids_names_the_fields(api, operator):
    body = assert_error(api(operator).post("/api/upgrades/", {"cluster": 0}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"cluster", "package"}


def test_failed_precheck_lists_every_failing_check(api, operator, make_cluster, make_package):
    cluster = make_cluster(architecture="aarch64")  # and OCP (127.0.0.1:1) is unreachable
    package = make_package(enabled=False)
    body = {"cluster": cluster.pk, "package": package.pk}
    data = assert_error(api(operator).post("/api/upgrades/", body, format="json"), 400, "precheck_failed")
    assert {"package_enabled", "architecture", "ocp_reachable"} <= set(data["fields"])
    assert data["report"]["ok"] is False
    report = api(operator).post("/api/upgrades/precheck/", body, format="json")
    assert report.status_code == 200 and report.json()["ok"] is False


def test_second_upgrade_of_a_cluster_with_an_active_one_is_409(api, operator, make_upgrade, make_package):
    active = make_upgrade(State.RUNNING)
    body = {"cluster": active.cluster.pk, "package": make_package().pk}
    response = api(operator).post("/api/upgrades/", body, format="json")
    data = assert_error(response, 409, "active_upgrade_exists")
    assert "no_active_upgrade" in data["fields"]


@pytest.mark.parametrize(
    ("url", "factory"),
    [("/api/upgrades/", "upgrade"), ("/api/packages/", "package"), ("/api/clusters/", "cluster"),
     ("/api/sites/", "site")],
)  # fmt: skip
def test_list_query_count_does_not_grow_with_page_size(
    api, admin_user, make_upgrade, make_package, url, factory
):
    from ocpdash.sites.models import OcpSite

    for n in range(12):
        if factory == "upgrade":
            make_upgrade(State.SUCCESSFUL, steps=2)
        elif factory == "package":
            make_package(f"oceanbase-3.2.{n}-20210108170301.el7.x86_64.rpm", added_by=admin_user)
        elif factory == "site":
            OcpSite.objects.create(name=f"s{n}", base_url="http://x", username="u", password="p")
    if factory == "cluster":
        make_upgrade(), make_upgrade(), make_upgrade()
    client = api(admin_user)
    counts = []
    for size in (2, 10):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) >= 2
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
