from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ocpdash.catalog"
    label = "catalog"
    verbose_name = "RPM catalog"
