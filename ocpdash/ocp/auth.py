"""Authentication for OCP's API: HTTP Basic and the ``OCP-ACCESS-KEY-HMACSHA1`` AK/SK signature.

The AK/SK rules are in shared/ocp/ocp-api.md §2.2 (from the OCP 4.2.2 "Rules for generating AK/SK
signatures" page and its Java sample). Both classes are ``requests`` auth hooks, so the signature covers
the request exactly as it is sent: the final URL, body bytes and Content-Type (multipart boundary
included). Neither class shows a secret in its ``repr``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from email.utils import formatdate
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.auth import AuthBase

ALGORITHM = "OCP-ACCESS-KEY-HMACSHA1"
_JAVA_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BasicAuth(AuthBase):
    """``Authorization: Basic base64(user:password)`` (UTF-8, as Spring Security decodes it)."""

    __slots__ = ("_header", "username")

    def __init__(self, username: str, password: str) -> None:
        if not username:
            raise ValueError("BasicAuth needs a username.")
        self.username = username
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._header = f"Basic {token}"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self._header
        return r

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"


class AkSkAuth(AuthBase):
    """OCP AccessKey signature; sets ``Host``, ``Date`` and ``Authorization`` on each request."""

    __slots__ = ("_now", "_secret", "access_key_id")

    def __init__(
        self, access_key_id: str, access_key_secret: str, *, now: Callable[[], float] | None = None
    ) -> None:
        if not access_key_id or not access_key_secret:
            raise ValueError("AkSkAuth needs both an AccessKey ID and an AccessKey secret.")
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self._now = now  # for tests: a callable returning a POSIX timestamp

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(r.url.decode() if isinstance(r.url, bytes) else r.url or "")
        host = host_header(parts.scheme, parts.hostname or "", parts.port)
        # Send the Host we sign: urllib3 then uses this header instead of building its own.
        r.headers["Host"] = host
        timestamp = self._now() if self._now else None
        r.headers["Date"] = formatdate(timestamp, usegmt=True)
        body = r.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes) and not hasattr(body, "content_md5"):
            raise ValueError(
                "AK/SK signing needs the request body as bytes, or a stream that digests itself."
            )
        signature = sign_request(
            r.method or "GET",
            host,
            parts.path or "/",
            parse_qsl(parts.query, keep_blank_values=True),
            cast(dict[str, str], dict(r.headers)),
            cast(bytes | None, body),  # or a stream that digests itself (checked above)
            self._secret,
        )
        r.headers["Authorization"] = f"{ALGORITHM} {self.access_key_id}:{signature}"
        return r

    def __repr__(self) -> str:
        shown = self.access_key_id[:4] + "…" if len(self.access_key_id) > 4 else "…"
        return f"AkSkAuth(access_key_id={shown!r}, access_key_secret='***')"


def host_header(scheme: str, hostname: str, port: int | None) -> str:
    """``host[:port]`` the way http.client writes it (default port left out, IPv6 in brackets)."""
    name = f"[{hostname}]" if ":" in hostname else hostname
    if port is None or port == _DEFAULT_PORTS.get(scheme.lower()):
        return name
    return f"{name}:{port}"


def java_url_encode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, UTF-8)``: form encoding, space → ``+``, keeps ``.-*_``."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _JAVA_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def content_md5(body: Any) -> str:
    """Upper-case hex MD5 of the raw body, or ``""`` when there is no body. A streamed body
    (:class:`ocpdash.ocp.multipart.MultipartFile`) digests itself."""
    if hasattr(body, "content_md5"):
        digest: str = body.content_md5()
        return digest
    if not body:
        return ""
    return hashlib.md5(body, usedforsecurity=False).hexdigest().upper().rjust(32, "0")


def canonical_query(query: Iterable[tuple[str, str]]) -> str:
    """Sorted ``k=v&…``; repeated keys merged as ``k=v1,v2`` (values sorted) before encoding."""
    merged: dict[str, list[str]] = {}
    for key, value in query:
        merged.setdefault(key, []).append(value)
    return "&".join(
        f"{java_url_encode(key)}={java_url_encode(','.join(sorted(values)))}"
        for key, values in sorted(merged.items())
    )


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def ocp_headers(headers: Mapping[str, str]) -> str:
    """``x-ocp-*`` headers as ``name:value`` lines sorted by (lower-cased) name."""
    found = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-ocp-"))
    return "\n".join(f"{k}:{v}" for k, v in found)


def string_to_sign(
    method: str,
    host: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes | None,
) -> str:
    """The seven-line message of §2.2; Date and Content-Type are read from ``headers``."""
    query_text = canonical_query(query)
    uri = f"{path}?{query_text}" if query_text else path
    return "\n".join(
        (
            method.upper(),
            content_md5(body),
            _header(headers, "Content-Type"),
            _header(headers, "Date"),
            host,
            ocp_headers(headers),
            uri,
        )
    )


def sign_request(
    method: str,
    host: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes | None,
    access_key_secret: str,
) -> str:
    """Base64 HMAC-SHA1 of :func:`string_to_sign` keyed with the AccessKey secret."""
    message = string_to_sign(method, host, path, query, headers, body).encode("utf-8")
    digest = hmac.new(access_key_secret.encode("utf-8"), message, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
