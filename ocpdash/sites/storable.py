"""Making what OCP sends storable, where that is safe, and saying what was changed.

OCP's JSON is parsed leniently (ocpdash.ocp.parsing), but the database has limits: text columns
have lengths and refuse NUL on PostgreSQL, integer columns have ranges, a subtask id appears once per
upgrade. Cosmetic values are clamped or truncated (with a marker) and NULs dropped; duplicate
subtasks are dropped after the first. Identities that do not fit (an id beyond 2^63) are not
guessed at: :class:`Unstorable` is raised and the poll records a fault instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from ocpdash.ocp import Subtask, TaskInstance

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
MARKER = "…[truncated]"


class Unstorable(ValueError):
    """A value OCP sent that ocpdash cannot store without changing its meaning."""


@dataclass
class Adjustments:
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 20:
            self.notes.append(text)

    def text(self, value: str | None, limit: int, what: str) -> str:
        value = value or ""
        if "\x00" in value:
            value = value.replace("\x00", "")
            self.note(f"NUL characters dropped from {what}")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate ("\ud800" in OCP's JSON) no database takes
                value = value.encode("utf-8", "replace").decode("utf-8")
                self.note(f"characters that are not text replaced in {what}")
        if len(value) > limit:
            value = value[: limit - len(MARKER)] + MARKER
            self.note(f"{what} cut to {limit} characters")
        return value

    def number(
        self, value: int | None, low: int, high: int, what: str, default: int | None = None
    ) -> int | None:
        if value is None:
            return default
        if value < low or value > high:
            self.note(f"{what} {value} out of range, stored as {min(max(value, low), high)}")
            return min(max(value, low), high)
        return value

    def moment(self, value: datetime | None, what: str) -> datetime | None:
        if value is None:
            return None
        try:
            value.utcoffset()
            if not 1970 <= value.year <= 9998:
                raise OverflowError
        except (OverflowError, ValueError):
            self.note(f"{what} {value!r} not a usable time, left empty")
            return None
        return value


def identity(value: int, what: str) -> int:
    if not 0 <= value <= MAX_BIGINT:
        raise Unstorable(f"OCP sent {what} {value}, which ocpdash cannot store (ids are 0 to 2^63-1)")
    return value


def unique_subtasks(task: TaskInstance, adjust: Adjustments, seen: set[int]) -> TaskInstance:
    """The task with each subtask id once (across the upgrade's tasks: ``seen``), ids checked."""
    identity(task.id, "task id")
    kept: list[Subtask] = []
    for sub in task.subtasks:
        identity(sub.id, "subtask id")
        if sub.id in seen:
            adjust.note(f"subtask #{sub.id} sent twice; the first kept")
            continue
        seen.add(sub.id)
        kept.append(sub)
    return task if len(kept) == len(task.subtasks) else replace(task, subtasks=tuple(kept))
