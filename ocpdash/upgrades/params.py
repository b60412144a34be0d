"""Parsing ids, numbers and dates from URLs, query strings and command lines: one definition, so a
malformed value is a clear 400/404 (or a CLI message) everywhere, never a 500."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from django.utils.dateparse import parse_date

ID_PATTERN = "[0-9]{1,18}"  # ids fit a signed 64-bit column on every database
_ID = re.compile(ID_PATTERN)
FIRST_DATE, LAST_DATE = date(1971, 1, 1), date(9998, 12, 30)


def parse_id(value: object) -> int | None:
    """A database id, or None (ASCII digits only: '²' is a digit to str.isdigit, not to us)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if _ID.fullmatch(text) else None


def parse_finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and abs(number) < 1e12 else None


def parse_day(value: str | None) -> date | None:
    """A calendar date within what every time zone can turn into a datetime."""
    try:
        day = parse_date(value or "")
    except ValueError:
        return None
    return day if day is not None and FIRST_DATE <= day <= LAST_DATE else None


class IdConverter:
    """``<id:pk>`` in URL patterns."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)
