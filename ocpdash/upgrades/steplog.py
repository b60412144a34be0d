"""The tail of a step's OCP log, for the step detail panel. OCP text is untrusted: callers escape it."""

from __future__ import annotations

from ocpdash.ocp import OcpError
from ocpdash.upgrades.models import Upgrade, UpgradeStep


def step_log_tail(upgrade: Upgrade, step: UpgradeStep, max_chars: int = 20000) -> str:
    """The last ``max_chars`` characters of the step's log, or a friendly message if OCP cannot say."""
    try:
        with upgrade.cluster.site.client(max_retries=0) as client:
            text = client.get_subtask_log(step.ocp_task_id, step.ocp_subtask_id)
    except OcpError as exc:
        return f"(The log could not be read from OCP: {exc.message})"
    if not text:
        return "(OCP has no log for this step yet.)"
    if len(text) > max_chars:
        return "…" + text[-max_chars:]
    return text
