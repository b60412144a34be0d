"""What an OCP site's address and trust may be, for the admin form and the API alike (review L4).

- Only ``http`` and ``https`` URLs (``ftp://`` used to be accepted, then every sync failed).
- Changing the URL needs the site's secret again: otherwise an admin could point a site at a host
  of their own and receive the stored credentials with the next call.
- The CA bundle must be PEM certificates.
"""

from __future__ import annotations

from cryptography import x509
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext, gettext_lazy

SCHEMES = ("http", "https")
SECRET_OF_MODE = {"basic": "password", "aksk": "access_key_secret"}
SECRET_NAMES = {"password": gettext_lazy("password"), "access_key_secret": gettext_lazy("AccessKey secret")}

validate_ocp_url = URLValidator(
    schemes=list(SCHEMES), message=gettext_lazy("Enter an http:// or https:// URL.")
)


def url_changed(what: str) -> str:
    """Why a site whose URL changes needs its secret (``what``: its name) again, in the active language."""
    return gettext(
        "The URL changed: give the %(what)s again, so the stored one is never sent to a new address."
    ) % {"what": what}


def secret_needed_again(site, base_url: str | None) -> bool:
    """True when an existing site's URL changes (the caller then requires a new secret)."""
    return site is not None and site.pk is not None and base_url is not None and base_url != site.base_url


def validate_ca_bundle(pem: str) -> None:
    if not pem.strip():
        return
    try:
        certificates = x509.load_pem_x509_certificates(pem.strip().encode())
    except ValueError:
        certificates = []
    if not certificates:
        raise ValidationError(
            gettext("Paste PEM certificates (-----BEGIN CERTIFICATE----- …), or leave it blank.")
        )
