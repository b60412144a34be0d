"""Celery tasks: thin wrappers that pass ids to the domain functions. Each also binds its upgrade
to the log lines written meanwhile and counts its outcome (ocpdash.ops.metrics)."""

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from ocpdash.core.logs import bind_upgrade
from ocpdash.ops import metrics
from ocpdash.upgrades import enqueue, pollers, polling, recovery, steplog, submission

log = logging.getLogger(__name__)


@shared_task(name="ocpdash.upgrades.tasks.submit_upgrade", ignore_result=True)
def submit_upgrade_task(upgrade_id: int) -> str:
    with bind_upgrade(upgrade_id):
        try:
            outcome = submission.run_submit(upgrade_id)
        except Exception:
            metrics.submission_done("error")
            raise
        metrics.submission_done(outcome.result)
        log.info("Upgrade %s: submission %s", upgrade_id, outcome.result)
        if outcome.result == "retry":
            submission.enqueue_submit(upgrade_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name="ocpdash.upgrades.tasks.poll_upgrade", ignore_result=True)
def poll_upgrade(upgrade_id: int) -> None:
    """One immediate poll (an operator's action, an adopted task); the pollers do the rest, so they
    are started here too if they are not running (the first upgrade of a fresh installation)."""
    with bind_upgrade(upgrade_id):
        polling.run_poll(upgrade_id)
    pollers.restart_stopped()


@shared_task(name="ocpdash.upgrades.tasks.poll_batch", ignore_result=True)
def poll_batch(number: int, token: str) -> None:
    pollers.run(number, token)


@shared_task(name="ocpdash.upgrades.tasks.start_pollers", ignore_result=True)
def start_pollers() -> None:
    metrics.requeued(pollers.restart_stopped(), 0)


@worker_ready.connect
def start_pollers_when_a_worker_starts(sender: Any, **kwargs: Any) -> None:
    """A worker that starts (a new installation, all workers back after an outage) need not wait for
    beat's next recovery to have the upgrades followed."""
    enqueue.send(enqueue.START_POLLERS)


@shared_task(name="ocpdash.upgrades.tasks.recover", ignore_result=True)
def recover() -> dict:
    found = recovery.recover()
    metrics.requeued(found.get("polls", 0), found.get("submits", 0))
    return found


@shared_task(name="ocpdash.upgrades.tasks.fetch_step_log", ignore_result=True)
def fetch_step_log(step_id: int) -> None:
    steplog.fetch(step_id)
