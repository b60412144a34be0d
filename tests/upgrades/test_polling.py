import time
from datetime import UTC, datetime, timedelta

import pytest

from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.polling import next_due, run_poll
from tests.fixtures.services import wait_for
from tests.upgrades.test_engine import happy


def test_polls_keep_a_fixed_rate(settings):
    settings.OCPDASH_POLL_INTERVAL = 1.0  # a claim's slack: 0.25 s
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    due = now - timedelta(seconds=0.2)  # this poll was due 0.2 s ago (queue delay, poll time)
    assert next_due(due, now, 1.0) == due + timedelta(seconds=1)
    # behind: soon, but half an interval and a claim's slack on (no burst of catch-ups, and no claim of
    # the same upgrade within half an interval)
    assert next_due(now - timedelta(seconds=5), now, 1.0) == now + timedelta(seconds=0.75)
    assert next_due(now - timedelta(seconds=0.4), now, 1.0) == now + timedelta(seconds=0.75)
    assert next_due(None, now, 2.0) == now + timedelta(seconds=2)


@pytest.mark.django_db(transaction=True)
def test_a_poll_that_reads_what_is_stored_writes_only_its_claim(
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
    # the claim (the only write), the cluster, the site, the child tasks: no step diff, no event
    with django_assert_max_num_queries(4) as queries:
        assert run_poll(upgrade.pk) is not None
    sqls = [q["sql"] for q in queries.captured_queries]
    writes = [sql for sql in sqls if not sql.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and "RETURNING" in writes[0], writes
    upgrade.refresh_from_db()
    assert (upgrade.revision, upgrade.events.count(), upgrade.snapshot_digest) == (revision, events, digest)
    assert upgrade.last_polled_at > polled
    assert upgrade.lease_until <= upgrade.next_poll_at, "the claim's lease lapses before the next is due"


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
def test_a_batch_loads_the_claimed_upgrades_as_stored(redis_service, sim_site, simulator, operator):
    from ocpdash.upgrades import batch, lease

    simulator.config(step_seconds=600)
    upgrade = running(operator)
    run_poll_now(upgrade)
    Upgrade.objects.filter(pk=upgrade.pk).update(next_poll_at=None)
    stored = Upgrade.objects.select_related("cluster__site").get(pk=upgrade.pk)
    (read,) = batch._load(lease.claim(10, [upgrade.pk]))
    for name in ("state", "ocp_task_id", "snapshot_digest", "ocp_fault", "poll_failures", "parent_retry_key"):
        assert getattr(read, name) == getattr(stored, name), name
    assert read.last_due_at is None and read.next_poll_at.tzinfo is not None, "the claim moved it on"
    assert (read.cluster.pk, read.cluster.ocp_id) == (stored.cluster.pk, stored.cluster.ocp_id)
    site = read.cluster.site
    assert (site.pk, site.base_url, site.password) == (
        stored.cluster.site.pk,
        stored.cluster.site.base_url,
        stored.cluster.site.password,
    ), "the whole site: its threads make clients from it without the database"


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
