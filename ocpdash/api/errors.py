"""One error shape for every API failure: {"code": ..., "message": ..., "fields": {...}}.

DRF's own exceptions and the domain's UpgradeError are both mapped here; a failed pre-check lists
every failing check under ``fields`` (check key → messages) and adds the whole ``report`` (also on
the 409 active_upgrade_exists that the pre-check raises when another upgrade is active).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ocpdash.core.phrases import translated
from ocpdash.upgrades.errors import UpgradeError


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"code": code, "message": translated(message), "fields": fields or {}, **extra}


def exception_handler(exc, context) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: None (a 500) only for unexpected exceptions."""
    if isinstance(exc, UpgradeError):
        set_rollback()
        return Response(_upgrade_error(exc), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_messages(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(_api_error(exc), status=exc.status_code, headers=headers)


def _upgrade_error(exc: UpgradeError) -> dict:
    report = getattr(exc, "report", None)  # PrecheckFailed, or UpgradeConflict found by the pre-check
    if report is None:
        return error_body(exc.code, exc.message)
    fields = {check.key: [translated(check.message)] for check in report.failures}
    return error_body(exc.code, exc.message, fields, report=report.as_dict())


def _api_error(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        first = next((msgs[0] for msgs in fields.values() if msgs), "")
        message = f"Invalid input: {first}" if first else "Invalid input."
        return error_body("invalid", message, fields)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    message = exc.detail if not isinstance(exc.detail, (list, dict)) else exc.default_detail
    return error_body(code, str(message))


def _flatten(detail):
    """Nested DRF error details → {"field": ["message", ...]} (nested names joined with dots)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            inner = _flatten(value)
            if isinstance(inner, dict):
                flat.update({f"{key}.{k}": v for k, v in inner.items()})
            else:
                flat[str(key)] = inner
        return flat
    if isinstance(detail, list):
        messages: list[str] = []
        for item in detail:
            inner = _flatten(item)
            if isinstance(inner, dict):
                return {f"{i}.{k}": v for i, it in enumerate(detail) for k, v in _as_dict(it).items()}
            messages.extend(inner)
        return messages
    return [str(detail)]


def _as_dict(item) -> dict:
    inner = _flatten(item)
    return inner if isinstance(inner, dict) else {"": inner}


def _django_messages(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {f: [str(m) for e in errors for m in e.messages] for f, errors in exc.error_dict.items()}
    return list(exc.messages)
