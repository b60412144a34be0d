"""GET /upgrades/{id}/evidence/: the evidence pack as a download for anyone with a role, the upgrade
page's link to it, and the same bytes as the API and the command line."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from ocpdash.upgrades import evidence
from tests.fixtures.evidence import PASSWORD, audited_upgrade

pytestmark = pytest.mark.django_db


@pytest.fixture
def upgrade(make_user):
    return audited_upgrade(make_user)


def url(upgrade, **query):
    return reverse("upgrade_evidence", args=[upgrade.pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def test_a_viewer_downloads_the_html_named_after_the_upgrade(client, viewer, upgrade):
    client.force_login(viewer)
    response = client.get(url(upgrade))
    assert (response.status_code, response["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="ocpdash-upgrade-{upgrade.pk}-evidence.html"'
    )


def test_the_html_download_says_who_exported_it(client, viewer, upgrade):
    client.force_login(viewer)
    assert "Exported by view at " in client.get(url(upgrade)).content.decode()


def test_the_json_download_is_the_canonical_json_its_header_and_the_html_name(client, viewer, upgrade):
    client.force_login(viewer)
    response = client.get(url(upgrade, format="json"))
    digest = hashlib.sha256(response.content).hexdigest()
    assert response["Content-Type"] == "application/json"
    assert response["X-Evidence-SHA256"] == digest == evidence.export(upgrade.pk).sha256
    assert digest in client.get(url(upgrade)).content.decode()


def test_the_download_may_only_style_itself(client, viewer, upgrade):
    client.force_login(viewer)
    policy = client.get(url(upgrade))["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_an_unknown_format_is_a_400(client, viewer, upgrade):
    client.force_login(viewer)
    assert client.get(url(upgrade, format="pdf")).status_code == 400


def test_an_unknown_upgrade_is_a_404(client, viewer, db):
    client.force_login(viewer)
    assert client.get(reverse("upgrade_evidence", args=[987654])).status_code == 404


def test_a_user_without_a_role_gets_403(make_user, upgrade):
    client = Client()
    client.force_login(make_user("nobody"))
    assert client.get(url(upgrade)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, upgrade):
    response = client.get(url(upgrade))
    assert (response.status_code, response["Location"].startswith("/login/")) == (302, True)


def test_the_upgrade_page_links_to_both_downloads(client, viewer, upgrade):
    client.force_login(viewer)
    page = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert f'href="{url(upgrade)}"' in page
    assert f'href="{url(upgrade, format="json")}"' in page


def test_no_site_credential_is_downloaded(client, viewer, upgrade):
    client.force_login(viewer)
    for response in (client.get(url(upgrade)), client.get(url(upgrade, format="json"))):
        assert PASSWORD.encode() not in response.content
