from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutsConfig(AppConfig):
    name = "ocpdash.rollouts"
    label = "rollouts"
    verbose_name = _("Fleet rollouts")

    def ready(self) -> None:
        from ocpdash.rollouts import signals  # noqa: F401  (connects to the upgrades' changes)
