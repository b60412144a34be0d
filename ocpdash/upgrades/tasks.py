"""Celery tasks: thin wrappers that pass ids to the domain functions. Each also binds its upgrade
to the log lines written meanwhile and counts its outcome (ocpdash.ops.metrics)."""

import logging

from celery import shared_task

from ocpdash.core.logs import bind_upgrade
from ocpdash.ops import metrics
from ocpdash.upgrades import polling, recovery, steplog, submission

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
    # The ETA of the countdown that scheduled this poll: its lag is measured from there.
    with bind_upgrade(upgrade_id), metrics.polling(poll_upgrade.request.eta) as calls:
        try:
            next_in = polling.run_poll(upgrade_id)
        except Exception:
            metrics.poll_done("error")
            raise
    metrics.poll_done(metrics.poll_outcome(next_in, calls))
    if next_in is not None:
        polling.enqueue_poll(upgrade_id, countdown=next_in)


@shared_task(name="ocpdash.upgrades.tasks.recover", ignore_result=True)
def recover() -> dict:
    found = recovery.recover()
    metrics.requeued(found.get("polls", 0), found.get("submits", 0))
    return found


@shared_task(name="ocpdash.upgrades.tasks.fetch_step_log", ignore_result=True)
def fetch_step_log(step_id: int) -> None:
    steplog.fetch(step_id)
