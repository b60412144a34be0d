"""When a scheduled upgrade may start: its maintenance windows, change freezes and ETA.

Times are aware datetimes in UTC; a window's occurrences are worked out in its own time zone (so
"Saturday 01:00 Europe/Berlin" stays 01:00 there across daylight-saving changes; a local time that
does not exist on a DST day is moved forward by the gap). Overlapping or
touching occurrences merge into one. The start rules (``decide``) are pure, for tests.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings

from ocpdash.changes.models import Blackout, MaintenanceWindow
from ocpdash.core.phrases import Phrase, joined, moment, phrase

HORIZON = timedelta(weeks=8)  # how far ahead a window that fits is searched for
RECHECK_NO_FIT = timedelta(hours=1)  # no window fits: look again (windows may have been widened)


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime
    windows: tuple[MaintenanceWindow, ...] = ()

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def time_zone(self) -> str:
        return self.windows[0].time_zone if self.windows else "UTC"

    def describe(self) -> Phrase:
        """E.g. 'Sat 5 Dec 01:00-05:00 Asia/Shanghai' (with an en dash; the end's weekday when it ends
        another day), in the reader's date format where it is read."""
        tz = zoneinfo.ZoneInfo(self.time_zone)
        same_day = self.start.astimezone(tz).date() == self.end.astimezone(tz).date()
        return joined(
            moment(self.start, self.time_zone, zone=False),
            moment(self.end, self.time_zone, style="time" if same_day else "weekday"),
            sep="–",
        )

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "text": self.describe()}


def windows_for(cluster) -> list[MaintenanceWindow]:
    """The cluster's own windows; without any, its site's."""
    own = list(MaintenanceWindow.objects.filter(cluster=cluster))
    return own or list(MaintenanceWindow.objects.filter(site_id=cluster.site_id))


def _local_dates(since: datetime, until: datetime) -> list[date]:
    first, last = (since - timedelta(days=2)).date(), (until + timedelta(days=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _raw_occurrences(window: MaintenanceWindow, since: datetime, until: datetime) -> list[Occurrence]:
    tz = zoneinfo.ZoneInfo(window.time_zone)
    found = []
    for day in _local_dates(since, until):
        if day.weekday() != window.weekday:
            continue
        end_day = day if window.end_time > window.start_time else day + timedelta(days=1)
        start = _instant(day, window.start_time, tz)
        end = _instant(end_day, window.end_time, tz)
        if end > since and start < until:
            found.append(Occurrence(start, end, (window,)))
    return found


def _instant(day: date, at, tz) -> datetime:
    """The UTC instant of a local wall time (PEP 495, fold 0: a repeated hour's first pass, and a time
    in a DST gap moved forward by the gap, 02:30 → 03:30)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def occurrences(windows, since: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence of ``windows`` overlapping [since, until), merged and in order."""
    raw = sorted((o for w in windows for o in _raw_occurrences(w, since, until)), key=lambda o: o.start)
    merged: list[Occurrence] = []
    for occ in raw:
        if merged and occ.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Occurrence(last.start, max(last.end, occ.end), last.windows + occ.windows)
        else:
            merged.append(occ)
    return merged


def containing(windows, at: datetime) -> Occurrence | None:
    for occ in occurrences(windows, at - timedelta(days=8), at + timedelta(days=8)):
        if occ.start <= at < occ.end:
            return occ
    return None


def upcoming(windows, after: datetime, count: int = 5) -> list[Occurrence]:
    """The next ``count`` occurrences that have not ended (the admin's preview)."""
    return [o for o in occurrences(windows, after, after + HORIZON) if o.end > after][:count]


def next_opening(windows, after: datetime, *, at_least: timedelta | None = None) -> Occurrence | None:
    """The first occurrence opening at or after ``after`` that is at least ``at_least`` long."""
    for occ in occurrences(windows, after, after + HORIZON):
        if occ.start >= after and (at_least is None or occ.length >= at_least):
            return occ
    return None


def blackouts_for(clusters, since: datetime, until: datetime) -> list[Blackout]:
    """Change freezes overlapping [since, until) that apply to any of ``clusters``."""
    candidates = Blackout.objects.filter(ends_at__gt=since, starts_at__lt=until).select_related(
        "site", "cluster"
    )
    return [b for b in candidates if any(b.applies_to(c) for c in clusters)]


def when(instant: datetime, time_zone: str | None = None) -> Phrase:
    """ "Sat 5 Dec 01:00 Asia/Shanghai" (the window's zone, else the server's), in the reader's date
    format where it is read (``translated``)."""
    return moment(instant, time_zone or settings.TIME_ZONE)


@dataclass
class StartDecision:
    start: bool
    note: Phrase  # English as a str; stored with its spec (phrases.columns) and read in any language
    wait_until: datetime | None = None  # when to look again: the planned start
    window: Occurrence | None = None  # the window it starts in or waits for
    facts: dict = field(default_factory=dict)


def decide(
    *,
    now: datetime,
    mode: str,
    start_at: datetime | None,
    windows: list[MaintenanceWindow],
    blackouts: list[Blackout],
    p90: timedelta | None,
) -> StartDecision:
    """Whether a scheduled upgrade starts now, and if not until when it waits and why.

    ``now`` starts at once unless a change freeze holds it; ``at`` waits for its time; ``next_window``
    (and ``at`` on a cluster that has windows) starts only inside a window with its ETA's p90 left,
    else in the first window long enough. No start in a freeze, nor one that would still run when a
    freeze begins. Without history (no p90) only the window's opening and the freezes count."""
    tz = windows[0].time_zone if windows else None
    if mode == "at" and start_at is not None and start_at > now:
        return StartDecision(False, phrase("Starts at %(when)s.", when=when(start_at, tz)), start_at)
    held = [b for b in blackouts if b.starts_at <= now < b.ends_at]
    if held:
        freeze = max(held, key=lambda b: b.ends_at)
        return StartDecision(
            False,
            phrase(
                "Held by the change freeze '%(reason)s' (%(scope)s) until %(until)s.",
                reason=freeze.reason,
                scope=freeze.scope,
                until=when(freeze.ends_at, tz),
            ),
            freeze.ends_at,
        )
    window = None
    if mode in ("at", "next_window") and windows:
        window = containing(windows, now)
        waiting = _window_wait(windows, window, now, p90)
        if waiting is not None:
            return waiting
    if p90 is not None:
        ahead = [b for b in blackouts if now < b.starts_at < now + p90]
        if ahead:
            freeze = min(ahead, key=lambda b: b.starts_at)
            return StartDecision(
                False,
                phrase(
                    "It would still run when the change freeze '%(reason)s' begins at %(begins)s (ETA p90 "
                    "%(p90)s); it waits until the freeze ends, %(ends)s.",
                    reason=freeze.reason,
                    begins=when(freeze.starts_at, tz),
                    p90=_human(p90),
                    ends=when(freeze.ends_at, tz),
                ),
                freeze.ends_at,
            )
    how = phrase("Starts now.")
    if window is not None:
        left = _human(window.end - now)
        how = (
            phrase("Starts now in the window %(window)s (%(left)s left; no history for an ETA yet).",
                   window=window.describe(), left=left)
            if p90 is None
            else phrase("Starts now in the window %(window)s (%(left)s left, ETA p90 %(p90)s).",
                        window=window.describe(), left=left, p90=_human(p90))
        )  # fmt: skip
    return StartDecision(True, how, now, window)


def _window_wait(windows, window: Occurrence | None, now: datetime, p90) -> StartDecision | None:
    if window is not None and (p90 is None or window.end - now >= p90):
        return None
    after = now if window is None else window.end
    following = next_opening(windows, after, at_least=p90)
    if window is None:
        why = phrase("Waits for the next maintenance window")
    else:
        why = phrase(
            "Its ETA (p90 %(p90)s) does not fit the %(left)s left of this window; waits",
            p90=_human(p90),
            left=_human(window.end - now),
        )
    if following is None:
        longest = max((o.length for o in occurrences(windows, now, now + HORIZON)), default=timedelta(0))
        return StartDecision(
            False,
            phrase(
                "%(why)s, but no maintenance window in the next %(weeks)s weeks is long enough for its ETA "
                "(p90 %(p90)s; the longest is %(longest)s): widen a window, or cancel and request it to "
                "start now or at a time.",
                why=why,
                weeks=HORIZON.days // 7,
                p90=_human(p90),
                longest=_human(longest),
            ),
            now + RECHECK_NO_FIT,
        )
    if window is None:
        return StartDecision(
            False,
            phrase("%(why)s, %(window)s.", why=why, window=following.describe()),
            following.start,
            following,
        )
    return StartDecision(
        False,
        phrase("%(why)s for %(window)s.", why=why, window=following.describe()),
        following.start,
        following,
    )


def _human(delta: timedelta | None) -> Phrase:
    if delta is None:
        return phrase("unknown")
    from ocpdash.upgrades.eta import span

    return span(delta)
