"""The interactive API docs work in a real browser under the strict CSP (no CDN, no inline script)."""

import pytest

from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_every_operation_without_csp_errors(page, live_server, admin_user):
    external = []
    page.on("request", lambda r: r.url.startswith(live_server.url) or external.append(r.url))
    page.goto(live_server.url + "/login/?next=/api/docs/")
    page.fill("input[name=username]", admin_user.username)
    page.fill("input[name=password]", "pw-" + admin_user.username)
    page.click("main button[type=submit]")  # the header holds the language switch's buttons
    page.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
    assert page.locator(".opblock").count() >= 20
    assert "/api/upgrades/precheck/" in page.content()
    assert not page.console_errors, page.console_errors
    assert not [url for url in external if not url.startswith("data:")], external
