"""The banner on every page when no worker or no beat has been seen for a while."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def process_alerts(request) -> dict:
    """Read only when a page's template shows it (base.html): htmx fragments never pay the query."""
    return {"process_alerts": SimpleLazyObject(lambda: alerts(request))}


def alerts(request) -> list[str]:
    from ocpdash.ops import heartbeat

    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return []
    found = heartbeat.status()
    worker, beat = found[heartbeat.WORKER], found[heartbeat.BEAT]
    messages = []
    if worker.stale:
        seen = f"been seen for {_age(worker)}" if worker.age is not None else "ever been seen"
        messages.append(f"No worker has {seen}: running upgrades are not being followed.")
    if beat.stale:
        seen = f"not been seen for {_age(beat)}" if beat.age is not None else "never been seen"
        messages.append(f"Celery beat has {seen}: lost polls are not recovered and clusters are not synced.")
    return messages


def _age(status) -> str:
    seconds = int(status.age.total_seconds())
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"
