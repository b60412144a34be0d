"""Login lockout per client address, paging clamps, 429 headers and the 405 of ``cluster_get`` off."""

import time
from urllib.parse import urlsplit

import pytest
import requests

from ocpdash.simulator.auth import sign_headers

LOCKED = (
    "The current account has been temporarily disabled. Please wait and try again later or contact the "
    "administrator."
)


@pytest.fixture
def sim(simulator):
    simulator.config(login_max_attempts=3)
    return simulator


def get(sim, path="/api/v2/ob/clusters", auth=None, headers=None):
    return requests.get(f"{sim.url}{path}", auth=auth, headers=headers, timeout=5)


def bad_login(sim):
    return get(sim, auth=("admin", "wrong"))


def test_failed_logins_count_down_then_lock_the_address_even_for_good_credentials(sim):
    messages = [bad_login(sim).json()["error"]["message"] for _ in range(3)]
    assert messages == [
        f"Incorrect username or password. Please try again. You can try for {n} more times."
        for n in (2, 1, 0)
    ]
    locked = get(sim, auth=sim.auth)
    assert locked.status_code == 401
    assert (locked.json()["error"]["code"], locked.json()["error"]["message"]) == (0, LOCKED)
    assert locked.json()["error"]["debugMessage"].startswith("[IAM10007]")
    logins = sim.logins()
    assert logins["any_locked"] is True and "127.0.0.1" in logins["locked"]
    assert requests.get(f"{sim.url}/api/v2/time", timeout=5).ok  # health checks stay public


def test_the_lock_ends_after_the_lockout_time(sim):
    sim.config(lockout_minutes=0.01)  # 0.6 s
    for _ in range(3):
        bad_login(sim)
    assert get(sim, auth=sim.auth).status_code == 401
    deadline = time.monotonic() + 10
    while get(sim, auth=sim.auth).status_code == 401:
        assert time.monotonic() < deadline, "the lock did not end"
        time.sleep(0.1)
    logins = sim.logins()
    assert (logins["failed"], logins["any_locked"]) == ({}, False)


def test_a_good_login_resets_the_count(sim):
    bad_login(sim)
    bad_login(sim)
    assert sim.logins()["failed"] == {"127.0.0.1": 2}
    assert get(sim, auth=sim.auth).ok
    assert sim.logins()["failed"] == {}
    assert "2 more times" in bad_login(sim).json()["error"]["message"]


def test_bad_aksk_signatures_count_as_failed_logins(sim):
    host = urlsplit(sim.url).netloc
    path = "/api/v2/ob/clusters"
    for _ in range(3):
        headers = sign_headers(sim.access_key_id, "not-the-secret", "GET", path, "", host)
        assert get(sim, path, headers=headers).status_code == 401
    good = sign_headers(sim.access_key_id, sim.access_key_secret, "GET", path, "", host)
    assert get(sim, path, headers=good).json()["error"]["message"] == LOCKED


def test_requests_without_credentials_are_not_failed_logins(sim):
    for _ in range(5):
        assert get(sim).status_code == 401
    assert sim.logins()["failed"] == {}
    assert get(sim, auth=sim.auth).ok


def test_reset_clears_the_lock(sim):
    for _ in range(3):
        bad_login(sim)
    sim.reset()
    assert sim.logins()["any_locked"] is False
    assert get(sim, auth=sim.auth).ok


@pytest.mark.parametrize(
    ("params", "number", "size"),
    [
        ({"page": 0, "size": 3}, 1, 3),
        ({"page": -4, "size": 3}, 1, 3),
        ({"page": 1, "size": 5000}, 1, 2000),
        ({"page": 1, "size": 0}, 1, 10),
        ({"page": "x", "size": "y"}, 1, 10),
    ],
)
def test_paging_is_clamped_as_spring_does(simulator, params, number, size):
    page = simulator.get("/api/v2/ob/clusters", **params)
    assert page["status"] == 200
    assert (page["data"]["page"]["number"], page["data"]["page"]["size"]) == (number, size)
    assert page["data"]["contents"][0]["id"] == 1


def test_429_carries_ratelimit_headers_and_no_retry_after(simulator):
    simulator.faults(http_error={"status": 429, "count": 1, "retry_after": 3})
    response = get(simulator, auth=simulator.auth)
    assert response.status_code == 429 and "Retry-After" not in response.headers
    assert {
        k: response.headers[k] for k in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
    } == {
        "RateLimit-Limit": "100",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "3",
    }
    error = response.json()["error"]
    assert error["code"] == 0 and error["message"].startswith("Excessive number of requests.")
    assert get(simulator, auth=simulator.auth).ok


def test_429_sends_retry_after_when_the_fault_asks_for_it(simulator):
    simulator.faults(http_error={"status": 429, "count": 1, "retry_after": 2, "retry_after_header": True})
    assert get(simulator, auth=simulator.auth).headers["Retry-After"] == "2"


def test_cluster_get_off_answers_405_with_the_error_envelope(simulator):
    simulator.config(cluster_get=False)
    response = get(simulator, "/api/v2/ob/clusters/1", auth=simulator.auth)
    assert response.status_code == 405 and response.headers["Allow"] == "DELETE"
    body = response.json()
    assert (body["successful"], body["status"]) == (False, 405)
    assert body["error"]["message"] == "Request method 'GET' not supported"
    assert get(simulator, "/api/v2/ob/clusters", auth=simulator.auth).ok  # the list still answers
    simulator.config(cluster_get=True)
    assert get(simulator, "/api/v2/ob/clusters/1", auth=simulator.auth).ok
