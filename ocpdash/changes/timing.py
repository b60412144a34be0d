"""The ETA as pages, the API and notifications show it: the whole plan before an upgrade starts,
what is left (and the expected end) while it runs, and whether it fits the window it waits for."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from ocpdash.changes import windows
from ocpdash.core.phrases import Phrase, moment, phrase
from ocpdash.upgrades.models import POLLED_STATES, Upgrade


def plan_estimate(cluster, path: list[str], mode: str = "", exclude_upgrade_id: int | None = None):
    from ocpdash.upgrades.eta import estimate_plan

    return estimate_plan(cluster, upgrade_path=path, upgrade_mode=mode, exclude_upgrade_id=exclude_upgrade_id)


# An ETA reads the history (a few hundred ms on a large one): kept per upgrade revision for a while,
# so a watched page or an API client polling an unchanged upgrade does not recompute it.
CACHE_SECONDS = 60


def upgrade_eta(upgrade: Upgrade, now: datetime | None = None) -> dict | None:
    """``Estimate.as_dict()`` plus the expected end (median and p90); None once it ended."""
    if upgrade.is_terminal:
        return None
    if now is not None:
        return _upgrade_eta(upgrade, now)
    key = f"ocpdash:eta:{upgrade.pk}:{upgrade.created_at.timestamp()}:{upgrade.revision}:{upgrade.state}"
    found = cache.get(key)
    if found is None:
        found = _upgrade_eta(upgrade, timezone.now())
        cache.set(key, found, CACHE_SECONDS)
    return found


def _upgrade_eta(upgrade: Upgrade, now: datetime) -> dict:
    from ocpdash.upgrades.eta import estimate_remaining

    if upgrade.state in POLLED_STATES:  # what is left from now (eta.expected_end, without its second read)
        estimate = estimate_remaining(upgrade, now=now)
        ends = (now + estimate.median, now + estimate.p90) if estimate.known else None
    else:
        estimate = plan_estimate(upgrade.cluster, upgrade.upgrade_path, upgrade.upgrade_mode, upgrade.pk)
        begin = max(upgrade.planned_start or now, now)
        ends = (begin + estimate.median, begin + estimate.p90) if estimate.known else None
    data = estimate.as_dict()
    data["expected_end"], data["expected_end_p90"] = ends or (None, None)
    if upgrade.state not in POLLED_STATES:
        data["fit"] = window_fit(upgrade.cluster, estimate.p90, upgrade.start_mode, upgrade.start_at, now)
    return data


def window_fit(
    cluster, p90: timedelta | None, mode: str, start_at: datetime | None, now: datetime
) -> str | Phrase:
    """'fits Saturday's window (Sat 5 Dec 01:00-05:00 Asia/Shanghai)', or why not; '' when no
    window matters."""
    found = windows.windows_for(cluster)
    if mode not in ("at", "next_window") or not found:
        return ""
    at = start_at if mode == "at" and start_at and start_at > now else now
    occ = (
        windows.containing(found, at)
        if mode == "at"
        else (windows.containing(found, now) or windows.next_opening(found, now))
    )
    if occ is None:
        return phrase("outside every maintenance window")
    day, window = moment(occ.start, occ.time_zone, style="day", zone=False), occ.describe()
    begin = max(at, occ.start)
    if p90 is None:
        return phrase(
            "in %(day)s's window (%(window)s); no history to tell whether it fits", day=day, window=window
        )
    if occ.end - begin >= p90:
        return phrase("fits %(day)s's window (%(window)s)", day=day, window=window)
    later = windows.next_opening(found, occ.end, at_least=p90)
    if later is None:
        return phrase(
            "does not fit %(day)s's window (%(window)s); no window is long enough", day=day, window=window
        )
    return phrase(
        "does not fit %(day)s's window (%(window)s); it would wait for %(later)s",
        day=day,
        window=window,
        later=later.describe(),
    )
