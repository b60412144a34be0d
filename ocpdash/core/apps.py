from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "ocpdash.core"
    label = "core"
    verbose_name = "ocpdash"

    def ready(self) -> None:
        from ocpdash.core import checks  # noqa: F401 - registers the deploy checks

        # Roles need the upgrades app's custom permissions, which exist once it has migrated.
        post_migrate.connect(_ensure_roles, sender=apps.get_app_config("upgrades"))


def _ensure_roles(sender, **kwargs) -> None:
    from ocpdash.core.roles import ensure_roles

    ensure_roles()
