"""The client's address, for login throttling (django-axes) and audit (review M5).

Without ``OCPDASH_BEHIND_PROXY`` it is ``REMOTE_ADDR`` and no header is trusted (a client could
write any X-Forwarded-For). Behind ``OCPDASH_TRUSTED_PROXY_COUNT`` reverse proxies (default 1),
each of which appends the address it received the request from to X-Forwarded-For, the client is
that many entries from the right of the header, read with django-ipware; entries further left
were written by the client and are ignored. DRF's throttles get the same count (``NUM_PROXIES``),
so both agree on who the client is.
"""

from __future__ import annotations

from django.conf import settings
from ipware import get_client_ip

HEADER = "HTTP_X_FORWARDED_FOR"


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    if not settings.OCPDASH_BEHIND_PROXY:
        return remote
    # ipware counts the proxies *listed in* the header: the one talking to us is REMOTE_ADDR, not
    # listed, so N proxies in front are N - 1 in the header. Not strict: a client may prepend
    # entries of its own, which are skipped, as DRF's NUM_PROXIES skips them.
    found, _ = get_client_ip(
        request,
        proxy_count=settings.OCPDASH_TRUSTED_PROXY_COUNT - 1,
        request_header_order=[HEADER],
        strict=False,
    )
    return found or remote
