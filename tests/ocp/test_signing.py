"""AK/SK signing (ocp-api.md §2.2) and Basic auth; no network, no Django."""

import base64

import requests

from ocpdash.ocp import AkSkAuth, BasicAuth, sign_request, string_to_sign
from ocpdash.ocp.auth import canonical_query, content_md5, host_header, java_url_encode

DOC_SK = "d75332c5eed8d440a84a35ac6248d397"
DOC_QUERY = [
    ("metrics", "host_disk_total"),
    ("labels", "svr_ip:127.0.0.1"),
    ("groupBy", "app,svr_ip,device,mount_point"),
    ("startTime", "2024-04-15T14:29:55+08:00"),
    ("endTime", "2024-04-15T14:30:55+08:00"),
    ("maxPoints", "360"),
]
DOC_HEADERS = {
    "Content-Type": "application/json",
    "x-ocp-origin": "for-test",
    "Date": "Mon, 15 Apr 2024 09:25:02 GMT",
}


def test_string_to_sign_matches_the_worked_example():
    text = string_to_sign("GET", "127.0.0.1:8080", "/api/v2/monitor/top", DOC_QUERY, DOC_HEADERS, None)
    assert text.split("\n") == [
        "GET",
        "",
        "application/json",
        "Mon, 15 Apr 2024 09:25:02 GMT",
        "127.0.0.1:8080",
        "x-ocp-origin:for-test",
        "/api/v2/monitor/top?endTime=2024-04-15T14%3A30%3A55%2B08%3A00"
        "&groupBy=app%2Csvr_ip%2Cdevice%2Cmount_point&labels=svr_ip%3A127.0.0.1&maxPoints=360"
        "&metrics=host_disk_total&startTime=2024-04-15T14%3A29%3A55%2B08%3A00",
    ]


def test_signature_matches_the_worked_example():
    sig = sign_request("GET", "127.0.0.1:8080", "/api/v2/monitor/top", DOC_QUERY, DOC_HEADERS, None, DOC_SK)
    assert sig == "To11kg1EsB/dPWyDnnpuUzIUoQk="


def test_body_md5_is_upper_hex_of_the_raw_body():
    assert content_md5(b'{"name":"test01","description":"test","regionId":1}') == (
        "186974DB33A090A16D3E2CA35F547B56"
    )
    assert content_md5(None) == ""
    assert content_md5(b"") == ""


def test_java_url_encoder_rules():
    assert java_url_encode("a b~*._-") == "a+b%7E*._-"
    assert java_url_encode("é/") == "%C3%A9%2F"


def test_repeated_query_keys_are_merged_with_sorted_values():
    assert canonical_query([("status", "RUNNING"), ("a", "x"), ("status", "FAILED")]) == (
        "a=x&status=FAILED%2CRUNNING"
    )
    assert canonical_query([]) == ""


def test_no_query_means_no_question_mark():
    text = string_to_sign("POST", "h:1", "/api/v2/x", [], {"Date": "d"}, b"{}")
    assert text.endswith("\n/api/v2/x")
    assert text.split("\n")[1] == "99914B932BD37A50B983C5E7C90AE93B"


def test_host_header_leaves_out_default_ports():
    assert host_header("http", "ocp", 80) == "ocp"
    assert host_header("https", "ocp", 443) == "ocp"
    assert host_header("http", "ocp", 8080) == "ocp:8080"
    assert host_header("http", "::1", 8080) == "[::1]:8080"


def _prepare(auth, method="GET", url="http://127.0.0.1:8080/api/v2/tasks/instances", **kw):
    return requests.Request(method, url, auth=auth, **kw).prepare()


def test_aksk_auth_signs_the_prepared_request_as_sent():
    auth = AkSkAuth("gDCcIqbkJJINjXBn", DOC_SK, now=lambda: 1713173102)  # Mon, 15 Apr 2024 09:25:02 GMT
    req = _prepare(auth, "POST", params={"page": 1, "name": "a b"}, json={"rpmFileName": "x.rpm"})
    assert req.headers["Date"] == "Mon, 15 Apr 2024 09:25:02 GMT"
    assert req.headers["Host"] == "127.0.0.1:8080"
    expected = sign_request(
        "POST",
        "127.0.0.1:8080",
        "/api/v2/tasks/instances",
        [("page", "1"), ("name", "a b")],
        {"Content-Type": "application/json", "Date": "Mon, 15 Apr 2024 09:25:02 GMT"},
        req.body,
        DOC_SK,
    )
    assert req.headers["Authorization"] == f"OCP-ACCESS-KEY-HMACSHA1 gDCcIqbkJJINjXBn:{expected}"


def test_aksk_auth_signs_multipart_bodies_with_their_boundary():
    auth = AkSkAuth("ak", "sk")
    req = _prepare(auth, "POST", files={"file": ("a.rpm", b"payload")})
    assert req.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    lines_signed = string_to_sign(
        "POST", "127.0.0.1:8080", req.path_url.split("?")[0], [], req.headers, req.body
    )
    assert lines_signed.split("\n")[2] == req.headers["Content-Type"]
    assert lines_signed.split("\n")[1] == content_md5(req.body)


def test_basic_auth_header():
    req = _prepare(BasicAuth("foo", "bar"))
    assert req.headers["Authorization"] == "Basic Zm9vOmJhcg=="
    req = _prepare(BasicAuth("admin", "pässword"))
    assert base64.b64decode(req.headers["Authorization"][6:]).decode() == "admin:pässword"


def test_auth_reprs_hide_secrets():
    assert "bar" not in repr(BasicAuth("foo", "bar"))
    text = repr(AkSkAuth("ocpdash-ak", "ocpdash-sk-0123456789abcdef"))
    assert "ocpdash-sk" not in text
    assert "ocpdash-ak" not in text
