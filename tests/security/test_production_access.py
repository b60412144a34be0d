"""Web access and input (review L1, L3, L8): a role is needed for every page, NUL in any posted
field is a 400, idle sessions end (polling does not keep them alive), no self sign-off by default."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ocpdash.core.middleware import IdleSessionMiddleware
from ocpdash.rollouts.models import Rollout, RolloutState
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.web.urls import urlpatterns as WEB_PATTERNS

POST_ONLY = {
    "sync_clusters", "resume_site", "operate_task", "operate_step", "comment", "sign_off",
    "approve", "decline", "recheck", "catalog_refresh", "catalog_start_upload",
    "rollout_pause", "rollout_resume", "rollout_abort", "rollout_approve", "rollout_decline",
}  # fmt: skip


@pytest.fixture
def estate(make_cluster, make_package, operator, site):
    cluster = make_cluster()
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=make_package(), requested_by=operator, state=State.SUCCESSFUL,
        from_version=cluster.version, to_version="2.2.75-20210108170301", ocp_task_id=900,
    )  # fmt: skip
    UpgradeTask.objects.create(
        upgrade=upgrade, ocp_task_id=900, name="Upgrade", is_parent=True, status="SUCCESSFUL"
    )
    UpgradeStep.objects.create(
        upgrade=upgrade, ocp_task_id=900, ocp_subtask_id=1, name="step", status="SUCCESSFUL"
    )
    UpgradeEvent.objects.create(upgrade=upgrade, kind="state", message="Upgrade requested.")
    rollout = Rollout.objects.create(
        name="fleet", target_version=upgrade.to_version, created_by=operator, state=RolloutState.RUNNING
    )
    # catalog/<id>/upload/ takes a package, catalog/uploads/<id>/ an upload: any id, refused before the view.
    return {
        "sites": site.pk, "clusters": cluster.pk, "upgrades": upgrade.pk, "catalog": upgrade.package_id,
        "subtask_id": 1, "rollouts": rollout.pk,
    }  # fmt: skip


def url_of(pattern, estate) -> str:
    route = str(pattern.pattern)
    kwargs = {}
    if "<id:pk>" in route:
        kwargs["pk"] = estate[route.split("/")[0]]
    if "<id:subtask_id>" in route:
        kwargs["subtask_id"] = estate["subtask_id"]
    return reverse(pattern.name, kwargs=kwargs)


NAMES = [pattern.name for pattern in WEB_PATTERNS]


@pytest.fixture
def no_role(make_user):
    client = Client()
    client.force_login(make_user("nobody"))
    return client


@pytest.mark.parametrize("name", NAMES)
def test_a_user_without_a_role_gets_403_on_every_page(no_role, estate, name):
    pattern = next(p for p in WEB_PATTERNS if p.name == name)
    url = url_of(pattern, estate)
    response = no_role.post(url) if name in POST_ONLY else no_role.get(url)
    assert response.status_code == 403


def test_the_403_page_says_the_account_has_no_role(no_role, estate):
    assert "Your account has no role yet" in no_role.get("/").content.decode()


def test_the_csv_export_needs_a_role_too(no_role, estate):
    response = no_role.get(reverse("history_csv"))
    assert (response.status_code, response["Content-Type"].startswith("text/html")) == (403, True)


def test_a_viewer_still_sees_the_pages(client, viewer, estate):
    client.force_login(viewer)
    assert client.get(reverse("upgrade", args=[estate["upgrades"]])).status_code == 200


def test_a_role_taken_away_stops_the_pages_within_the_recheck(client, viewer, estate, monkeypatch):
    from ocpdash.core import access

    client.force_login(viewer)
    assert client.get("/").status_code == 200
    viewer.groups.clear()
    monkeypatch.setattr(access, "RECHECK_SECONDS", 0)  # the minute has passed
    assert client.get("/").status_code == 403


def test_login_page_probes_and_api_keep_their_own_rules(no_role):
    statuses = [no_role.get(url).status_code for url in ("/login/", "/healthz", "/api/upgrades/")]
    assert statuses == [200, 200, 403]


# --- NUL in posted fields -------------------------------------------------------------------------


FORMS = [
    ("login", {}, "username"),
    ("sync_clusters", {}, "site"),
    ("resume_site", {"pk": "sites"}, "x"),
    ("upgrade_form", {"pk": "clusters"}, "reason"),
    ("upgrade_precheck", {"pk": "clusters"}, "package"),
    ("operate_task", {"pk": "upgrades"}, "reason"),
    ("operate_step", {"pk": "upgrades", "subtask_id": "subtask_id"}, "reason"),
    ("comment", {"pk": "upgrades"}, "body"),
    ("sign_off", {"pk": "upgrades"}, "note"),
]


@pytest.mark.parametrize(("name", "args", "field"), FORMS)
def test_nul_in_any_posted_form_field_is_a_400(client, operator, estate, name, args, field):
    client.force_login(operator)
    url = reverse(name, kwargs={key: estate[value] for key, value in args.items()})
    response = client.post(url, {field: "ok\x00then"})
    assert (response.status_code, b"NUL" in response.content) == (400, True)


def test_nul_in_a_field_name_is_a_400(client, operator, estate):
    client.force_login(operator)
    assert client.post(reverse("comment", args=[estate["upgrades"]]), {"bo\x00dy": "x"}).status_code == 400


def test_nul_in_a_url_encoded_form_is_a_400(client, operator, estate):
    """The cases above post multipart (the test client's default); browsers mostly post this."""
    client.force_login(operator)
    url = reverse("comment", args=[estate["upgrades"]])
    assert client.post(url, "body=a%00b", content_type="application/x-www-form-urlencoded").status_code == 400


def test_nul_in_a_json_body_is_a_400_in_the_api_shape(client, operator, estate):
    client.force_login(operator)
    url = f"/api/upgrades/{estate['upgrades']}/comments/"
    response = client.post(url, {"body": "a\x00b"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_nothing_is_stored_from_a_refused_post(client, operator, estate):
    client.force_login(operator)
    client.post(reverse("comment", args=[estate["upgrades"]]), {"body": "a\x00b"})
    assert not Upgrade.objects.get(pk=estate["upgrades"]).comments.exists()


# --- forms share the API's limits -------------------------------------------------------------------


def test_a_reason_longer_than_the_apis_limit_is_refused(client, operator, estate):
    from ocpdash.upgrades.models import REASON_MAX_LENGTH

    client.force_login(operator)
    url = reverse("operate_task", args=[estate["upgrades"]])
    response = client.post(
        url, {"op": "close", "reason": "x" * (REASON_MAX_LENGTH + 1)}, HTTP_HX_REQUEST="true"
    )
    assert (response.status_code, "at most 2000 characters" in response.content.decode()) == (400, True)


def test_an_unknown_operation_is_refused_by_the_form(client, operator, estate):
    client.force_login(operator)
    response = client.post(reverse("operate_task", args=[estate["upgrades"]]), {"op": "explode"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 400


def test_an_empty_comment_is_refused_by_the_form(client, operator, estate):
    client.force_login(operator)
    response = client.post(
        reverse("comment", args=[estate["upgrades"]]), {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert (response.status_code, "A comment cannot be empty." in response.content.decode()) == (400, True)


def test_a_sign_off_note_longer_than_the_apis_limit_is_refused(client, make_user, estate):
    from ocpdash.core.roles import OPERATOR
    from ocpdash.upgrades.review import NOTE_MAX_LENGTH

    client.force_login(make_user("reviewer", OPERATOR))
    url = reverse("sign_off", args=[estate["upgrades"]])
    response = client.post(url, {"note": "n" * (NOTE_MAX_LENGTH + 1)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400


# --- idle sessions ----------------------------------------------------------------------------------


def expiry(client) -> timezone.datetime:
    return client.session.get_expiry_date()


def age_session(client, hours_left: float) -> None:
    """As if the last refresh were long ago and the session had ``hours_left``."""
    session = client.session
    session[IdleSessionMiddleware.KEY] = 0
    session.set_expiry(timezone.now() + timedelta(hours=hours_left))
    session.save()


def test_a_page_view_sets_the_idle_expiry(client, viewer, estate, settings):
    settings.OCPDASH_SESSION_IDLE_HOURS = 2
    client.force_login(viewer)
    client.get("/")
    assert abs(expiry(client) - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)


def test_htmx_polling_does_not_keep_a_session_alive(client, viewer, estate):
    client.force_login(viewer)
    client.get("/")
    age_session(client, hours_left=1)
    before = expiry(client)
    client.get(reverse("upgrade_poll", args=[estate["upgrades"]]), HTTP_HX_REQUEST="true")
    assert expiry(client) == before


def test_a_users_own_request_moves_the_idle_expiry(client, viewer, estate):
    client.force_login(viewer)
    client.get("/")
    age_session(client, hours_left=1)
    client.get(reverse("upgrade", args=[estate["upgrades"]]))
    assert expiry(client) > timezone.now() + timedelta(hours=11)


def test_an_idle_session_ends(client, viewer, estate):
    client.force_login(viewer)
    client.get("/")
    age_session(client, hours_left=-0.01)
    response = client.get("/")
    assert (response.status_code, response["Location"].startswith("/login/")) == (302, True)


# --- sign-off ---------------------------------------------------------------------------------------


def test_the_requester_cannot_sign_off_their_own_upgrade(client, operator, estate):
    client.force_login(operator)
    response = client.post(reverse("sign_off", args=[estate["upgrades"]]), HTTP_HX_REQUEST="true")
    assert (response.status_code, "someone else must sign it off" in response.content.decode()) == (403, True)


def test_the_requester_cannot_sign_off_through_the_api_either(client, operator, estate):
    client.force_login(operator)
    response = client.post(
        f"/api/upgrades/{estate['upgrades']}/sign-off/", {}, content_type="application/json"
    )
    assert response.status_code == 403


def test_self_sign_off_is_a_setting(client, operator, estate, settings):
    settings.OCPDASH_ALLOW_SELF_SIGN_OFF = True
    client.force_login(operator)
    assert (
        client.post(reverse("sign_off", args=[estate["upgrades"]]), HTTP_HX_REQUEST="true").status_code == 200
    )


def test_another_operator_signs_off(client, make_user, estate):
    from ocpdash.core.roles import OPERATOR

    client.force_login(make_user("colleague", OPERATOR))
    assert (
        client.post(reverse("sign_off", args=[estate["upgrades"]]), HTTP_HX_REQUEST="true").status_code == 200
    )
