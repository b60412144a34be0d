"""What the rollout page draws: canary → wave 1 → … as columns, each unit a node (its cluster, or a
primary/standby pair standby first) with its state as a symbol and a word, linking to its upgrade.

Built in Python as the DAG is (ocpdash.web.markup): every name comes from OCP or a user and goes
through ``escape``; colours come from the stylesheet (ocpdash.web.palette), so the drawing reads
without colour too (symbol + word) and looks the same where the CSP allows no inline style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from ocpdash.rollouts.models import RolloutState, RolloutUnit, UnitState
from ocpdash.web import palette
from ocpdash.web.markup import escape, upgrade_url_maker
from ocpdash.web.templatetags.ocpdash import truncate_middle

UNIT_LOOK = {  # state → (symbol, status class as the stylesheet names it)
    UnitState.PENDING: ("○", "st-pending"),
    UnitState.UPGRADING: ("▶", "st-running"),
    UnitState.UPGRADED: ("✓", "st-successful"),
    UnitState.FAILED: ("✗", "st-failed"),
    UnitState.NOT_STARTED: ("⊘", "st-canceled"),
}
ROLLOUT_LOOK = {
    RolloutState.AWAITING_APPROVAL: ("◔", "st-pending"),
    RolloutState.SCHEDULED: ("◷", "st-pending"),
    RolloutState.RUNNING: ("▶", "st-running"),
    RolloutState.SOAKING: ("⧗", "st-ready"),
    RolloutState.PAUSED: ("‖", "st-canceling"),
    RolloutState.HALTED: ("■", "st-failed"),
    RolloutState.ABORTED: ("⊗", "st-canceled"),
    RolloutState.SUCCESSFUL: ("✓", "st-successful"),
    RolloutState.FAILED: ("✗", "st-failed"),
    RolloutState.DECLINED: ("⊘", "st-canceled"),
}
COLUMN, GAP, NODE_W, LINE, TOP, PAD = 200, 50, 200, 16, 34, 8


def unit_look(state: str) -> tuple[str, str]:
    return UNIT_LOOK.get(state, ("?", "st-unknown"))


def rollout_look(state: str) -> tuple[str, str]:
    return ROLLOUT_LOOK.get(state, ("?", "st-unknown"))


def wave_name(wave: int) -> str:
    return _("Canary") if wave == 0 else _("Wave %(n)s") % {"n": wave}


@dataclass
class Column:
    wave: int
    units: list[RolloutUnit] = field(default_factory=list)


def columns(units: list[RolloutUnit]) -> list[Column]:
    by_wave: dict[int, Column] = {}
    for unit in sorted(units, key=lambda u: u.position):
        by_wave.setdefault(unit.wave, Column(unit.wave)).units.append(unit)
    return [by_wave[w] for w in sorted(by_wave)]


def _height(unit: RolloutUnit) -> int:
    return PAD * 2 + LINE * (1 + max(1, len(unit.members)))


def _node(unit: RolloutUnit, x: int, y: int, url_for) -> str:
    symbol, css = unit_look(unit.state)
    line, fill = palette.of(css)
    word = escape(unit.get_state_display())
    names = [m.get("name", "") for m in unit.members] or [str(unit.cluster_id)]
    roles = [(m.get("role") or "").lower() for m in unit.members] if len(names) > 1 else [""]
    texts = "".join(
        f'<text class="name" x="{PAD}" y="{PAD + LINE * (i + 1) - 3}">{escape(truncate_middle(name, 22))}'
        f"{' (' + escape(gettext(role)) + ')' if role else ''}</text>"
        for i, (name, role) in enumerate(zip(names, roles, strict=False))
    )
    height = _height(unit)
    title = (
        " + ".join(names) + f" · {unit.get_state_display()}" + (f" · {unit.note_text}" if unit.note else "")
    )
    body = (
        f'<rect width="{NODE_W}" height="{height}" rx="6" fill="{fill}" stroke="{line}" '
        'stroke-width="2"></rect>'
        f"<title>{escape(title)}</title>{texts}"
        f'<text class="meta" x="{PAD}" y="{height - PAD - 2}">{symbol} {word}</text>'
    )
    group = (
        f'<g class="unit {css}" id="unit-{unit.pk}" data-state="{escape(unit.state)}" '
        f'transform="translate({x},{y})">{body}</g>'
    )
    if unit.upgrade_id:
        return f'<a href="{url_for(unit.upgrade_id)}">{group}</a>'
    return group


def svg(units: list[RolloutUnit], current_wave: int) -> SafeString:
    """The whole diagram; empty when the rollout has no units."""
    cols = columns(units)
    if not cols:
        return mark_safe("")
    url_for = upgrade_url_maker()
    parts, tallest = [], 0
    for i, col in enumerate(cols):
        x = i * (COLUMN + GAP)
        here = " current" if col.wave == current_wave else ""
        parts.append(
            f'<text class="wave-title{here}" x="{x}" y="18" font-weight="bold">'
            f"{escape(wave_name(col.wave))}{' ◀' if here else ''}</text>"
        )
        if i:
            parts.append(
                f'<path class="edge" d="M{x - GAP + 6},14 L{x - 8},14" stroke="#667085" '
                f'stroke-width="2" marker-end="url(#arrow)"></path>'
            )
        y = TOP
        for unit in col.units:
            parts.append(_node(unit, x, y, url_for))
            y += _height(unit) + 10
        tallest = max(tallest, y)
    width = len(cols) * (COLUMN + GAP) - GAP + 2
    marker = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667085"></path></marker></defs>'
    )
    label = escape(_("Rollout diagram: canary, then waves; each box is one upgrade"))
    return mark_safe(  # noqa: S308 - every variable part is escaped or an int
        f'<svg class="rollout-diagram" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{label}" '
        f'width="{width}" height="{tallest}" viewBox="-1 0 {width} {tallest}" font-size="12">'
        f"{marker}{''.join(parts)}</svg>"
    )
