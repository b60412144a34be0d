"""History filters shared by the web page, the CSV export and the API (all query-string driven)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade
from ocpdash.upgrades.params import parse_day, parse_id

FILTERS = ("cluster", "site", "state", "user", "version", "since", "until", "q", "reviewed", "rollout")


def filter_upgrades(params: Mapping[str, Any], queryset: QuerySet | None = None) -> QuerySet:
    """Apply history filters from a QueryDict/dict; unknown or malformed values are ignored."""
    qs = queryset if queryset is not None else Upgrade.objects.for_list()
    if cluster_id := parse_id(params.get("cluster")):
        qs = qs.filter(cluster_id=cluster_id)
    if site_id := parse_id(params.get("site")):
        qs = qs.filter(cluster__site_id=site_id)
    if rollout_id := parse_id(params.get("rollout")):
        qs = qs.filter(rollout_unit__rollout_id=rollout_id)  # the upgrades of a fleet rollout's units
    if (state := params.get("state")) in State.values:
        qs = qs.filter(state=state)
    if user := (params.get("user") or "").strip():
        qs = qs.filter(requested_by__username=user)
    if version := (params.get("version") or "").strip():
        qs = qs.filter(Q(to_version__startswith=version) | Q(from_version__startswith=version))
    if since := parse_day(params.get("since")):
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until := parse_day(params.get("until")):
        qs = qs.filter(created_at__lte=timezone.make_aware(datetime.combine(until, time.max)))
    if text := (params.get("q") or "").strip():
        qs = qs.filter(
            Q(cluster__name__icontains=text)
            | Q(package__file_name__icontains=text)
            | Q(reason__icontains=text)
            | Q(last_error__icontains=text)
        )
    reviewed = params.get("reviewed")
    if reviewed == "no":
        qs = qs.filter(reviewed_at__isnull=True)
    elif reviewed == "yes":
        qs = qs.filter(reviewed_at__isnull=False)
    return qs.order_by("-created_at", "-id")
