"""The engine against real Redis, real `celery worker`/`celery beat` processes and the simulator.

Each test drives a whole upgrade through the worker processes; the simulator's call log is the
witness for "exactly one upgrade POST".
"""

import threading
import time
import uuid

import pytest
import requests
from django.db import close_old_connections
from django.utils import timezone

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import UpgradeConflict
from ocpdash.upgrades.models import State, Upgrade, UpgradeEvent, UpgradeStep
from ocpdash.upgrades.operations import operate_step, operate_task
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import wait_for
from tests.upgrades.conftest import HAPPY_CLUSTER, HAPPY_PACKAGE

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


TERMINAL = (State.SUCCESSFUL, State.FAILED, State.REJECTED, State.ROLLED_BACK)


def happy(operator):
    cluster = Cluster.objects.get(name=HAPPY_CLUSTER)
    package = RpmPackage.objects.get(file_name=HAPPY_PACKAGE)
    return cluster, package


def state_of(upgrade):
    upgrade.refresh_from_db()
    return upgrade.state


def wait_state(upgrade, states, timeout, engine):
    try:
        return wait_for(
            lambda: state_of(upgrade) in states and upgrade.state, timeout, f"upgrade in {states}"
        )
    except AssertionError:
        events = "\n".join(upgrade.events.values_list("message", flat=True))
        raise AssertionError(f"upgrade stayed {upgrade.state}\nevents:\n{events}\n{engine.logs()}") from None


def test_happy_path_reaches_successful_with_all_steps_and_one_post(engine, simulator, operator):
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package, reason="quarterly upgrade")
    assert wait_state(upgrade, TERMINAL, 90, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    tasks = list(upgrade.tasks.order_by("ocp_task_id"))
    assert tasks[0].is_parent and len(tasks) >= 2, "child tasks are tracked"
    child_steps = UpgradeStep.objects.filter(
        upgrade=upgrade, ocp_task_id__in=[t.ocp_task_id for t in tasks[1:]]
    )
    assert child_steps.count() > 0 and set(child_steps.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert set(upgrade.steps.values_list("status", flat=True)) == {"SUCCESSFUL"}
    cluster.refresh_from_db()
    assert ObVersion.parse(cluster.version).same_release(package.ob_version), cluster.version
    assert upgrade.events.filter(kind=UpgradeEvent.Kind.STEP).count() >= upgrade.steps.count()


def test_kill_9_of_the_worker_mid_poll_loses_nothing(engine, simulator, operator):
    simulator.config(step_seconds=0.2)
    engine.start_beat(wait=False)  # its first recover run comes an interval later anyway
    engine.start_workers("w1", "w2")
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_for(lambda: upgrade.steps.filter(status="SUCCESSFUL").count() >= 2, 30, "the upgrade to be running")
    engine.kill("w1")
    engine.kill("w2")
    engine.start_worker("w3")
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    assert UpgradeStep.objects.filter(upgrade=upgrade).count() == len(
        set(UpgradeStep.objects.filter(upgrade=upgrade).values_list("ocp_subtask_id", flat=True))
    )


def test_a_batch_claimed_by_a_worker_that_dies_is_claimed_again_within_the_recovery_interval(
    engine, simulator, operator
):
    from django.db.models.functions import Now

    from tests.fixtures.services import ENGINE_SETTINGS

    simulator.config(step_seconds=600)  # its first step runs throughout
    engine.start_beat(wait=False)
    engine.start_worker("w1")
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_for(lambda: upgrade.steps.filter(status="RUNNING").exists(), 60, "the upgrade to be running")
    # OCP now takes 2.5 s to answer: a batch is caught mid-read, holding its claim, when its worker dies.
    simulator.faults(latency={"seconds": 2.5, "rate": 1.0, "for_seconds": 60})
    held = Upgrade.objects.filter(pk=upgrade.pk, lease_until__gt=Now())
    wait_for(lambda: held.exists(), 30, "a batch to claim the upgrade and wait for OCP")
    claimed = held.values_list("lease_owner", "last_polled_at").get()
    engine.start_worker("w2")
    engine.kill("w1")
    killed = time.monotonic()
    simulator.clear_faults()
    # The batch's renewal (its slot's due time) lapses, beat's recovery finds the slot overdue by the
    # grace and starts it again, and the new batch claims the upgrade once its renewed lease lapsed.
    interval = 0.3 / 2  # ENGINE_SETTINGS' poll interval: a claim's hold is half of it
    assert ENGINE_SETTINGS["OCPDASH_POLL_INTERVAL"] == 0.3
    bound = (
        2 * max(4 * interval, 2.0)  # the slot's due time while its batch ran (pollers.running_hold)
        + ENGINE_SETTINGS["OCPDASH_POLL_OVERDUE_GRACE"]
        + ENGINE_SETTINGS["OCPDASH_RECOVER_INTERVAL"]
        + 5  # beat's and w2's own pace on a loaded machine
    )
    token, polled = claimed
    again = Upgrade.objects.filter(pk=upgrade.pk, last_polled_at__gt=polled).exclude(lease_owner=token)
    wait_for(lambda: again.exists(), bound + 30, "another batch to claim the upgrade")
    took = time.monotonic() - killed
    assert took <= bound, f"claimed again {took:.1f} s after the kill (bound {bound:.1f} s)"
    simulator.config(step_seconds=0.2)
    assert simulator.upgrade_posts() == 1


def test_ambiguous_submit_then_worker_death_adopts_the_ocp_task(engine, simulator, operator):
    simulator.faults(ambiguous_upgrade=True)
    engine.start_beat(wait=False)
    engine.start_worker("w1")
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_for(lambda: simulator.upgrade_posts() == 1, 30, "the upgrade POST to reach OCP")
    engine.kill("w1")
    upgrade.refresh_from_db()
    assert upgrade.ocp_task_id is None, "the reply was lost, so the id cannot be known yet"
    engine.start_worker("w2")
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    assert upgrade.events.filter(message__contains="earlier attempt").exists()


def test_twenty_upgrades_survive_a_redis_restart_and_then_a_flush(
    engine, simulator, redis_service, make_user
):
    """20 upgrades running: Redis is restarted (every connection dropped, every queued poll lost),
    they are all polled again, then Redis is flushed; all 20 still finish, each POSTed once."""
    from ocpdash.sites.sync import sync_site

    # Steps slow enough that all 20 are running together through both events, on a slow machine too
    # (with 0.3 s steps the first could finish before the last was submitted); fast again after.
    simulator.config(step_seconds=3)
    engine.start_beat(wait=False)  # its first recover run comes an interval later anyway
    engine.start_workers("w1", "w2", concurrency=4)
    # 20 simulated clusters made for the test (copies of the happy-path cluster).
    cluster_ids = simulator.add_clusters(HAPPY_CLUSTER, 20)
    sync_site(engine.site)
    package = RpmPackage.objects.get(file_name=HAPPY_PACKAGE)
    upgrades = [
        submit_upgrade(make_user(role="Operators"), Cluster.objects.get(ocp_id=ocp_id), package)
        for ocp_id in cluster_ids
    ]
    running = Upgrade.objects.filter(pk__in=[u.pk for u in upgrades], state=State.RUNNING)
    wait_for(lambda: running.count() == 20, 60, "20 running upgrades")
    redis_service.restart()
    restarted = timezone.now()
    wait_for(lambda: not running.filter(last_polled_at__lt=restarted).exists(), 60, "polls after the restart")
    redis_service.flushall()
    assert running.count() == 20, "the flush came while all 20 ran"
    simulator.config(step_seconds=0.3)  # steps started from now on
    for upgrade in upgrades:
        assert wait_state(upgrade, TERMINAL, 150, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 20


def test_the_same_poll_delivered_twice_at_once_changes_state_once(engine, simulator, operator):
    from ocpdash.upgrades.polling import run_poll
    from ocpdash.upgrades.submission import run_submit

    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    assert run_submit(upgrade.pk).result == "submitted"
    simulator.config(step_seconds=0.05)
    wait_for(
        lambda: (
            simulator.get(f"/api/v2/tasks/instances/{state_and_task(upgrade)}")["data"]["status"]
            == "SUCCESSFUL"
        ),
        60,
        "OCP to finish the task",
    )
    results = []

    def poll():
        close_old_connections()
        results.append(run_poll(upgrade.pk))
        close_old_connections()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(10):  # children are discovered by a later poll than the parent's first read
        if state_of(upgrade) != State.RUNNING:
            break
        Upgrade.objects.filter(pk=upgrade.pk).update(next_poll_at=None)
        run_poll(upgrade.pk)
    assert upgrade.state == State.SUCCESSFUL
    assert upgrade.events.filter(kind=UpgradeEvent.Kind.STATE, message="Upgrade successful.").count() == 1
    messages = list(
        upgrade.events.filter(kind=UpgradeEvent.Kind.STEP).values_list("ocp_subtask_id", "message")
    )
    assert len(messages) == len(set(messages)), "no duplicate step events"


def state_and_task(upgrade):
    upgrade.refresh_from_db()
    return upgrade.ocp_task_id


def test_duplicate_poll_messages_to_two_workers_make_one_set_of_transitions(engine, simulator, operator):
    """The same poll message (same task id) published twice at once, over and over, while two worker
    processes consume: every transition and step event still happens exactly once."""
    from ocpdash.upgrades.tasks import poll_upgrade

    engine.start_workers("w1", "w2")
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_state(upgrade, (State.RUNNING,), 30, engine)
    stop = threading.Event()

    def duplicate():
        while not stop.is_set():
            message_id = uuid.uuid4().hex
            poll_upgrade.apply_async((upgrade.pk,), task_id=message_id)
            poll_upgrade.apply_async((upgrade.pk,), task_id=message_id)
            stop.wait(0.05)

    publisher = threading.Thread(target=duplicate)
    publisher.start()
    try:
        assert wait_state(upgrade, TERMINAL, 90, engine) == State.SUCCESSFUL
    finally:
        stop.set()
        publisher.join()
    states = list(upgrade.events.filter(kind=UpgradeEvent.Kind.STATE).values_list("message", flat=True))
    assert states.count("Upgrade successful.") == 1
    steps = list(upgrade.events.filter(kind=UpgradeEvent.Kind.STEP).values_list("ocp_subtask_id", "message"))
    assert steps and len(steps) == len(set(steps)), "no step transition recorded twice"
    assert simulator.upgrade_posts() == 1


def running_upgrade(engine, simulator, operator, step_seconds=0.2):
    """One worker and the happy-path upgrade, submitted and running in OCP."""
    simulator.config(step_seconds=step_seconds)
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_state(upgrade, (State.RUNNING,), 30, engine)
    return upgrade


def test_ocp_faults_for_a_while_do_not_fail_the_upgrade(engine, simulator, operator):
    upgrade = running_upgrade(engine, simulator, operator)
    before = len(simulator.calls())
    simulator.faults(http_error={"status": 503, "rate": 1.0, "seconds": 5})
    wait_for(lambda: upgrade.refresh_from_db() or upgrade.ocp_fault, 10, "the fault to show")
    assert "OCP unreachable since" in upgrade.ocp_fault
    assert upgrade.state == State.RUNNING
    assert wait_state(upgrade, TERMINAL, 90, engine) == State.SUCCESSFUL
    upgrade.refresh_from_db()
    assert upgrade.ocp_fault == ""
    faulted = [c for c in simulator.calls()[before:] if c["status"] == 503]
    # Backoff 0.3 s doubling to 3 s: about 6 requests in 5 s, where a fixed 0.3 s poll would make ~17.
    assert 0 < len(faulted) <= 10
    assert upgrade.events.filter(message__contains="OCP answers again").exists()


def test_two_simultaneous_submissions_make_one_upgrade_and_one_post(engine, simulator, operator, make_user):
    engine.start_worker()
    cluster, package = happy(operator)
    other = make_user(role="Operators")
    outcomes = []

    def submit(user):
        close_old_connections()
        try:
            outcomes.append(submit_upgrade(user, cluster, package))
        except UpgradeConflict as exc:
            outcomes.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit, args=(u,)) for u in (operator, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conflicts = [o for o in outcomes if isinstance(o, UpgradeConflict)]
    created = [o for o in outcomes if isinstance(o, Upgrade)]
    assert len(created) == 1 and len(conflicts) == 1, outcomes
    assert "already has an active upgrade" in conflicts[0].message
    assert wait_state(created[0], TERMINAL, 90, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1


def failing_upgrade(engine, simulator, operator, step_name):
    simulator.faults(fail_subtask={"name": step_name, "times": 1})
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    assert wait_state(upgrade, TERMINAL, 90, engine) == State.FAILED
    failed = UpgradeStep.objects.get(upgrade=upgrade, status="FAILED", name=step_name)
    assert step_name in upgrade.last_error
    return upgrade, failed


def test_failed_step_then_retry_step_succeeds(engine, simulator, operator):
    upgrade, step = failing_upgrade(engine, simulator, operator, "Restart observer")
    operate_step(operator, upgrade, step, "retry", reason="transient disk issue")
    assert wait_state(upgrade, (State.SUCCESSFUL,), 90, engine) == State.SUCCESSFUL
    step.refresh_from_db()
    assert step.status == "SUCCESSFUL" and step.run_time >= 2
    mine = list(upgrade.events.filter(kind=UpgradeEvent.Kind.OPERATION, actor=operator).order_by("pk"))
    assert "requested by op" in mine[0].message and "transient disk issue" in mine[0].message, "intent first"
    assert mine[1].message.startswith("OCP accepted the retry of step"), "then OCP's answer"


def test_failed_step_then_skip_succeeds_and_shows_skipped(engine, simulator, operator):
    upgrade, step = failing_upgrade(engine, simulator, operator, "Execute upgrade post script")
    operate_step(operator, upgrade, step, "skip", reason="checked by hand")
    assert wait_state(upgrade, (State.SUCCESSFUL,), 90, engine) == State.SUCCESSFUL
    step.refresh_from_db()
    assert step.display_status == "SKIPPED"


def test_cancel_a_running_step_then_retry(engine, simulator, operator):
    simulator.faults(hang_subtask={"name": "Execute upgrade pre script"})
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    step = wait_for(
        lambda: UpgradeStep.objects.filter(
            upgrade=upgrade, name="Execute upgrade pre script", status="RUNNING"
        ).first(),
        60,
        "the step to run",
    )
    upgrade.refresh_from_db()
    operate_step(operator, upgrade, step, "cancel", reason="stuck")
    assert wait_state(upgrade, (State.FAILED,), 60, engine) == State.FAILED
    step.refresh_from_db()
    assert step.display_status == "CANCELED"
    simulator.clear_faults()
    operate_task(operator, upgrade, "retry", reason="try again")
    assert wait_state(upgrade, (State.SUCCESSFUL,), 90, engine) == State.SUCCESSFUL


def test_rollback_allowed_before_a_child_was_submitted_and_refused_after(engine, simulator, operator):
    """OCP Express: a task may not roll back once a step flagged prohibitRollback has started; the
    parent's 'Submit cluster upgrade task' is such a step."""
    from ocpdash.upgrades.errors import OperationRefused
    from ocpdash.upgrades.operations import task_operations

    upgrade, _ = failing_upgrade(engine, simulator, operator, "Prepare upgrade cluster")
    upgrade.refresh_from_db()
    assert "rollback" in task_operations(upgrade)
    operate_task(operator, upgrade, "rollback", reason="abandon")
    assert wait_state(upgrade, (State.ROLLED_BACK,), 90, engine) == State.ROLLED_BACK

    simulator.faults(fail_subtask={"name": "Execute upgrade checker script", "times": 1})
    cluster = Cluster.objects.get(pk=upgrade.cluster_id)
    late = submit_upgrade(operator, cluster, upgrade.package)
    assert wait_state(late, TERMINAL, 90, engine) == State.FAILED
    late.refresh_from_db()
    assert late.ocp_prohibit_rollback and "rollback" not in task_operations(late)
    with pytest.raises(OperationRefused):
        operate_task(operator, late, "rollback")


def delete_ocp_package(simulator, file_name):
    """Through OCP's own API (DELETE /api/v2/software-packages/{id}), as an OCP admin would."""
    auth = (simulator.username, simulator.password)
    rows = requests.get(
        f"{simulator.url}/api/v2/software-packages",
        params={"keyword": file_name, "size": 100},
        auth=auth,
        timeout=10,
    ).json()["data"]["contents"]
    (package,) = [row for row in rows if row["fileName"] == file_name]
    requests.delete(
        f"{simulator.url}/api/v2/software-packages/{package['id']}", auth=auth, timeout=10
    ).raise_for_status()


def test_ocp_refusal_for_a_missing_rpm_on_the_path_ends_rejected(engine, simulator, operator):
    engine.start_worker()
    cluster = Cluster.objects.get(name=HAPPY_CLUSTER)
    package = RpmPackage.objects.get(file_name=HAPPY_PACKAGE)
    # OCP's package is deleted after our pre-check passed: OCP refuses, nothing is retried.
    from ocpdash.upgrades.submission import enqueue_submit

    upgrade = Upgrade.objects.create(
        cluster=cluster,
        package=package,
        requested_by=operator,
        from_version=cluster.version,
        to_version=package.full_version,
    )
    delete_ocp_package(simulator, HAPPY_PACKAGE)
    enqueue_submit(upgrade.pk)
    assert wait_state(upgrade, TERMINAL, 60, engine) == State.REJECTED
    assert "OCP refused the upgrade" in upgrade.last_error
    assert simulator.upgrade_posts() == 1


def test_ocp_refusal_for_a_cluster_not_running_ends_rejected(engine, simulator, operator):
    engine.start_worker()
    cluster, package = happy(operator)
    upgrade = Upgrade.objects.create(
        cluster=cluster,
        package=package,
        requested_by=operator,
        from_version=cluster.version,
        to_version=package.full_version,
    )
    simulator.set_cluster_status(cluster.ocp_id, "STOPPED")
    from ocpdash.upgrades.submission import enqueue_submit

    enqueue_submit(upgrade.pk)
    assert wait_state(upgrade, TERMINAL, 60, engine) == State.REJECTED
    assert "STOPPED" in upgrade.last_error or "state" in upgrade.last_error
    assert simulator.upgrade_posts() == 1


def test_rate_limits_and_timeouts_mid_upgrade_do_not_fail_it(engine, simulator, operator):
    upgrade = running_upgrade(engine, simulator, operator)
    simulator.faults(http_error={"status": 429, "rate": 1.0, "seconds": 3, "retry_after": 1})
    wait_for(lambda: upgrade.refresh_from_db() or upgrade.ocp_fault, 10, "the 429 to show")
    # Then OCP answers too slowly: every read times out (OCP_READ_TIMEOUT is 3 s in these tests).
    simulator.faults(latency={"seconds": 4, "rate": 1.0, "for_seconds": 5})
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    upgrade.refresh_from_db()
    assert upgrade.ocp_fault == "" and upgrade.last_error == ""
    assert not upgrade.events.filter(
        kind=UpgradeEvent.Kind.STATE, message__startswith="Upgrade failed"
    ).exists()


def test_rejected_credentials_are_shown_and_polling_resumes_once_fixed(engine, simulator, operator):
    upgrade = running_upgrade(engine, simulator, operator)
    site = engine.site
    site.password = "rotated-in-ocp"
    site.save()
    wait_for(lambda: upgrade.refresh_from_db() or "credentials" in upgrade.ocp_fault, 15, "the 401 to show")
    assert upgrade.state == State.RUNNING and "rotated-in-ocp" not in upgrade.ocp_fault
    site.password = simulator.password
    site.save()
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
