"""``manage.py check --deploy``: ocpdash's own production warnings."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def encryption_key_beside_database(app_configs, **kwargs) -> list[Warning]:
    """The key that decrypts the OCP credentials must not sit beside the database that holds them
    (review L8): one copied folder or backup would then give both away."""
    key_file = settings.FIELD_ENCRYPTION_KEY_FILE
    database = settings.DATABASES["default"]
    if key_file is None or not database["ENGINE"].endswith("sqlite3"):
        return []
    if Path(key_file).resolve().parent != Path(database["NAME"]).resolve().parent:
        return []
    return [
        Warning(
            f"The encryption key file {key_file} is in the same folder as the database.",
            hint="Set OCPDASH_ENCRYPTION_KEY from your secret store (or keep the key file elsewhere), "
            "so a copy of the database or its folder does not carry the key that decrypts OCP credentials.",
            id="ocpdash.W001",
        )
    ]
