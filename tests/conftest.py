import os

import pytest

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.simulator", "tests.fixtures.services"]

# A skewed worker process skews SQLite's clock too (SQLite runs inside it): the clock-skew test needs a
# database server (DATABASE_URL), as multi-host workers do. CI's PostgreSQL leg runs it.
SERVER_DATABASE_ONLY = ["upgrades/test_clock_skew.py"]
collect_ignore = [] if os.environ.get("DATABASE_URL") else SERVER_DATABASE_ONLY


def pytest_report_header(config):
    if collect_ignore:
        return [f"Not collected on SQLite (they need a database server's clock): {', '.join(collect_ignore)}"]
    return []


def pytest_configure(config):
    from tests.fixtures.services import configure_test_broker

    configure_test_broker()


@pytest.fixture(autouse=True)
def _english_terminal(monkeypatch):
    """Commands print in the terminal's language (ocpdash.api.cli.terminal_language): tests read
    English whatever the developer's LANG."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
