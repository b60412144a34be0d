"""The management commands: same permissions and events as the UI, errors without tracebacks."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent

GOOD = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
HAPPY_CLUSTER = "orion"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_api_token_issue_prints_a_working_key_and_revoke_removes_it(operator):
    key = run("api_token", "issue", operator.username)[0].strip()
    assert Token.objects.get(user=operator).key == key
    run("api_token", "revoke", operator.username)
    assert not Token.objects.filter(user=operator).exists()
    with pytest.raises(CommandError, match="no API token"):
        run("api_token", "revoke", operator.username)


def test_unknown_user_is_a_command_error(db):
    with pytest.raises(CommandError, match="No ocpdash user"):
        run("api_token", "issue", "ghost")


def test_catalog_import_needs_the_catalog_admin_role(tmp_path, viewer):
    with pytest.raises(CommandError, match="Catalog admins"):
        run("catalog_import", str(tmp_path), "--user", viewer.username)


def test_submit_by_a_viewer_is_refused_with_a_message(viewer, make_cluster, make_package):
    cluster, package = make_cluster(), make_package()
    with pytest.raises(CommandError, match="not allowed"):
        run("submit_upgrade", str(cluster.pk), package.file_name, "--user", viewer.username)
    assert not Upgrade.objects.exists()


def test_precheck_failure_lists_every_failing_check(operator, make_cluster, make_package):
    cluster, package = make_cluster(architecture="aarch64"), make_package(enabled=False)
    out = StringIO()
    with pytest.raises(CommandError, match="pre-check failed"):
        call_command("precheck", cluster.name, str(package.pk), "--user", operator.username, stdout=out)
    assert "✗ package_enabled" in out.getvalue() and "✗ architecture" in out.getvalue()


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_submit_and_wait_follows_the_upgrade_to_success_and_prints_steps(engine, operator):
    engine.start_worker()
    out, _ = run("submit_upgrade", HAPPY_CLUSTER, GOOD, "--user", operator.username, "--wait",
                 "--interval", "0.2", "--timeout", "90", "--reason", "from the CLI")  # fmt: skip
    upgrade = Upgrade.objects.get()
    assert upgrade.state == State.SUCCESSFUL, engine.logs()
    assert "state: successful" in out and "[SUCCESSFUL]" in out
    assert upgrade.steps.count() and all(step.name in out for step in upgrade.steps.all())
    event = upgrade.events.filter(kind=UpgradeEvent.Kind.STATE).first()
    assert event.actor == operator and upgrade.reason == "from the CLI"
    status, _ = run("upgrade_status", str(upgrade.pk), "--events")
    assert "successful" in status and operator.username in status


@pytest.mark.django_db(transaction=True)
def test_sync_clusters_reports_each_site(sim_site):
    out, _ = run("sync_clusters")
    assert "sim:" in out and "clusters" in out
