"""The credential guard: no call to an OCP site while OCP refuses ocpdash's credentials.

OCP locks out a client after repeated failed logins (``ocp.iam.login.max-attempts``, 20 by default),
and ocpdash polls every running upgrade every second: left alone, wrong credentials would lock the
account within seconds. So every client of a site reports each call here (it is the client's
:class:`~ocpdash.ocp.client.CallObserver`):

- after the first 401, calls to the site go one at a time, at most one every
  ``OCPDASH_AUTH_PROBE_SECONDS`` (a probe lease on the site row); the others are not sent;
- after ``OCPDASH_AUTH_FAILURE_LIMIT`` 401s in a row, every call to the site stops (polls, sync,
  pre-checks, operations) and the dashboard and each affected upgrade say since when;
- any answer that proves the credentials work (2xx and the 4xx other than 401) ends the count;
- saving the site (admin, API, start-up) or "Try again" (:func:`resume`) starts afresh.

Calls already in flight when the first 401 arrives still land, so OCP may count a few more than
one failure per probe: as many as there were calls in flight, plus the limit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ocpdash.ocp import OcpCredentialsRefused
from ocpdash.ops import metrics as ops_metrics

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ocpdash.sites.models import OcpSite

log = logging.getLogger(__name__)


CLEAR = {"auth_failures": 0, "auth_refused_since": None, "auth_probe_until": None}


class CredentialGuard:
    def __init__(self, site_id: int, failures: int = 0, refused_since: datetime | None = None) -> None:
        self.site_id = site_id
        self.failures = failures
        self.refused_since = refused_since

    @classmethod
    def for_site(cls, site: OcpSite) -> CredentialGuard:
        return cls(site.pk, site.auth_failures, site.auth_refused_since)

    def refresh(self, failures: int, refused_since: datetime | None) -> None:
        """The site's state as a caller just read it (a long-lived client sees other workers' 401s)."""
        self.failures, self.refused_since = failures, refused_since

    # --- CallObserver ----------------------------------------------------------------------------

    def before(self, method: str, path: str) -> None:
        if self.refused_since is not None:
            raise OcpCredentialsRefused(refused_message(self.refused_since), status=401, request_sent=False)
        if self.failures and not self._take_probe():
            raise OcpCredentialsRefused(
                "OCP refused ocpdash's credentials just now; calls to this site wait while one call "
                "checks them again.",
                status=401,
                request_sent=False,
            )

    def after(self, method: str, path: str, status: int | None, elapsed: float) -> None:
        ops_metrics.ocp_call(self.site_id, method, path, status, elapsed)
        if status == 401:
            self._count_failure()
        elif status is not None and status < 500 and self.failures:
            self._accepted()

    # --- the site row ----------------------------------------------------------------------------

    def _sites(self) -> QuerySet[OcpSite]:
        from ocpdash.sites.models import OcpSite

        return OcpSite.objects.filter(pk=self.site_id)

    def _take_probe(self) -> bool:
        now = timezone.now()
        until = now + timedelta(seconds=settings.OCPDASH_AUTH_PROBE_SECONDS)
        free = Q(auth_probe_until__isnull=True) | Q(auth_probe_until__lt=now)
        probe = self._sites().filter(free, auth_refused_since__isnull=True)
        return bool(probe.update(auth_probe_until=until))

    def _count_failure(self) -> None:
        sites = self._sites()
        sites.update(auth_failures=F("auth_failures") + 1)
        row = sites.values("auth_failures", "auth_refused_since").first()
        if row is None:
            return
        self.failures, self.refused_since = row["auth_failures"], row["auth_refused_since"]
        if self.refused_since is None and self.failures >= settings.OCPDASH_AUTH_FAILURE_LIMIT:
            now = timezone.now()
            if sites.filter(auth_refused_since__isnull=True).update(auth_refused_since=now):
                log.warning(
                    "OCP site %s refused ocpdash's credentials %d times in a row: calls to it are stopped",
                    self.site_id,
                    self.failures,
                )
            self.refused_since = now

    def _accepted(self) -> None:
        self._sites().filter(auth_refused_since__isnull=True).update(auth_failures=0, auth_probe_until=None)
        self.failures = 0


def refused_message(since: datetime) -> str:
    when = timezone.localtime(since).strftime("%Y-%m-%d %H:%M:%S %Z")
    return (
        f"OCP refused ocpdash's credentials since {when}, nothing is being followed on this site. "
        "Fix the site's credentials in the admin (saving resumes), or press Try again."
    )


def resume(site: OcpSite) -> None:
    """An operator's "Try again": calls to the site resume (the next 401s count afresh)."""
    type(site).objects.filter(pk=site.pk).update(**CLEAR)
