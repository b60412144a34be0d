"""API permissions mirror the UI roles (ocpdash.core.roles); anything not listed is denied."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class ActionPermission(BasePermission):
    """The view lists, per action, the Django permissions it needs: ``action_perms = {"list": [...]}``.

    ``"action:method"`` keys refine one HTTP method of an action. An action missing from the map
    is denied, so a new endpoint is closed until someone opens it.
    ``ADMIN_ONLY`` means superusers only (sites, whose credentials only admins may see or set).
    """

    ADMIN_ONLY = "admin"
    message = "You do not have the role needed for this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if hasattr(view, "action_map") and view.action is None:
            return True  # a method the viewset does not route: let DRF answer 405
        action = getattr(view, "action", None) or request.method.lower()
        table = getattr(view, "action_perms", {})
        perms = table.get(f"{action}:{request.method.lower()}", table.get(action))
        if perms is None:
            return False
        if perms == self.ADMIN_ONLY:
            return user.is_superuser
        return user.has_perms(perms)
