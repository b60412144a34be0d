"""Which OCP site has which catalog package: OCP's package list compared with the catalog.

A package is *present* at a site when OCP lists its file name (with OCP's SHA-1 equal to ours when
both are known), *different* when OCP lists the name with another SHA-1, *missing* otherwise.
Refreshed after each cluster sync (ocpdash.catalog.tasks), on demand, and after every upload.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from ocpdash.catalog.models import CatalogEvent, Presence, RpmPackage, SitePresence
from ocpdash.ocp import OcpError, SoftwarePackage

log = logging.getLogger(__name__)
PAGE_SIZE = 500


def classify(package: RpmPackage, found: SoftwarePackage | None) -> str:
    if found is None:
        return Presence.MISSING
    ours, theirs = (package.sha1 or "").lower(), (found.sha1 or "").lower()
    if ours and theirs and ours != theirs:
        return Presence.DIFFERENT
    return Presence.PRESENT


def refresh_site(site, client) -> dict[str, int]:
    """Read OCP's package list at ``site`` with ``client`` and store every catalog package's
    presence there; counts per state. OcpError propagates (the caller reports it)."""
    listed = client.list_packages(page_size=PAGE_SIZE)
    by_name = {p.file_name: p for p in listed if p.file_name}
    counts = {state: 0 for state in Presence.values}
    for package in RpmPackage.objects.all():
        state = record(site, package, by_name.get(package.file_name))
        counts[state] += 1
    return counts


def record(site, package: RpmPackage, found: SoftwarePackage | None) -> str:
    """Store what OCP's list shows of ``package`` at ``site``; a change is an event."""
    state = classify(package, found)
    values = {
        "state": state,
        "ocp_package_id": found.id if found else None,
        "ocp_sha1": (found.sha1 or "")[:40] if found else "",
        "ocp_size": found.size if found else None,
        "checked_at": timezone.now(),
    }
    row, created = SitePresence.objects.get_or_create(package=package, site=site, defaults=values)
    if created:
        return state
    before = row.state
    SitePresence.objects.filter(pk=row.pk).update(**values)
    if before != state:
        CatalogEvent.objects.create(
            package=package,
            site=site,
            kind=CatalogEvent.Kind.PRESENCE,
            message=f"At OCP site {site.name} the package is now {Presence(state).label} "
            f"(was {Presence(before).label}).",
            data={"ocp_package_id": values["ocp_package_id"], "ocp_sha1": values["ocp_sha1"]},
        )
    return state


def refresh_all_sites() -> dict[str, str]:
    """Every enabled site; per site name, what was found or what went wrong."""
    from ocpdash.sites.models import OcpSite

    results = {}
    for site in OcpSite.objects.filter(enabled=True):
        try:
            with site.client() as client:
                counts = refresh_site(site, client)
        except OcpError as exc:
            log.warning("Package presence at OCP site %s not read: %s", site.name, exc.message)
            results[site.name] = f"not read: {exc.message}"
            continue
        results[site.name] = ", ".join(f"{n} {state}" for state, n in counts.items() if n) or "no packages"
    return results


def matrix(packages, sites) -> list[tuple[RpmPackage, list[tuple[object, SitePresence | None]]]]:
    """Each package with ``(site, its presence there)`` per site (None: never checked)."""
    rows = SitePresence.objects.filter(package__in=packages, site__in=sites)
    found = {(p.package_id, p.site_id): p for p in rows}
    return [(package, [(site, found.get((package.pk, site.pk))) for site in sites]) for package in packages]
