from django.shortcuts import render

from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import Upgrade


def dashboard(request):
    clusters = Cluster.objects.select_related("site").order_by("site__name", "name")
    active = Upgrade.objects.active().for_list()
    return render(request, "web/dashboard.html", {"clusters": clusters, "active_upgrades": active})
