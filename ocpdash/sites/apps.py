from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "ocpdash.sites"
    label = "sites"
    verbose_name = "OCP sites and clusters"
