"""The one place notifications leave ocpdash: an HTTP POST (timeouts on every call, no redirects
followed, a bounded read of the answer) or an email through Django's mail. Each returns an
:class:`Answer` saying whether the receiver took it and, if not, whether trying again may help.

Reasons are ocpdash's own short words, the receiver's status and its error code: never an
exception's text (requests puts the URL, and so a bot's token, in it), and anything taken from a
receiver's answer is scrubbed of the URL's parts and the secret first.
"""

from __future__ import annotations

import json
import re
import smtplib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from ocpdash.notify.formats import Outgoing
from ocpdash.notify.messages import Message

MAX_REPLY_BYTES = 64 * 1024
REASON_MAX = 200
# Error codes that mean "too fast / busy, try later" in a 2xx answer.
RETRY_CODES = {
    "errcode": {130101, 45009, -1},  # DingTalk: sent too fast; WeCom: over the rate, system busy
    "feishu": {9499, 11232},  # Feishu: too many requests, frequency limited
}
BAD_URL = (  # a URL requests cannot even send to
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)
_CODE_WORD = re.compile(r"^[A-Za-z0-9_.\- ]{1,60}$")  # a short error code such as Slack's invalid_payload


@dataclass(frozen=True)
class Answer:
    delivered: bool
    retry: bool = False
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None


def post(outgoing: Outgoing, secret: str = "") -> Answer:
    timeout = (settings.OCPDASH_NOTIFY_CONNECT_TIMEOUT, settings.OCPDASH_NOTIFY_READ_TIMEOUT)
    try:
        with requests.post(
            outgoing.url,
            data=outgoing.body,
            headers=outgoing.headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            content = response.raw.read(MAX_REPLY_BYTES, decode_content=True) or b""
            status, retry_after = response.status_code, response.headers.get("Retry-After")
    except requests.Timeout:
        return Answer(False, retry=True, reason=_("no answer within %(seconds)s s") % {"seconds": timeout[1]})
    except BAD_URL:
        return Answer(False, reason=_("the channel's URL is not valid"))
    except requests.ConnectionError:
        return Answer(False, retry=True, reason=_("could not connect, or the connection broke"))
    except (requests.RequestException, OSError) as exc:
        return Answer(False, retry=True, reason=type(exc).__name__)
    return judge(status, content, retry_after, outgoing.replies, _Scrubber(outgoing.url, secret))


def judge(status: int, content: bytes, retry_after: str | None, replies: str, scrub=None) -> Answer:
    """What an HTTP answer means: 2xx accepted (unless a bot's body says otherwise), 429 and 5xx
    later, anything else never (a 3xx is not followed: a webhook URL must be the final one)."""
    scrub = scrub or (lambda text: text)
    if 200 <= status < 300:
        refused = _refused_in_body(content, replies)
        if refused is None:
            return Answer(True, status=status)
        code, message = refused
        word = _("refused")  # outside the f-string, where makemessages sees it
        reason = scrub(f"{word}: {code} {message}".strip())[:REASON_MAX]
        return Answer(False, retry=code in RETRY_CODES.get(replies, ()), status=status, reason=reason)
    word = content.decode(errors="replace").strip()
    detail = f" {scrub(word)}" if _CODE_WORD.match(word) else ""
    reason = (f"HTTP {status}" + detail)[:REASON_MAX]
    if status == 429 or status >= 500:
        return Answer(False, retry=True, status=status, reason=reason, retry_after=_seconds(retry_after))
    return Answer(False, status=status, reason=reason)


def _refused_in_body(content: bytes, replies: str) -> tuple[int, str] | None:
    """(code, message) when a bot answered 2xx with an error code; None when it took the message."""
    if replies == "http":
        return None
    try:
        data = json.loads(content or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if replies == "feishu":
        code = data.get("code", data.get("StatusCode", 0))
        message = data.get("msg", data.get("StatusMessage", ""))
    else:
        code, message = data.get("errcode", 0), data.get("errmsg", "")
    if not isinstance(code, int) or code == 0:
        return None
    return code, str(message)[:150]


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: the backoff decides
        return None


class _Scrubber:
    """Removes from a receiver's text the parts of the URL that may be a credential (path
    segments, query values) and the secret."""

    def __init__(self, url: str, secret: str) -> None:
        parts = urlsplit(url)
        pieces = [segment for segment in parts.path.split("/") if len(segment) >= 6]
        pieces += [value for _name, value in parse_qsl(parts.query) if len(value) >= 6]
        self.pieces = sorted({*pieces, *([secret] if secret else [])}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for piece in self.pieces:
            text = text.replace(piece, "…")
        return text


def send_email(recipients: list[str], delivery, message: Message) -> Answer:
    """One email to the channel's recipients; the delivery id is in its headers and Message-ID, so
    a retry after a lost answer can be recognised."""
    if not recipients:
        return Answer(False, reason=_("the channel has no recipients"))
    email = EmailMessage(
        subject=f"[ocpdash] {message.title}",
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={
            "Message-ID": f"<{delivery.key}@ocpdash>",
            "X-Ocpdash-Delivery": str(delivery.key),
            "X-Ocpdash-Event": delivery.kind,
        },
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPResponseException as exc:  # the server's code: 4xx later, 5xx never
        return Answer(False, retry=400 <= exc.smtp_code < 500, reason=f"SMTP {exc.smtp_code}")
    except smtplib.SMTPRecipientsRefused:
        return Answer(False, reason=_("the mail server refused the recipients"))
    except (smtplib.SMTPException, OSError) as exc:
        reason = _("mail server not reachable (%(error)s)") % {"error": type(exc).__name__}
        return Answer(False, retry=True, reason=reason)
    return Answer(True)
