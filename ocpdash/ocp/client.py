"""The only place in ocpdash that talks HTTP to OCP.

Policy (shared/style.md "Outbound calls"): every request has a (connect, read) timeout; only GETs are
retried, on transient faults, with capped exponential backoff and full jitter; POST/DELETE are sent
once and the error says whether they may have reached OCP (``request_sent``). Replies are parsed into
the typed objects of :mod:`ocpdash.ocp.types` here, so nothing else indexes raw JSON.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests

from . import transport
from .errors import OcpError, OcpMalformedReply, OcpNotFound, OcpRefused, OcpUnreachable
from .multipart import MultipartFile
from .parsing import obj, opt_int, opt_obj, parse_datetime
from .types import (
    Cluster,
    Host,
    OcpInfo,
    Server,
    SoftwarePackage,
    Subtask,
    TaskInstance,
    TaskSummary,
    Zone,
)

log = logging.getLogger("ocpdash.ocp")
_T = TypeVar("_T")

API = "/api/v2"
MAX_PAGE_SIZE = 2000
# Bounds on what one OCP may make ocpdash hold: bytes of one reply, pages of one list.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_PAGES = 100
# OCP 4.3 replaced the upgrade request's ``rpmFileName`` with these (ocp-api.md §5.1, W43).
NEW_UPGRADE_BODY_FROM = (4, 3)
NEW_UPGRADE_FIELDS = ("upgradeMode", "destVersion", "operatingSystem")


class CallObserver(Protocol):
    """Told about every HTTP call a client makes (credential guard, metrics). ``before`` may raise an
    :class:`OcpError` (with ``request_sent=False``) to stop the call."""

    def before(self, method: str, path: str) -> None: ...

    def after(self, method: str, path: str, status: int | None, elapsed: float) -> None: ...


@dataclass(frozen=True)
class UpgradeRequest:
    """What ocpdash asks OCP to do, spelled for each OCP version by :meth:`body`."""

    rpm_file_name: str
    dest_version: str  # OCP's "<version>-<build>", e.g. 4.2.1.1-100000162023111615
    operating_system: str  # the RPM's dist, e.g. el7
    upgrade_mode: str = "ROLLING"  # ROLLING | STOP_SERVICE
    zone_order: tuple[str, ...] = ()
    freeze_server: bool | None = None

    def body(self, ocp_version: tuple[int, ...] | None) -> dict[str, Any]:
        """OCP ≤ 4.2 documents only ``{"rpmFileName"}`` (mode chosen by OCP); OCP 4.3 requires
        ``upgradeMode``, ``destVersion`` and ``operatingSystem`` and takes ``freezeServer`` and
        ``zoneOrder`` (the order for the primary cluster). Unknown version: the classic body."""
        if ocp_version is None or ocp_version < NEW_UPGRADE_BODY_FROM:
            return {"rpmFileName": self.rpm_file_name}
        body: dict[str, Any] = {
            "upgradeMode": self.upgrade_mode,
            "destVersion": self.dest_version,
            "operatingSystem": self.operating_system,
        }
        if self.freeze_server is not None:
            body["freezeServer"] = self.freeze_server
        if self.zone_order:
            body["zoneOrder"] = list(self.zone_order)
        return body


def wants_new_upgrade_body(exc: OcpError) -> bool:
    """OCP refused a classic upgrade request because 4.3's fields are missing (bean validation):
    nothing was created, and the request may be sent again in 4.3's spelling."""
    if not isinstance(exc, OcpRefused) or exc.status != 400:
        return False
    named = {s.field for s in exc.sub_errors if s.field}
    text = f"{exc.ocp_message or ''} {' '.join(s.message for s in exc.sub_errors)}"
    return bool(named & set(NEW_UPGRADE_FIELDS)) or any(f in text for f in NEW_UPGRADE_FIELDS)


class OcpClient:
    """A client for one OCP; keep one per worker task (it holds a ``requests.Session``)."""

    def __init__(
        self,
        base_url: str,
        auth: requests.auth.AuthBase,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 15.0,
        max_retries: int = 3,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        user_agent: str = "ocpdash",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        observer: CallObserver | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        max_pages: int = MAX_PAGES,
        deadline_seconds: float | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"The OCP URL must look like http://host:port, not {base_url!r}.")
        if parts.username or parts.password:
            raise ValueError("Do not put credentials in the OCP URL; pass them as auth.")
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.host = parts.netloc
        self.auth = auth
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.observer = observer
        # Set once ``GET /ob/clusters/{id}`` (in no public API reference) proved missing on this OCP.
        self.cluster_get_missing = False
        self.max_response_bytes = max_response_bytes
        self.max_pages = max_pages
        # A caller that must answer soon (a web request) gives every call together this long.
        self.deadline = time.monotonic() + deadline_seconds if deadline_seconds else None
        if session is None:
            session = requests.Session()
            # Requests reads the proxy and CA-bundle variables (HTTPS_PROXY, NO_PROXY,
            # REQUESTS_CA_BUNDLE, ...) by scanning os.environ on every request: about a tenth of
            # an unchanged poll's CPU. This client only talks to base_url, so read them once.
            found = session.merge_environment_settings(self.base_url, {}, None, None, None)
            session.proxies.update(found["proxies"])
            session.verify = found["verify"]
            session.trust_env = False
        self.session = session
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def __repr__(self) -> str:
        return f"OcpClient({self.base_url!r}, auth={self.auth!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> OcpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- health ------------------------------------------------------------------------------

    def ping(self) -> None:
        """``GET /api/v2/time``; raises unless OCP answers with its bare timestamp."""
        response = self._request("GET", "/time")
        text = response.text.strip().strip('"')
        if parse_datetime(text) is None:
            envelope = transport.envelope_or_none(response)
            if not (envelope and parse_datetime(envelope.get("data"))):
                raise self._malformed("GET", "/time", f"expected a timestamp, got {text[:60]!r}")

    def get_info(self) -> OcpInfo:
        """``GET /api/v2/info``: OCP's build (a bare JSON object, or an envelope on some versions)."""
        response = self._request("GET", "/info")
        data = transport.envelope_or_none(response)
        if data is not None and isinstance(data.get("successful"), bool):
            data = transport.success_data(response, self.host, "GET", "/info")
        return self._parse(OcpInfo.from_json, data, "/info")

    # --- clusters ----------------------------------------------------------------------------

    def list_clusters(
        self, name: str | None = None, status: str | Iterable[str] | None = None, *, page_size: int = 100
    ) -> list[Cluster]:
        params = {"name": name, "status": _csv(status)}
        rows = self._get_all("/ob/clusters", params, page_size, None, "cluster list")
        return self._parse_each(Cluster.from_json, rows, "/ob/clusters")

    def get_cluster(self, cluster_id: int, *, name: str | None = None) -> Cluster:
        """One cluster. ``GET /ob/clusters/{id}`` is in no public API reference: where it does not
        answer (404/405, or 400 "Could not find the GET method") the documented list is read
        instead, filtered by ``name`` when given. OcpNotFound when neither knows the cluster."""
        path = f"/ob/clusters/{int(cluster_id)}"
        missing: OcpError | None = None
        if not self.cluster_get_missing:
            try:
                return self._parse(Cluster.from_json, self._get_data(path), path)
            except (OcpNotFound, OcpRefused) as exc:
                if not _route_missing(exc):
                    raise
                missing = exc
        found = next((c for c in self.list_clusters(name=name) if c.id == int(cluster_id)), None)
        if found is None:
            if isinstance(missing, OcpNotFound):
                raise missing  # OCP's own answer: the cluster does not exist
            raise OcpNotFound(f"OCP at {self.host} does not know cluster {int(cluster_id)}.", status=404)
        self.cluster_get_missing = True  # the list knows it although the GET did not answer
        return found

    def list_zones(self, cluster_id: int) -> list[Zone]:
        path = f"/ob/clusters/{int(cluster_id)}/zones"
        rows = self._get_all(path, {}, None, None, "zone list")
        return self._parse_each(Zone.from_json, rows, path)

    def list_servers(self, cluster_id: int) -> list[Server]:
        path = f"/ob/clusters/{int(cluster_id)}/servers"
        rows = self._get_all(path, {}, None, None, "server list")
        return self._parse_each(Server.from_json, rows, path)

    def get_host(self, host_id: int) -> Host:
        path = f"/compute/hosts/{int(host_id)}"
        return self._parse(Host.from_json, self._get_data(path), path)

    # --- packages ----------------------------------------------------------------------------

    def list_packages(
        self,
        keyword: str | None = None,
        version: str | Iterable[str] | None = None,
        architecture: str | Iterable[str] | None = None,
        operating_system: str | Iterable[str] | None = None,
        *,
        type: str | Iterable[str] | None = None,
        page_size: int = 100,
    ) -> list[SoftwarePackage]:
        params = {
            "keyword": keyword,
            "version": _csv(version),
            "architecture": _csv(architecture),
            "operatingSystem": _csv(operating_system),
            "type": _csv(type),
        }
        rows = self._get_all("/software-packages", params, page_size, None, "package list")
        return self._parse_each(SoftwarePackage.from_json, rows, "/software-packages")

    def upload_package(
        self,
        file_name: str,
        fileobj: IO[bytes] | bytes,
        *,
        read_timeout: float | None = None,
        size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> SoftwarePackage:
        """``POST /software-packages`` as multipart field ``file``; not retried. A file object is
        streamed from its position (never read into memory); ``progress`` hears its bytes sent."""
        timeout = (self.timeout[0], read_timeout or max(self.timeout[1], 120.0))
        if isinstance(fileobj, (bytes, bytearray)):
            files = {"file": (file_name, fileobj, "application/octet-stream")}
            data = self._data("POST", "/software-packages", files=files, timeout=timeout)
        else:
            body = MultipartFile("file", file_name, fileobj, size=size, progress=progress)
            headers = {"Content-Type": body.content_type}
            data = self._data("POST", "/software-packages", data=body, headers=headers, timeout=timeout)
        return self._parse(SoftwarePackage.from_json, data, "/software-packages")

    # --- upgrade -----------------------------------------------------------------------------

    def upgrade_cluster(
        self, cluster_id: int, request: UpgradeRequest | str, *, ocp_version: tuple[int, ...] | None = None
    ) -> TaskInstance:
        """Start the upgrade; returns the parent task ("Submit upgrade OB cluster dag"). The body is
        the one ``ocp_version`` needs (:meth:`UpgradeRequest.body`); a bare file name sends the
        classic ``{"rpmFileName"}``.

        Sent once. On an error with ``request_sent`` True, look for a new task on the cluster before
        trying again.
        """
        if isinstance(request, str):
            body: dict[str, Any] = {"rpmFileName": request}
        else:
            body = request.body(ocp_version)
        path = f"/ob/clusters/{int(cluster_id)}/upgrade"
        return self._parse(TaskInstance.from_json, self._data("POST", path, json=body), path)

    # --- tasks -------------------------------------------------------------------------------

    def list_tasks(
        self,
        cluster_id: int | None = None,
        status: str | Iterable[str] | None = None,
        name: str | None = None,
        page_size: int = 100,
        max_pages: int | None = None,
        *,
        type: str | None = None,
    ) -> list[TaskSummary]:
        """Tasks newest first (``sort=id,desc``); a task seen on two pages is returned once."""
        params = {
            "clusterId": None if cluster_id is None else int(cluster_id),
            "status": _csv(status),
            "name": name,
            "type": type,
            "sort": "id,desc",
        }
        rows = self._get_all("/tasks/instances", params, page_size, max_pages, "task list")
        tasks = self._parse_each(TaskSummary.from_json, rows, "/tasks/instances")
        unique = list({t.id: t for t in reversed(tasks)}.values())  # the first of each id
        return sorted(unique, key=lambda t: t.id, reverse=True)

    def get_task(self, task_id: int) -> TaskInstance:
        path = f"/tasks/instances/{int(task_id)}"
        return self._parse(TaskInstance.from_json, self._get_data(path), path)

    def retry_task(self, task_id: int) -> TaskInstance:
        return self._task_action(task_id, "retry")

    def rollback_task(self, task_id: int) -> TaskInstance:
        return self._task_action(task_id, "rollback")

    def retry_subtask(self, task_id: int, subtask_id: int) -> Subtask:
        path = f"/tasks/instances/{int(task_id)}/subtasks/{int(subtask_id)}/retry"
        return self._parse(Subtask.from_json, self._data("POST", path), path)

    def skip_subtask(self, task_id: int, subtask_id: int) -> None:
        self._data("POST", f"/tasks/instances/{int(task_id)}/subtasks/{int(subtask_id)}/skip")

    def cancel_subtask(self, task_id: int, subtask_id: int) -> None:
        self._data("POST", f"/tasks/instances/{int(task_id)}/subtasks/{int(subtask_id)}/cancel")

    def get_subtask_log(self, task_id: int, subtask_id: int, *, max_bytes: int | None = None) -> str:
        """A subtask's log (OCP sends it whole; ``max_bytes`` bounds what is read)."""
        path = f"/tasks/instances/{int(task_id)}/subtasks/{int(subtask_id)}/log"
        data = self._data("GET", path, max_bytes=max_bytes)
        if isinstance(data, str):
            return data
        log_text = self._parse(lambda d: obj(d, "subtask log"), data, path).get("log")
        if log_text is None:
            return ""
        if not isinstance(log_text, str):
            raise self._malformed("GET", path, "subtask log field 'log' is not a string")
        return log_text

    def _task_action(self, task_id: int, action: str) -> TaskInstance:
        path = f"/tasks/instances/{int(task_id)}/{action}"
        data = self._data("POST", path)
        if data is None:  # OCP Express answers rollback without data (§3, T4)
            return self.get_task(task_id)
        return self._parse(TaskInstance.from_json, data, path)

    # --- plumbing ----------------------------------------------------------------------------

    def _get_data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._data("GET", path, params=params)

    def _data(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        return transport.success_data(response, self.host, method, path)

    def _get_all(
        self,
        path: str,
        params: dict[str, Any],
        page_size: int | None,
        max_pages: int | None,
        what: str,
    ) -> list[Any]:
        """Walk a paged list (1-based pages) until the last page, an empty page or ``max_pages``."""
        rows: list[Any] = []
        page = 1
        size = min(max(1, page_size), MAX_PAGE_SIZE) if page_size else None
        while True:
            query = {k: v for k, v in params.items() if v is not None}
            if size:
                query.update(page=page, size=size)
            data = self._get_data(path, query)
            if data is None:
                return rows
            d = self._parse(lambda x: obj(x, what), data, path)
            contents = d.get("contents")
            if contents is None:
                contents = []
            if not isinstance(contents, list):
                raise self._malformed("GET", path, f"{what} 'contents' is not a list")
            rows.extend(contents)
            info = opt_obj(d, "page")
            total_pages = opt_int(info, "totalPages", "totalPage")
            if not size or not info or not contents or total_pages is None or page >= total_pages:
                return rows
            if max_pages is not None and page >= max_pages:
                return rows
            if page >= self.max_pages:
                raise self._malformed(
                    "GET",
                    path,
                    f"{what} has more than {self.max_pages} pages of {size}; ocpdash does not read on",
                )
            page += 1

    def _parse(self, fn: Callable[[Any], _T], data: Any, path: str) -> _T:
        try:
            return fn(data)
        except OcpMalformedReply as exc:
            raise self._malformed("", path, exc.message) from None

    def _parse_each(self, fn: Callable[[Any], _T], rows: list[Any], path: str) -> list[_T]:
        return [self._parse(fn, row, path) for row in rows]

    def _malformed(self, method: str, path: str, detail: str) -> OcpMalformedReply:
        where = f"{method} {API}{path}".strip()
        return OcpMalformedReply(
            f"OCP at {self.host} sent a reply we cannot use ({where}): {detail}. "
            "Check that the URL points at OCP and that its version is supported.",
            request_sent=True,
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send with the retry policy; return a 2xx response or raise an :class:`OcpError`."""
        attempt = 0
        while True:
            try:
                return self._send_once(method, path, **kwargs)
            except OcpError as exc:
                if method != "GET" or not exc.transient or attempt >= self.max_retries:
                    raise
                delay = self._backoff(attempt, exc)
                log.info(
                    "OCP %s %s%s failed (%s); retry %d in %.2fs",
                    method,
                    API,
                    path,
                    exc,
                    attempt + 1,
                    delay,
                    extra={"trace_id": exc.trace_id},
                )
                self._sleep(delay)
                attempt += 1

    def _backoff(self, attempt: int, exc: OcpError) -> float:
        if exc.retry_after is not None:
            return max(0.0, min(exc.retry_after, self.backoff_cap * 4))
        return self._rng.uniform(0, min(self.backoff_cap, self.backoff_base * (2**attempt)))

    def _read_capped(self, response: requests.Response, method: str, path: str, cap: int) -> None:
        """Read the streamed body, at most ``cap`` bytes of it (a reply that big is not OCP's, or not
        one ocpdash can hold): the response then behaves as a fully read one."""
        body = _read_body_capped(response, cap)
        if body is None:
            response.close()
            raise OcpMalformedReply(
                f"OCP at {self.host} sent more than {cap:,} bytes for {method} {API}{path}; "
                "ocpdash stopped reading it.",
                status=response.status_code,
            )
        response._content = body  # what Response.content reads once the stream is consumed
        response._content_consumed = True
        response.close()

    def _timeout(
        self, method: str, path: str, timeout: float | tuple[float, float]
    ) -> float | tuple[float, float]:
        """The call's (connect, read) timeout, cut to what is left of the deadline."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0.05:
            raise OcpUnreachable(
                f"OCP at {self.host} did not answer in time for this page ({method} {API}{path} not sent); "
                "try again, or check OCP's health.",
                request_sent=False,
            )
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        return (min(connect, left), min(read, left))

    def _send_once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        cap = kwargs.pop("max_bytes", None) or self.max_response_bytes
        kwargs["timeout"] = self._timeout(method, path, kwargs.get("timeout", self.timeout))
        if self.observer is not None:
            self.observer.before(method, path)
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{API}{path}",
                auth=self.auth,
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            self._read_capped(response, method, path, cap)
        except requests.RequestException as exc:
            elapsed = time.monotonic() - started
            log.debug("OCP %s %s%s -> %s in %.0f ms", method, API, path, type(exc).__name__, elapsed * 1000)
            if self.observer is not None:
                self.observer.after(method, path, None, elapsed)
            raise transport.connection_error(exc, self.host, method, f"{API}{path}") from None
        elapsed = time.monotonic() - started
        log.debug("OCP %s %s%s -> %s in %.0f ms", method, API, path, response.status_code, elapsed * 1000)
        if self.observer is not None:
            self.observer.after(method, path, response.status_code, elapsed)
        if 200 <= response.status_code < 300:
            return response
        raise transport.http_error(response, self.host, method, f"{API}{path}")


def _read_body_capped(response: requests.Response, cap: int) -> bytes | None:
    """The body, or None when it is longer than ``cap`` (nothing more is read then)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body += chunk
        if len(body) > cap:
            return None
    return bytes(body)


def _route_missing(exc: OcpError) -> bool:
    """Spring's answers for a path or method the server does not serve (OCP Express: 400 "Could not
    find the GET method for URL …"), and 404 (the cluster, or the route, is unknown)."""
    if exc.status in (404, 405):
        return True
    return exc.status == 400 and "could not find the" in (exc.ocp_message or "").lower()


def _csv(value: str | Iterable[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    joined = ",".join(str(v) for v in value)
    return joined or None
