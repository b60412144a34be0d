"""The credential guard: after a few 401s from a site no call reaches it until it is saved or resumed."""

import pytest

from ocpdash.ocp import OcpCredentialsRefused
from ocpdash.sites.guard import CredentialGuard, resume
from ocpdash.sites.models import OcpSite


@pytest.fixture
def guarded(site, settings):
    settings.OCPDASH_AUTH_FAILURE_LIMIT = 3
    settings.OCPDASH_AUTH_PROBE_SECONDS = 60
    return site


def fresh(site) -> CredentialGuard:
    return CredentialGuard.for_site(OcpSite.objects.get(pk=site.pk))


def test_after_the_first_401_calls_go_one_probe_at_a_time(guarded):
    guard = fresh(guarded)
    guard.before("GET", "/tasks/instances/1")
    guard.after("GET", "/tasks/instances/1", 401, 0.01)
    prober, other = fresh(guarded), fresh(guarded)
    prober.before("GET", "/tasks/instances/1")  # takes the probe lease
    with pytest.raises(OcpCredentialsRefused) as info:
        other.before("GET", "/tasks/instances/2")
    assert info.value.request_sent is False


def test_the_limit_of_401s_stops_every_call_and_says_since_when(guarded):
    guard = fresh(guarded)
    for _ in range(3):
        guard.after("GET", "/ob/clusters", 401, 0.01)
    site = OcpSite.objects.get(pk=guarded.pk)
    assert site.credentials_refused
    assert site.auth_failures == 3
    with pytest.raises(OcpCredentialsRefused) as info:
        fresh(guarded).before("GET", "/ob/clusters")
    assert "refused ocpdash's credentials since" in info.value.message
    assert "nothing is being followed on this site" in info.value.message


def test_an_accepted_call_ends_the_count(guarded):
    guard = fresh(guarded)
    guard.after("GET", "/ob/clusters", 401, 0.01)
    guard.after("GET", "/ob/clusters", 403, 0.01)  # authenticated, only not allowed
    assert OcpSite.objects.get(pk=guarded.pk).auth_failures == 0
    fresh(guarded).before("GET", "/ob/clusters")  # no probe needed any more
    fresh(guarded).before("GET", "/ob/clusters")


def test_a_server_error_proves_nothing_about_credentials(guarded):
    guard = fresh(guarded)
    guard.after("GET", "/ob/clusters", 401, 0.01)
    guard.after("GET", "/ob/clusters", 502, 0.01)
    guard.after("GET", "/ob/clusters", None, 0.01)  # no reply at all
    assert OcpSite.objects.get(pk=guarded.pk).auth_failures == 1


@pytest.mark.parametrize("how", ["resume", "save"])
def test_try_again_or_saving_the_site_resumes(guarded, how):
    guard = fresh(guarded)
    for _ in range(3):
        guard.after("GET", "/ob/clusters", 401, 0.01)
    site = OcpSite.objects.get(pk=guarded.pk)
    if how == "resume":
        resume(site)
    else:
        site.password = "the-right-one"
        site.save()
    site.refresh_from_db()
    assert (site.auth_failures, site.auth_refused_since, site.auth_probe_until) == (0, None, None)
    fresh(guarded).before("GET", "/ob/clusters")


def test_the_site_client_is_guarded(guarded):
    for _ in range(3):
        fresh(guarded).after("GET", "/ob/clusters", 401, 0.01)
    site = OcpSite.objects.get(pk=guarded.pk)
    with site.client() as client, pytest.raises(OcpCredentialsRefused):
        client.list_clusters()  # refused before any connection is tried (the URL's port is closed)
