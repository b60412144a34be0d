"""Celery tasks: thin wrappers that pass ids to the domain functions."""

import logging

from celery import shared_task

from ocpdash.upgrades import polling, recovery, steplog, submission

log = logging.getLogger(__name__)


@shared_task(name="ocpdash.upgrades.tasks.submit_upgrade", ignore_result=True)
def submit_upgrade_task(upgrade_id: int) -> str:
    outcome = submission.run_submit(upgrade_id)
    log.info("Upgrade %s: submission %s", upgrade_id, outcome.result)
    if outcome.result == "retry":
        submission.enqueue_submit(upgrade_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(name="ocpdash.upgrades.tasks.poll_upgrade", ignore_result=True)
def poll_upgrade(upgrade_id: int) -> None:
    next_in = polling.run_poll(upgrade_id)
    if next_in is not None:
        polling.enqueue_poll(upgrade_id, countdown=next_in)


@shared_task(name="ocpdash.upgrades.tasks.recover", ignore_result=True)
def recover() -> dict:
    return recovery.recover()


@shared_task(name="ocpdash.upgrades.tasks.fetch_step_log", ignore_result=True)
def fetch_step_log(step_id: int) -> None:
    steplog.fetch(step_id)
