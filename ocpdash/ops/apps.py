from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ocpdash.ops"
    label = "ops"
    verbose_name = "Operations"
