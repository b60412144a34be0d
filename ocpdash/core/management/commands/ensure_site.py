from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand
from ocpdash.sites.models import OcpSite

# The site's authentication, as people read it (OcpSite.AuthMode's labels, in the reader's language).
AUTH_MODES = {
    OcpSite.AuthMode.BASIC: gettext_lazy("Username and password"),
    OcpSite.AuthMode.AKSK: gettext_lazy("AccessKey (AK/SK signature)"),
}


def ensure_site_from_settings() -> OcpSite | None:
    """Create or update the OCP site described by OCP_URL and its credentials."""
    if not settings.OCP_URL:
        return None
    use_aksk = bool(settings.OCP_ACCESS_KEY_ID and settings.OCP_ACCESS_KEY_SECRET)
    if not use_aksk and not (settings.OCP_USERNAME and settings.OCP_PASSWORD):
        raise CommandError(
            _(
                "OCP_URL is set but no credentials: set OCP_USERNAME and OCP_PASSWORD, "
                "or OCP_ACCESS_KEY_ID and OCP_ACCESS_KEY_SECRET."
            )
        )
    site, _created = OcpSite.objects.get_or_create(
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


class Command(PeopleCommand):
    help = gettext_lazy("Create or update the OCP site from OCP_URL and OCP_* credentials.")

    def handle(self, *args, **options):
        site = ensure_site_from_settings()
        if site is None:
            self.stdout.write(_("OCP_URL is not set; no site from the environment."))
        else:
            auth = AUTH_MODES.get(site.auth_mode, site.get_auth_mode_display())
            self.stdout.write(
                _("OCP site '%(name)s' → %(url)s (%(auth)s)")
                % {"name": site.name, "url": site.base_url, "auth": auth}
            )
