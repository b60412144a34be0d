import csv
import io

import pytest
from django.db.models.functions import Now
from django.urls import reverse

from ocpdash.upgrades import submission
from ocpdash.upgrades.models import State, Upgrade, UpgradeStep
from ocpdash.upgrades.precheck import PrecheckReport
from tests.web.conftest import hx

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login_everywhere(client, make_upgrade, cluster):
    upgrade = make_upgrade()
    urls = [
        reverse("dashboard"), reverse("cluster", args=[cluster.pk]),
        reverse("upgrade_form", args=[cluster.pk]),
        reverse("upgrade", args=[upgrade.pk]), reverse("upgrade_poll", args=[upgrade.pk]),
        reverse("history"), reverse("history_csv"), reverse("step_log", args=[upgrade.pk, 1]),
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_dashboard_lists_clusters_and_active_upgrades_and_polls_with_204(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=4)
    client.force_login(viewer)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert "orion" in html and f'data-upgrade-id="{upgrade.pk}"' in html and "2 of 4 steps" in html
    key = response.context["key"]
    assert hx(client, reverse("dashboard") + f"?v={key}").status_code == 204
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=3)
    changed = hx(client, reverse("dashboard") + f"?v={key}")
    assert changed.status_code == 200 and "<html" not in changed.content.decode()
    assert 'id="dashboard"' in changed.content.decode()


def test_cluster_page_shows_zones_servers_history_and_upgrade_button(client, operator, viewer, cluster):
    client.force_login(operator)
    html = client.get(reverse("cluster", args=[cluster.pk])).content.decode()
    assert "zone3" in html and "10.0.0.2:2882" in html and "Upgrade…" in html
    client.force_login(viewer)
    assert "Upgrade…" not in client.get(reverse("cluster", args=[cluster.pk])).content.decode()


def test_upgrade_form_orders_packages_and_disables_the_others(client, operator, cluster, make_package):
    older = make_package("oceanbase-2.2.50-20190101000000.el7.x86_64.rpm")
    arm = make_package("oceanbase-2.2.76-20210108170301.el7.aarch64.rpm")
    off = make_package("oceanbase-2.2.77-20210108170301.el7.x86_64.rpm", enabled=False)
    good = make_package("oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")
    client.force_login(operator)
    response = client.get(reverse("upgrade_form", args=[cluster.pk]))
    choices = response.context["choices"]
    assert choices[0].package == good and not choices[0].reason
    reasons = {c.package: c.reason for c in choices}
    assert "not newer" in reasons[older] and "aarch64" in reasons[arm] and "disabled" in reasons[off]
    assert response.content.decode().count("disabled>") + response.content.decode().count("disabled >") >= 3


def test_precheck_fragment_reports_failures(client, operator, cluster, package):
    client.force_login(operator)
    url = reverse("upgrade_precheck", args=[cluster.pk]) + f"?package={package.pk}"
    html = hx(client, url).content.decode()
    assert 'id="precheck"' in html and "<html" not in html
    assert "Could not check with OCP" in html, "the test site points at a closed port"


def passing_report(user, cluster, package, *args, **kw):
    return PrecheckReport(cluster.pk, package.pk, cluster.version, package.full_version)


def test_submit_redirects_and_a_second_submit_is_a_clear_conflict(
    client, operator, cluster, package, monkeypatch
):
    monkeypatch.setattr(submission, "precheck", passing_report)
    client.force_login(operator)
    url = reverse("upgrade_form", args=[cluster.pk])
    first = client.post(url, {"package": package.pk, "reason": "r"}, HTTP_HX_REQUEST="true")
    upgrade = Upgrade.objects.get()
    assert first.status_code == 200 and first["HX-Redirect"] == reverse("upgrade", args=[upgrade.pk])
    second = client.post(url, {"package": package.pk}, HTTP_HX_REQUEST="true")
    assert second.status_code == 409
    assert "already has an active upgrade" in second.content.decode()
    assert Upgrade.objects.count() == 1


def test_submit_without_htmx_redirects_to_the_upgrade_page(client, operator, cluster, package, monkeypatch):
    monkeypatch.setattr(submission, "precheck", passing_report)
    client.force_login(operator)
    response = client.post(reverse("upgrade_form", args=[cluster.pk]), {"package": package.pk})
    assert response.status_code == 302 and response.url == reverse("upgrade", args=[Upgrade.objects.get().pk])


def test_submit_with_failing_precheck_shows_the_report(client, operator, cluster, package):
    client.force_login(operator)
    response = client.post(reverse("upgrade_form", args=[cluster.pk]), {"package": package.pk})
    assert response.status_code == 400 and "The pre-check failed" in response.content.decode()
    assert not Upgrade.objects.exists()


def test_viewer_gets_403_on_every_mutating_action(client, viewer, make_upgrade, cluster, package):
    upgrade = make_upgrade(steps=3, state=State.FAILED, statuses=["SUCCESSFUL", "FAILED"])
    done = make_upgrade(steps=1, state=State.SUCCESSFUL, cluster=make_cluster_for(cluster))
    client.force_login(viewer)
    posts = [
        (reverse("upgrade_form", args=[cluster.pk]), {"package": package.pk}),
        (reverse("operate_task", args=[upgrade.pk]), {"op": "close", "reason": "x"}),
        (reverse("operate_step", args=[upgrade.pk, 2]), {"op": "retry", "reason": "x"}),
        (reverse("comment", args=[done.pk]), {"body": "hi"}),
        (reverse("sign_off", args=[done.pk]), {}),
        (reverse("sync_clusters"), {}),
    ]
    for url, data in posts:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.post(url, data, **headers)
            assert response.status_code == 403, url
            assert "Not allowed" in response.content.decode() or "not allowed" in response.content.decode()
    assert client.get(reverse("upgrade_form", args=[cluster.pk])).status_code == 403
    assert hx(client, reverse("upgrade_precheck", args=[cluster.pk])).status_code == 403
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.FAILED and not done.comments.exists()


def make_cluster_for(cluster):
    from ocpdash.sites.models import Cluster

    return Cluster.objects.create(
        site=cluster.site, ocp_id=cluster.ocp_id + 1, name="vega", version=cluster.version
    )


def test_operation_outcome_is_shown_inline(client, operator, make_upgrade):
    upgrade = make_upgrade(
        steps=3, state=State.FAILED, statuses=["SUCCESSFUL", "FAILED"], ocp_task_status="FAILED"
    )
    client.force_login(operator)
    refused = client.post(reverse("operate_step", args=[upgrade.pk, 2]), {"op": "retry", "reason": "x"},
                          HTTP_HX_REQUEST="true")  # fmt: skip
    assert refused.status_code == 503 and "OCP could not be reached" in refused.content.decode()
    wrong = client.post(reverse("operate_step", args=[upgrade.pk, 1]), {"op": "skip"}, HTTP_HX_REQUEST="true")
    assert wrong.status_code == 409 and "not possible" in wrong.content.decode()
    closed = client.post(reverse("operate_task", args=[upgrade.pk]), {"op": "close", "reason": "done"},
                         HTTP_HX_REQUEST="true")  # fmt: skip
    assert closed.status_code == 200 and "Upgrade closed" in closed.content.decode()
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.CLOSED


def test_comment_and_sign_off_on_a_finished_upgrade(client, operator, make_user, make_upgrade):
    upgrade = make_upgrade(steps=2, state=State.SUCCESSFUL)  # requested by operator
    client.force_login(operator)
    html = client.post(reverse("comment", args=[upgrade.pk]), {"body": "<b>fine</b>"}, HTTP_HX_REQUEST="true")
    assert "&lt;b&gt;fine&lt;/b&gt;" in html.content.decode()
    assert "a colleague does" in client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    client.force_login(make_user("colleague", "Operators"))
    page = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert "Sign off as reviewed" in page
    signed = client.post(reverse("sign_off", args=[upgrade.pk]), {"note": "ok"}, HTTP_HX_REQUEST="true")
    assert signed.status_code == 200 and "Signed off by colleague" in signed.content.decode()
    again = client.post(reverse("sign_off", args=[upgrade.pk]), {}, HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "Already signed off" in again.content.decode()
    assert client.get(reverse("history") + "?reviewed=no").context["upgrades"] == []


def make_history(make_cluster, package, operator, n):
    rows = []
    for i in range(n):
        rows.append(Upgrade(cluster=make_cluster(name=f"c{i:03d}"), package=package, requested_by=operator,
                            state=State.SUCCESSFUL, from_version="1", to_version=package.full_version,
                            reason="=cmd()" if i == 0 else ""))  # fmt: skip
    Upgrade.objects.bulk_create(rows)


def test_history_pages_by_keyset_newest_first_without_count_or_offset(
    client, viewer, make_cluster, package, operator, django_assert_max_num_queries
):
    make_history(make_cluster, package, operator, 120)
    client.force_login(viewer)
    seen, url = [], reverse("history")
    for _ in range(3):
        response = client.get(url)
        seen += [u.pk for u in response.context["upgrades"]]
        if not response.context["next_query"]:
            break
        url = reverse("history") + "?" + response.context["next_query"]
    assert len(seen) == 120 == len(set(seen)) and seen == sorted(seen, reverse=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    sql = " ".join(q["sql"] for q in ctx.captured_queries).upper()
    assert "COUNT(" not in sql and "OFFSET" not in sql


def test_history_rows_and_cluster_options_escape_ocp_text_with_a_fixed_number_of_queries(
    client, viewer, make_cluster, package, operator, django_assert_num_queries
):
    """Rows and the cluster filter are built in Python (markup.py): OCP's names must still arrive as
    text, and the rows' narrowed columns must not cost a query per row."""
    hostile = make_cluster(name='<img src=x onerror="alert(1)">')
    hostile.site.name = "<script>site()</script>"
    hostile.site.save()
    make_history(make_cluster, package, operator, 3)
    Upgrade.objects.filter(cluster__name="c000").update(reviewed_by=viewer, reviewed_at="2026-01-01T00:00Z")
    Upgrade.objects.create(cluster=hostile, package=package, requested_by=operator, state=State.RUNNING,
                           from_version="<b>1</b>", to_version=package.full_version)  # fmt: skip
    client.force_login(viewer)
    client.get(reverse("history"))  # session and permission caches warm
    with django_assert_num_queries(6):  # session, user, rows, the filter's clusters and sites, the banner
        client.get(reverse("history"))
    with django_assert_num_queries(3):  # htmx fetches only the results: no filter form to fill
        hx(client, reverse("history"), hx_target="history-results")
    make_history(make_cluster, package, operator, 40)
    Upgrade.objects.filter(state=State.SUCCESSFUL).update(finished_at=Now())  # rows show "Took"
    with django_assert_num_queries(6):  # 44 rows now, 43 with a duration
        html = client.get(reverse("history")).content.decode()
    for raw in ('<img src=x onerror="alert(1)">', "<script>site()</script>", "<b>1</b>"):
        assert raw not in html
    option = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; (&lt;script&gt;site()&lt;/script&gt;)</option>"
    assert option in html
    assert "&lt;b&gt;1&lt;/b&gt; →" in html and " selected>" not in html
    assert html.count(">review</a>") == 42  # 44 rows: one running, one reviewed
    oldest = client.get(reverse("history") + "?q=c000").content.decode()
    assert f"✓ {viewer.username}" in oldest and oldest.count(">review</a>") == 1  # the later batch's c000
    filtered = client.get(reverse("history") + f"?cluster={hostile.pk}").content.decode()
    assert f'<option value="{hostile.pk}" selected>' in filtered and filtered.count(" selected>") == 1


def test_history_filters_live_in_the_url_and_htmx_gets_the_results_only(client, viewer, make_upgrade):
    upgrade = make_upgrade(state=State.SUCCESSFUL)
    client.force_login(viewer)
    assert [u.pk for u in client.get(reverse("history") + "?q=orion").context["upgrades"]] == [upgrade.pk]
    assert client.get(reverse("history") + "?q=nothing").context["upgrades"] == []
    html = hx(client, reverse("history") + "?state=successful", hx_target="history-results").content.decode()
    assert html.lstrip().startswith('<div id="history-results">') and f"#{upgrade.pk}" in html


def test_history_csv_streams_the_filtered_set_without_formulas(
    client, viewer, make_cluster, package, operator
):
    make_history(make_cluster, package, operator, 3)
    client.force_login(viewer)
    response = client.get(reverse("history_csv") + "?q=c00")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "id" and len(rows) == 4
    assert "'=cmd()" in [r[11] for r in rows[1:]]


def test_step_rows_link_to_shareable_step_urls(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=2)
    step = UpgradeStep.objects.filter(upgrade=upgrade).first()
    client.force_login(viewer)
    assert (
        f'href="?step={step.ocp_subtask_id}"'
        in client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    )
