"""Dashboard: clusters and active upgrades, refreshing itself (204 while nothing changed)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import render

from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import Upgrade


def dashboard(request):
    key = _dashboard_key()
    if request.GET.get("v") == key:
        return HttpResponse(status=204)
    context = {
        "clusters": _clusters(),
        "active_upgrades": _active(),
        "key": key,
        "poll_seconds": settings.OCPDASH_PAGE_POLL_INTERVAL,
    }
    if request.htmx:
        return render(request, "web/dashboard.html#body", context)
    return render(request, "web/dashboard.html", context)


def _dashboard_key() -> str:
    """Changes whenever anything the dashboard shows changes (two small queries)."""
    active = list(Upgrade.objects.active().order_by("pk").values_list("pk", "revision", "state"))
    clusters = Cluster.objects.aggregate(
        synced=Max("last_synced_at"), n=Count("pk"), last_upgrade=Max("upgrades__pk")
    )
    raw = repr((active, clusters["synced"], clusters["n"], clusters["last_upgrade"]))
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:16]


def _clusters():
    last = Upgrade.objects.filter(cluster=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Cluster.objects.select_related("site")
        .annotate(
            last_upgrade_id=Subquery(last.values("pk")[:1]),
            last_upgrade_state=Subquery(last.values("state")[:1]),
            last_upgrade_to=Subquery(last.values("to_version")[:1]),
            last_upgrade_at=Subquery(last.values("created_at")[:1]),
        )
        .order_by("site__name", "name")
    )


def _active():
    return (
        Upgrade.objects.active()
        .for_list()
        .annotate(
            total_steps=Count("steps"),
            done_steps=Count("steps", filter=Q(steps__status="SUCCESSFUL")),
        )
        .order_by("-created_at", "-id")
    )
