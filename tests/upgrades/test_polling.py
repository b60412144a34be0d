import time
from datetime import UTC, datetime, timedelta

import pytest

from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.polling import load_for_poll, next_due, run_poll
from tests.fixtures.services import wait_for
from tests.upgrades.test_engine import happy


def test_polls_keep_a_fixed_rate():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    due = now - timedelta(seconds=0.3)  # this poll was due 0.3 s ago (queue delay, poll time)
    assert next_due(due, now, 1.0) == due + timedelta(seconds=1)
    # behind: soon, but never twice within half an interval (no burst of catch-ups)
    assert next_due(now - timedelta(seconds=5), now, 1.0) == now + timedelta(seconds=0.5)
    assert next_due(now - timedelta(seconds=0.6), now, 1.0) == now + timedelta(seconds=0.5)
    assert next_due(None, now, 2.0) == now + timedelta(seconds=2)


@pytest.mark.django_db(transaction=True)
def test_a_poll_that_reads_what_is_stored_writes_only_the_schedule(
    redis_service, sim_site, simulator, operator, django_assert_max_num_queries
):
    simulator.config(step_seconds=600)  # the first step runs throughout the test
    upgrade = running(operator)
    run_poll_now(upgrade)
    upgrade.refresh_from_db()
    revision, events, digest = upgrade.revision, upgrade.events.count(), upgrade.snapshot_digest
    assert digest and upgrade.steps.exists()
    polled = upgrade.last_polled_at
    Upgrade.objects.filter(pk=upgrade.pk).update(next_poll_at=None)
    # lease, the upgrade with its site, its child tasks, the release: no step diff, no event
    with django_assert_max_num_queries(4):
        assert run_poll(upgrade.pk) is not None
    upgrade.refresh_from_db()
    assert (upgrade.revision, upgrade.events.count(), upgrade.snapshot_digest) == (revision, events, digest)
    assert upgrade.last_polled_at > polled and upgrade.lease_owner == ""


@pytest.mark.django_db(transaction=True)
def test_a_change_after_unchanged_polls_is_stored(redis_service, sim_site, simulator, operator):
    simulator.config(step_seconds=3)  # at least 2.1 s a step: the two polls below see the same
    upgrade = running(operator)
    run_poll_now(upgrade)
    upgrade.refresh_from_db()
    revision, digest = upgrade.revision, upgrade.snapshot_digest
    run_poll_now(upgrade)
    upgrade.refresh_from_db()
    assert (upgrade.revision, upgrade.snapshot_digest) == (revision, digest)
    wait_for(lambda: run_poll_now(upgrade) or upgrade.refresh_from_db() or upgrade.revision > revision, 30,
             "the next step to be stored")  # fmt: skip
    assert upgrade.snapshot_digest != digest
    assert upgrade.steps.filter(status="SUCCESSFUL").exists()


@pytest.mark.django_db(transaction=True)
def test_the_poll_read_is_the_stored_upgrade_and_shares_the_site_client(
    redis_service, sim_site, simulator, operator
):
    simulator.config(step_seconds=600)
    upgrade = running(operator)
    run_poll_now(upgrade)
    stored = Upgrade.objects.select_related("cluster__site").get(pk=upgrade.pk)
    read = load_for_poll(upgrade.pk)
    for name in ("state", "ocp_task_id", "next_poll_at", "snapshot_digest", "ocp_fault", "poll_failures"):
        assert getattr(read, name) == getattr(stored, name), name
    assert read.next_poll_at.tzinfo is not None
    assert (read.cluster.pk, read.cluster.ocp_id) == (stored.cluster.pk, stored.cluster.ocp_id)
    site = read.cluster.site
    assert (site.pk, site.base_url, site.updated_at) == (
        stored.cluster.site.pk,
        stored.cluster.site.base_url,
        stored.cluster.site.updated_at,
    )
    assert site.password == stored.cluster.site.password, "credentials load when first used"
    client = load_for_poll(upgrade.pk).cluster.site.shared_client(max_retries=0)
    assert client is stored.cluster.site.shared_client(max_retries=0), "one kept client, however loaded"
    assert load_for_poll(upgrade.pk).cluster.site.shared_client(max_retries=0) is client


def running(operator):
    """The happy-path upgrade, submitted to OCP in this process (no worker: the test polls)."""
    from ocpdash.upgrades.submission import run_submit, submit_upgrade

    upgrade = submit_upgrade(operator, *happy(operator))
    assert run_submit(upgrade.pk).result == "submitted"
    return upgrade


def run_poll_now(upgrade) -> None:
    Upgrade.objects.filter(pk=upgrade.pk).update(next_poll_at=None)
    run_poll(upgrade.pk)


@pytest.mark.django_db
def test_the_shared_client_is_kept_and_replaced_when_the_site_changes_or_idles(site, monkeypatch):
    from ocpdash.sites import models

    first = site.shared_client(max_retries=0)
    assert site.shared_client(max_retries=0) is first, "kept between polls (HTTP keep-alive)"
    assert site.shared_client(max_retries=1) is not first, "other options, other client"
    assert site.shared_client(max_retries=0) is first, "and the first is still kept"
    site.password = "new-secret"
    site.save()
    fresh = OcpSite.objects.get(pk=site.pk).shared_client(max_retries=0)
    assert fresh is not first, "new credentials, new client"
    monkeypatch.setattr(models, "SHARED_CLIENT_IDLE_SECONDS", 0.0)
    time.sleep(0.01)
    assert site.shared_client(max_retries=0) is not fresh, "an idle connection is not reused"
