"""Change management in the browser (ocpdash.changes): the Change panel of a waiting upgrade, the
expected end of a running one, who ended a declined or cancelled one, and two lists: "To approve"
(/approvals/) and "Upcoming" (/upcoming/).

The lists read each upgrade's frozen plan (its ETA as estimated at request, its path, its members)
and work out window openings in Python from windows loaded once: their queries do not grow with rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ocpdash.changes import flow, timing, windows
from ocpdash.changes.models import Approval, Blackout, MaintenanceWindow
from ocpdash.core import phrases
from ocpdash.core.access import RECHECK_SECONDS
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import REASON_MAX_LENGTH, WAITING_STATES, State, Upgrade

OPENINGS_SHOWN = 3
BLACKOUTS_SHOWN = 50
MAY_APPROVE_KEY = "_ocpdash_may_approve"


# --- The upgrade page -----------------------------------------------------------------------


def page_parts(request, upgrade: Upgrade) -> dict:
    """What the upgrade page adds for change management, by state: the Change panel while it waits,
    the ETA and expected end while it goes, and who ended it and why once declined or cancelled."""
    if upgrade.state in WAITING_STATES:
        return {"change": panel_context(request, upgrade)}
    if upgrade.state == State.DECLINED:
        return {"ending": _declined(upgrade)}
    if upgrade.state == State.CANCELLED:
        return {"ending": _cancelled(upgrade)}
    if upgrade.is_terminal:
        return {}
    return {"running_eta": _running_eta(upgrade)}


def panel_context(request, upgrade: Upgrade) -> dict | None:
    """The Change panel: the frozen plan, the approvals (void ones with why), the start, the ETA and
    what this user may do. None when the upgrade no longer waits."""
    if upgrade.state not in WAITING_STATES:
        return None
    plan = upgrade.plan or {}
    details = plan.get("details") or {}
    approvals = list(upgrade.approvals.select_related("user"))
    given = [
        a
        for a in approvals
        if not a.is_void and a.decision == Approval.Decision.APPROVED and a.plan_digest == upgrade.plan_digest
    ]
    user = request.user
    eta = timing.upgrade_eta(upgrade)
    return {
        "plan": plan,
        # the pre-check's words as frozen (English, with each one's phrase) in the reader's language
        "checks": [
            {**c, "message": phrases.read(c["message"], c.get("message_phrase"))}
            for c in details.get("checks") or []
        ],
        "missing_rpms": details.get("missing_rpms") or [],
        "rule": (details.get("approval") or {}).get("because", ""),
        "approvals": approvals,
        "given": len(given),
        "start": flow.start_of(upgrade).describe().translated(),
        "planned_start": windows.when(upgrade.planned_start).translated() if upgrade.planned_start else "",
        "eta": eta,
        "ends": _ends(eta),
        "may_approve": flow.may_approve(user, upgrade),
        "may_decline": flow.may_decline(user, upgrade),
        # flow.recheck's rule: approvers and operators may ask OCP again
        "may_recheck": flow.may_recheck(user),
        "comment_max": REASON_MAX_LENGTH,
    }


def _running_eta(upgrade: Upgrade) -> dict | None:
    eta = timing.upgrade_eta(upgrade)
    return None if eta is None else {"text": eta.get("text", ""), "ends": _ends(eta)}


def _ends(eta: dict | None) -> str:
    """'expected end 14:32 (p90 14:50)', with the day when it is not today (server time zone)."""
    if not eta or not eta.get("expected_end"):
        return ""
    end, p90 = eta["expected_end"], eta.get("expected_end_p90")
    if p90 and p90 != end:
        return _("expected end %(end)s (p90 %(p90)s)") % {"end": _clock(end), "p90": _clock(p90)}
    return _("expected end %(end)s") % {"end": _clock(end)}


def _clock(at: datetime) -> str:
    local, today = timezone.localtime(at), timezone.localdate()
    return f"{local:%H:%M}" if local.date() == today else formats.date_format(local, "D j M H:i")


@dataclass
class Ending:
    verb: str
    who: str
    at: datetime | None
    why: str


def _declined(upgrade: Upgrade) -> Ending | None:
    decision = (
        upgrade.approvals.filter(decision=Approval.Decision.DECLINED)
        .select_related("user")
        .order_by("-created_at", "-pk")
        .first()
    )
    if decision is None:
        return None
    return Ending(_("Declined"), decision.user.get_username(), decision.created_at, decision.comment)


def _cancelled(upgrade: Upgrade) -> Ending | None:
    event = upgrade.events.filter(data__operation="cancel").select_related("actor").order_by("-pk").first()
    if event is None:
        return None
    return Ending(_("Cancelled"), event.actor_name, event.created_at, (event.data or {}).get("reason", ""))


# --- Who may approve, and how many wait (the navigation's link and badge) --------------------


def may_approve_upgrades(request) -> bool:
    """Whether to show "To approve": the permission, remembered in the session as the view
    permission is (ocpdash.core.access), so pages do not read permissions on every render."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    session = getattr(request, "session", None)
    now = time.time()
    known = session.get(MAY_APPROVE_KEY) if session is not None else None
    if known and known[0] == user.pk and now - known[1] < RECHECK_SECONDS:
        return known[2]
    allowed = user.has_perm(flow.APPROVE_PERMISSION)
    if session is not None:
        session[MAY_APPROVE_KEY] = [user.pk, now, allowed]
    return allowed


def to_approve(user):
    """Upgrades awaiting approval that ``user`` may approve: not their own, not approved by them
    on the current plan (flow.may_approve, as a query), oldest first."""
    mine = Approval.objects.filter(
        upgrade=OuterRef("pk"), user=user, plan_digest=OuterRef("plan_digest"), voided_at__isnull=True
    )
    return (
        Upgrade.objects.filter(state=State.AWAITING_APPROVAL)
        .exclude(requested_by=user)
        .filter(~Exists(mine))
        .order_by("created_at", "pk")
    )


def _with_given(queryset):
    """Each upgrade's valid approvals of its current plan, counted in the same query."""
    valid = (
        Approval.objects.filter(
            upgrade=OuterRef("pk"),
            plan_digest=OuterRef("plan_digest"),
            voided_at__isnull=True,
            decision=Approval.Decision.APPROVED,
        )
        .order_by()
        .values("upgrade")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.for_list().annotate(given=Coalesce(Subquery(valid), Value(0)))


@dataclass
class Row:
    """One waiting upgrade as the lists show it, from its frozen plan (no query per row)."""

    upgrade: Upgrade
    members: list[str]
    path: str
    options: str
    eta: str
    start: str
    planned_start: str
    rule: str
    openings: list = field(default_factory=list)


def _row(upgrade: Upgrade, openings=None) -> Row:
    plan = upgrade.plan or {}
    details = plan.get("details") or {}
    return Row(
        upgrade=upgrade,
        members=[m.get("name", "") for m in plan.get("members") or []],
        path=" → ".join(s.get("version", "") for s in plan.get("path") or []),
        options=_options(plan.get("options") or {}),
        eta=(details.get("eta") or {}).get("text", ""),
        start=flow.start_of(upgrade).describe().translated(),
        planned_start=windows.when(upgrade.planned_start).translated() if upgrade.planned_start else "",
        rule=(details.get("approval") or {}).get("because", ""),
        openings=openings or [],
    )


def _options(options: dict) -> str:
    said = []
    if options.get("upgrade_mode"):
        said.append(_(options["upgrade_mode"].lower()))  # msgids: ocpdash.web.terms
    if options.get("zone_order"):
        said.append(_("zones %(zones)s") % {"zones": " → ".join(options["zone_order"])})
    if options.get("freeze_server"):
        said.append(_("minor compaction first"))
    return ", ".join(said) or _("OCP's defaults")


def approvals_page(request):
    user = request.user
    approver = may_approve_upgrades(request)
    waiting = [_row(u) for u in _with_given(to_approve(user))] if approver else []
    mine = Upgrade.objects.filter(requested_by=user, state__in=WAITING_STATES).order_by("created_at", "pk")
    return render(
        request,
        "web/approvals.html",
        {"approver": approver, "to_approve": waiting, "mine": [_row(u) for u in _with_given(mine)]},
    )


# --- Upcoming: scheduled and waiting upgrades, windows, change freezes ------------------------


class Openings:
    """Each cluster's windows (its own, else its site's) from one query, and their next openings
    worked out once per distinct set of windows."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.by_cluster: dict[int, list[MaintenanceWindow]] = {}
        self.by_site: dict[int, list[MaintenanceWindow]] = {}
        for window in MaintenanceWindow.objects.all():
            if window.cluster_id:
                self.by_cluster.setdefault(window.cluster_id, []).append(window)
            else:
                self.by_site.setdefault(window.site_id, []).append(window)
        self._memo: dict[tuple[int, ...], list[windows.Occurrence]] = {}

    def windows(self, cluster: Cluster) -> tuple[str, list[MaintenanceWindow]]:
        own = self.by_cluster.get(cluster.pk)
        return ("own", own) if own else ("site's", self.by_site.get(cluster.site_id, []))

    def next(self, cluster: Cluster) -> list[windows.Occurrence]:
        found = self.windows(cluster)[1]
        key = tuple(w.pk for w in found)
        if key not in self._memo:
            self._memo[key] = windows.upcoming(found, self.now, OPENINGS_SHOWN) if found else []
        return self._memo[key]


def upcoming_page(request):
    now = timezone.now()
    openings = Openings(now)
    waiting = Upgrade.objects.filter(state__in=WAITING_STATES).order_by(
        F("planned_start").asc(nulls_last=True), "created_at", "pk"
    )
    rows = [_row(u, openings.next(u.cluster)) for u in _with_given(waiting)]
    clusters = []
    for cluster in Cluster.objects.select_related("site").filter(present_in_ocp=True):
        whose, found = openings.windows(cluster)
        if found:
            clusters.append({"cluster": cluster, "whose": whose, "openings": openings.next(cluster)})
    freezes = Blackout.objects.filter(ends_at__gt=now).select_related("site", "cluster")
    freezes = list(freezes.order_by("starts_at", "pk")[:BLACKOUTS_SHOWN])
    context = {"rows": rows, "clusters": clusters, "freezes": freezes, "now": now}
    return render(request, "web/upcoming.html", context)
