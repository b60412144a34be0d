"""/healthz, /readyz, /metrics (no login: for probes and Prometheus) and the staff's System page."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ocpdash.ops import metrics as ops_metrics
from ocpdash.ops import readiness, system


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The process answers: no database, no broker (a liveness probe)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """200 when ocpdash can run upgrades, 503 when not; every check in the body (ocpdash.ops.readiness)."""
    report = readiness.report()
    return JsonResponse(report.as_dict(), status=200 if report.ready else 503)


@login_not_required
@never_cache
@require_GET
def metrics(request):
    """Prometheus text format. With OCPDASH_METRICS_TOKEN set, ``Authorization: Bearer <token>``."""
    if not _token_ok(request):
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = ops_metrics.render()
    return HttpResponse(body, content_type=content_type)


def _token_ok(request) -> bool:
    expected = settings.OCPDASH_METRICS_TOKEN
    if not expected:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


@never_cache
@require_GET
def system_page(request):
    """Processes, queue, poll lag and sites, for staff."""
    if not request.user.is_staff:
        raise PermissionDenied("The System page is for admins (staff).")
    return render(request, "ops/system.html", system.context())
