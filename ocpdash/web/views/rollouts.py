"""Fleet rollouts in the browser: the list, the new-rollout form with its plan preview, the rollout
page (a live diagram) and its actions. Thin callers of ocpdash.rollouts.flow, as the API and the CLI.

Live-update protocol of the rollout page (one description): the page polls ``rollout_poll`` every
``OCPDASH_PAGE_POLL_INTERVAL`` seconds with ``v`` (the rollout's revision as rendered) and ``s`` (its
state), and while soaking ``m`` (the minute of the render, for the soak's countdown). Same revision
(and, soaking, same minute) → 204. Otherwise the poller and the live part (status, diagram, timeline) are
sent again, out of band, and the action forms too when the state changed (so a reason being typed is
not wiped by a unit's progress); 286 once the rollout has ended and follows no upgrade any more.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.phrases import translated
from ocpdash.rollouts import flow
from ocpdash.rollouts import plan as plans
from ocpdash.rollouts.models import (
    ENDED_STATES,
    PAUSABLE_STATES,
    RESUMABLE_STATES,
    UNIT_DONE,
    Rollout,
    RolloutState,
    RolloutUnit,
    UnitState,
)
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades.errors import NotAllowed, UpgradeError
from ocpdash.upgrades.models import REASON_MAX_LENGTH
from ocpdash.upgrades.params import parse_id
from ocpdash.web import rolloutview
from ocpdash.web.forms import form_error
from ocpdash.web.views.actions import attempt_form

EVENTS_SHOWN = 100


# --- The list ----------------------------------------------------------------------------------


def rollout_list(request):
    rollouts = (
        Rollout.objects.select_related("created_by")
        .annotate(
            unit_count=Count("units"),
            units_done=Count("units", filter=Q(units__state__in=UNIT_DONE)),
            units_upgraded=Count("units", filter=Q(units__state=UnitState.UPGRADED)),
        )
        .order_by("-created_at", "-id")[:200]
    )
    rows = [(r, *rolloutview.rollout_look(r.state)) for r in rollouts]
    context = {"rows": rows, "may_create": request.user.has_perm(flow.SUBMIT_PERMISSION)}
    return render(request, "web/rollouts.html", context)


# --- A new rollout -----------------------------------------------------------------------------


class RolloutForm(forms.Form):
    """A rollout request, as the API's: the strategy's ranges are the domain's (plans.Strategy.check)."""

    name = forms.CharField(max_length=200)
    packages = forms.ModelMultipleChoiceField(queryset=RpmPackage.objects.none())
    clusters = forms.ModelMultipleChoiceField(queryset=Cluster.objects.none())
    canary = forms.ModelMultipleChoiceField(queryset=Cluster.objects.none(), required=False)
    wave_size = forms.IntegerField(min_value=1, max_value=plans.MAX_UNITS, initial=5)
    max_parallel = forms.IntegerField(min_value=1, initial=5)
    soak_minutes = forms.IntegerField(min_value=0, initial=0)
    halt_after_failures = forms.IntegerField(min_value=1, max_value=plans.MAX_UNITS, initial=1)
    start_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=gettext_lazy("Empty: now (or once approved)."),
    )
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["packages"].queryset = RpmPackage.objects.filter(enabled=True)
        chosen = Cluster.objects.filter(present_in_ocp=True).select_related("site", "primary")
        self.fields["clusters"].queryset = chosen
        self.fields["canary"].queryset = chosen

    @property
    def strategy(self) -> plans.Strategy:
        data = self.cleaned_data
        return plans.Strategy(
            wave_size=data["wave_size"],
            max_parallel=data["max_parallel"],
            soak_minutes=data["soak_minutes"],
            halt_after_failures=data["halt_after_failures"],
        )

    def request_args(self) -> dict:
        data = self.cleaned_data
        return {
            "clusters": list(data["clusters"]),
            "packages": list(data["packages"]),
            "canary": [c.pk for c in data["canary"]],
            "strategy": self.strategy,
        }


def cluster_choices(params) -> list[Cluster]:
    """The clusters the form lists: all present in OCP, narrowed by site, label and current version."""
    qs = Cluster.objects.filter(present_in_ocp=True).select_related("site").order_by("site__name", "name")
    if site := parse_id(params.get("site")):
        qs = qs.filter(site_id=site)
    if version := (params.get("version") or "").strip():
        qs = qs.filter(version__startswith=version)
    clusters = list(qs)
    if label := (params.get("label") or "").strip():
        clusters = [c for c in clusters if c.has_label(label)]
    return clusters


def _picked(form: RolloutForm, name: str) -> set[str]:
    return {str(v) for v in (form.data.getlist(name) if form.is_bound else [])}


def _new_context(request, form: RolloutForm, **more) -> dict:
    filters = {k: request.GET.get(k, "") for k in ("site", "label", "version")}
    shown = cluster_choices(request.GET)
    picked = _picked(form, "clusters")
    if not form.is_bound and any(filters.values()):
        picked = {str(c.pk) for c in shown}  # a filter chooses what it matches; unticking is by hand
    return {
        "form": form,
        "filters": filters,
        "sites": OcpSite.objects.order_by("name"),
        "clusters": shown,
        "picked": picked,
        "canary": _picked(form, "canary"),
        "packages": RpmPackage.objects.filter(enabled=True).order_by("-version", "file_name"),
        "picked_packages": _picked(form, "packages"),
        "form_url": request.get_full_path(),
        **more,
    }


def new_rollout(request):
    if not request.user.has_perm(flow.SUBMIT_PERMISSION):
        raise PermissionDenied(_("You are not allowed to start rollouts (Operators role needed)."))
    if request.method != "POST":
        return render(request, "web/rollout_new.html", _new_context(request, RolloutForm()))
    form = RolloutForm(request.POST)
    plan, error, status = None, "", 200
    if not form.is_valid():
        error, status = form_error(form), 400
    else:
        try:
            if request.POST.get("action") == "create":
                return _create(request, form)
            plan = flow.preview(request.user, **form.request_args()).as_dict()
        except NotAllowed as exc:
            raise PermissionDenied(translated(exc.message)) from None
        except UpgradeError as exc:
            error, status = translated(exc.message), exc.http_status
    context = _new_context(request, form, plan=plan and plan_view(plan), error=error)
    template = "web/rollout_new.html#plan" if request.htmx else "web/rollout_new.html"
    return render(request, template, context, status=status)


def _create(request, form: RolloutForm):
    data = form.cleaned_data
    rollout = flow.create(
        request.user,
        name=data["name"],
        start_at=data["start_at"],
        reason=data["reason"],
        **form.request_args(),
    )
    messages.success(request, _("Rollout created: %(name)s.") % {"name": rollout.name})
    url = reverse("rollout", args=[rollout.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def plan_view(plan: dict) -> dict:
    """The plan as the preview shows it: waves in order (canary first), each with its units."""
    plan = plans.readable(plan)
    waves: dict[int, list[dict]] = {}
    for unit in plan.get("units", []):
        waves.setdefault(unit["wave"], []).append(unit)
    return {
        **plan,
        "wave_list": [
            {"wave": w, "name": rolloutview.wave_name(w), "units": waves[w]} for w in sorted(waves)
        ],
    }


# --- The rollout page ----------------------------------------------------------------------------


def _units(rollout: Rollout) -> list[RolloutUnit]:
    return list(rollout.units.select_related("upgrade").order_by("position"))


def following(rollout: Rollout, units: list[RolloutUnit]) -> bool:
    """Whether the page goes on polling: the rollout is live, or an ended one still follows upgrades."""
    return rollout.state not in ENDED_STATES or any(u.state == UnitState.UPGRADING for u in units)


def expected_end(rollout: Rollout, units: list[RolloutUnit], now) -> dict | None:
    """From the plan's ETAs: the units not done yet laid out as plans.estimate does, from now."""
    if not following(rollout, units) or rollout.state == RolloutState.DECLINED:
        return None
    left = {u.cluster_id for u in units if u.state not in UNIT_DONE}
    todo = [u for u in rollout.plan.get("units", []) if u.get("cluster") in left]
    if not todo:
        return None
    strategy = plans.Strategy(**rollout.plan.get("strategy", {}))
    eta = plans.estimate(todo, strategy)
    if eta["unknown_units"] == len(todo):
        return {"text": eta["text"], "at": None}
    start = max(now, rollout.start_at or now)
    return {"text": eta["text"], "at": start + timedelta(seconds=eta["median_seconds"])}


def page_context(request, rollout: Rollout) -> dict:
    now = timezone.now()
    units = _units(rollout)
    user = request.user
    symbol, css = rolloutview.rollout_look(rollout.state)
    events = list(rollout.events.select_related("actor").order_by("-created_at", "-id")[:EVENTS_SHOWN])
    soak_left = rollout.soak_until - now if rollout.soak_until and rollout.soak_until > now else None
    live = following(rollout, units)
    may_operate = user.has_perm(flow.OPERATE_PERMISSION)
    may_approve = (
        user.has_perm(flow.APPROVE_PERMISSION)
        and user.pk != rollout.created_by_id
        and rollout.state == RolloutState.AWAITING_APPROVAL
    )
    return {
        "rollout": rollout,
        "symbol": symbol,
        "css": css,
        "units": units,
        "diagram": rolloutview.svg(units, rollout.current_wave),
        **rollout.tally(units),
        "current_wave_name": rolloutview.wave_name(rollout.current_wave)
        if rollout.current_wave >= 0 and rollout.state not in ENDED_STATES
        else "",
        "expected": expected_end(rollout, units, now),
        "soak_left": soak_left,
        "events": events[::-1],
        "approvals": list(rollout.approvals.select_related("user")),
        "left_out": plans.readable(rollout.plan)["left_out"],
        "may_operate": may_operate,
        "may_approve": may_approve,
        "may_pause": rollout.state in PAUSABLE_STATES,
        "may_resume": rollout.state in RESUMABLE_STATES,
        "may_abort": rollout.state not in ENDED_STATES,
        "has_actions": may_approve or (may_operate and rollout.state not in ENDED_STATES),
        "live": live,
        "poll_url": reverse("rollout_poll", args=[rollout.pk])
        + "?"
        + urlencode(
            {
                "v": rollout.revision,
                "s": rollout.state,
                **({"m": _minute()} if rollout.state == RolloutState.SOAKING else {}),
            }
        ),
        "poll_seconds": settings.OCPDASH_PAGE_POLL_INTERVAL,
        "reason_max": REASON_MAX_LENGTH,
        "history_url": reverse("history") + f"?rollout={rollout.pk}",
    }


def _minute() -> str:
    return str(int(timezone.now().timestamp() // 60))


def rollout_page(request, pk: int):
    rollout = get_object_or_404(Rollout.objects.select_related("created_by"), pk=pk)
    return render(request, "web/rollout.html", page_context(request, rollout))


def rollout_poll(request, pk: int):
    row = Rollout.objects.filter(pk=pk).values_list("revision", "state").first()
    if row is None:
        raise Http404("No such rollout.")
    revision, state = row
    same_minute = state != RolloutState.SOAKING or request.GET.get("m") == _minute()
    if revision == parse_id(request.GET.get("v")) and same_minute:
        return HttpResponse(status=204)
    rollout = get_object_or_404(Rollout.objects.select_related("created_by"), pk=pk)
    context = page_context(request, rollout)
    context.update(oob=True, state_changed=state != request.GET.get("s"))
    return render(request, "web/rollout.html#poll", context, status=200 if context["live"] else 286)


# --- Actions -------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)
    plan_digest = forms.CharField(max_length=64, required=False)


ACTIONS = {
    "pause": (flow.OPERATE_PERMISSION, lambda u, r, d: flow.pause(u, r, reason=d["reason"])),
    "resume": (flow.OPERATE_PERMISSION, lambda u, r, d: flow.resume(u, r, reason=d["reason"])),
    "abort": (flow.OPERATE_PERMISSION, lambda u, r, d: flow.abort(u, r, reason=d["reason"])),
    "approve": (
        flow.APPROVE_PERMISSION,
        lambda u, r, d: flow.approve(u, r, comment=d["reason"], plan_digest=d["plan_digest"] or None),
    ),
    "decline": (flow.APPROVE_PERMISSION, lambda u, r, d: flow.decline(u, r, comment=d["reason"])),
}


@require_POST
def rollout_action(request, pk: int, op: str):
    """Pause, resume, abort (operators), approve, decline (approvers): a flash message and the page."""
    permission, action = ACTIONS[op]
    if not request.user.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this (a role is missing)."))
    rollout = get_object_or_404(Rollout, pk=pk)
    message, ok, _status = attempt_form(
        ActionForm(request.POST), rollout, lambda r, data: action(request.user, r, data)
    )
    (messages.success if ok else messages.error)(request, message)
    return redirect("rollout", pk=pk)
