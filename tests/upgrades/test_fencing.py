"""The review's reproductions (issue 14), against the simulator over HTTP, one worker's steps at a time:
a worker that lost its lease sends nothing and writes nothing, an operator's close or cancel stays."""

from datetime import timedelta

import pytest

from ocpdash.ocp import OcpRefused
from ocpdash.upgrades import lease, operations, submission
from ocpdash.upgrades.models import (
    SUBMISSION_STATES,
    State,
    Upgrade,
    UpgradeEvent,
    UpgradeStep,
)
from ocpdash.upgrades.polling import apply_snapshot, run_poll, snapshot_digest
from ocpdash.upgrades.reading import fetch

pytestmark = pytest.mark.django_db(transaction=True)


def loaded(upgrade) -> Upgrade:
    return Upgrade.objects.select_related("cluster__site", "package").get(pk=upgrade.pk)


def stolen(upgrade) -> None:
    """Recovery handed the upgrade to another worker while this one was busy."""
    Upgrade.objects.filter(pk=upgrade.pk).update(lease_owner="another-worker")


def test_a_submission_that_lost_its_lease_never_posts(queued, simulator):
    """Review H1: _post used to send the upgrade although its guarded update changed no row."""
    held = lease.acquire(queued.pk, SUBMISSION_STATES)
    stolen(queued)
    with queued.cluster.site.client() as client, pytest.raises(lease.LeaseLost):
        submission._post(client, loaded(queued), held)
    assert simulator.upgrade_posts() == 0
    assert Upgrade.objects.get(pk=queued.pk).submit_attempted_at is None


def test_a_refusal_never_turns_an_upgrade_ocp_runs_into_rejected(queued, simulator):
    """Review H1: the second worker's POST is refused by OCP; reject() used to overwrite RUNNING."""
    held = lease.acquire(queued.pk, SUBMISSION_STATES)
    assert submission.run_submit(queued.pk).result == "busy", "another worker holds it"
    with queued.cluster.site.client() as client:
        submission._post(client, loaded(queued), held)  # the first worker submits: RUNNING
    refused = OcpRefused("The last operation and maintenance task of the cluster is still in progress")
    with pytest.raises(lease.LeaseLost):
        submission.reject(loaded(queued), refused, held)
    upgrade = Upgrade.objects.get(pk=queued.pk)
    assert upgrade.state == State.RUNNING and upgrade.ocp_task_id
    assert not upgrade.events.filter(message__startswith="OCP refused the upgrade").exists()
    assert simulator.upgrade_posts() == 1


def running(queued) -> Upgrade:
    assert submission.run_submit(queued.pk).result == "submitted"
    Upgrade.objects.filter(pk=queued.pk).update(next_poll_at=None)
    return loaded(queued)


def counts(upgrade):
    return (UpgradeStep.objects.filter(upgrade=upgrade).count(), upgrade.events.count())


def test_a_poll_that_lost_its_lease_mid_write_commits_nothing(queued, simulator):
    """Review M1: apply_snapshot checked the owner with an unlocked read and ignored release()."""
    simulator.config(step_seconds=0.05)
    upgrade = running(queued)
    held = lease.claim(1, [upgrade.pk]).leases[upgrade.pk]  # a poll's claim
    with upgrade.cluster.site.client() as client:
        snapshot = fetch(client, upgrade)
    before = counts(upgrade)
    stolen(upgrade)
    with pytest.raises(lease.LeaseLost):
        apply_snapshot(upgrade, held, snapshot, snapshot_digest(snapshot.parent, snapshot.children))
    assert counts(upgrade) == before


def test_a_lease_taken_away_during_the_write_rolls_the_whole_poll_back(queued, simulator, monkeypatch):
    """Review M1 as it happened: the lease went to another worker after the owner check, while the
    steps were being written; release() found it gone and the steps committed anyway. (Between two
    workers the row lock now makes the other one wait; here the loss is forced inside the write.)"""
    from ocpdash.upgrades import polling

    simulator.config(step_seconds=0.05)
    upgrade = running(queued)
    held = lease.claim(1, [upgrade.pk]).leases[upgrade.pk]  # a poll's claim
    with upgrade.cluster.site.client() as client:
        snapshot = fetch(client, upgrade)
    before = counts(upgrade)
    store = polling.store_tasks

    def store_then_lose_the_lease(*args, **kwargs):
        notes = store(*args, **kwargs)
        stolen(upgrade)
        return notes

    monkeypatch.setattr(polling, "store_tasks", store_then_lose_the_lease)
    with pytest.raises(lease.LeaseLost):
        apply_snapshot(upgrade, held, snapshot, snapshot_digest(snapshot.parent, snapshot.children))
    assert counts(upgrade) == before, "nothing of the poll was committed"


def test_an_operators_close_during_a_poll_in_flight_stays(queued, simulator, operator):
    """Review M1: a poll in flight undid 'close' (it wrote OCP's RUNNING over CLOSED)."""
    upgrade = running(queued)
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.FAILED)  # as a failed step would leave it
    held = lease.claim(1, [upgrade.pk]).leases[upgrade.pk]  # a poll's claim
    with upgrade.cluster.site.client() as client:
        snapshot = fetch(client, upgrade)  # OCP: the task is RUNNING
    operations.operate_task(operator, Upgrade.objects.get(pk=upgrade.pk), "close", reason="done by hand")
    with pytest.raises(lease.LeaseLost):
        apply_snapshot(upgrade, held, snapshot, snapshot_digest(snapshot.parent, snapshot.children))
    assert Upgrade.objects.get(pk=upgrade.pk).state == State.CLOSED
    assert run_poll(upgrade.pk) is None, "a closed upgrade is not polled"


def test_a_cancel_during_a_submission_in_flight_stops_the_post(queued, simulator, operator):
    held = lease.acquire(queued.pk, SUBMISSION_STATES)  # a worker is about to POST
    message = operations.operate_task(operator, queued, "cancel", reason="wrong package")
    assert message.startswith("Upgrade cancelled") or message.startswith("Cancel requested")
    with queued.cluster.site.client() as client, pytest.raises(lease.LeaseLost):
        submission._post(client, loaded(queued), held)
    lease.release(queued.pk, held.token)
    assert submission.run_submit(queued.pk).result == "cancelled"
    upgrade = Upgrade.objects.get(pk=queued.pk)
    assert upgrade.state == State.CANCELLED and simulator.upgrade_posts() == 0


def test_a_cancel_after_an_attempt_that_reached_ocp_follows_ocps_task(queued, simulator, operator):
    """The submission's reply was lost; the operator cancels; OCP had started it: ocpdash adopts."""
    simulator.faults(ambiguous_upgrade=True)
    assert submission.run_submit(queued.pk).result == "retry"
    operations.operate_task(operator, Upgrade.objects.get(pk=queued.pk), "cancel", reason="oops")
    Upgrade.objects.filter(pk=queued.pk).update(submit_attempted_at=lease.db_now() - timedelta(minutes=1))
    assert submission.run_submit(queued.pk).result == "adopted"
    upgrade = Upgrade.objects.get(pk=queued.pk)
    assert upgrade.state == State.RUNNING and upgrade.ocp_task_id
    assert upgrade.events.filter(message__contains="OCP had already started the upgrade").exists()
    assert simulator.upgrade_posts() == 1


def test_a_queued_upgrade_never_sent_is_cancelled_at_once(queued, simulator, operator):
    message = operations.operate_task(operator, queued, "cancel", reason="not tonight")
    assert message.startswith("Upgrade cancelled")
    upgrade = Upgrade.objects.get(pk=queued.pk)
    assert upgrade.state == State.CANCELLED and not upgrade.is_active
    assert submission.run_submit(queued.pk).result == "busy", "nothing left to submit"
    assert simulator.upgrade_posts() == 0


def test_submission_stops_after_its_limit_and_waits_for_an_operator(queued, simulator, operator, settings):
    settings.OCPDASH_SUBMIT_MAX_ATTEMPTS = 3
    settings.OCPDASH_SUBMIT_GIVE_UP_SECONDS = 60
    simulator.faults(http_error={"status": 503, "rate": 1.0, "seconds": 60, "path_contains": "/upgrade"})
    results = [submission.run_submit(queued.pk).result for _ in range(4)]
    assert results == ["retry"] * 4, "runs in quick succession (beat's recovery) do not give up"
    Upgrade.objects.filter(pk=queued.pk).update(ocp_unreachable_since=lease.db_now() - timedelta(seconds=61))
    assert submission.run_submit(queued.pk).result == "needs_attention", "3 tries in a row over a minute"
    upgrade = Upgrade.objects.get(pk=queued.pk)
    assert upgrade.state == State.NEEDS_ATTENTION and upgrade.is_active
    assert operations.task_operations(upgrade) == ["resubmit", "cancel"]
    assert upgrade.events.filter(
        message__startswith="Submission stopped after 5 tries in a row over 61 s"
    ).exists()
    simulator.clear_faults()
    operations.operate_task(operator, upgrade, "resubmit", reason="OCP is back")
    assert Upgrade.objects.get(pk=queued.pk).state == State.SUBMITTING
    Upgrade.objects.filter(pk=queued.pk).update(submit_attempted_at=lease.db_now() - timedelta(minutes=1))
    assert submission.run_submit(queued.pk).result in ("submitted", "adopted")
    assert Upgrade.objects.get(pk=queued.pk).state == State.RUNNING


def test_leases_use_the_databases_clock(queued):
    held = lease.acquire(queued.pk, SUBMISSION_STATES)
    db_now = lease.db_now()
    assert abs((held.taken_at - db_now).total_seconds()) < 5
    row = Upgrade.objects.get(pk=queued.pk)
    assert (
        0 < (row.lease_until - held.taken_at).total_seconds() <= lease.settings.OCPDASH_LEASE_SECONDS + 0.01
    )
    assert lease.acquire(queued.pk, SUBMISSION_STATES) is None, "held until the database says otherwise"
    assert lease.renew(queued.pk, held.token, 60, SUBMISSION_STATES)
    assert not lease.renew(queued.pk, "someone else", 60, SUBMISSION_STATES)
    assert UpgradeEvent.objects.filter(upgrade=queued).count() == 0
