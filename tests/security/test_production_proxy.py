"""The client address behind a reverse proxy (review M5): axes locks a username for one client
address only, and axes and DRF's throttles agree on who the client is."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"  # the reverse proxy: every request arrives from it
BAD = {"username": "lockme", "password": "wrong"}
GOOD = {"username": "lockme", "password": "pw-lockme"}


@pytest.fixture
def behind_proxy(settings, make_user):
    settings.OCPDASH_BEHIND_PROXY = True
    settings.OCPDASH_TRUSTED_PROXY_COUNT = 1
    make_user("lockme")


def through_proxy(forwarded_for: str) -> Client:
    """A browser whose request reached us through the proxy, which set X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def lock_out(client: Client) -> list[int]:
    return [client.post("/login/", BAD).status_code for _ in range(5)]


def test_five_failures_lock_the_username_for_that_address(behind_proxy):
    assert lock_out(through_proxy("198.51.100.7"))[-1] == 429


def test_the_same_username_still_logs_in_from_another_address(behind_proxy):
    lock_out(through_proxy("198.51.100.7"))
    assert through_proxy("198.51.100.8").post("/login/", GOOD).status_code == 302


def test_the_locked_address_stays_locked_with_the_right_password(behind_proxy):
    locked = through_proxy("198.51.100.7")
    lock_out(locked)
    assert locked.post("/login/", GOOD).status_code == 429


def test_attempts_are_recorded_with_the_clients_address_not_the_proxys(behind_proxy):
    lock_out(through_proxy("198.51.100.7"))
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]


def test_addresses_a_client_prepends_are_ignored(behind_proxy):
    """The proxy appends the address it saw; what the client wrote before it is not trusted."""
    lock_out(through_proxy("198.51.100.7"))
    spoofing = through_proxy("198.51.100.8, 198.51.100.7")
    assert spoofing.post("/login/", GOOD).status_code == 429


def test_two_proxies_are_counted_from_the_right(behind_proxy, settings):
    settings.OCPDASH_TRUSTED_PROXY_COUNT = 2
    lock_out(through_proxy("203.0.113.50, 198.51.100.7, 10.0.0.9"))  # spoofed, client, first proxy
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]


def test_without_a_proxy_the_header_is_not_trusted(settings, make_user):
    settings.OCPDASH_BEHIND_PROXY = False
    make_user("lockme")
    lock_out(Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.7"))
    other_header = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other_header.post("/login/", GOOD).status_code == 429


IDENTS = """
import json
import django
django.setup()
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from ocpdash.core.clientip import client_ip
request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
print(json.dumps({"num_proxies": api_settings.NUM_PROXIES, "axes": client_ip(request),
                  "throttle": AnonRateThrottle().get_ident(Request(request))}))
"""


def idents(tmp_path, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OCPDASH_")}
    environment.update(OCPDASH_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="ocpdash.settings", **env)
    result = subprocess.run([sys.executable, "-c", IDENTS], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_a_proxy_axes_and_the_api_throttles_see_the_same_client(tmp_path):
    found = idents(tmp_path, OCPDASH_BEHIND_PROXY="1")
    assert found == {"num_proxies": 1, "axes": "198.51.100.7", "throttle": "198.51.100.7"}


def test_without_a_proxy_both_see_the_connecting_address(tmp_path):
    found = idents(tmp_path)
    assert found == {"num_proxies": 0, "axes": "10.0.0.2", "throttle": "10.0.0.2"}
