"""Request signatures, each as its receiver documents it. The secrets go in and only their HMACs
come out; nothing here logs."""

from __future__ import annotations

import base64
import hashlib
import hmac


def webhook_signature(secret: str, body: bytes) -> str:
    """ocpdash's generic webhook: ``X-Ocpdash-Signature: sha256=<hex HMAC-SHA256 of the raw body>``
    keyed with the channel's secret (README "Notifications" tells receivers how to check it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk custom robot, security setting "加签" (sign): the string ``timestamp + "\\n" + secret``
    is signed with HMAC-SHA256 keyed with the secret, then Base64-encoded; the caller puts it,
    URL-encoded, in the ``sign`` query parameter beside ``timestamp`` (milliseconds, within an hour
    of DingTalk's clock). Source: DingTalk open platform, "自定义机器人安全设置"
    https://open.dingtalk.com/document/robots/customize-robot-security-settings"""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark custom bot, "签名校验" (signature verification): ``timestamp + "\\n" + secret`` is
    the HMAC-SHA256 *key*, the message is empty, and the digest is Base64-encoded; ``timestamp``
    (seconds, within an hour) and ``sign`` go in the JSON body. Source: Feishu open platform,
    "自定义机器人使用指南" https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    (its Python sample: ``hmac.new(f"{timestamp}\\n{secret}".encode(), b"", sha256)``)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
