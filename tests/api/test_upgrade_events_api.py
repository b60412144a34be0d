"""An upgrade's events over the API (review L8): the newest inline in the detail, every one paged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpdash.api.serializers import EVENTS_INLINE
from ocpdash.upgrades.models import UpgradeEvent
from tests.api.conftest import assert_error


@pytest.fixture
def busy(make_upgrade):
    """An upgrade with 121 events: the one make_upgrade records, then 120 a second apart."""
    upgrade = make_upgrade()
    start = timezone.now() + timedelta(seconds=1)  # after the one make_upgrade recorded
    UpgradeEvent.objects.bulk_create(
        UpgradeEvent(
            upgrade=upgrade, kind="step", message=f"event {n}", created_at=start + timedelta(seconds=n)
        )
        for n in range(120)
    )
    return upgrade


def test_detail_shows_only_the_newest_events_oldest_first(api, viewer, busy):
    events = api(viewer).get(f"/api/upgrades/{busy.pk}/").json()["events"]
    assert [e["message"] for e in events] == [f"event {n}" for n in range(120 - EVENTS_INLINE, 120)]


def test_detail_says_there_are_more_and_where(api, viewer, busy):
    data = api(viewer).get(f"/api/upgrades/{busy.pk}/").json()
    assert (data["events_more"], data["events_url"]) == (True, f"/api/upgrades/{busy.pk}/events/")


def test_a_short_history_is_whole_inline(api, viewer, make_upgrade):
    upgrade = make_upgrade()
    assert api(viewer).get(f"/api/upgrades/{upgrade.pk}/").json()["events_more"] is False


def test_events_page_newest_first_with_a_cursor(api, viewer, busy):
    client = api(viewer)
    first = client.get(f"/api/upgrades/{busy.pk}/events/?page_size=50").json()
    second = client.get(first["next"]).json()
    messages = [e["message"] for e in first["results"] + second["results"]]
    assert messages == [f"event {n}" for n in range(119, 19, -1)]


def test_every_event_is_reachable_by_paging(api, viewer, busy):
    client, url, seen = api(viewer), f"/api/upgrades/{busy.pk}/events/?page_size=50", 0
    while url:
        page = client.get(url).json()
        seen += len(page["results"])
        url = page["next"]
    assert seen == 121


def test_events_of_another_upgrade_are_not_mixed_in(api, viewer, busy, make_upgrade):
    other = make_upgrade()
    messages = [e["message"] for e in api(viewer).get(f"/api/upgrades/{other.pk}/events/").json()["results"]]
    assert messages == ["Upgrade requested."]


def test_events_need_the_view_permission(api, make_user, busy):
    assert_error(api(make_user()).get(f"/api/upgrades/{busy.pk}/events/"), 403, "permission_denied")


def queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def test_the_detail_costs_the_same_queries_with_121_events_as_with_1(api, viewer, busy, make_upgrade):
    client, quiet = api(viewer), make_upgrade()
    queries(client, f"/api/upgrades/{quiet.pk}/")  # token and permission caches warm, and each ETA
    queries(client, f"/api/upgrades/{busy.pk}/")  # (kept per revision) computed once
    assert queries(client, f"/api/upgrades/{busy.pk}/") == queries(client, f"/api/upgrades/{quiet.pk}/")
