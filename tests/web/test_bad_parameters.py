"""Review L2: malformed ids and parameters answer 400/404 or are ignored, never a 500 or a traceback,
on the pages, the API and the command line."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("site", ["²", "١", "9" * 30, "-1", "1e3", "", "%00"])
def test_the_cluster_list_ignores_a_site_filter_that_is_not_an_id(client, viewer, site):
    client.force_login(viewer)
    response = client.get("/api/clusters/", {"site": site})
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("at", ["inf", "-inf", "nan", "1e20", "x", ""])
def test_the_live_poll_takes_any_render_time(client, viewer, make_upgrade, at):
    upgrade = make_upgrade()
    client.force_login(viewer)
    response = client.get(
        reverse("upgrade_poll", args=[upgrade.pk]), {"v": "-1", "at": at, "n": "1", "e": "0"}
    )
    assert response.status_code in (200, 286)


@pytest.mark.parametrize(
    "path",
    [
        "/upgrades/{huge}/",
        "/upgrades/{huge}/poll/",
        "/clusters/{huge}/",
        "/api/upgrades/{huge}/",
        "/api/clusters/{huge}/",
        "/api/upgrades/1/steps/{huge}/retry/",
    ],
)
def test_ids_too_big_for_the_database_are_not_found(client, operator, path):
    client.force_login(operator)
    url = path.format(huge=2**66)
    response = client.post(url) if url.endswith("retry/") else client.get(url)
    assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize(("since", "until"), [("0001-01-01", ""), ("", "9999-12-31"), ("2026-02-30", "x")])
def test_history_dates_at_the_ends_of_the_calendar_are_ignored(client, viewer, settings, since, until):
    settings.TIME_ZONE = "Asia/Shanghai"
    client.force_login(viewer)
    for url in (reverse("history"), reverse("history_csv"), "/api/upgrades/"):
        response = client.get(url, {"since": since, "until": until, "cluster": "2" * 25})
        assert response.status_code == 200, url


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("upgrade_status", ["²"]),
        ("cancel_upgrade", ["²", "--user", "op"]),
        ("precheck", ["²", "²", "--user", "op"]),
    ],
)
def test_the_cli_says_what_is_wrong_with_an_id(command, args, operator):
    with pytest.raises(CommandError) as info:
        call_command(command, *args)
    assert "²" in str(info.value)
