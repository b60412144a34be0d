"""Downloading an RPM by URL for ``catalog_import``: http(s) only, streamed to a temporary file,
never longer than ``OCPDASH_RPM_MAX_BYTES``, with a timeout on connecting and on every read."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from django.conf import settings

from ocpdash.catalog.intake import RpmRefused, parse_name

CONNECT_TIMEOUT = 10.0
CHUNK = 1 << 20


def is_url(text: str) -> bool:
    return "://" in text


def shown(url: str) -> str:
    """The URL without any user name or password in it, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def file_name_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RpmRefused(f"{shown(url)}: only http:// and https:// URLs can be downloaded.")
    name = unquote(PurePosixPath(parts.path).name)
    parse_name(name)  # the URL must end in the RPM's own file name
    return name


@contextmanager
def downloaded(url: str):
    """``(file name, open temporary file)`` of the RPM at ``url``; the file is removed afterwards."""
    name = file_name_of(url)
    limit = settings.OCPDASH_RPM_MAX_BYTES
    with tempfile.TemporaryFile(prefix="ocpdash-rpm-") as handle:
        try:
            _copy(url, handle, limit)
        except requests.RequestException as exc:
            raise RpmRefused(f"{shown(url)}: the download failed ({type(exc).__name__}).") from None
        handle.seek(0)
        yield name, handle


def _copy(url: str, handle, limit: int) -> None:
    timeout = (CONNECT_TIMEOUT, settings.OCPDASH_RPM_DOWNLOAD_TIMEOUT)
    with requests.get(url, stream=True, timeout=timeout) as response:
        if response.status_code != 200:
            raise RpmRefused(
                f"{shown(url)}: the server answered HTTP {response.status_code} {response.reason}."
            )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RpmRefused(f"{shown(url)} is {int(declared):,} bytes, more than the {limit:,} allowed.")
        written = 0
        for chunk in response.iter_content(CHUNK):
            written += len(chunk)
            if written > limit:
                raise RpmRefused(f"{shown(url)} is more than the {limit:,} bytes allowed; download stopped.")
            handle.write(chunk)
