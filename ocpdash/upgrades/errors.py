"""Errors the upgrade domain functions raise; the UI, API and CLI turn them into messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocpdash.core.phrases import joined, phrase

if TYPE_CHECKING:
    from ocpdash.upgrades.precheck import PrecheckReport


class UpgradeError(Exception):
    """Base: ``code`` is stable (API error code), ``message`` says what is wrong and what to do."""

    code = "upgrade_error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UpgradeError):
    code = "permission_denied"
    http_status = 403


class PrecheckFailed(UpgradeError):
    code = "precheck_failed"
    http_status = 400

    def __init__(self, report: PrecheckReport) -> None:
        failures = joined(*(check.message for check in report.failures), sep="; ")
        super().__init__(joined(phrase("The pre-check failed:"), failures))
        self.report = report


class UpgradeConflict(UpgradeError):
    code = "active_upgrade_exists"
    http_status = 409

    def __init__(self, message: str, report: PrecheckReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class OperationRefused(UpgradeError):
    """OCP (or the upgrade's state) does not allow this operation now."""

    code = "operation_refused"
    http_status = 409


class OcpUnavailable(UpgradeError):
    """OCP could not be reached for an operation; nothing was changed."""

    code = "ocp_unavailable"
    http_status = 503
