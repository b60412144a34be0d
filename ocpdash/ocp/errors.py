"""Errors raised by the OCP client.

Every error says what an operator can do about it (``message``), whether trying again later may help
(``transient``) and whether the request may have reached OCP (``request_sent``). The last one matters
for POSTs: when it is True the caller must look at OCP (for example list the cluster's tasks) before
sending the same mutating request again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SubError:
    """One entry of OCP's ``error.subErrors`` (bean-validation failures)."""

    message: str
    object: str | None = None
    field: str | None = None
    rejected_value: Any = None  # (its sibling field `object` hides the builtin here)

    def __str__(self) -> str:
        where = ".".join(p for p in (self.object, self.field) if p)
        return f"{where}: {self.message}" if where else self.message


class OcpError(Exception):
    """Base class of every error the OCP client raises."""

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        request_sent: bool = True,
        transient: bool | None = None,
        ocp_message: str | None = None,
        sub_errors: tuple[SubError, ...] = (),
        trace_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_sent = request_sent
        if transient is not None:
            self.transient = transient
        self.ocp_message = ocp_message
        self.sub_errors = tuple(sub_errors)
        self.trace_id = trace_id
        self.retry_after = retry_after  # seconds OCP asked us to wait (429, or 503 with Retry-After)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, code={self.code!r}, "
            f"transient={self.transient!r}, request_sent={self.request_sent!r})"
        )


class OcpUnreachable(OcpError):
    """No usable HTTP reply: connection refused, DNS, TLS, timeouts, connection dropped."""

    transient = True


class OcpServerError(OcpError):
    """OCP (or a proxy in front of it) answered 5xx."""

    transient = True


class OcpRateLimited(OcpError):
    """OCP answered 429; ``retry_after`` is the number of seconds it asked us to wait (or None)."""

    transient = True


class OcpAuthError(OcpError):
    """401: OCP rejected our credentials (wrong password, unknown or wrong AK/SK, clock skew)."""


class OcpCredentialsRefused(OcpAuthError):
    """Not sent: OCP refused ocpdash's credentials several times in a row, so calls to that OCP are
    stopped until its credentials are saved again or an operator asks to try again (repeated wrong
    logins lock the account in OCP)."""


class OcpForbidden(OcpError):
    """403: the OCP user lacks the permission for this operation."""


class OcpNotFound(OcpError):
    """404: the cluster, task, subtask or package does not exist (any more)."""


class OcpRefused(OcpError):
    """OCP refused the request (other 4xx or ``successful: false``), e.g. a task in the wrong state."""


class OcpMalformedReply(OcpError):
    """The reply is not what the OCP API documents (not JSON, missing envelope, wrong field types)."""
