"""Encrypted text column for OCP credentials (Fernet, keys separate from SECRET_KEY)."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


def fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("Credential is not encrypted")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "Cannot decrypt an OCP credential: OCPDASH_ENCRYPTION_KEY does not hold the key it was "
            "encrypted with. Restore the old key (comma-separated after the new one) or enter it again."
        ) from exc


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plain text. Empty stays empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
