"""The tail of a step's OCP log, for the step panel: fetched by a worker, shared by every viewer.

OCP's log API returns a step's whole log. A page asks every few seconds while a step runs, so the
web never calls OCP for it: it shows the tail stored on the step and, when that is older than
``LOG_REFRESH``, asks a worker for a fresh one — once per step for everyone watching (a conditional
UPDATE decides who asks). The worker reads at most ``LOG_MAX_BYTES`` and keeps the last
``LOG_TAIL_CHARS`` characters. OCP text is untrusted: templates escape it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ocpdash.ocp import OcpError
from ocpdash.upgrades import enqueue
from ocpdash.upgrades.models import UpgradeStep

LOG_REFRESH = timedelta(seconds=3)
LOG_MAX_BYTES = 4 * 1024 * 1024
LOG_TAIL_CHARS = 20_000
LOADING = "(Loading the log from OCP…)"
NO_WORKER = "(The log could not be asked for: ocpdash's queue (Redis) is not reachable.)"


def step_log_tail(step: UpgradeStep) -> str:
    """What the panel shows now; a fresh tail is asked for when the stored one is old."""
    now = timezone.now()
    if step.log_fetched_at is None or now - step.log_fetched_at > LOG_REFRESH:
        due = Q(log_requested_at__isnull=True) | Q(log_requested_at__lt=now - LOG_REFRESH)
        asked = UpgradeStep.objects.filter(due, pk=step.pk).update(log_requested_at=now)
        if asked and not enqueue.send(enqueue.STEP_LOG, step.pk):
            return (step.log_tail + "\n\n" if step.log_tail else "") + NO_WORKER
    return step.log_tail or LOADING


def fetch(step_id: int) -> None:
    """In a worker: read the step's log from OCP and store its tail (or why it could not be read)."""
    step = UpgradeStep.objects.select_related("upgrade__cluster__site").filter(pk=step_id).first()
    if step is None:
        return
    try:
        with step.upgrade.cluster.site.client(max_retries=0) as client:
            text = client.get_subtask_log(step.ocp_task_id, step.ocp_subtask_id, max_bytes=LOG_MAX_BYTES)
    except OcpError as exc:
        tail = f"(The log could not be read from OCP: {exc.message})"
    else:
        text = text.replace("\x00", "")
        tail = ("…" + text[-LOG_TAIL_CHARS:]) if len(text) > LOG_TAIL_CHARS else text
        tail = tail or "(OCP has no log for this step yet.)"
    UpgradeStep.objects.filter(pk=step_id).update(log_tail=tail, log_fetched_at=timezone.now())
