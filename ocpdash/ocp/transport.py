"""Turn HTTP outcomes into OCP errors or envelope data (ocp-api.md §1).

``request_sent`` is decided here. It is False only when we know no byte of the request reached the
server: the TCP connection was never established (refused, DNS failure, connect timeout) or the TLS
handshake failed. Anything later (read timeout, connection reset or closed after sending, a broken
chunked reply, any HTTP status) counts as "maybe sent".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import (
    OcpAuthError,
    OcpError,
    OcpForbidden,
    OcpMalformedReply,
    OcpNotFound,
    OcpRateLimited,
    OcpRefused,
    OcpServerError,
    OcpUnreachable,
    SubError,
)

_HINTS = {
    401: "OCP rejected our credentials; check the user name and password or the AccessKey pair "
    "(and, for AK/SK, that this machine's clock is within 15 minutes of OCP's)",
    403: "the OCP user lacks the permission for this operation; ask an OCP administrator to grant it",
    404: "OCP does not know this object (it may have been deleted, or the id is wrong)",
    429: "OCP is throttling our requests; slow down and try again later",
}


def connection_error(exc: requests.RequestException, host: str, method: str, path: str) -> OcpError:
    where = f"{method} {path}"
    if isinstance(exc, requests.exceptions.SSLError):
        return OcpUnreachable(
            f"TLS handshake with OCP at {host} failed ({where}); check the certificate and the URL scheme.",
            request_sent=False,
            transient=False,
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout) or _never_connected(exc):
        return OcpUnreachable(
            f"Could not connect to OCP at {host} ({where}): {_reason(exc)}. "
            "Check that OCP is running and reachable from ocpdash.",
            request_sent=False,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return OcpUnreachable(
            f"OCP at {host} did not answer in time ({where}); the request may have been processed.",
            request_sent=True,
        )
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return OcpUnreachable(
            f"The connection to OCP at {host} broke during {where}: {_reason(exc)}; "
            "the request may have been processed.",
            request_sent=True,
        )
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return OcpMalformedReply(f"OCP at {host} sent an undecodable body ({where}).", request_sent=True)
    return OcpUnreachable(
        f"Could not send {where} to OCP at {host}: {type(exc).__name__}.",
        request_sent=False,
        transient=False,
    )


def _causes(exc: BaseException, depth: int = 0) -> Iterator[BaseException]:
    if depth > 6 or exc is None:
        return
    yield exc
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException):
            yield from _causes(arg, depth + 1)
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        yield from _causes(reason, depth + 1)
    if exc.__cause__ is not None:
        yield from _causes(exc.__cause__, depth + 1)


def _never_connected(exc: BaseException) -> bool:
    return any(
        isinstance(c, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError)) for c in _causes(exc)
    )


def _reason(exc: BaseException) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return "connection refused"
        if "Name or service not known" in str(cause) or "NameResolution" in type(cause).__name__:
            return "host name not found"
        if isinstance(cause, ConnectTimeoutError) and not isinstance(cause, NewConnectionError):
            return "connect timed out"
    return type(exc).__name__


def envelope_or_none(response: requests.Response) -> dict[str, Any] | None:
    try:
        data = json.loads(response.content or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def success_data(response: requests.Response, host: str, method: str, path: str) -> Any:
    """``data`` of a 2xx envelope (None when the envelope has no data); errors for anything else."""
    where = f"{method} /api/v2{path}"
    try:
        envelope = json.loads(response.content or b"")
    except (ValueError, UnicodeDecodeError):
        snippet = _snippet(response)
        raise OcpMalformedReply(
            f"OCP at {host} answered {where} with HTTP {response.status_code} but the body is not JSON "
            f"({snippet}); check that the URL points at OCP and not at a proxy or login page.",
            status=response.status_code,
        ) from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("successful"), bool):
        raise OcpMalformedReply(
            f"OCP at {host} answered {where} without the 'successful' field of OCP's reply envelope; "
            "check that the URL points at OCP.",
            status=response.status_code,
        )
    if not envelope["successful"]:
        declared = envelope.get("status")
        status = declared if isinstance(declared, int) and 400 <= declared <= 599 else response.status_code
        raise _status_error(status, envelope, host, where, response)
    return envelope.get("data")


def http_error(response: requests.Response, host: str, method: str, path: str) -> OcpError:
    return _status_error(response.status_code, envelope_or_none(response), host, f"{method} {path}", response)


def _status_error(
    status: int, envelope: dict[str, Any] | None, host: str, where: str, response: requests.Response
) -> OcpError:
    error = envelope.get("error") if envelope else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), (int, str)) else None
    ocp_message = error.get("message") if isinstance(error.get("message"), str) else None
    sub_errors = tuple(_sub_errors(error.get("subErrors")))
    trace_id = envelope.get("traceId") if envelope and isinstance(envelope.get("traceId"), str) else None
    said = f": {ocp_message}" if ocp_message else (f" ({_snippet(response)})" if envelope is None else "")
    if sub_errors:
        said += " [" + "; ".join(str(s) for s in sub_errors) + "]"
    common: dict[str, Any] = dict(
        status=status, code=code, ocp_message=ocp_message, sub_errors=sub_errors, trace_id=trace_id
    )
    head = f"OCP at {host} answered {where} with HTTP {status}"
    if status == 401:
        return OcpAuthError(f"{_HINTS[401]} (OCP at {host}, {where}){said}", **common)
    if status == 403:
        return OcpForbidden(f"{head}: {_HINTS[403]}{said}", **common)
    if status == 404:
        return OcpNotFound(f"{head}: {_HINTS[404]}{said}", **common)
    if status == 429:
        wait = retry_after(response)
        return OcpRateLimited(f"{head}: {_HINTS[429]}{said}", retry_after=wait, **common)
    if status >= 500:
        return OcpServerError(
            f"{head}; OCP or a proxy in front of it failed, retry later{said}",
            retry_after=retry_after(response),
            **common,
        )
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return OcpRefused(f"{head} redirecting to {location[:100]!r}; check the OCP URL{said}", **common)
    return OcpRefused(f"OCP at {host} refused {where} (HTTP {status}){said}", **common)


def _sub_errors(value: Any) -> Iterator[SubError]:
    if not isinstance(value, list):
        return
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            yield SubError(
                message=item["message"],
                object=item.get("object") if isinstance(item.get("object"), str) else None,
                field=item.get("field") if isinstance(item.get("field"), str) else None,
                rejected_value=item.get("rejectedValue"),
            )


# A RateLimit-Reset this large is a point in time (epoch seconds), not a number of seconds to wait.
_EPOCH_SECONDS = 1_000_000_000


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``RateLimit-Reset`` (the
    seconds until the window resets, as OCP's 429 sample sends it; an epoch time is accepted too)."""
    for header in ("Retry-After", "RateLimit-Reset"):
        value = response.headers.get(header)
        if not value:
            continue
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            if seconds >= _EPOCH_SECONDS:
                seconds -= time.time()
            return max(0.0, seconds)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            continue
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - time.time())
    return None


def _snippet(response: requests.Response) -> str:
    ctype = response.headers.get("Content-Type", "no content type").split(";")[0]
    size = len(response.content or b"")
    return f"{ctype}, {size} bytes" if size else "empty body"
