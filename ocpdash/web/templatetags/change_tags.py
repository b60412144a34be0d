"""The navigation's "To approve" link and its count (ocpdash.web.views.changes)."""

from __future__ import annotations

from django import template

from ocpdash.web.views.changes import may_approve_upgrades, to_approve

register = template.Library()


@register.simple_tag(takes_context=True, name="may_approve_upgrades")
def may_approve_tag(context) -> bool:
    request = context.get("request")
    return request is not None and may_approve_upgrades(request)


@register.simple_tag(takes_context=True)
def to_approve_count(context) -> int:
    """How many upgrades wait for this user's approval: one COUNT query, for approvers only."""
    return to_approve(context["request"].user).count()
