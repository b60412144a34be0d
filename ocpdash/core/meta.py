"""A model's own fields by name, typed, for the few places that write SQL from the model or read a
limit from it. ``Model._meta.get_field`` may also return a reverse relation (no column, no
max_length), so its result is narrowed here once instead of at every use."""

from __future__ import annotations

from typing import Any

from django.db import models


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field ``name`` of ``model``; LookupError for a reverse relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return field


def column_of(model: type[models.Model], name: str) -> str:
    """The (unquoted) database column of ``model``'s field ``name``."""
    column = concrete_field(model, name).column
    if column is None:
        raise LookupError(f"{model.__name__}.{name} has no column")
    return column


def max_length_of(model: type[models.Model], name: str) -> int:
    """The max_length of ``model``'s field ``name`` (a CharField's, say)."""
    limit = concrete_field(model, name).max_length
    if limit is None:
        raise LookupError(f"{model.__name__}.{name} has no max_length")
    return limit
