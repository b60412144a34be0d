"""Request-wide rules: no NUL characters in input, idle sessions end, log lines say which upgrade.

NUL: PostgreSQL cannot store or compare strings containing NUL (psycopg raises), so ``?arch=%00``
or a form field with one would otherwise end as a server error on PostgreSQL only (found by
schemathesis and the review, L1). Query strings, form fields (names too) and JSON bodies are checked.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from ocpdash.core.logs import bind_upgrade

MESSAGE = "Request fields and query parameters must not contain NUL (\\x00) characters."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulCharactersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if _nul_in_query_dict(request.GET) or _nul_in_body(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": MESSAGE, "fields": {}}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain")
        return self.get_response(request)


def _nul_in_query_dict(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


def _nul_in_body(request) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.content_type in FORM_TYPES:
        return _nul_in_query_dict(request.POST) or any("\x00" in f.name for f in request.FILES.values())
    if request.content_type == "application/json" or request.content_type.endswith("+json"):
        try:
            return _nul_in_json(json.loads(request.body))
        except (ValueError, UnicodeDecodeError):
            return False  # not JSON: the API's parser answers that
    return False


def _nul_in_json(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_nul_in_json(k) or _nul_in_json(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_nul_in_json(v) for v in value)
    return False


class IdleSessionMiddleware:
    """A session ends ``OCPDASH_SESSION_IDLE_HOURS`` after its user last *did* something.

    The session gets an absolute expiry (``set_expiry(datetime)``), moved forward only by a user's
    own requests: any non-htmx request and any htmx POST. htmx GETs (the upgrade page's and the
    dashboard's polling every few seconds, fragments) do not move it, so a tab left open on a
    live page still ends the session. Moving it is a session write, so it is done at most every
    ``REFRESH_SECONDS``; other session writes (a message, the role check's cache) keep the expiry.
    Views open without login (probes, /metrics, the login page) are left alone.
    """

    KEY = "_ocpdash_expiry_set_at"
    REFRESH_SECONDS = 300

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_ocpdash_needs_login", False) and self._activity(request):
            session = request.session
            if session.session_key is not None and SESSION_KEY in session:
                self._refresh(session)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        request._ocpdash_needs_login = getattr(view_func, "login_required", True)

    @staticmethod
    def _activity(request) -> bool:
        return not getattr(request, "htmx", False) or request.method not in ("GET", "HEAD")

    def _refresh(self, session) -> None:
        now = time.time()
        idle = settings.OCPDASH_SESSION_IDLE_HOURS * 3600
        if now - session.get(self.KEY, 0) < min(self.REFRESH_SECONDS, idle / 10):
            return
        session[self.KEY] = now
        session.set_expiry(timezone.now() + timedelta(seconds=idle))


UPGRADE_PATH = re.compile(r"^/(?:api/)?upgrades/([0-9]{1,18})/")


class LogContextMiddleware:
    """Log lines written while serving an upgrade's page or API say which upgrade (JSON logs)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        found = UPGRADE_PATH.match(request.path_info)
        if found is None:
            return self.get_response(request)
        with bind_upgrade(int(found.group(1))):
            return self.get_response(request)
