from __future__ import annotations

from rest_framework import viewsets

from ocpdash.api.pagination import IdCursorPagination
from ocpdash.api.permissions import ActionPermission
from ocpdash.api.schema import ApiAutoSchema
from ocpdash.upgrades.params import ID_PATTERN


class ApiViewSet(viewsets.GenericViewSet):
    """Default deny: each view opens its actions in ``action_perms``."""

    permission_classes = [ActionPermission]
    pagination_class = IdCursorPagination
    schema = ApiAutoSchema()
    action_perms: dict = {}
    lookup_value_regex = ID_PATTERN  # anything else is a 404, never a database error
