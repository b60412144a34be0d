"""OCP's response envelope, error envelope and time formatting (shared/ocp/ocp-api.md §1)."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

TZ = dt.timezone(dt.timedelta(hours=8))
SERVER_NAME = "a83ad33525"

# OCP Express numeric error codes (ocp-api.md §1.3).
ILLEGAL_ARGUMENT = 10001
NOT_FOUND = 10002
CONFLICT = 10005
UNEXPECTED = 10010
TASK_NOT_EXISTS = 20000
TASK_STATE_INVALID = 20003
TASK_PROHIBIT_ROLLBACK = 20004
NOT_AUTHENTICATED = 0
NO_CODE = 0  # an ApiError whose handler sets no code (Spring's own exceptions in OCP Express)
NOT_PERMITTED = 30014

NOT_LOGGED_ON = (
    "The current user has not logged on or a logon error has occurred. Please log on and try again."
)
FORBIDDEN = "You are not authorized to perform the corresponding operation. Contact the administrator."


class ApiError(Exception):
    """An error answered with OCP's error envelope; ``ocp_code`` (e.g. OBE11063) goes to debugMessage."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        ocp_code: str | None = None,
        debug: str | None = None,
        sub_errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.ocp_code = ocp_code
        self.debug = debug
        self.sub_errors = sub_errors
        self.headers = headers

    def error(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.debug:
            body["debugMessage"] = self.debug
        elif self.ocp_code:
            body["debugMessage"] = f"[{self.ocp_code}] {self.message}"
        if self.sub_errors:
            body["subErrors"] = self.sub_errors
        return body


def bad_request(message: str, ocp_code: str | None = None, code: int = ILLEGAL_ARGUMENT) -> ApiError:
    return ApiError(400, code, message, ocp_code)


def not_found(message: str, ocp_code: str | None = None, code: int = NOT_FOUND) -> ApiError:
    return ApiError(404, code, message, ocp_code)


def format_time(epoch: float | None) -> str | None:
    """Java OffsetDateTime style: ``2021-03-02T12:04:48.524+08:00``, trailing zeros of millis trimmed."""
    if epoch is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch, TZ)
    millis = moment.microsecond // 1000
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{millis:03d}".rstrip("0")
    return text + "+08:00"


def format_log_time(epoch: float) -> str:
    """Spring log line time: ``2021-08-25 15:09:32.716``."""
    moment = dt.datetime.fromtimestamp(epoch, TZ)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + f".{moment.microsecond // 1000:03d}"


def trace_id() -> str:
    return f"{random.getrandbits(64):016x}"


def drop_nulls(value):
    """Jackson NON_ABSENT: omit null fields everywhere."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


@dataclass
class Reply:
    """What a route answers: an envelope (``data`` may be absent) or a bare JSON value."""

    status: int = 200
    data: object = None
    has_data: bool = True
    bare: bool = False
    headers: dict | None = None


def envelope(reply: Reply, started: float) -> dict:
    body: dict = {}
    if reply.has_data and reply.data is not None:
        body["data"] = reply.data
    body.update(_meta(reply.status, started, successful=True))
    return drop_nulls(body)


def error_envelope(err: ApiError, started: float) -> dict:
    body = _meta(err.status, started, successful=False)
    body["error"] = err.error()
    return drop_nulls(body)


def _meta(status: int, started: float, successful: bool) -> dict:
    now = time.time()
    return {
        "successful": successful,
        "status": status,
        "timestamp": format_time(now),
        "duration": max(0, int((now - started) * 1000)),
        "traceId": trace_id(),
        "server": SERVER_NAME,
    }


MAX_PAGE_SIZE = 2000


def page_of(items: list, query: dict, default_size: int = 10) -> dict:
    """OCP's paged ``data`` with 1-based ``page``. Out-of-range values are clamped as Spring Data's
    pageable resolver does (page < 1 -> 1, size > 2000 -> 2000, size < 1 or not a number -> default)."""
    page = max(_int_param(query, "page", 1), 1)
    size = _int_param(query, "size", default_size)
    size = default_size if size < 1 else min(size, MAX_PAGE_SIZE)
    total = len(items)
    chunk = items[(page - 1) * size : page * size]
    return {
        "contents": chunk,
        "page": {
            "number": page,
            "size": size,
            "totalElements": total,
            "totalPages": (total + size - 1) // size,
        },
    }


def _int_param(query: dict, name: str, default: int) -> int:
    try:
        return int(query.get(name) or default)
    except ValueError:
        return default


def sort_items(items: list[dict], query: dict, default: str = "id,desc") -> list[dict]:
    spec = query.get("sort") or default
    field, _, direction = spec.partition(",")
    field = field.strip() or "id"
    reverse = direction.strip().lower() == "desc"
    return sorted(items, key=lambda row: _sort_key(row.get(field)), reverse=reverse)


def _sort_key(value) -> tuple:
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, "" if value is None else str(value))
