"""Dashboard: active upgrades (their elapsed times tick in the browser, static/js/elapsed.js) and the
clusters, searchable and filtered with pairs kept together; refreshing itself (204 while nothing
changed)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from ocpdash.sites import search
from ocpdash.sites.guard import refused_message, resume
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades import enqueue
from ocpdash.upgrades.models import Upgrade
from ocpdash.web.forms import ClusterFilterForm


@vary_on_headers("HX-Request", "HX-Target")
def dashboard(request):
    """The page; its live poll (``v``: the key it shows, 204 while unchanged; the cluster filter's
    keys ride along, see ocpdash.sites.search); and the cluster list alone for the filter form."""
    key = _dashboard_key()
    if request.GET.get("v") == key:
        return HttpResponse(status=204)
    clusters = _clusters()
    form = ClusterFilterForm(request.GET, choices=search.options(clusters))
    wanted = form.filters()
    shown = search.pairs(clusters, wanted)
    context = {
        "pairs": shown,
        "shown_count": sum(len(p.rows) for p in shown),
        "cluster_count": len(clusters),
        "filter_form": form,
        "wanted": wanted,
        "active_upgrades": _active(),
        "key": key,
        "sites": _sites(),
        "can_sync": request.user.has_perm("upgrades.submit_upgrade"),
        "can_resume": request.user.has_perm("upgrades.operate_upgrade"),
        "poll_seconds": settings.OCPDASH_PAGE_POLL_INTERVAL,
    }
    if request.htmx and request.htmx.target == "cluster-list":
        return render(request, "web/dashboard.html#clusters", context)
    if request.htmx:
        return render(request, "web/dashboard.html#body", {**context, "oob": True})
    return render(request, "web/dashboard.html", context)


def _dashboard_key() -> str:
    """Changes whenever anything the dashboard shows changes (three small queries)."""
    active = list(Upgrade.objects.active().order_by("pk").values_list("pk", "revision", "state"))
    clusters = Cluster.objects.aggregate(
        synced=Max("last_synced_at"), n=Count("pk"), last_upgrade=Max("upgrades__pk")
    )
    sites = list(
        OcpSite.objects.order_by("pk").values_list(
            "pk", "auth_refused_since", "ocp_version", "last_sync_error"
        )
    )
    raw = repr((active, clusters["synced"], clusters["n"], clusters["last_upgrade"], sites))
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:16]


def _clusters() -> list[Cluster]:
    """Every cluster with its last upgrade (search.pairs orders and groups them)."""
    last = Upgrade.objects.filter(Q(cluster=OuterRef("pk")) | Q(also_upgrades=OuterRef("pk"))).order_by(
        "-created_at", "-id"
    )
    return list(
        Cluster.objects.select_related("site", "primary")
        .annotate(
            last_upgrade_id=Subquery(last.values("pk")[:1]),
            last_upgrade_state=Subquery(last.values("state")[:1]),
            last_upgrade_to=Subquery(last.values("to_version")[:1]),
            last_upgrade_at=Subquery(last.values("created_at")[:1]),
        )
        .order_by("site__name", "name")
    )


def _sites() -> list[OcpSite]:
    sites = list(OcpSite.objects.filter(enabled=True).order_by("name"))
    for site in sites:
        site.refused_message = refused_message(site.auth_refused_since) if site.credentials_refused else ""
    return sites


def _active():
    return (
        Upgrade.objects.active()
        .for_list()
        .prefetch_related("also_upgrades")
        .annotate(
            total_steps=Count("steps"),
            done_steps=Count("steps", filter=Q(steps__status="SUCCESSFUL")),
        )
        .order_by("-created_at", "-id")
    )


@require_POST
def resume_site(request, pk: int):
    """ "Try again" after OCP refused ocpdash's credentials: calls to the site resume."""
    if not request.user.has_perm("upgrades.operate_upgrade"):
        raise PermissionDenied(_("You are not allowed to resume an OCP site (Operators role needed)."))
    site = get_object_or_404(OcpSite, pk=pk)
    resume(site)
    messages.success(
        request, _("OCP site %(name)s: calls to it resume; a sync runs now.") % {"name": site.name}
    )
    enqueue.send(enqueue.SYNC)
    return redirect("dashboard")


@require_POST
def sync_clusters(request):
    """Read every OCP site's clusters now (the beat does it every few minutes), in a worker: a web
    request never waits for OCP. The dashboard shows the result when it lands."""
    if not request.user.has_perm("upgrades.submit_upgrade"):
        raise PermissionDenied(_("You are not allowed to sync clusters."))
    if enqueue.send(enqueue.SYNC):
        messages.success(request, _("Sync from OCP started; the sites' lines below show when it is done."))
    else:
        messages.error(request, _("Could not start the sync: ocpdash's queue (Redis) is not reachable."))
    return redirect("dashboard")
