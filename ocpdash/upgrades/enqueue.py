"""Queueing the upgrade engine's Celery tasks by name, so the domain never imports its task module
(ocpdash/upgrades/tasks.py imports the domain, not the other way round).

A broker that cannot be reached does not fail the caller: the work is in the database, and beat's
recovery job queues it again once Redis answers (a web request then says so instead of a 500).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

POLL = "ocpdash.upgrades.tasks.poll_upgrade"
POLL_BATCH = "ocpdash.upgrades.tasks.poll_batch"
START_POLLERS = "ocpdash.upgrades.tasks.start_pollers"
SUBMIT = "ocpdash.upgrades.tasks.submit_upgrade"
STEP_LOG = "ocpdash.upgrades.tasks.fetch_step_log"
SYNC = "ocpdash.sites.tasks.sync_all_sites"


def send(task_name: str, object_id: int | None = None, countdown: float | None = None) -> bool:
    """Queue ``task_name`` with ``object_id``; False (and a warning) when the broker is down."""
    return send_args(task_name, () if object_id is None else (object_id,), countdown)


def send_args(task_name: str, args: tuple, countdown: float | None = None) -> bool:
    """Queue ``task_name`` with ``args`` (ids and tokens only); False when the broker is down."""
    from kombu.exceptions import OperationalError

    from ocpdash.celery import app

    try:
        app.send_task(task_name, args, countdown=countdown)
    except (OperationalError, OSError) as exc:
        log.warning("Could not queue %s%s: the broker is not reachable (%s)", task_name, args, exc)
        return False
    return True
