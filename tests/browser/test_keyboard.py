"""The DAG works without a mouse: its nodes take focus and open their step on Enter or Space."""

import pytest

from tests.browser.conftest import add_steps, login, running_upgrade

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dag_nodes_take_focus_and_open_their_step_with_enter_or_space(
    page, live_server, viewer, make_cluster, make_package
):
    upgrade = running_upgrade(viewer, make_cluster, make_package, "keys")
    add_steps(upgrade, 1, 1, 1, status="SUCCESSFUL")
    add_steps(upgrade, 1, 2, 2, status="PENDING")
    login(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/upgrades/{upgrade.pk}/")
    first = page.locator("svg.dag g.node[data-step-id='1']")
    first.focus()
    assert page.evaluate("document.activeElement.id") == "node-1"
    page.keyboard.press("Enter")
    page.locator("#step-detail", has_text="Step 1").wait_for()
    page.locator("svg.dag g.node[data-step-id='2']").focus()
    page.keyboard.press("Space")
    page.locator("#step-detail", has_text="Step 2").wait_for()
    assert "step=2" in page.url
    assert not page.console_errors
