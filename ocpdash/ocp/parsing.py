"""Field readers for OCP JSON: strict for required fields, forgiving for optional ones.

A required field that is missing or of the wrong type raises :class:`OcpMalformedReply` naming the
object and the field. Optional fields that are absent, null or of an unexpected type read as their
default, so a newer or older OCP that adds, drops or retypes a cosmetic field does not break us.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import OcpMalformedReply

JsonObject = Mapping[str, Any]


def obj(value: Any, what: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise OcpMalformedReply(f"{what} is {_kind(value)}, expected a JSON object")
    return value


def req_int(d: JsonObject, key: str, what: str) -> int:
    value = d.get(key)
    if value is None:
        raise OcpMalformedReply(f"{what} has no '{key}'")
    if isinstance(value, bool) or not isinstance(value, int):
        raise OcpMalformedReply(f"{what} field '{key}' is {_kind(value)}, expected an integer")
    return value


def req_str(d: JsonObject, key: str, what: str) -> str:
    value = d.get(key)
    if value is None:
        raise OcpMalformedReply(f"{what} has no '{key}'")
    if not isinstance(value, str):
        raise OcpMalformedReply(f"{what} field '{key}' is {_kind(value)}, expected a string")
    return value


def opt_int(d: JsonObject, *keys: str) -> int | None:
    for key in keys:
        value = d.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value.strip()):
            return int(value)
    return None


def opt_str(d: JsonObject, *keys: str) -> str | None:
    for key in keys:
        value = d.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return None


def opt_bool(d: JsonObject, key: str, default: bool = False) -> bool:
    value = d.get(key)
    return value if isinstance(value, bool) else default


def opt_dt(d: JsonObject, key: str) -> datetime | None:
    return parse_datetime(d.get(key))


def opt_obj(d: JsonObject, key: str) -> JsonObject:
    value = d.get(key)
    return value if isinstance(value, Mapping) else {}


def opt_list(d: JsonObject, *keys: str) -> list[Any]:
    for key in keys:
        value = d.get(key)
        if isinstance(value, list):
            return value
    return []


def int_tuple(d: JsonObject, *keys: str) -> tuple[int, ...]:
    """Ids from the first present list key; non-integer entries are dropped."""
    return tuple(v for v in opt_list(d, *keys) if isinstance(v, int) and not isinstance(v, bool))


def objects(d: JsonObject, key: str, what: str) -> list[JsonObject]:
    """A list of JSON objects under ``key`` (absent/null → empty); a non-object entry is malformed."""
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OcpMalformedReply(f"{what} field '{key}' is {_kind(value)}, expected a list")
    return [obj(item, f"{what} '{key}' entry") for item in value]


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 with offset (``2021-03-02T12:04:48.487+08:00``, ``…Z``, trimmed millis) or epoch ms.

    Returns an aware datetime, or None when absent or unparsable. A naive timestamp is not guessed at.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# --- Task context -------------------------------------------------------------------------------

_CONTEXT_RE = re.compile(r"^\s*Context\((?P<body>.*)\)\s*$", re.S)


def parse_context_string(raw: str) -> tuple[int | None, dict[str, str], dict[str, list[str]]] | None:
    """Parse Lombok's ``Context(parallelIdx=-1, stringMap={k=v, …}, listMap={k=[a, b], …})``.

    Returns None when the text does not have that shape. Unknown extra fields are ignored.
    """
    match = _CONTEXT_RE.match(raw)
    if not match:
        return None
    fields = _split_top(match.group("body"))
    parallel_idx: int | None = None
    string_map: dict[str, str] = {}
    list_map: dict[str, list[str]] = {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep:
            return None
        key, value = key.strip(), value.strip()
        if key in ("parallelIdx", "paralleIdx"):
            try:
                parallel_idx = int(value)
            except ValueError:
                return None
        elif key == "stringMap":
            parsed = _parse_map(value)
            if parsed is None:
                return None
            string_map = dict(parsed)
        elif key == "listMap":
            parsed = _parse_map(value)
            if parsed is None:
                return None
            list_map = {k: _parse_list(v) for k, v in parsed}
    return parallel_idx, string_map, list_map


def _split_top(text: str) -> list[str]:
    """Split on ', ' outside of {} and []."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    tail = text[start:].strip()
    if tail or parts:
        parts.append(tail)
    return [p for p in parts if p]


_MAP_KEY_RE = re.compile(r",\s*(?=[A-Za-z0-9_.\-]+=)")


def _parse_map(text: str) -> list[tuple[str, str]] | None:
    """``{k=v, k2=[a, b]}`` → pairs. A comma inside a string value stays in the value."""
    if text == "null":
        return []
    if not (text.startswith("{") and text.endswith("}")):
        return None
    body = text[1:-1].strip()
    if not body:
        return []
    pairs = []
    for entry in _split_entries(body):
        key, sep, value = entry.partition("=")
        if not sep:
            return None
        pairs.append((key.strip(), value.strip()))
    return pairs


def _split_entries(body: str) -> list[str]:
    """Split map entries at top-level commas followed by ``key=``."""
    entries: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(body):
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and _MAP_KEY_RE.match(body, i):
            entries.append(body[start:i])
            start = i + 1
    entries.append(body[start:])
    return [e.strip() for e in entries if e.strip()]


def _parse_list(text: str) -> list[str]:
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [p.strip() for p in inner.split(",")] if inner else []
    return [text] if text and text != "null" else []
