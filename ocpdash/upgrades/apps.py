from django.apps import AppConfig


class UpgradesConfig(AppConfig):
    name = "ocpdash.upgrades"
    label = "upgrades"
    verbose_name = "Upgrades"
