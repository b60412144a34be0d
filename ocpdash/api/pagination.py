from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first, stable under inserts; the page size is the client's to choose up to a cap."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CreatedCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


class OldestFirstPagination(IdCursorPagination):
    ordering = ("created_at", "id")
