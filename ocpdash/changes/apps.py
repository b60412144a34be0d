from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "ocpdash.changes"
    label = "changes"
    verbose_name = "Change management"
