"""The dashboard's clusters: searchable and filtered by site, version, status and label, a pair shown
whole, the filter kept by the live poll, the poll as cheap as before; elapsed times ready to tick."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.models import Upgrade
from tests.web.conftest import hx

pytestmark = pytest.mark.django_db
ROW = r'<tr data-cluster-id="\d+"[^>]*>\s*<td><a href="[^"]+">([^<]+)</a>'
DIMMED = r'<tr data-cluster-id="\d+" class="[^"]*pair-context"[^>]*>\s*<td><a href="[^"]+">([^<]+)</a>'


@pytest.fixture
def estate(make_cluster, site):
    other = OcpSite.objects.create(name="beijing", base_url="http://127.0.0.1:2", username="u", password="p")
    orion = make_cluster(name="orion", labels=["production"], version="4.2.1.1-1")
    make_cluster(name="orion-sb", primary=orion, cluster_type="STANDBY", version="4.2.1.1-1")
    make_cluster(name="vega", site=other, status="UPGRADING", version="4.1.0.0-1")
    make_cluster(name="lyra", labels=["staging", "<b>evil</b>"], version="4.1.0.0-1")
    return {"orion": orion}


def shown(client, **query) -> list[str]:
    html = client.get(reverse("dashboard"), query).content.decode()
    return re.findall(ROW, html)


def dimmed(client, **query) -> list[str]:
    html = client.get(reverse("dashboard"), query).content.decode()
    return re.findall(DIMMED, html)


@pytest.fixture
def viewing(client, viewer, estate):
    client.force_login(viewer)
    return client


def test_without_filters_every_cluster_shows_by_site_with_a_standby_under_its_primary(viewing):
    assert shown(viewing) == ["vega", "lyra", "orion", "orion-sb"]


def test_the_search_matches_words_in_any_order_and_case(viewing):
    assert shown(viewing, q="LYRA staging") == ["lyra"]


def test_the_site_filter(viewing):
    assert shown(viewing, site="beijing") == ["vega"]


def test_the_version_filter(viewing):
    assert shown(viewing, version="4.1.0.0-1") == ["vega", "lyra"]


def test_the_status_filter(viewing):
    assert shown(viewing, status="UPGRADING") == ["vega"]


def test_the_label_filter(viewing):
    assert shown(viewing, label="production") == ["orion", "orion-sb"]


def test_a_pair_is_shown_whole_with_the_member_that_does_not_match_dimmed(viewing):
    assert (shown(viewing, q="orion-sb"), dimmed(viewing, q="orion-sb")) == (["orion", "orion-sb"], ["orion"])


def test_a_filter_value_no_cluster_has_is_ignored(viewing):
    assert shown(viewing, site="nowhere", label="x" * 500) == ["vega", "lyra", "orion", "orion-sb"]


def test_nothing_matching_says_so(viewing):
    assert (
        "No cluster matches these filters."
        in viewing.get(reverse("dashboard"), {"q": "zzz"}).content.decode()
    )


def test_the_filters_offer_the_values_the_clusters_have_escaped(viewing):
    html = viewing.get(reverse("dashboard")).content.decode()
    assert '<option value="staging">staging</option>' in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html and "<b>evil</b>" not in html


def test_the_filter_form_gets_only_the_cluster_list(viewing):
    response = hx(viewing, reverse("dashboard") + "?q=vega", hx_target="cluster-list")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="cluster-list"') and 'id="dashboard"' not in html
    assert response["Vary"].count("HX-Target") == 1


def test_the_live_poll_keeps_the_filter(viewing, make_upgrade, estate):
    upgrade = make_upgrade(cluster=estate["orion"])
    key = viewing.get(reverse("dashboard")).context["key"]
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=5)
    html = hx(viewing, reverse("dashboard") + f"?v={key}&q=vega&site=&label=").content.decode()
    assert 'id="dashboard"' in html and '<div id="cluster-list" hx-swap-oob="true">' in html
    assert re.findall(ROW, html) == ["vega"]


def test_an_unchanged_poll_with_filters_is_a_204_in_as_few_queries_as_without(viewing):
    key = viewing.get(reverse("dashboard")).context["key"]
    counts = []
    for query in (f"?v={key}", f"?v={key}&q=orion&site=beijing&version=&status=&label=production"):
        with CaptureQueriesContext(connection) as queries:
            assert hx(viewing, reverse("dashboard") + query).status_code == 204
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_an_active_upgrade_shows_its_pair_and_an_elapsed_time_that_can_tick(viewing, make_upgrade, estate):
    upgrade = make_upgrade(cluster=estate["orion"])
    upgrade.also_upgrades.add(*estate["orion"].standbys.all())
    html = viewing.get(reverse("dashboard")).content.decode()
    row = html[html.index(f'data-upgrade-id="{upgrade.pk}"') :].split("</tr>", 1)[0]
    assert "+ <a" in row and "orion-sb</a> (standby)" in row
    assert re.search(r'<time class="elapsed" data-elapsed="\d+">', row)
    assert 'src="/static/js/elapsed.js"' in html
