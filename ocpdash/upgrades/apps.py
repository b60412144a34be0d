from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpgradesConfig(AppConfig):
    name = "ocpdash.upgrades"
    label = "upgrades"
    verbose_name = _("Upgrades")
