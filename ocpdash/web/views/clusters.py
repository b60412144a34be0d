"""Cluster page and the upgrade form (package choice, start, live pre-check with ETA, submit)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes import policy, timing, windows
from ocpdash.core.phrases import translated
from ocpdash.ocp.platform import rpm_family
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import NotAllowed, PrecheckFailed, UpgradeError
from ocpdash.upgrades.models import REASON_MAX_LENGTH, Upgrade
from ocpdash.upgrades.options import OPTIONS_NEED_OCP, UpgradeOptions
from ocpdash.upgrades.precheck import WEB_OCP_SECONDS, is_newer, precheck
from ocpdash.upgrades.submission import submit_upgrade
from ocpdash.web.forms import StartForm, UpgradeForm, UpgradeOptionsForm, form_error, time_zone_choices

OPENINGS_SHOWN = 3  # next maintenance window openings beside the "next window" choice


def cluster_detail(request, pk: int):
    cluster = get_object_or_404(Cluster.objects.select_related("site", "primary"), pk=pk)
    upgrades = (
        Upgrade.objects.filter(Q(cluster=cluster) | Q(also_upgrades=cluster))
        .distinct()
        .for_rows()
        .order_by("-created_at", "-id")[:50]
    )
    return render(
        request,
        "web/cluster.html",
        {
            "cluster": cluster,
            "pair": cluster.pair_members(),
            "upgrades": upgrades,
            "can_submit": request.user.has_perm("upgrades.submit_upgrade"),
        },
    )


@dataclass
class Choice:
    package: RpmPackage
    reason: str  # why it cannot be chosen; empty when it can


def package_choices(cluster: Cluster) -> list[Choice]:
    """Compatible, newer, enabled packages first (newest first); the others after, with the reason."""
    try:
        current = ObVersion.parse(cluster.version)
    except ValueError:
        current = None
    choices = []
    platform = cluster.platform
    for package in RpmPackage.objects.all():
        family = rpm_family(package.dist)
        if not package.enabled:
            reason = "disabled in the catalog"
        elif cluster.architecture and package.arch != cluster.architecture:
            reason = f"built for {package.arch}, the cluster runs on {cluster.architecture}"
        elif platform.certain and platform.family and family and family != platform.family:
            reason = f"for {package.dist}, the hosts run {platform.described_as} ({platform.family})"
        elif current is None:
            reason = "the cluster's version is unknown"
        elif not is_newer(package.ob_version, current):
            reason = f"not newer than {cluster.version}"
        else:
            reason = ""
        choices.append(Choice(package, reason))
    choices.sort(key=lambda c: c.package.ob_version, reverse=True)
    choices.sort(key=lambda c: bool(c.reason))
    return choices


def _submittable(request, pk: int) -> Cluster:
    if not request.user.has_perm("upgrades.submit_upgrade"):
        raise PermissionDenied(
            _("You are not allowed to submit upgrades (ask an admin for the Operators role).")
        )
    return get_object_or_404(Cluster.objects.select_related("site"), pk=pk)


def form_context(cluster: Cluster, data=None, selected: str = "") -> dict:
    """The form's fixed parts: the packages, the pair, and the options OCP takes on this site."""
    primary = cluster.pair_root
    release = primary.site.ocp_release
    resolved = UpgradeOptions().resolved(primary)
    return {
        "cluster": cluster,
        "choices": package_choices(cluster),
        "selected": selected,
        "pair": cluster.pair_members(),
        "ocp_version": primary.site.ocp_version,
        "options_taken": release is None or release >= OPTIONS_NEED_OCP,
        "default_mode": resolved.upgrade_mode,
        "default_zone_order": ", ".join(primary.default_zone_order()),
        "zones": primary.zone_names,
        "options_form": UpgradeOptionsForm(data) if data is not None else UpgradeOptionsForm(),
        "reason_max": REASON_MAX_LENGTH,
        **start_context(cluster, data),
    }


def start_context(cluster: Cluster, data=None) -> dict:
    """The Start choice: the time zone of the cluster's (or its site's) first window, else UTC, and
    the next openings (the "next window" choice is offered only when there are windows)."""
    found = windows.windows_for(cluster)
    form = StartForm(data) if data is not None else StartForm()
    return {
        "start_value": form["start"].value() or "now",
        "start_at_value": form["start_at"].value() or "",
        "start_tz": form["start_tz"].value() or (found[0].time_zone if found else "UTC"),
        "time_zones": time_zone_choices(),
        "openings": windows.upcoming(found, timezone.now(), OPENINGS_SHOWN) if found else [],
    }


@require_http_methods(["GET", "POST"])
def upgrade_form(request, pk: int):
    cluster = _submittable(request, pk)
    if request.method == "POST":
        return _submit(request, cluster)
    return render(
        request, "web/upgrade_form.html", form_context(cluster, selected=request.GET.get("package", ""))
    )


def precheck_fragment(request, pk: int):
    cluster = _submittable(request, pk)
    package = _package(request.GET.get("package"))
    options_form = UpgradeOptionsForm(request.GET)
    context = {"cluster": cluster, "report": None, "error": ""}
    if package is not None and options_form.is_valid():
        context["report"] = precheck(
            request.user, cluster, package, options_form.options, deadline_seconds=WEB_OCP_SECONDS
        )
        context.update(outlook(cluster, context["report"], StartForm(request.GET)))
    elif package is not None:
        context["error"] = " ".join(options_form.non_field_errors()) or _("Check the upgrade options.")
    return render(request, "web/upgrade_form.html#precheck", context)


def outlook(cluster: Cluster, report, start_form: StartForm) -> dict:
    """Beside the pre-check: the ETA of its path from history, whether it fits the chosen start's
    window, and the approvals the request will wait for."""
    context = {
        "need": policy.requirement(report.pair or cluster.pair_members()),
        "start_error": "" if start_form.is_valid() else form_error(start_form),
    }
    if report.path:
        versions = [step.version for step in report.path]
        estimate = timing.plan_estimate(cluster, versions, report.options.upgrade_mode)
        when = start_form.when
        context["eta"] = estimate.describe()
        context["fit"] = timing.window_fit(cluster, estimate.p90, when.mode, when.at, timezone.now())
    return context


def _package(value) -> RpmPackage | None:
    try:
        return RpmPackage.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def _submit(request, cluster: Cluster):
    form = UpgradeForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _submit_error(request, cluster, " ".join(dict.fromkeys(errors)), 400)
    data = form.cleaned_data
    try:
        upgrade = submit_upgrade(
            request.user,
            cluster,
            data["package"],
            reason=data["reason"],
            options=form.options,
            deadline_seconds=WEB_OCP_SECONDS,
            start=form.when,
        )
    except NotAllowed as exc:
        raise PermissionDenied(translated(exc.message))
    except PrecheckFailed as exc:
        return _submit_error(request, cluster, translated(exc.message), exc.http_status, report=exc.report)
    except UpgradeError as exc:
        return _submit_error(request, cluster, translated(exc.message), exc.http_status)
    url = reverse("upgrade", args=[upgrade.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    messages.success(request, _("Upgrade #%(id)s submitted.") % {"id": upgrade.pk})
    return redirect(url)


def _submit_error(request, cluster: Cluster, message: str, status: int, report=None):
    context = {"cluster": cluster, "error": message, "report": report}
    if request.htmx:
        return render(request, "web/upgrade_form.html#submit_result", context, status=status)
    context = form_context(cluster, request.POST, request.POST.get("package", "")) | context
    return render(request, "web/upgrade_form.html", context, status=status)
