"""Real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against pytest-django's live_server."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from ocpdash.upgrades.models import State, Upgrade, UpgradeStep, UpgradeTask

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
    page.click("main button[type=submit]")  # the header holds the language switch's buttons
    page.wait_for_url(live_server.url + "/")


def shot(page, name, full_page=True):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def running_upgrade(requested_by, make_cluster, make_package, name: str) -> Upgrade:
    """A running upgrade with its parent task and no steps yet (add_steps adds chains)."""
    cluster, package = make_cluster(name=name), make_package()
    upgrade = Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=requested_by, state=State.RUNNING,
        from_version=cluster.version, to_version=package.full_version, ocp_task_id=1,
        submitted_at=timezone.now(),
    )  # fmt: skip
    UpgradeTask.objects.create(
        upgrade=upgrade, ocp_task_id=1, name="Submit upgrade OB cluster dag", is_parent=True
    )
    return upgrade


def add_steps(upgrade, task_id: int, first_id: int, count: int, **fields) -> None:
    """A chain of steps 'Step <id>' of one task, ids from first_id."""
    UpgradeStep.objects.bulk_create(
        UpgradeStep(upgrade=upgrade, ocp_task_id=task_id, ocp_subtask_id=first_id + i,
                    name=f"Step {first_id + i}", upstreams=[first_id + i - 1] if i else [], **fields)
        for i in range(count)
    )  # fmt: skip
