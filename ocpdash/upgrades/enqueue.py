"""Queueing the upgrade engine's Celery tasks by name, so the domain never imports its task module
(ocpdash/upgrades/tasks.py imports the domain, not the other way round)."""

from __future__ import annotations

POLL = "ocpdash.upgrades.tasks.poll_upgrade"
SUBMIT = "ocpdash.upgrades.tasks.submit_upgrade"
STEP_LOG = "ocpdash.upgrades.tasks.fetch_step_log"


def send(task_name: str, object_id: int, countdown: float | None = None) -> None:
    from ocpdash.celery import app

    app.send_task(task_name, (object_id,), countdown=countdown)
