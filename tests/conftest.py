import pytest

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.simulator", "tests.fixtures.services"]


def pytest_configure(config):
    from tests.fixtures.services import configure_test_broker

    configure_test_broker()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
