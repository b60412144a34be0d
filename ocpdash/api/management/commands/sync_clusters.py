from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand
from ocpdash.sites.models import OcpSite
from ocpdash.sites.sync import sync_all_sites, sync_site


class Command(PeopleCommand):
    help = gettext_lazy("Read the clusters of every enabled OCP site (or one, with --site) from OCP now.")

    def add_arguments(self, parser):
        parser.add_argument("--site", help=gettext_lazy("Only this site (name)"))

    def handle(self, *args, site: str | None = None, **options):
        if site:
            try:
                results = [sync_site(OcpSite.objects.get(name=site))]
            except OcpSite.DoesNotExist:
                raise CommandError(_("No OCP site named %(name)r.") % {"name": site})
        else:
            results = sync_all_sites()
        for result in results:
            if result.error:
                self.stderr.write(
                    _("%(site)s: sync failed: %(error)s") % {"site": result.site, "error": result.error}
                )
            else:
                self.stdout.write(
                    _("%(site)s: %(clusters)s clusters (%(new)s new, %(gone)s gone)")
                    % {
                        "site": result.site,
                        "clusters": result.clusters,
                        "new": result.created,
                        "gone": result.gone,
                    }
                )
            for warning in result.warnings:
                self.stdout.write(_("  warning: %(warning)s") % {"warning": warning})
        if any(result.error for result in results):
            raise CommandError(_("Some sites could not be synced."))
