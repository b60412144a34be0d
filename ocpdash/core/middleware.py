"""Refuse NUL characters in query strings up front.

PostgreSQL cannot store or compare strings containing NUL (psycopg raises), so a filter such as
``?arch=%00`` would otherwise end as a server error on PostgreSQL only. Found by schemathesis.
"""

from __future__ import annotations

import re

from django.http import HttpResponseBadRequest, JsonResponse

from ocpdash.core.logs import bind_upgrade

MESSAGE = "Query parameters must not contain NUL (\\x00) characters."


class RejectNulCharactersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": MESSAGE, "fields": {}}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain")
        return self.get_response(request)


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
