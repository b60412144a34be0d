"""Shared pieces of the admin site."""


class ReadOnlyMixin:
    """An admin (or inline) that shows records and never adds, changes or deletes them: upgrades,
    their steps and events, approvals, notification deliveries, catalog uploads are written by
    ocpdash itself and kept as the record."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
