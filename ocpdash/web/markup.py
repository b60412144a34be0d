"""Markup of one DAG node, one steps-table row and one upgrade-list row, built in Python.

A 1,000-step page has 2,000 of these; rendering them through template partials (a {% url %}, several
filters and a {% with %} each) cost ~0.3 ms apiece, and a history page's 50 upgrade rows over half its
time. Here every OCP or user string (name, status, operation, version, user name) goes through
``escape`` and lands only in text or quoted attributes that run nothing. A node or a row names its
step's URL in ``data-step-url``; static/js/ocpdash.js opens it through htmx with the target, swap and
URL push set once on svg.dag and table.steps, so htmx does not wire up a thousand elements at load.
"""

from __future__ import annotations

import html

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext, pgettext

from ocpdash.web.templatetags.ocpdash import duration, state_class, status_class, status_icon, truncate_middle

OOB = ' hx-swap-oob="true"'


def escape(value) -> str:
    """What django.utils.html.escape does (it calls this), without its lazy-string check, which
    cost as much again: these run ten times per step. The caller marks the whole markup safe."""
    return html.escape(str(value))


def _clock(value) -> str:
    """Like the template's ``|date:"H:i:s"``, in the current time zone."""
    return localtime(value).strftime("%H:%M:%S") if value else ""


def status_text(status: str) -> str:
    """OCP's status as shown: 'RUNNING' in English, 运行中 in Chinese (ocpdash.web.terms)."""
    return pgettext("OCP status", status) if status else status


def _meta(status: str, took: str, run_time: int) -> str:
    text = status_text(status).lower() + (f" · {took}" if took else "")
    return text + (" · " + gettext("run %(number)d") % {"number": run_time} if run_time > 1 else "")


def node_svg(node, upgrade_url: str, selected_pk: int | None, oob: bool) -> SafeString:
    step = node.step
    status = step.display_status
    took = duration(step.duration)
    sid = step.ocp_subtask_id
    selected = " selected" if selected_pk == step.pk else ""
    title = f"{step.name} · {status_text(status)}" + (f" · {took}" if took else "")
    return mark_safe(  # noqa: S308 - every variable part is escaped or an int
        f'<g class="node {status_class(status)}{selected}" id="node-{sid}"{OOB if oob else ""} '
        f'data-step-id="{sid}" data-status="{escape(step.status)}" data-display-status="{escape(status)}" '
        f'transform="translate({node.x},{node.y})" tabindex="-1" role="button" '
        f'data-step-url="{upgrade_url}?step={sid}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="180" height="46" rx="6"></rect>'
        f'<text class="icon" x="8" y="19">{status_icon(status)}</text>'
        f'<text class="name" x="26" y="19">{escape(truncate_middle(step.name, 23))}</text>'
        f'<text class="meta" x="26" y="37">{escape(_meta(status, took, step.run_time))}</text></g>'
    )


def step_row(node, upgrade_url: str, oob: bool) -> SafeString:
    step = node.step
    status = step.display_status
    sid = step.ocp_subtask_id
    started = _clock(step.started_at)
    finished = _clock(step.finished_at)
    return mark_safe(  # noqa: S308 - every variable part is escaped or an int
        f'<tr id="row-{sid}"{OOB if oob else ""} data-step-id="{sid}" data-status="{escape(step.status)}" '
        f'class="{status_class(status)}"><td><a href="?step={sid}" data-step-url="{upgrade_url}?step={sid}">'
        f"{escape(step.name)}</a></td>"
        f'<td><span class="status">{status_icon(status)} {escape(status_text(status))}</span></td>'
        f"<td>{escape(step.operation)}</td><td>{step.run_time}</td>"
        f"<td>{started}</td><td>{finished}</td><td>{duration(step.duration)}</td></tr>"
    )


_PK = "9" * 18  # stands for the upgrade id in a URL reversed once per list (ids have at most 18 digits)


def upgrade_url_maker():
    """``pk -> /upgrades/<pk>/`` with one ``reverse`` for a whole list."""
    pattern = reverse("upgrade", args=[_PK])
    return lambda pk: pattern.replace(_PK, str(int(pk)))


def upgrade_row(upgrade, url_for) -> SafeString:
    """One row of web/_upgrade_rows.html (history and cluster pages); reads only ``ROW_FIELDS``."""
    url = url_for(upgrade.pk)
    cluster = upgrade.cluster
    if upgrade.reviewed_at:
        reviewed = f"✓ {escape(upgrade.reviewed_by.get_username())}" if upgrade.reviewed_by else "✓"
    elif upgrade.is_terminal:
        word = escape(gettext("review"))  # outside the f-string, where makemessages sees it
        reviewed = f'<a href="{url}#review">{word}</a>'
    else:
        reviewed = ""
    took = duration(upgrade.duration) if upgrade.finished_at else ""
    return mark_safe(  # noqa: S308 - every variable part is escaped or an int
        f'<tr data-upgrade-id="{upgrade.pk}"><td><a href="{url}">#{upgrade.pk}</a></td>'
        f'<td>{escape(cluster.name)} <span class="muted">{escape(cluster.site.name)}</span></td>'
        f"<td>{escape(upgrade.from_version)} → {escape(upgrade.to_version)}</td>"
        f'<td><span class="badge {state_class(upgrade.state)}">'
        f"{escape(gettext(upgrade.get_state_display()))}</span></td>"
        f"<td>{escape(upgrade.requested_by.get_username())}</td>"
        f"<td>{localtime(upgrade.created_at).strftime('%Y-%m-%d %H:%M')}</td>"
        f"<td>{took}</td><td>{reviewed}</td></tr>"
    )
