"""Queueing the upgrade engine's Celery tasks by name, so the domain never imports its task module
(ocpdash/upgrades/tasks.py imports the domain, not the other way round).

A broker that cannot be reached does not fail the caller: the work is in the database, and beat's
recovery job queues it again once Redis answers (a web request then says so instead of a 500).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

POLL = "ocpdash.upgrades.tasks.poll_upgrade"
SUBMIT = "ocpdash.upgrades.tasks.submit_upgrade"
STEP_LOG = "ocpdash.upgrades.tasks.fetch_step_log"
SYNC = "ocpdash.sites.tasks.sync_all_sites"


def send(task_name: str, object_id: int | None = None, countdown: float | None = None) -> bool:
    """Queue ``task_name`` with ``object_id``; False (and a warning) when the broker is down."""
    from kombu.exceptions import OperationalError

    from ocpdash.celery import app

    args = () if object_id is None else (object_id,)
    try:
        app.send_task(task_name, args, countdown=countdown)
    except (OperationalError, OSError) as exc:
        log.warning("Could not queue %s%s: the broker is not reachable (%s)", task_name, args, exc)
        return False
    return True
