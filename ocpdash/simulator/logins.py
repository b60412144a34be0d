"""Failed logins per client address and the temporary block after too many of them.

OCP's ``ocp.iam.login.max-attempts`` (default 20) and ``ocp.iam.login.lockout-minutes`` (30):
"When this threshold is exceeded, the client IP address is temporarily blocked"
(ocp-doc V4.2.2 ``1600.system-management-features/300.manage-system-parameter/
300.ocp-configuration-parameters.md``). Messages are IAM10004 and IAM10007 of the error table
(``2100.appendix/100.ocp-error-table.md``); OCP Express answers both with a 401 whose code is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ocpdash.simulator.envelope import NOT_AUTHENTICATED, ApiError, format_time

BAD_CREDENTIALS = "Incorrect username or password. Please try again. You can try for {0} more times."
BLOCKED = (
    "The current account has been temporarily disabled. Please wait and try again later or contact "
    "the administrator."
)


@dataclass
class Logins:
    max_attempts: int = 20
    lockout_seconds: float = 1800.0
    failed: dict[str, int] = field(default_factory=dict)  # consecutive failures per address
    locked_until: dict[str, float] = field(default_factory=dict)

    def check(self, address: str, now: float) -> None:
        """Raise the IAM10007 401 while ``address`` is blocked."""
        until = self.locked_until.get(address)
        if until is None:
            return
        if now < until:
            raise ApiError(401, NOT_AUTHENTICATED, BLOCKED, "IAM10007")
        del self.locked_until[address]
        self.failed.pop(address, None)

    def failure(self, address: str, now: float, debug: str) -> ApiError:
        """Count a failed login and return the 401 to answer (IAM10004 with the attempts left)."""
        count = self.failed.get(address, 0) + 1
        self.failed[address] = count
        if count >= self.max_attempts:
            self.locked_until[address] = now + self.lockout_seconds
        left = max(self.max_attempts - count, 0)
        return ApiError(401, NOT_AUTHENTICATED, BAD_CREDENTIALS.format(left), debug=f"[IAM10004] {debug}")

    def success(self, address: str) -> None:
        self.failed.pop(address, None)

    def to_json(self, now: float) -> dict:
        locked = {a: format_time(t) for a, t in self.locked_until.items() if t > now}
        return {
            "max_attempts": self.max_attempts,
            "lockout_seconds": self.lockout_seconds,
            "failed": dict(self.failed),
            "locked": locked,
            "any_locked": bool(locked),
        }
