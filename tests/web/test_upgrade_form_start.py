"""The upgrade form's Start choice (now, at a time in a time zone, at the next window) and what the
pre-check shows beside it: the ETA of the path, whether it fits the window, the approvals needed.
Bad input is refused before OCP is asked; requests go to the simulator."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.flow import Start
from ocpdash.changes.models import ApprovalPolicy, MaintenanceWindow
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import State, Upgrade
from ocpdash.web.forms import StartForm
from tests.web.conftest import hx

pytestmark = pytest.mark.django_db

ORION_PACKAGE = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"


def request_upgrade(client, cluster, package, **start) -> Upgrade:
    response = client.post(
        reverse("upgrade_form", args=[cluster.pk]), {"package": package.pk, "reason": "patch", **start},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()
    upgrade = Upgrade.objects.get(cluster=cluster)
    assert response["HX-Redirect"] == reverse("upgrade", args=[upgrade.pk])
    return upgrade


# --- The form's Start choice -----------------------------------------------------------------


def test_the_form_starts_now_by_default_and_offers_the_next_window_only_with_windows(
    client, operator, cluster, package
):
    client.force_login(operator)
    url = reverse("upgrade_form", args=[cluster.pk])
    html = client.get(url).content.decode()
    assert re.search(r'name="start" value="now" checked', html)
    assert "still subject to approval and change freezes" in html
    assert re.search(r'name="start" value="next_window" disabled', html)
    assert 'id="no-windows"' in html and 'id="openings"' not in html
    assert "<option selected>UTC</option>" in html, "no window: the time zone is UTC"

    MaintenanceWindow.objects.create(site=cluster.site, weekday=5, start_time=time(1), end_time=time(5),
                                     time_zone="Asia/Shanghai")  # fmt: skip
    html = client.get(url).content.decode()
    assert not re.search(r'name="start" value="next_window" disabled', html)
    openings = re.search(r'<ul class="openings" id="openings">(.*?)</ul>', html).group(1)
    assert openings.count("<li>") == 3
    assert openings.count("Sat ") == 3 and "01:00–05:00 Asia/Shanghai" in openings
    assert "<option selected>Asia/Shanghai</option>" in html, "the window's time zone by default"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"start": "at", "start_at": ""}, "Give the start time: a date and a time."),
        ({"start": "at", "start_at": "tomorrow at one"}, "is not a date and time such as 2026-12-05 01:00."),
        ({"start": "at", "start_at": "2026-12-05T01:00", "start_tz": "Mars/Olympus"},
         "Mars/Olympus is not a time zone name such as Asia/Shanghai or UTC."),
        ({"start": "at", "start_at": "2030-03-10T02:30", "start_tz": "America/New_York"},
         "2030-03-10 02:30 does not exist in America/New_York (the clocks go forward then)"),
        ({"start": "whenever"}, "Choose when it starts: now, at a time, or at the next window."),
    ],
)  # fmt: skip
def test_a_bad_start_is_refused_with_a_clear_error_before_asking_ocp(
    client, operator, cluster, package, fields, error
):
    client.force_login(operator)
    url = reverse("upgrade_form", args=[cluster.pk])
    response = client.post(url, {"package": package.pk, **fields}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Upgrade.objects.exists()


def test_a_refused_start_keeps_what_was_typed_in_the_form(client, operator, cluster, package):
    client.force_login(operator)
    data = {
        "package": package.pk,
        "start": "at",
        "start_at": "2030-03-10T02:30",
        "start_tz": "America/New_York",
    }
    html = client.post(reverse("upgrade_form", args=[cluster.pk]), data).content.decode()
    assert 'name="start" value="at" checked' in html
    assert 'value="2030-03-10T02:30"' in html and "<option selected>America/New_York</option>" in html


def test_a_local_start_time_is_read_in_the_chosen_time_zone():
    form = StartForm({"start": "at", "start_at": "2026-12-05T01:00", "start_tz": "Asia/Shanghai"})
    assert form.is_valid(), form.errors
    assert form.when == Start("at", datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    assert StartForm({"start": "next_window"}).when == Start("next_window")
    assert StartForm({}).when == Start("now")


# --- Against OCP (the simulator) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_precheck_shows_the_eta_its_window_and_the_approval_needed(sim_site, client, operator):
    orion = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name=ORION_PACKAGE)
    ApprovalPolicy.objects.create(cluster=orion, approvals_required=1)
    MaintenanceWindow.objects.create(cluster=orion, weekday=5, start_time=time(1), end_time=time(5),
                                     time_zone="Asia/Shanghai")  # fmt: skip
    client.force_login(operator)
    url = reverse("upgrade_precheck", args=[orion.pk])
    html = hx(client, f"{url}?package={package.pk}&start=next_window").content.decode()
    assert "passed" in html
    eta = re.search(r'<p id="plan-eta">(.*?)</p>', html).group(1)
    assert eta.startswith("<strong>ETA</strong> no history yet, in ")
    assert "window (Sat " in eta and "01:00–05:00 Asia/Shanghai); no history to tell whether it fits" in eta
    approval = re.search(r'<p id="plan-approval">(.*?)</p>', html).group(1)
    assert approval == (
        "<strong>Approval</strong> 1 approval (policy for cluster orion), by approvers other than you, "
        "before it starts"
    )
    html = hx(client, f"{url}?package={package.pk}&start=at&start_at=soon").content.decode()
    assert "is not a date and time" in html, "a bad start is said beside the pre-check"


@pytest.mark.django_db(transaction=True)
def test_a_start_time_in_the_past_or_outside_the_windows_is_refused_by_the_request(
    sim_site, client, operator
):
    orion = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name=ORION_PACKAGE)
    client.force_login(operator)
    url = reverse("upgrade_form", args=[orion.pk])
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"package": package.pk, "start": "at", "start_at": yesterday, "start_tz": "UTC"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "is in the past" in response.content.decode()
    MaintenanceWindow.objects.create(cluster=orion, weekday=5, start_time=time(1), end_time=time(5))
    tomorrow_noon = (timezone.now() + timedelta(days=1)).replace(hour=12, minute=0)
    data = {
        "package": package.pk,
        "start": "at",
        "start_at": f"{tomorrow_noon:%Y-%m-%dT%H:%M}",
        "start_tz": "UTC",
    }
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "is outside orion&#x27;s maintenance windows (next: Sat " in response.content.decode()
    assert not Upgrade.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_request_at_a_local_time_is_scheduled_for_that_instant(sim_site, client, operator):
    orion = Cluster.objects.get(name="orion")
    package = RpmPackage.objects.get(file_name=ORION_PACKAGE)
    client.force_login(operator)
    day = timezone.now().date() + timedelta(days=2)
    upgrade = request_upgrade(
        client, orion, package, start="at", start_at=f"{day:%Y-%m-%d}T09:30", start_tz="Asia/Shanghai"
    )
    assert (upgrade.state, upgrade.start_mode) == (State.SCHEDULED, "at")
    assert upgrade.start_at == datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert re.search(r'id="change-start">Starts at \w{3} \d+ \w{3} 01:30 UTC; planned ', html)
    assert "Starts at " in re.search(r'id="start-note">(.*?)</p>', html).group(1)
