from __future__ import annotations

from rest_framework import viewsets

from ocpdash.api.pagination import IdCursorPagination
from ocpdash.api.permissions import ActionPermission
from ocpdash.api.schema import ApiAutoSchema


class ApiViewSet(viewsets.GenericViewSet):
    """Default deny: each view opens its actions in ``action_perms``."""

    permission_classes = [ActionPermission]
    pagination_class = IdCursorPagination
    schema = ApiAutoSchema()
    action_perms: dict = {}
