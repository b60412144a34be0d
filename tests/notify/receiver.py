"""A real local HTTP receiver (stdlib ThreadingHTTPServer) that records every request, answers as
scripted per path, and checks signatures the way each platform documents its own check. The checks
are written here from the platforms' documentation, independently of ocpdash/notify/signing.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlsplit

HOLD_LIMIT = 20.0  # the longest a "hold" answer waits for the test to release it


@dataclass
class Received:
    path: str
    raw_query: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str | None:
        return self.headers.get("x-ocpdash-delivery")

    def raw_param(self, name: str) -> str | None:
        """A query parameter exactly as sent (still URL-encoded)."""
        for pair in self.raw_query.split("&"):
            key, _, value = pair.partition("=")
            if key == name:
                return value
        return None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    hold: bool = False  # wait (before answering) until the test calls release()


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.defaults: dict[str, Reply] = {}
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def script(self, path: str, *replies: Reply, then: Reply | None = None) -> None:
        """Answer the next requests to ``path`` with ``replies`` in order, then ``then`` (200)."""
        self.scripts[path] = list(replies)
        self.defaults[path] = then or Reply()

    def release(self) -> None:
        self.released.set()

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [request for request in self.received if request.path == path]

    def _reply_for(self, path: str) -> Reply:
        with self.lock:
            queue = self.scripts.get(path)
            return queue.pop(0) if queue else self.defaults.get(path, Reply())

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                request = Received(
                    parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with receiver.lock:
                    receiver.received.append(request)
                reply = receiver._reply_for(parts.path)
                if reply.hold:
                    receiver.released.wait(HOLD_LIMIT)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the sender stopped waiting (timed out, or its worker was killed)

            def log_message(self, *args) -> None:
                pass

        return Handler


# --- each platform's check, as its documentation describes the receiving side -----------------


def webhook_signature_ok(request: Received, secret: str) -> bool:
    """ocpdash's webhook: X-Ocpdash-Signature is sha256=<hex HMAC-SHA256(secret, raw body)>."""
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers.get("x-ocpdash-signature", ""))


def dingtalk_signature_ok(request: Received, secret: str, now_ms: float | None = None) -> bool:
    """DingTalk: timestamp (ms, within an hour) and sign in the query; sign is
    urlEncode(Base64(HmacSHA256(key=secret, data=timestamp + "\\n" + secret)))."""
    timestamp, raw_sign = request.raw_param("timestamp"), request.raw_param("sign")
    if not timestamp or not raw_sign:
        return False
    now_ms = now_ms if now_ms is not None else time.time() * 1000
    if abs(now_ms - int(timestamp)) > 3600 * 1000:
        return False
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    expected = base64.b64encode(mac.digest()).decode()
    # Base64's + / = must arrive URL-encoded, or the robot reads a different signature.
    return unquote_plus(raw_sign) == expected and not any(c in raw_sign for c in "+/=")


def feishu_signature_ok(request: Received, secret: str, now_s: float | None = None) -> bool:
    """Feishu: body fields timestamp (s, within an hour) and sign = Base64(HmacSHA256 with
    key = timestamp + "\\n" + secret over an empty message)."""
    body = request.json
    timestamp, sign = body.get("timestamp"), body.get("sign")
    if not timestamp or not sign:
        return False
    now_s = now_s if now_s is not None else time.time()
    if abs(now_s - int(timestamp)) > 3600:
        return False
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", digestmod=hashlib.sha256)
    return hmac.compare_digest(base64.b64encode(mac.digest()).decode(), sign)


def query(request: Received) -> dict[str, list[str]]:
    return parse_qs(request.raw_query)
