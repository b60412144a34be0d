"""Accessibility the markup owes without a browser (issue 18); axe-core checks the rest in
tests/browser/test_i18n_a11y.py."""

import pytest
from django.urls import reverse

from ocpdash.upgrades.models import Upgrade, UpgradeStep
from tests.web.conftest import hx
from tests.web.test_upgrade_page import poll_url

pytestmark = pytest.mark.django_db


def test_a_change_of_the_upgrade_is_announced_politely_once(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=4)
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert (
        '<div id="announcer" class="sr-only" role="status" aria-live="polite" aria-atomic="true"></div>'
        in html
    )
    url = poll_url(html)
    assert hx(client, url).status_code == 204, "nothing changed: nothing to say"
    UpgradeStep.objects.filter(upgrade=upgrade, ocp_subtask_id=3).update(status="SUCCESSFUL")
    Upgrade.objects.filter(pk=upgrade.pk).update(revision=5)
    changed = hx(client, url).content.decode()
    assert changed.count('hx-swap-oob="innerHTML:#announcer"') == 1
    assert '<div hx-swap-oob="innerHTML:#announcer">Running: 3 of 4 steps</div>' in changed


def test_the_step_graph_is_a_group_of_buttons_and_statuses_have_a_symbol(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=3)
    client.force_login(viewer)
    html = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert 'role="group" aria-label="Steps of task 900"' in html and 'role="button"' in html
    assert (
        '<span class="status">✓ SUCCESSFUL</span>' in html and '<span class="status">○ PENDING</span>' in html
    )
