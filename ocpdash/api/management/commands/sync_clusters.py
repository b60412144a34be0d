from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ocpdash.sites.models import OcpSite
from ocpdash.sites.sync import sync_all_sites, sync_site


class Command(BaseCommand):
    help = "Read the clusters of every enabled OCP site (or one, with --site) from OCP now."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="Only this site (name)")

    def handle(self, *args, site: str | None = None, **options):
        if site:
            try:
                results = [sync_site(OcpSite.objects.get(name=site))]
            except OcpSite.DoesNotExist:
                raise CommandError(f"No OCP site named {site!r}.")
        else:
            results = sync_all_sites()
        for result in results:
            if result.error:
                self.stderr.write(f"{result.site}: sync failed: {result.error}")
            else:
                self.stdout.write(
                    f"{result.site}: {result.clusters} clusters ({result.created} new, {result.gone} gone)"
                )
            for warning in result.warnings:
                self.stdout.write(f"  warning: {warning}")
        if any(result.error for result in results):
            raise CommandError("Some sites could not be synced.")
