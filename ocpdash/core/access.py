"""Who may see the web pages: users with the view permission (any role), as in the API (review L3).

Applied to every route of ocpdash/web/urls.py by :func:`viewers_only`; the login and logout pages,
the probes, /metrics, static files and /admin/ keep their own rules. A logged-in user without a
role gets a page saying so, with status 403.

The check is ``user.has_perm(VIEW_PERMISSION)`` (two queries for a non-superuser), remembered in
the session for ``RECHECK_SECONDS``: the upgrade page polls every few seconds and its unchanged
answer is one query, so a role taken away stops the pages within a minute (every change an
operator makes is still checked on the spot by the domain functions).
"""

from __future__ import annotations

import time
from functools import wraps

from django.shortcuts import render

VIEW_PERMISSION = "upgrades.view_upgrade"
RECHECK_SECONDS = 60
KEY = "_ocpdash_may_view"


def may_view(request) -> bool:
    user = request.user
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    session = getattr(request, "session", None)
    now = time.time()
    granted = session.get(KEY) if session is not None else None
    if granted and granted[0] == user.pk and now - granted[1] < RECHECK_SECONDS:
        return True
    allowed = user.has_perm(VIEW_PERMISSION)
    if session is not None:
        if allowed:
            session[KEY] = [user.pk, now]
        elif KEY in session:
            del session[KEY]
    return allowed


def require_view_permission(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not may_view(request):
            return render(request, "no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def viewers_only(patterns: list) -> list:
    """Wrap every URL pattern's view with :func:`require_view_permission`."""
    for pattern in patterns:
        pattern.callback = require_view_permission(pattern.callback)
    return patterns
