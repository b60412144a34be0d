"""GET /upgrades/{id}/evidence/: the upgrade's evidence pack as a download, HTML by default or
``?format=json`` (the canonical JSON whose SHA-256 the HTML states). Viewers may export it."""

from __future__ import annotations

import logging

from csp.decorators import csp
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from ocpdash.upgrades import evidence
from ocpdash.upgrades.models import Upgrade

log = logging.getLogger(__name__)
FORMATS = ("html", "json")


def download(pack: evidence.Pack, fmt: str, body: bytes) -> HttpResponse:
    """The pack as an attachment, its JSON's SHA-256 in a header (the API answers the same way)."""
    content_type = "application/json" if fmt == "json" else "text/html; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{pack.filename(fmt)}"'
    response["X-Evidence-SHA256"] = pack.sha256
    response["Cache-Control"] = "no-store"
    return response


# Opened rather than saved, the file needs nothing but its own inline styles and inline SVG.
@csp({"default-src": ["'none'"], "style-src": ["'unsafe-inline'"], "frame-ancestors": ["'none'"]})
@require_GET
def upgrade_evidence(request, pk: int):
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("format is html or json.", content_type="text/plain")
    try:
        pack = evidence.export(pk)
    except Upgrade.DoesNotExist:
        raise Http404("No such upgrade.") from None
    log.info("Evidence pack of upgrade %s exported as %s by %s", pk, fmt, request.user.get_username())
    if fmt == "json":
        return download(pack, fmt, pack.body)
    html = evidence.render_html(pack, exported_by=request.user.get_username(), exported_at=timezone.now())
    return download(pack, fmt, html.encode())
