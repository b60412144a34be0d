"""A tiny stdlib HTTP server that answers from a script, for client tests without the simulator."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def envelope(data=None, status=200, **extra):
    body = {
        "successful": True,
        "status": status,
        "timestamp": "2021-03-02T12:04:48.524+08:00",
        "duration": 1,
        "traceId": "b2a365d384444f76",
        "server": "a83ad33525",
    }
    if data is not None:
        body["data"] = data
    body.update(extra)
    return body


def error_envelope(status, code=10001, message="Bad thing", **error):
    return {
        "successful": False,
        "status": status,
        "timestamp": "2021-03-02T12:04:48.524+08:00",
        "duration": 1,
        "traceId": "b2a365d384444f77",
        "server": "a83ad33525",
        "error": {"code": code, "message": message, **error},
    }


@dataclass
class Reply:
    status: int = 200
    json: object = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0
    close: bool = False  # read the request, then drop the connection without answering


class ScriptedServer:
    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                reply = server.script.popleft() if server.script else Reply(599, body="script exhausted")
                if reply.sleep:
                    time.sleep(reply.sleep)
                if reply.close:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = reply.body if reply.json is None else json.dumps(reply.json)
                payload = payload.encode() if isinstance(payload, str) else (payload or b"")
                self.send_response(reply.status)
                ctype = "application/json" if reply.json is not None else "text/html"
                self.send_header("Content-Type", reply.headers.pop("Content-Type", ctype))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A port nothing listens on (connections to it are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
