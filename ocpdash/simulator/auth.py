"""HTTP Basic and OCP AK/SK (``OCP-ACCESS-KEY-HMACSHA1``) authentication (ocp-api.md §2)."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote_plus

from ocpdash.simulator.envelope import FORBIDDEN, NOT_AUTHENTICATED, NOT_LOGGED_ON, NOT_PERMITTED, ApiError

AKSK_PREFIX = "OCP-ACCESS-KEY-HMACSHA1 "
MAX_SKEW_SECONDS = 15 * 60


@dataclass(frozen=True)
class User:
    id: int
    name: str
    can_write: bool = True


@dataclass
class Credentials:
    """Who may call the API. Defaults match the fixture and README."""

    basic: dict[str, str] = field(default_factory=lambda: {"admin": "aaAA11__", "viewer": "viewer"})
    access_keys: dict[str, str] = field(default_factory=lambda: {"ocpdash-ak": "ocpdash-sk-0123456789abcdef"})
    readonly: frozenset[str] = frozenset({"viewer"})
    ak_user: str = "admin"

    def user(self, name: str) -> User:
        uid = 100 if name == "admin" else 200 + len(name)
        return User(uid, name, can_write=name not in self.readonly)


def java_url_encode(text: str) -> str:
    """``java.net.URLEncoder.encode(text, "UTF-8")``: space -> '+', only ``A-Za-z0-9.-*_`` kept."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def canonical_query(raw_query: str) -> str:
    if not raw_query:
        return ""
    merged: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        merged.setdefault(key, []).append(value)
    parts = [
        f"{java_url_encode(k)}={java_url_encode(','.join(sorted(v)))}" for k, v in sorted(merged.items())
    ]
    return "?" + "&".join(parts)


def string_to_sign(
    method: str, path: str, raw_query: str, headers: dict[str, str], body: bytes, host: str
) -> str:
    """The 7-line message of ocp-api.md §2.2. ``headers`` keys are lower-case."""
    content_md5 = hashlib.md5(body, usedforsecurity=False).hexdigest().upper().rjust(32, "0") if body else ""
    ocp_headers = "\n".join(f"{k}:{v}" for k, v in sorted(headers.items()) if k.startswith("x-ocp-"))
    return "\n".join(
        [
            method.upper(),
            content_md5,
            headers.get("content-type", ""),
            headers.get("date", ""),
            host,
            ocp_headers,
            path + canonical_query(raw_query),
        ]
    )


def signature(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_headers(
    access_key_id: str,
    secret: str,
    method: str,
    url_path: str,
    raw_query: str,
    host: str,
    body: bytes = b"",
    content_type: str = "",
    date: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers a client sends to sign a request (used by tests and the fixture)."""
    date = date or email.utils.formatdate(usegmt=True)
    lowered = {k.lower(): v for k, v in (extra_headers or {}).items()}
    lowered["date"] = date
    if content_type:
        lowered["content-type"] = content_type
    sig = signature(secret, string_to_sign(method, url_path, raw_query, lowered, body, host))
    headers = dict(extra_headers or {})
    headers.update({"Date": date, "Authorization": f"{AKSK_PREFIX}{access_key_id}:{sig}"})
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def unauthenticated(debug: str) -> ApiError:
    return ApiError(401, NOT_AUTHENTICATED, NOT_LOGGED_ON, debug=debug)


class LoginFailed(Exception):
    """Credentials were sent but are wrong: a failed login (counted towards the lockout)."""

    def __init__(self, debug: str) -> None:
        super().__init__(debug)
        self.debug = debug


def authenticate(
    creds: Credentials,
    method: str,
    path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    now: float | None = None,
) -> User:
    """Return the calling user; raise LoginFailed for wrong credentials (a bad password, an unknown
    access key, a bad signature or Date) and a 401 ApiError when none were sent."""
    auth = headers.get("authorization", "")
    if auth.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise LoginFailed("Malformed Basic credentials") from None
        if creds.basic.get(user) != password or not user:
            raise LoginFailed("Bad credentials")
        return creds.user(user)
    if auth.startswith(AKSK_PREFIX):
        return _authenticate_aksk(creds, method, path, raw_query, headers, body, auth, now or time.time())
    raise unauthenticated("Full authentication is required to access this resource")


def _authenticate_aksk(creds, method, path, raw_query, headers, body, auth, now) -> User:
    ak, _, sig = auth[len(AKSK_PREFIX) :].strip().partition(":")
    secret = creds.access_keys.get(ak)
    if secret is None:
        raise LoginFailed(f"Unknown access key {ak!r}")
    date = headers.get("date", "")
    try:
        sent = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        raise LoginFailed("Missing or malformed Date header") from None
    if abs(now - sent) > MAX_SKEW_SECONDS:
        raise LoginFailed("The Date header differs from the server time by more than 15 minutes")
    expected = signature(
        secret, string_to_sign(method, path, raw_query, headers, body, headers.get("host", ""))
    )
    if not hmac.compare_digest(expected, sig):
        raise LoginFailed("Signature does not match")
    return creds.user(creds.ak_user)


def require_write(user: User) -> None:
    if not user.can_write:
        raise ApiError(403, NOT_PERMITTED, FORBIDDEN, "IAM11000")
