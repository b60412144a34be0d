from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocpdash.sites.models import OcpSite


def ensure_site_from_settings() -> OcpSite | None:
    """Create or update the OCP site described by OCP_URL and its credentials."""
    if not settings.OCP_URL:
        return None
    use_aksk = bool(settings.OCP_ACCESS_KEY_ID and settings.OCP_ACCESS_KEY_SECRET)
    if not use_aksk and not (settings.OCP_USERNAME and settings.OCP_PASSWORD):
        raise CommandError(
            "OCP_URL is set but no credentials: set OCP_USERNAME and OCP_PASSWORD, "
            "or OCP_ACCESS_KEY_ID and OCP_ACCESS_KEY_SECRET."
        )
    site, _ = OcpSite.objects.get_or_create(
        name=settings.OCP_SITE_NAME, defaults={"base_url": settings.OCP_URL, "from_environment": True}
    )
    site.base_url = settings.OCP_URL
    site.from_environment = True
    if use_aksk:
        site.auth_mode = OcpSite.AuthMode.AKSK
        site.access_key_id = settings.OCP_ACCESS_KEY_ID
        site.access_key_secret = settings.OCP_ACCESS_KEY_SECRET
    else:
        site.auth_mode = OcpSite.AuthMode.BASIC
        site.username = settings.OCP_USERNAME
        site.password = settings.OCP_PASSWORD
    site.save()
    return site


class Command(BaseCommand):
    help = "Create or update the OCP site from OCP_URL and OCP_* credentials."

    def handle(self, *args, **options):
        site = ensure_site_from_settings()
        if site is None:
            self.stdout.write("OCP_URL is not set; no site from the environment.")
        else:
            self.stdout.write(f"OCP site '{site.name}' → {site.base_url} ({site.get_auth_mode_display()})")
