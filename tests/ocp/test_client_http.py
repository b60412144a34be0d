"""Client behaviour over real HTTP against a scripted stdlib server: error mapping, retries, paging."""

import json
import logging

import pytest
import requests

from ocpdash.ocp import (
    AkSkAuth,
    BasicAuth,
    OcpAuthError,
    OcpClient,
    OcpForbidden,
    OcpMalformedReply,
    OcpNotFound,
    OcpRateLimited,
    OcpRefused,
    OcpServerError,
    OcpUnreachable,
)
from ocpdash.ocp.client import UpgradeRequest, wants_new_upgrade_body
from ocpdash.ocp.transport import connection_error

from .scripted_server import Reply, envelope, error_envelope, free_port

TASK = {"id": 7, "name": "t", "status": "RUNNING", "subtasks": []}


@pytest.mark.parametrize(
    ("reply", "error_type", "transient"),
    [
        (Reply(400, json=error_envelope(400)), OcpRefused, False),
        (Reply(409, json=error_envelope(409, 10005, "exists")), OcpRefused, False),
        (Reply(401, json=error_envelope(401, 0, "not logged on")), OcpAuthError, False),
        (Reply(403, json=error_envelope(403, 30014, "not authorized")), OcpForbidden, False),
        (Reply(404, json=error_envelope(404, 20000, "The 7 task does not exist.")), OcpNotFound, False),
        (Reply(429, json=error_envelope(429, 0, "Excessive number of requests")), OcpRateLimited, True),
        (Reply(500, json=error_envelope(500, 10010, "unexpected")), OcpServerError, True),
        (Reply(502, body="<html><body>Bad Gateway</body></html>"), OcpServerError, True),
        (Reply(302, body="", headers={"Location": "/login"}), OcpRefused, False),
        (Reply(200, body="<html>login</html>"), OcpMalformedReply, False),
        (Reply(200, json={"data": TASK}), OcpMalformedReply, False),
        (Reply(200, json=[1, 2]), OcpMalformedReply, False),
        (Reply(200, json=envelope({"id": "7"})), OcpMalformedReply, False),
    ],
)
def test_post_errors_map_to_types_and_are_never_retried(
    scripted, scripted_client, reply, error_type, transient
):
    scripted.add(reply, Reply(200, json=envelope(TASK)))
    with pytest.raises(error_type) as info:
        scripted_client.retry_task(7)
    err = info.value
    assert type(err) is error_type
    assert err.transient is transient
    assert err.request_sent is True
    assert f"127.0.0.1:{scripted.url.rsplit(':', 1)[1]}" in err.message
    assert "s3cret-pw" not in err.message
    assert len(scripted.seen) == 1


def test_refusal_carries_ocp_code_message_and_sub_errors(scripted, scripted_client):
    scripted.add(
        Reply(
            400,
            json=error_envelope(
                400,
                20003,
                "This operation is not supported for the 7 task in the RUNNING state.",
                subErrors=[{"object": "param", "field": "rpmFileName", "message": "must not be blank"}],
            ),
        )
    )
    with pytest.raises(OcpRefused) as info:
        scripted_client.retry_task(7)
    err = info.value
    assert (err.status, err.code) == (400, 20003)
    assert err.ocp_message == "This operation is not supported for the 7 task in the RUNNING state."
    assert "RUNNING state" in err.message and "param.rpmFileName: must not be blank" in err.message
    assert err.trace_id == "b2a365d384444f77"


def test_auth_error_message_is_actionable(scripted, scripted_client):
    scripted.add(Reply(401, json=error_envelope(401, 0, "The current user has not logged on")))
    with pytest.raises(OcpAuthError) as info:
        scripted_client.get_task(7)
    assert info.value.message.startswith("OCP rejected our credentials")
    assert info.value.code == 0 and info.value.status == 401
    assert len(scripted.seen) == 1  # 401 is not transient


def test_successful_false_with_http_200_uses_the_envelope_status(scripted, scripted_client):
    scripted.add(Reply(200, json={**error_envelope(404, 20000, "The 7 task does not exist.")}))
    with pytest.raises(OcpNotFound) as info:
        scripted_client.get_task(7)
    assert info.value.code == 20000
    scripted.add(Reply(200, json={**error_envelope(200, 1, "odd"), "status": 200}))
    with pytest.raises(OcpRefused, match="odd"):
        scripted_client.get_task(7)


def test_get_retries_5xx_then_succeeds(scripted, scripted_client, sleeps):
    scripted.add(Reply(502, body="<html>bad gateway</html>"), Reply(503, json=error_envelope(503)))
    scripted.add(Reply(200, json=envelope(TASK)))
    assert scripted_client.get_task(7).id == 7
    assert len(scripted.seen) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.25 and 0 <= sleeps[1] <= 0.5  # full jitter under base * 2**attempt


def test_get_honours_retry_after_on_503(scripted, scripted_client, sleeps):
    scripted.add(Reply(503, json=error_envelope(503), headers={"Retry-After": "3"}))
    scripted.add(Reply(200, json=envelope(TASK)))
    scripted_client.get_task(7)
    assert sleeps == [3.0]


def test_get_gives_up_after_max_retries(scripted, scripted_client, sleeps):
    scripted.add(*[Reply(500, json=error_envelope(500)) for _ in range(5)])
    with pytest.raises(OcpServerError):
        scripted_client.get_task(7)
    assert len(scripted.seen) == 4 and len(sleeps) == 3


def test_backoff_is_capped(sleeps):
    client = OcpClient(
        "http://127.0.0.1:1", BasicAuth("a", "b"), backoff_base=1, backoff_cap=2, sleep=sleeps.append
    )
    delays = [client._backoff(n, OcpServerError("x")) for n in range(10) for _ in range(20)]
    assert max(delays) <= 2 and min(delays) >= 0


def test_get_honours_retry_after_and_caps_it(scripted, scripted_client, sleeps):
    scripted.add(Reply(429, json=error_envelope(429, 0, "slow down"), headers={"Retry-After": "2"}))
    scripted.add(Reply(429, json=error_envelope(429, 0, "slow down"), headers={"RateLimit-Reset": "1.5"}))
    scripted.add(Reply(429, json=error_envelope(429, 0, "slow down"), headers={"Retry-After": "3600"}))
    scripted.add(Reply(200, json=envelope(TASK)))
    scripted_client.get_task(7)
    assert sleeps == [2.0, 1.5, 16.0]  # backoff_cap 4.0 * 4


def test_rate_limited_error_exposes_retry_after(scripted, scripted_client):
    scripted.add(Reply(429, json=error_envelope(429, 0, "slow down"), headers={"Retry-After": "7"}))
    with pytest.raises(OcpRateLimited) as info:
        scripted_client.retry_task(7)
    assert info.value.retry_after == 7.0 and len(scripted.seen) == 1


def test_get_does_not_retry_4xx_or_malformed(scripted, scripted_client, sleeps):
    scripted.add(Reply(404, json=error_envelope(404, 20000)), Reply(200, body="nope"))
    with pytest.raises(OcpNotFound):
        scripted_client.get_task(7)
    with pytest.raises(OcpMalformedReply):
        scripted_client.get_task(7)
    assert sleeps == [] and len(scripted.seen) == 2


def test_connection_refused_is_not_sent_and_get_retries(sleeps):
    client = OcpClient(f"http://127.0.0.1:{free_port()}", BasicAuth("a", "b"), sleep=sleeps.append)
    with pytest.raises(OcpUnreachable) as info:
        client.get_task(1)
    assert info.value.request_sent is False and info.value.transient
    assert "connection refused" in info.value.message
    assert len(sleeps) == 3
    sleeps.clear()
    with pytest.raises(OcpUnreachable) as info:
        client.retry_task(1)
    assert info.value.request_sent is False and sleeps == []


def test_read_timeout_on_post_is_maybe_sent_and_not_retried(scripted, scripted_client, sleeps):
    scripted.add(Reply(200, json=envelope(TASK), sleep=0.4))
    with pytest.raises(OcpUnreachable) as info:
        scripted_client.upgrade_cluster(22, "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")
    assert info.value.request_sent is True and info.value.transient
    assert "may have been processed" in info.value.message
    assert len(scripted.seen) == 1 and sleeps == []


def test_read_timeout_on_get_is_retried(scripted, scripted_client, sleeps):
    scripted.add(Reply(200, json=envelope(TASK), sleep=0.4), Reply(200, json=envelope(TASK)))
    assert scripted_client.get_task(7).id == 7
    assert len(sleeps) == 1


def test_connection_dropped_after_sending_post_is_maybe_sent(scripted, scripted_client, sleeps):
    scripted.add(Reply(close=True))
    with pytest.raises(OcpUnreachable) as info:
        scripted_client.skip_subtask(7, 8)
    assert info.value.request_sent is True
    assert len(scripted.seen) == 1 and sleeps == []


def test_connect_timeout_means_not_sent():
    err = connection_error(requests.exceptions.ConnectTimeout("timed out"), "ocp:8080", "POST", "/x")
    assert isinstance(err, OcpUnreachable) and err.request_sent is False and err.transient
    err = connection_error(requests.exceptions.ReadTimeout("timed out"), "ocp:8080", "POST", "/x")
    assert err.request_sent is True


def test_every_request_has_a_timeout(scripted, monkeypatch):
    client = OcpClient(scripted.url, BasicAuth("a", "b"), connect_timeout=1.5, read_timeout=9.0)
    seen = []
    original = client.session.request

    def spy(*args, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(client.session, "request", spy)
    scripted.add(Reply(200, json=envelope(TASK)), Reply(200, json=envelope()))
    client.get_task(7)
    client.cancel_subtask(7, 8)
    assert seen == [(1.5, 9.0), (1.5, 9.0)]


def test_no_data_replies_return_none(scripted, scripted_client):
    scripted.add(Reply(200, json=envelope()), Reply(200, json=envelope()))
    assert scripted_client.skip_subtask(7, 8) is None
    assert scripted_client.cancel_subtask(7, 8) is None
    assert [s.path for s in scripted.seen] == [
        "/api/v2/tasks/instances/7/subtasks/8/skip",
        "/api/v2/tasks/instances/7/subtasks/8/cancel",
    ]


def test_rollback_without_data_fetches_the_task(scripted, scripted_client):
    scripted.add(Reply(200, json=envelope()), Reply(200, json=envelope({**TASK, "operation": "ROLLBACK"})))
    assert scripted_client.rollback_task(7).operation == "ROLLBACK"
    assert [s.method for s in scripted.seen] == ["POST", "GET"]


def test_paging_walks_all_pages_and_sends_filters(scripted, scripted_client):
    def page(ids, number, total):
        rows = [{"id": i, "name": f"t{i}", "status": "SUCCESSFUL"} for i in ids]
        info = {"number": number, "size": 2, "totalElements": 5, "totalPages": total}
        return Reply(200, json=envelope({"contents": rows, "page": info}))

    scripted.add(page([9, 8], 1, 3), page([8, 7], 2, 3), page([5], 3, 3))
    tasks = scripted_client.list_tasks(cluster_id=22, status=["RUNNING", "FAILED"], page_size=2)
    assert [t.id for t in tasks] == [9, 8, 7, 5]  # 8 shifted to page 2 by a new task: kept once
    assert [s.path for s in scripted.seen] == [
        f"/api/v2/tasks/instances?clusterId=22&status=RUNNING%2CFAILED&sort=id%2Cdesc&page={n}&size=2"
        for n in (1, 2, 3)
    ]


def test_max_pages_stops_early(scripted, scripted_client):
    info = {"number": 1, "size": 1, "totalElements": 3, "totalPages": 3}
    scripted.add(Reply(200, json=envelope({"contents": [{"id": 3}], "page": info})))
    assert [t.id for t in scripted_client.list_tasks(page_size=1, max_pages=1)] == [3]
    assert len(scripted.seen) == 1


def test_unpaged_list_and_bad_contents(scripted, scripted_client):
    scripted.add(Reply(200, json=envelope({"contents": [{"name": "zone1"}, {"name": "zone2"}]})))
    assert [z.name for z in scripted_client.list_zones(22)] == ["zone1", "zone2"]
    scripted.add(Reply(200, json=envelope({"contents": {"id": 1}})))
    with pytest.raises(OcpMalformedReply, match="'contents' is not a list"):
        scripted_client.list_servers(22)


def test_ping_accepts_a_bare_timestamp_and_rejects_html(scripted, scripted_client):
    scripted.add(Reply(200, body="2020-11-11T15:46:27.316+08:00", headers={"Content-Type": "text/plain"}))
    assert scripted_client.ping() is None
    scripted.add(Reply(200, body='"2020-11-11T15:46:27.316+08:00"'))
    assert scripted_client.ping() is None
    scripted.add(Reply(200, body="<html>Welcome to nginx</html>"))
    with pytest.raises(OcpMalformedReply):
        scripted_client.ping()


def test_subtask_log(scripted, scripted_client):
    scripted.add(Reply(200, json=envelope({"log": "line1\nline2"})), Reply(200, json=envelope({"log": 5})))
    assert scripted_client.get_subtask_log(7, 8) == "line1\nline2"
    with pytest.raises(OcpMalformedReply):
        scripted_client.get_subtask_log(7, 8)


REQUEST = UpgradeRequest(
    rpm_file_name="oceanbase-2.2.75-20210108170301.el7.x86_64.rpm",
    dest_version="2.2.75-20210108170301",
    operating_system="el7",
    upgrade_mode="ROLLING",
    zone_order=("zone2", "zone1"),
    freeze_server=False,
)


@pytest.mark.parametrize(
    ("ocp_version", "body"),
    [
        (None, {"rpmFileName": "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"}),
        ((4, 2, 2), {"rpmFileName": "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"}),
        (
            (4, 3, 2),
            {
                "upgradeMode": "ROLLING",
                "destVersion": "2.2.75-20210108170301",
                "operatingSystem": "el7",
                "freezeServer": False,
                "zoneOrder": ["zone2", "zone1"],
            },
        ),
    ],
)
def test_the_upgrade_body_is_the_one_the_ocp_version_needs(scripted, scripted_client, ocp_version, body):
    scripted.add(Reply(200, json=envelope(TASK)))
    scripted_client.upgrade_cluster(22, REQUEST, ocp_version=ocp_version)
    assert json.loads(scripted.seen[0].body) == body
    assert scripted.seen[0].headers["Content-Type"] == "application/json"


def test_ocp_43s_optional_fields_are_left_out_when_not_chosen():
    plain = UpgradeRequest("f.rpm", "4.2.1.1-1", "el7", "STOP_SERVICE")
    assert plain.body((4, 3)) == {
        "upgradeMode": "STOP_SERVICE",
        "destVersion": "4.2.1.1-1",
        "operatingSystem": "el7",
    }


def test_a_bean_validation_refusal_of_the_classic_body_asks_for_43s(scripted, scripted_client):
    sub = [
        {
            "object": "upgradeParam",
            "field": "upgradeMode",
            "rejectedValue": None,
            "message": "must not be null",
        }
    ]
    scripted.add(Reply(400, json=error_envelope(400, 10001, "Invalid argument", subErrors=sub)))
    scripted.add(Reply(400, json=error_envelope(400, 10001, "The upgrade path is not found")))
    with pytest.raises(OcpRefused) as first:
        scripted_client.upgrade_cluster(22, REQUEST)
    with pytest.raises(OcpRefused) as second:
        scripted_client.upgrade_cluster(22, REQUEST)
    assert wants_new_upgrade_body(first.value)
    assert not wants_new_upgrade_body(second.value)


@pytest.mark.parametrize(
    "body",
    [
        {
            "artifact": "ocp-server",
            "buildVersion": "4.3.2-20241012110000",
            "buildTime": "2024-10-12T11:00:00+08:00",
        },
        envelope({"artifact": "ocp-server", "buildVersion": "4.3.2-20241012110000"}),
    ],
)
def test_get_info_reads_the_bare_object_or_an_envelope(scripted, scripted_client, body):
    scripted.add(Reply(200, json=body))
    info = scripted_client.get_info()
    assert info.build_version == "4.3.2-20241012110000"
    assert info.version == (4, 3, 2)
    assert scripted.seen[0].path == "/api/v2/info"


CLUSTER = {"id": 9, "name": "castor", "status": "RUNNING"}


@pytest.mark.parametrize(
    "refusal",
    [
        Reply(405, json=error_envelope(405, 10001, "Request method 'GET' not supported")),
        Reply(
            400,
            json=error_envelope(400, 10001, "Could not find the GET method for URL /api/v2/ob/clusters/9"),
        ),
        Reply(404, json=error_envelope(404, 10002, "Not Found")),
    ],
)
def test_get_cluster_falls_back_to_the_documented_list(scripted, refusal):
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), sleep=lambda s: None)
    listed = envelope({"contents": [{"id": 8, "name": "castor-old"}, CLUSTER], "page": {"totalPages": 1}})
    scripted.add(refusal, Reply(200, json=listed), Reply(200, json=listed))
    assert client.get_cluster(9, name="castor").name == "castor"
    assert [s.path.split("?")[0] for s in scripted.seen] == ["/api/v2/ob/clusters/9", "/api/v2/ob/clusters"]
    assert "name=castor" in scripted.seen[1].path
    assert client.get_cluster(9).status == "RUNNING", "once known, the list is read straight away"
    assert len(scripted.seen) == 3 and scripted.seen[2].path.startswith("/api/v2/ob/clusters?")


def test_get_cluster_not_found_anywhere_is_not_found(scripted):
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), sleep=lambda s: None)
    scripted.add(Reply(404, json=error_envelope(404, 10002, "Not Found")))
    scripted.add(Reply(200, json=envelope({"contents": [], "page": {"totalPages": 0}})))
    with pytest.raises(OcpNotFound):
        client.get_cluster(77)
    scripted.add(Reply(500, json=error_envelope(500)))
    with pytest.raises(OcpServerError):
        client.get_cluster(77)  # a server error is not a missing route: no fallback hides it


def test_list_tasks_passes_the_type_filter(scripted, scripted_client):
    scripted.add(Reply(200, json=envelope({"contents": [], "page": {"totalPages": 1}})))
    scripted_client.list_tasks(cluster_id=3, status="RUNNING", type="MANUAL")
    assert "type=MANUAL" in scripted.seen[0].path and "clusterId=3" in scripted.seen[0].path


class Recorder:
    def __init__(self, refuse_after: int | None = None) -> None:
        self.calls, self.refuse_after = [], refuse_after

    def before(self, method, path):
        if self.refuse_after is not None and len(self.calls) >= self.refuse_after:
            raise OcpAuthError("stopped by the observer", request_sent=False)

    def after(self, method, path, status, elapsed):
        self.calls.append((method, path, status))


def test_the_observer_sees_every_call_and_can_stop_one(scripted):
    recorder = Recorder(refuse_after=2)
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), observer=recorder, sleep=lambda s: None)
    scripted.add(Reply(401, json=error_envelope(401, 0, "not logged on")), Reply(200, json=envelope(TASK)))
    with pytest.raises(OcpAuthError):
        client.get_task(7)
    client.get_task(7)
    with pytest.raises(OcpAuthError) as info:
        client.get_task(7)
    assert recorder.calls == [("GET", "/tasks/instances/7", 401), ("GET", "/tasks/instances/7", 200)]
    assert info.value.request_sent is False
    assert len(scripted.seen) == 2, "the stopped call was not sent"


def test_upload_sends_multipart_file_field(scripted, scripted_client):
    pkg = {"id": 3, "fileName": "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"}
    scripted.add(Reply(200, json=envelope(pkg)))
    result = scripted_client.upload_package(pkg["fileName"], b"RPMDATA")
    assert result.id == 3
    seen = scripted.seen[0]
    assert seen.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"' in seen.body
    assert b"RPMDATA" in seen.body


def test_logs_and_repr_never_show_secrets(scripted, caplog):
    client = OcpClient(scripted.url, AkSkAuth("my-ak-id", "my-very-secret-sk"), sleep=lambda s: None)
    scripted.add(Reply(500, json=error_envelope(500)), Reply(200, json=envelope(TASK)))
    with caplog.at_level(logging.DEBUG, logger="ocpdash.ocp"):
        client.get_task(7)
    assert "GET /api/v2/tasks/instances/7 -> 200" in caplog.text
    assert "my-very-secret-sk" not in caplog.text and "Authorization" not in caplog.text
    assert "my-very-secret-sk" not in repr(client) and "my-ak-id" not in repr(client)
    assert scripted.seen[-1].headers["Authorization"].startswith("OCP-ACCESS-KEY-HMACSHA1 my-ak-id:")


def test_base_url_with_credentials_is_refused():
    with pytest.raises(ValueError, match="credentials"):
        OcpClient("http://admin:pw@ocp:8080", BasicAuth("a", "b"))
    with pytest.raises(ValueError):
        OcpClient("ocp:8080", BasicAuth("a", "b"))


def test_proxy_variables_are_honoured_and_read_once(scripted, monkeypatch):
    # The scripted server stands in for an HTTP proxy: it sees the absolute URL of the OCP behind it.
    _clear_proxy_variables(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", scripted.url)
    client = OcpClient("http://ocp.invalid:8080", BasicAuth("admin", "pw"), max_retries=0)
    monkeypatch.delenv("HTTP_PROXY")  # read when the client was made, not on each request
    scripted.add(Reply(200, json=envelope(TASK)))
    assert client.get_task(7).id == 7
    assert scripted.seen[0].path == "http://ocp.invalid:8080/api/v2/tasks/instances/7"


def test_no_proxy_and_ca_bundle_variables_are_honoured(scripted, monkeypatch, tmp_path):
    _clear_proxy_variables(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), max_retries=0)
    scripted.add(Reply(200, json=envelope(TASK)))
    assert client.get_task(7).id == 7  # went straight to OCP, not to the proxy
    assert scripted.seen[0].path == "/api/v2/tasks/instances/7"
    assert client.session.verify == str(bundle)


def _clear_proxy_variables(monkeypatch):
    """The machine's own proxy settings (either case) must not decide these tests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_ratelimit_reset_as_an_epoch_time_is_a_wait_until_then(scripted, scripted_client):
    import time

    reset = str(int(time.time()) + 20)
    scripted.add(
        Reply(
            429,
            json=error_envelope(429, 0, "Excessive number of requests"),
            headers={"RateLimit-Reset": reset},
        )
    )
    with pytest.raises(OcpRateLimited) as info:
        scripted_client.retry_task(7)
    assert 15 <= info.value.retry_after <= 21


def test_a_reply_longer_than_the_cap_is_refused_without_reading_it_all(scripted):
    client = OcpClient(
        scripted.url, BasicAuth("admin", "pw"), max_response_bytes=10_000, sleep=lambda s: None
    )
    big = envelope({**TASK, "name": "x" * 50_000})
    scripted.add(Reply(200, json=big), Reply(200, json=envelope(TASK)))
    with pytest.raises(OcpMalformedReply) as info:
        client.get_task(7)
    assert "more than 10,000 bytes" in info.value.message
    assert client.get_task(7).id == 7, "the client is still usable"


def test_a_list_of_more_pages_than_the_cap_is_refused_not_truncated(scripted):
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), max_pages=2, sleep=lambda s: None)
    page = envelope({"contents": [{"id": 1, "name": "c"}], "page": {"number": 1, "size": 1, "totalPages": 9}})
    scripted.add(*[Reply(200, json=page) for _ in range(3)])
    with pytest.raises(OcpMalformedReply) as info:
        client.list_clusters(page_size=1)
    assert "more than 2 pages" in info.value.message
    assert len(scripted.seen) == 2


def test_a_deadline_bounds_every_call_together(scripted):
    client = OcpClient(scripted.url, BasicAuth("admin", "pw"), deadline_seconds=0.5, sleep=lambda s: None)
    scripted.add(Reply(200, json=envelope(TASK), sleep=0.8), Reply(200, json=envelope(TASK)))
    with pytest.raises(OcpUnreachable):
        client.get_task(7)  # the read waits at most what is left of the 0.5 s
    with pytest.raises(OcpUnreachable) as info:
        client.get_task(7)
    assert info.value.request_sent is False and "did not answer in time" in info.value.message
