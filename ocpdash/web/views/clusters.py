"""Cluster page and the upgrade form (package choice, live pre-check, submit)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.versions import ObVersion
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import NotAllowed, PrecheckFailed, UpgradeError
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.precheck import precheck
from ocpdash.upgrades.submission import submit_upgrade


def cluster_detail(request, pk: int):
    cluster = get_object_or_404(Cluster.objects.select_related("site"), pk=pk)
    upgrades = Upgrade.objects.filter(cluster=cluster).for_rows().order_by("-created_at", "-id")[:50]
    return render(
        request,
        "web/cluster.html",
        {
            "cluster": cluster,
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
    for package in RpmPackage.objects.all():
        if not package.enabled:
            reason = "disabled in the catalog"
        elif cluster.architecture and package.arch != cluster.architecture:
            reason = f"built for {package.arch}, the cluster runs on {cluster.architecture}"
        elif cluster.operating_system and package.dist != cluster.operating_system:
            reason = f"for {package.dist}, the hosts run {cluster.operating_system}"
        elif current is None:
            reason = "the cluster's version is unknown"
        elif not package.ob_version > current:
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
            "You are not allowed to submit upgrades (ask an admin for the Operators role)."
        )
    return get_object_or_404(Cluster.objects.select_related("site"), pk=pk)


@require_http_methods(["GET", "POST"])
def upgrade_form(request, pk: int):
    cluster = _submittable(request, pk)
    if request.method == "POST":
        return _submit(request, cluster)
    selected = request.GET.get("package", "")
    context = {"cluster": cluster, "choices": package_choices(cluster), "selected": selected}
    return render(request, "web/upgrade_form.html", context)


def precheck_fragment(request, pk: int):
    cluster = _submittable(request, pk)
    package = _package(request.GET.get("package"))
    report = precheck(request.user, cluster, package) if package else None
    return render(request, "web/upgrade_form.html#precheck", {"cluster": cluster, "report": report})


def _package(value) -> RpmPackage | None:
    try:
        return RpmPackage.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _submit(request, cluster: Cluster):
    package = _package(request.POST.get("package"))
    if package is None:
        return _submit_error(request, cluster, "Choose a package first.", 400)
    try:
        upgrade = submit_upgrade(
            request.user, cluster, package, reason=request.POST.get("reason", "").strip()
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except PrecheckFailed as exc:
        return _submit_error(request, cluster, exc.message, exc.http_status, report=exc.report)
    except UpgradeError as exc:
        return _submit_error(request, cluster, exc.message, exc.http_status)
    url = reverse("upgrade", args=[upgrade.pk])
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    messages.success(request, f"Upgrade #{upgrade.pk} submitted.")
    return redirect(url)


def _submit_error(request, cluster: Cluster, message: str, status: int, report=None):
    context = {"cluster": cluster, "error": message, "report": report}
    if request.htmx:
        return render(request, "web/upgrade_form.html#submit_result", context, status=status)
    context.update(choices=package_choices(cluster), selected=request.POST.get("package", ""))
    return render(request, "web/upgrade_form.html", context, status=status)
