"""Real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against pytest-django's live_server."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 120_000


@pytest.fixture
def page(live_server):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium; check its apt step"
            )
        pytest.skip(f"{CHROMIUM} does not exist (install Debian's chromium to run browser tests)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.dialogs, page.console_errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.accept()))
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        yield page
        context.close()
        browser.close()


def login(page, live_server, username):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
