"""The catalog in the web UI: which OCP site has which package (read-only for everyone with a role),
uploads to OCP for catalog admins, and an upload's live progress.

An upload's status polls itself: ``?v=<state>:<bytes sent>`` unchanged → 204; finished → 286 (the
last fragment polls no more); otherwise the new fragment.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from ocpdash.catalog import presence, uploading
from ocpdash.catalog.models import PackageUpload, RpmPackage
from ocpdash.catalog.tasks import REFRESH_TASK
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades.params import parse_id

RECENT_UPLOADS = 20
VIEW_PERMISSION = "catalog.view_rpmpackage"


def _require_view(request) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(_("You may not see the RPM catalog."))


def catalog_page(request):
    _require_view(request)
    sites = list(OcpSite.objects.filter(enabled=True).order_by("name"))
    packages = list(RpmPackage.objects.order_by("-enabled", "name", "version", "build", "dist", "arch"))
    uploads = PackageUpload.objects.select_related("package", "site").order_by("-created_at", "-id")
    context = {
        "sites": sites,
        "rows": presence.matrix(packages, sites),
        "uploads": list(uploads[:RECENT_UPLOADS]),
        "may_upload": uploading.may_upload(request.user),
    }
    return render(request, "catalog/catalog.html", context)


@require_POST
def refresh(request):
    _require_view(request)
    if uploading.enqueue_by_name(REFRESH_TASK):
        messages.info(request, _("Reading every OCP site's package list; this page shows it in a moment."))
    else:
        messages.error(
            request, _("The queue is not reachable: the package lists were not read. Try again later.")
        )
    return redirect("catalog")


@require_POST
def start_upload(request, pk: int):
    """Upload a package's file to the OCP site ``site`` (from the catalog or a pre-check)."""
    package = get_object_or_404(RpmPackage, pk=pk)
    site = get_object_or_404(OcpSite, pk=parse_id(request.POST.get("site")) or -1)
    try:
        upload, _created = uploading.request_upload(request.user, package, site)
    except uploading.UploadNotAllowed as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        if request.htmx:
            return render(request, "catalog/upload.html#refused", {"message": exc.message}, status=400)
        messages.error(request, exc.message)
        return redirect("catalog")
    if request.htmx:
        return render(request, "catalog/upload.html#status", status_context(upload, _cluster(request.POST)))
    return redirect("catalog_upload", pk=upload.pk)


def upload_page(request, pk: int):
    _require_view(request)
    upload = get_object_or_404(PackageUpload.objects.select_related("package", "site", "requested_by"), pk=pk)
    if not request.htmx:
        context = status_context(upload, None) | {"events": list(upload.events.select_related("actor"))}
        return render(request, "catalog/upload.html", context)
    if request.GET.get("v") == version(upload) and upload.is_active:
        return HttpResponse(status=204)
    response = render(request, "catalog/upload.html#status", status_context(upload, _cluster(request.GET)))
    if not upload.is_active:
        response.status_code = HttpResponseStopPolling.status_code
    return response


def version(upload: PackageUpload) -> str:
    return f"{upload.state}:{upload.bytes_sent}"


def status_context(upload: PackageUpload, cluster: Cluster | None) -> dict:
    query = f"?v={version(upload)}" + (f"&cluster={cluster.pk}" if cluster else "")
    return {
        "upload": upload,
        "cluster": cluster,
        "poll_url": reverse("catalog_upload", args=[upload.pk]) + query,
    }


def _cluster(params) -> Cluster | None:
    """The cluster whose pre-check asked for the upload: its status offers to run it again."""
    cluster_id = parse_id(params.get("cluster"))
    if cluster_id is None:
        return None
    cluster = Cluster.objects.filter(pk=cluster_id).first()
    if cluster is None:
        raise Http404("No such cluster.")
    return cluster
