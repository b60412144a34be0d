from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "ocpdash.sites"
    label = "sites"
    verbose_name = _("OCP sites and clusters")
