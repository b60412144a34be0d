"""An upgrade's steps as they were at any moment, from its stored events (the page's replay, the
evidence pack). The pure part takes plain values; :func:`load` reads them (one query).

The rules, written down once:

- **A change** of a step is a "step" event (storing.py records one for every status or operation
  change and every re-run: ``data`` holds the new ``status`` and ``operation``), at the event's time,
  which is the database's clock when ocpdash saw the change, within a poll of OCP's own time.
- **Before its first change** a step is PENDING (storing.py records no event for a step that appears
  pending). A step with no event at all (imported history, the demo's) gets its changes from OCP's
  own times instead: RUNNING at ``started_at``, its stored status at ``finished_at``; with neither
  time, its stored status from the end of the replay.
- **At a moment T** a step shows its last change at or before T.
- **A run** starts at a change into RUNNING or CANCELING and ends at the next change out of them
  (a retry is a second run; the time between a failed run and the retry is the wait for an operator).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ocpdash.upgrades.models import Upgrade, UpgradeEvent, display_status

PENDING = "PENDING"
_SPACED_OFFSET = re.compile(r"^(.*\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$")
RUNNING_STATUSES = frozenset({"RUNNING", "CANCELING"})


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str  # OCP's status
    operation: str = ""

    @property
    def display_status(self) -> str:
        return display_status(self.status, self.operation)


NOT_STARTED = Change(datetime.min.replace(tzinfo=UTC), PENDING, "")


@dataclass(frozen=True)
class Run:
    start: datetime
    end: datetime | None  # None: still running at the moment asked about
    outcome: str  # the display status it ended with ('' while it runs)


@dataclass
class Replay:
    """Every step's changes, in time order, and the span an operator can scrub over."""

    changes: dict[int, list[Change]] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None

    def at(self, subtask_id: int, moment: datetime) -> Change:
        """The step's last change at or before ``moment`` (NOT_STARTED before its first)."""
        found = NOT_STARTED
        for change in self.changes.get(subtask_id, ()):
            if change.at > moment:
                break
            found = change
        return found

    def statuses_at(self, moment: datetime) -> dict[int, Change]:
        """Every step's change in effect at ``moment``."""
        return {subtask_id: self.at(subtask_id, moment) for subtask_id in self.changes}

    def runs(self, subtask_id: int, until: datetime | None = None) -> list[Run]:
        """The step's runs up to ``until`` (all of them when None); a run still going then has no end."""
        found: list[Run] = []
        start = None
        for change in self.changes.get(subtask_id, ()):
            if until is not None and change.at > until:
                break
            running = change.status in RUNNING_STATUSES
            if running and start is None:
                start = change.at
            elif not running and start is not None:
                found.append(Run(start, change.at, change.display_status))
                start = None
        if start is not None:
            found.append(Run(start, None, ""))
        return found

    def moments(self) -> list[datetime]:
        """Every moment something changed, in order (for stepping through a replay)."""
        return sorted({c.at for changes in self.changes.values() for c in changes})


def build(
    steps: Iterable,
    events: Iterable[tuple[datetime, int | None, Mapping]],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Replay:
    """A Replay from the steps (anything with ``ocp_subtask_id``, ``status``, ``operation``,
    ``started_at`` and ``finished_at``) and their events as (time, subtask id, data)."""
    steps = list(steps)
    known = {s.ocp_subtask_id for s in steps}
    changes: dict[int, list[Change]] = {s.ocp_subtask_id: [] for s in steps}
    for at, subtask_id, data in events:
        status = (data or {}).get("status") if isinstance(data, Mapping) else None
        if subtask_id is not None and subtask_id in known and isinstance(status, str) and status:
            changes[subtask_id].append(Change(at, status, str(data.get("operation") or "")))
    times = [c.at for found in changes.values() for c in found]
    times += [t for s in steps for t in (s.started_at, s.finished_at) if t is not None]
    start = start or min(times, default=None)
    end = end or max(times, default=None)
    for step in steps:
        found = changes[step.ocp_subtask_id]
        if found:
            found.sort(key=lambda c: c.at)  # stable: events of one moment keep their order
        else:
            found.extend(_from_times(step, end))
    return Replay(changes, start, end)


def _from_times(step: Any, end: datetime | None) -> list[Change]:  # a step as build() takes it
    if step.status == PENDING:
        return []
    found = []
    if step.started_at is not None:
        found.append(Change(step.started_at, "RUNNING", step.operation))
    if step.finished_at is not None or not found:
        moment = step.finished_at or end
        if moment is not None and step.status not in RUNNING_STATUSES:
            found.append(Change(moment, step.status, step.operation))
    return sorted(found, key=lambda c: c.at)


def load(upgrade: Upgrade) -> Replay:
    """The replay of ``upgrade`` (two queries: its steps, its step events), from its submission (or
    request) to its end (or its last change)."""
    from ocpdash.upgrades.models import UpgradeStep

    steps = UpgradeStep.objects.filter(upgrade_id=upgrade.pk).only(
        "ocp_subtask_id", "status", "operation", "started_at", "finished_at"
    )
    return load_for(upgrade, steps)


def load_for(upgrade: Upgrade, steps: Iterable[Any]) -> Replay:
    """As :func:`load`, for steps already read."""
    events = UpgradeEvent.objects.filter(
        upgrade_id=upgrade.pk, kind=UpgradeEvent.Kind.STEP, ocp_subtask_id__isnull=False
    ).order_by("created_at", "id")
    rows = events.values_list("created_at", "ocp_subtask_id", "data")
    begin = upgrade.submitted_at or upgrade.created_at
    return build(steps, rows, start=begin, end=upgrade.finished_at)


def parse_moment(value: object) -> datetime | None:
    """``?at=``: an ISO 8601 time (without a zone: the current time zone) or seconds since the epoch;
    None when it is neither or outside what a datetime can hold."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or not 0 <= number < 253_402_300_799:  # 9999-12-31
            return None
        return datetime.fromtimestamp(number, tz=UTC)
    # A '+' in a query string arrives as a space: "10:00:00 08:00" is "10:00:00+08:00".
    text = _SPACED_OFFSET.sub(r"\1+\2", text).replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def clamp(moment: datetime, replay: Replay) -> datetime:
    """``moment`` within the replay's span."""
    if replay.start is not None and moment < replay.start:
        return replay.start
    if replay.end is not None and moment > replay.end:
        return replay.end
    return moment
