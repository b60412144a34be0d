"""The HTTP front: threading server, auth, faults, call log, envelopes."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from ocpdash.simulator import api, controls  # noqa: F401  (controls registers the /_sim routes)
from ocpdash.simulator.auth import LoginFailed, authenticate
from ocpdash.simulator.envelope import FORBIDDEN, NOT_PERMITTED, ApiError, Reply, envelope, error_envelope
from ocpdash.simulator.faults import spoil_task
from ocpdash.simulator.state import Simulator

PUBLIC = {"/api/v2/time", "/api/v2/info"}
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        super().__init__(address, Handler)
        self.sim = sim


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ocpdash-ocp-simulator"
    # Headers and body go out in separate writes; without TCP_NODELAY a kept-alive connection
    # waits for the client's delayed ACK (~40 ms) on every reply.
    disable_nagle_algorithm = True
    server: SimulatorServer

    def log_message(self, format: str, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        started = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = api.Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        if parts.path.startswith("/_sim/"):
            self._serve_control(req, started)
        else:
            self._serve_api(req, parts.query, started)

    def _serve_control(self, req: api.Request, started: float) -> None:
        if self.client_address[0] not in LOOPBACK:
            self._send_error(ApiError(403, NOT_PERMITTED, FORBIDDEN), started)
            return
        sim = self.server.sim
        try:
            with sim.lock:
                req.now = sim.advance()
                fn, req.params = api.find_route(req.method, req.path)
                reply = fn(sim, req)
        except ApiError as err:
            self._send_error(err, started)
            return
        self._send_json(reply.status, reply.data)

    def _serve_api(self, req: api.Request, raw_query: str, started: float) -> None:
        sim = self.server.sim
        path = req.path
        with sim.lock:
            drop = sim.faults.pick("drop", req.method, path)
            latency = None if drop else sim.faults.pick("latency", req.method, path)
            http_error = None if drop else sim.faults.pick("http_error", req.method, path)
        if drop:
            sim.record_call(req.method, path, None, _json_or_none(req))
            self.close_connection = True
            return
        if latency:
            time.sleep(latency.seconds)
        if http_error:
            sim.record_call(req.method, path, http_error.status, _json_or_none(req))
            self._send_fault(http_error, started)
            return
        self._answer(req, raw_query, started)

    def _answer(self, req: api.Request, raw_query: str, started: float) -> None:
        """Every call is in the call log before its reply leaves, so a client that has its answer
        always finds its call there."""
        sim = self.server.sim
        body = _json_or_none(req)
        try:
            if req.path not in PUBLIC:
                req.user = self._login(req, raw_query)
            with sim.lock:
                req.now = sim.advance()
                fn, req.params = api.find_route(req.method, req.path)
                reply = fn(sim, req)
                ambiguous = fn is api.upgrade_cluster and sim.faults.ambiguous_upgrade
                if ambiguous:
                    sim.faults.ambiguous_upgrade = False
                spoil = sim.faults.pick("malformed", req.method, req.path) if fn is api.get_task else None
        except ApiError as err:
            sim.record_call(req.method, req.path, err.status, body)
            self._send_error(err, started)
            return
        sim.record_call(req.method, req.path, None if ambiguous else reply.status, body)
        if spoil is not None:
            reply.data = spoil_task(reply.data, spoil.kind)
            if reply.data is None:
                self._send_text(200, "<html><body>Service temporarily unavailable</body></html>")
                return
        if ambiguous:
            self.close_connection = True
        elif reply.bare:
            self._send_json(reply.status, reply.data)
        else:
            self._send_json(reply.status, envelope(reply, started), reply.headers)

    def _login(self, req: api.Request, raw_query: str):
        """The caller, or a 401: blocked address (IAM10007), failed login (IAM10004, counted), none."""
        sim = self.server.sim
        address = self.client_address[0]
        with sim.lock:
            sim.logins.check(address, time.time())
        headers = {**req.headers, "host": self.headers.get("Host", "")}
        try:
            user = authenticate(sim.credentials, req.method, req.path, raw_query, headers, req.body)
        except LoginFailed as failed:
            with sim.lock:
                raise sim.logins.failure(address, time.time(), failed.debug) from None
        with sim.lock:
            sim.logins.success(address)
        return user

    def _send_fault(self, rule, started: float) -> None:
        """429 as the API-call doc's sample (RateLimit-* headers); Retry-After only when asked for."""
        status = rule.status
        headers = {}
        if status == 429:
            message = (
                "Excessive number of requests. You have exceeded the request limit for the current "
                "throttling window."
            )
            headers = {
                "RateLimit-Limit": "100",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(rule.retry_after),
            }
            err = ApiError(429, 0, message)
        else:
            err = ApiError(status, 10010, f"Injected HTTP {status} (simulator fault).", "COM10999")
        if rule.retry_after_header:
            headers["Retry-After"] = str(rule.retry_after)
        self._send_json(status, error_envelope(err, started), headers)

    def _send_error(self, err: ApiError, started: float) -> None:
        self._send_json(err.status, error_envelope(err, started), err.headers)

    def _send_text(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: object, headers: dict | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _json_or_none(req: api.Request) -> object:
    """The JSON body of a POST for the call log (None for other methods, empty or non-JSON bodies)."""
    if req.method != "POST" or not req.body.strip():
        return None
    try:
        return json.loads(req.body)
    except (ValueError, UnicodeDecodeError):
        return None


def make_server(host: str, port: int, sim: Simulator) -> SimulatorServer:
    return SimulatorServer((host, port), sim)


__all__ = ["Reply", "SimulatorServer", "make_server"]
