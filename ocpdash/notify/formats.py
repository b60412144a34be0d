"""Each HTTP channel's request: URL, body and headers, laid out from a composed message.

Untrusted text (names from OCP, operators' reasons and comments) is escaped for the receiver's
markup, so it never turns into a link, a mention or formatting. Bodies are built from the
delivery's facts only: every attempt of a delivery sends the same body.

Formats, as each platform documents them:

- Slack incoming webhook: POST JSON ``{"text": …, "blocks": [...]}``; ``text`` is the fallback shown
  in notifications; mrkdwn escapes ``& < >``. Slack answers ``ok`` (HTTP 200) or an HTTP error with
  a short code. https://api.slack.com/messaging/webhooks
- DingTalk custom robot: ``{"msgtype": "text", "text": {"content"}}`` or
  ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; signed in the query (signing.py);
  answers ``{"errcode": 0, "errmsg": "ok"}``, 130101 when sent too fast (20 a minute).
  https://open.dingtalk.com/document/robots/custom-robot-access
- Feishu/Lark custom bot: ``{"msg_type": "text", "content": {"text"}}`` or
  ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content": [[…]]}}}}``, with
  ``timestamp`` and ``sign`` in the body when signed; answers ``{"code": 0}`` (older bots
  ``{"StatusCode": 0}``). https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
- WeCom group robot: ``{"msgtype": "text", "text": {"content"}}`` (at most 2048 bytes) or
  ``{"msgtype": "markdown", "markdown": {"content"}}`` (at most 4096 bytes); no signing (the key in
  the URL is the credential); answers ``{"errcode": 0}``, 45009 when over its rate (20 a minute).
  https://developer.work.weixin.qq.com/document/path/91770
- ocpdash's generic webhook: the JSON below, ``X-Ocpdash-Signature: sha256=<hex HMAC-SHA256 of
  the raw body>``, ``X-Ocpdash-Delivery`` (the same on every attempt) and ``X-Ocpdash-Timestamp``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from ocpdash.notify import signing
from ocpdash.notify.messages import Message, field_line
from ocpdash.notify.models import Channel, EventKind

USER_AGENT = "ocpdash-notify/1"
WECOM_TEXT_MAX_BYTES = 2048
WECOM_MARKDOWN_MAX_BYTES = 4096
SLACK_FIELDS_PER_SECTION = 10  # Block Kit's limit for a section's fields


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]
    replies: str  # how the receiver says it refused a 2xx request: "errcode", "feishu" or "http"


def build(channel: Channel, delivery, message: Message) -> Outgoing:
    builder = BUILDERS[channel.kind]
    return builder(channel, delivery, message, channel.message_format == Channel.Format.RICH)


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _headers(delivery, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Ocpdash-Delivery": str(delivery.key),
        "X-Ocpdash-Event": delivery.kind,
        **extra,
    }


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def _cut_bytes(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()~>#|<!])")


def markdown_escape(value: str) -> str:
    """Untrusted text inside Markdown: punctuation backslash-escaped, one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def slack_escape(value: str) -> str:
    """Slack's mrkdwn: only ``&``, ``<`` and ``>`` are control characters."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def no_mentions(value: str) -> str:
    """WeCom turns ``<@userid>`` in content into a mention: break it."""
    return value.replace("<@", "<\u200b@")


def _markdown_lines(message: Message) -> list[str]:
    return [f"- **{label}**: {markdown_escape(value)}" for label, value in message.fields]


def webhook(channel: Channel, delivery, message: Message, rich: bool) -> Outgoing:
    facts = delivery.facts
    upgrade = None
    if delivery.kind != EventKind.TEST:
        names = ("cluster", "site", "also", "from_version", "to_version", "state", "requested_by")
        upgrade = {"id": facts["upgrade_id"], "url": message.url, **{name: facts.get(name) for name in names}}
    payload = {
        "delivery": str(delivery.key),
        "event": delivery.kind,
        "test": delivery.kind == EventKind.TEST,
        "occurred_at": facts.get("occurred_at"),
        "title": message.title,
        "text": message.text,
        "url": message.url,
        "upgrade": upgrade,
        "actor": facts.get("actor") or None,
        "context": facts.get("context", {}),
    }
    body = _json(payload)
    headers = _headers(
        delivery,
        **{
            "X-Ocpdash-Timestamp": str(int(time.time())),
            "X-Ocpdash-Signature": signing.webhook_signature(channel.secret, body),
        },
    )
    return Outgoing(channel.url, body, headers, "http")


def slack(channel: Channel, delivery, message: Message, rich: bool) -> Outgoing:
    fallback = slack_escape(f"{message.title}: {message.url}")
    if not rich:
        return Outgoing(channel.url, _json({"text": slack_escape(message.text)}), _headers(delivery), "http")
    fields = [
        {"type": "mrkdwn", "text": f"*{slack_escape(label)}*\n{slack_escape(value)}"}
        for label, value in message.fields
    ]
    heading = f"*<{message.url}|{slack_escape(message.title)}>*"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    for start in range(0, len(fields), SLACK_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + SLACK_FIELDS_PER_SECTION]})
    return Outgoing(channel.url, _json({"text": fallback, "blocks": blocks}), _headers(delivery), "http")


def dingtalk(channel: Channel, delivery, message: Message, rich: bool) -> Outgoing:
    if rich:
        text = "\n".join([f"#### {markdown_escape(message.title)}", "", *_markdown_lines(message), "",
                          f"[{_('Open the upgrade')}]({message.url})"])  # fmt: skip
        payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
    else:
        payload = {"msgtype": "text", "text": {"content": message.text}}
    url = channel.url
    if channel.secret:
        timestamp = int(time.time() * 1000)
        sign = signing.dingtalk_sign(channel.secret, timestamp)
        url = _with_query(url, {"timestamp": timestamp, "sign": sign})
    return Outgoing(url, _json(payload), _headers(delivery), "errcode")


def feishu(channel: Channel, delivery, message: Message, rich: bool) -> Outgoing:
    if rich:
        rows = [[{"tag": "text", "text": field_line(label, value)}] for label, value in message.fields]
        rows.append([{"tag": "a", "text": _("Open the upgrade"), "href": message.url}])
        post = {"zh_cn": {"title": message.title, "content": rows}}
        payload = {"msg_type": "post", "content": {"post": post}}
    else:
        payload = {"msg_type": "text", "content": {"text": message.text}}
    if channel.secret:
        timestamp = int(time.time())
        payload.update(timestamp=str(timestamp), sign=signing.feishu_sign(channel.secret, timestamp))
    return Outgoing(channel.url, _json(payload), _headers(delivery), "feishu")


def wecom(channel: Channel, delivery, message: Message, rich: bool) -> Outgoing:
    if rich:
        lines = [f"**{markdown_escape(message.title)}**", *_markdown_lines(message),
                 f"[{_('Open the upgrade')}]({message.url})"]  # fmt: skip
        content = _cut_bytes(no_mentions("\n".join(lines)), WECOM_MARKDOWN_MAX_BYTES)
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
    else:
        content = _cut_bytes(no_mentions(message.text), WECOM_TEXT_MAX_BYTES)
        payload = {"msgtype": "text", "text": {"content": content}}
    return Outgoing(channel.url, _json(payload), _headers(delivery), "errcode")


BUILDERS = {
    Channel.Kind.WEBHOOK: webhook,
    Channel.Kind.SLACK: slack,
    Channel.Kind.DINGTALK: dingtalk,
    Channel.Kind.FEISHU: feishu,
    Channel.Kind.WECOM: wecom,
}
