"""Small display helpers. Everything returned here is plain text: templates escape it."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

STATUS_ICONS = {
    "PENDING": "○",
    "READY": "◔",
    "RUNNING": "▶",
    "SUCCESSFUL": "✓",
    "FAILED": "✗",
    "CANCELING": "⊘",
    "SKIPPED": "↷",
    "CANCELED": "⊗",
    "ROLLING_BACK": "↶",
    "ROLLED_BACK": "⟲",
    "ROLLBACK_FAILED": "✗",
    "ROLLBACK_SKIPPED": "↷",
}
STATE_CLASSES = {
    "queued": "pending",
    "submitting": "running",
    "running": "running",
    "failed": "failed",
    "successful": "successful",
    "rejected": "failed",
    "rolled_back": "canceled",
    "closed": "canceled",
    "needs_attention": "canceling",
    "cancelled": "canceled",
    "awaiting_approval": "pending",
    "scheduled": "pending",
    "declined": "canceled",
}


@register.simple_tag
def ocpdash_version() -> str:
    from ocpdash.version import version

    return version()


@register.filter
def op_label(operation: str) -> str:
    """'retry' → 'Retry' (重试 in Chinese), as the operations module names them (ocpdash.web.terms)."""
    from ocpdash.upgrades.operations import LABELS

    return gettext(LABELS[operation]) if operation in LABELS else operation


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status or "", "?")


@register.filter
def status_class(status: str) -> str:
    """A CSS class for a step's display status (unknown OCP statuses fall back to 'unknown')."""
    status = (status or "").upper()
    return f"st-{status.lower()}" if status in STATUS_ICONS else "st-unknown"


@register.filter
def state_class(state: str) -> str:
    return "st-" + STATE_CLASSES.get(state, "unknown")


@register.filter
def route_source(label: str) -> str:
    """Where an upgrade path came from, in the page's language (ocpdash.upgrades.precheck)."""
    from ocpdash.upgrades.precheck import route_source_text

    return route_source_text(str(label or ""))


@register.filter
def term(value: str) -> str:
    """A machine word (OCP's PRIMARY, ROLLING…) lower-cased and read in the page's language: 'primary'
    in English, 主集群 in Chinese (msgids: ocpdash.web.terms). ``{% translate value|lower %}`` would
    translate before lower-casing."""
    word = str(value or "").lower()
    return gettext(word) if word else ""  # gettext("") is the catalogue's header


@register.filter
def said(text: str) -> str:
    """A sentence ocpdash wrote as a phrase (ocpdash.core.phrases: a window's description, a wait's
    reason) in the page's language; any other text as it is."""
    from ocpdash.core.phrases import translated

    return translated(text)


@register.filter
def ocp_status(status: str) -> str:
    """OCP's status as shown: 'RUNNING' in English, 运行中 in Chinese (ocpdash.web.markup.status_text)."""
    from ocpdash.web.markup import status_text

    return status_text(status)


@register.filter
def state_label(state: str) -> str:
    """An upgrade's state code as people read it: 'successful' → 'Successful' (成功 in Chinese)."""
    from ocpdash.upgrades.models import State

    return gettext(State(state).label) if state in State.values else state


@register.filter
def duration(value: timedelta | None) -> str:
    """1h 02m, 3m 05s, 12s (1小时02分, 3分05秒, 12秒 in Chinese); empty for no value."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    if minutes:
        return gettext("%(minutes)dm %(seconds)02ds") % {"minutes": minutes, "seconds": secs}
    return gettext("%(seconds)ds") % {"seconds": secs}


@register.filter
def truncate_middle(value: str, length: int = 26) -> str:
    value = str(value or "")
    if len(value) <= length:
        return value
    head = (length - 1) // 2
    return value[:head] + "…" + value[-(length - 1 - head) :]


def _upgrade_url(context) -> str:
    upgrade = context["upgrade"]
    if not hasattr(upgrade, "_page_url"):
        upgrade._page_url = reverse("upgrade", args=[upgrade.pk])
    return upgrade._page_url


def _selected_pk(context) -> int | None:
    selected = context.get("selected")
    return selected.pk if selected else None


@register.simple_tag(takes_context=True)
def dag_nodes(context, nodes):
    """All SVG nodes of a task (see ocpdash.web.markup: built in Python, every OCP string escaped)."""
    from ocpdash.web.markup import node_svg

    url, selected, oob = _upgrade_url(context), _selected_pk(context), bool(context.get("oob_node"))
    return mark_safe("".join(node_svg(n, url, selected, oob) for n in nodes))  # noqa: S308 - escaped parts


@register.simple_tag
def dag_edges(edges):
    """The edges of a task's graph (paths are numbers only, from ocpdash.upgrades.dag), built in
    Python: a template loop over a thousand of them cost as much as the nodes."""
    return mark_safe("".join(f'<path class="edge" d="{path}"></path>' for _, _, path in edges))  # noqa: S308


@register.simple_tag(takes_context=True)
def step_rows(context, nodes):
    from ocpdash.web.markup import step_row

    url, oob = _upgrade_url(context), bool(context.get("oob_node"))
    return mark_safe("".join(step_row(n, url, oob) for n in nodes))  # noqa: S308 - escaped parts


@register.simple_tag
def upgrade_rows(upgrades):
    """Rows of an upgrade list (history, cluster page), built in Python like the DAG's nodes."""
    from ocpdash.web.markup import upgrade_row, upgrade_url_maker

    url_for = upgrade_url_maker()
    return mark_safe("".join(upgrade_row(u, url_for) for u in upgrades))  # noqa: S308 - escaped parts
