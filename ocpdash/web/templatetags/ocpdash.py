"""Small display helpers. Everything returned here is plain text: templates escape it."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()

STATUS_ICONS = {
    "PENDING": "○",
    "READY": "◔",
    "RUNNING": "▶",
    "SUCCESSFUL": "✓",
    "FAILED": "✗",
    "CANCELING": "⊘",
    "SKIPPED": "↷",
    "CANCELED": "⊗",
}
STATE_CLASSES = {
    "queued": "pending",
    "submitting": "running",
    "running": "running",
    "failed": "failed",
    "successful": "successful",
    "rejected": "failed",
    "rolled_back": "canceled",
    "closed": "canceled",
}


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status or "", "?")


@register.filter
def status_class(status: str) -> str:
    """A CSS class for a step's display status (unknown OCP statuses fall back to 'unknown')."""
    status = (status or "").upper()
    return f"st-{status.lower()}" if status in STATUS_ICONS else "st-unknown"


@register.filter
def state_class(state: str) -> str:
    return "st-" + STATE_CLASSES.get(state, "unknown")


@register.filter
def duration(value: timedelta | None) -> str:
    """1h 02m, 3m 05s, 12s; empty for no value."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


@register.filter
def truncate_middle(value: str, length: int = 26) -> str:
    value = str(value or "")
    if len(value) <= length:
        return value
    head = (length - 1) // 2
    return value[:head] + "…" + value[-(length - 1 - head) :]
