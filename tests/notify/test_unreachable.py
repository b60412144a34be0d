"""ocp_unreachable: from the periodic check, once per outage, after OCPDASH_NOTIFY_UNREACHABLE_MINUTES."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpdash.notify.models import Channel, Delivery, EventKind, OutageNotice
from ocpdash.notify.unreachable import check
from ocpdash.upgrades.models import State, Upgrade

pytestmark = pytest.mark.django_db


@pytest.fixture
def listening(subscribe, settings):
    settings.OCPDASH_NOTIFY_UNREACHABLE_MINUTES = 10
    channel = Channel.objects.create(name="oncall", kind=Channel.Kind.SLACK, url="http://127.0.0.1:9/x")
    subscribe(channel, events=[EventKind.OCP_UNREACHABLE])


def unreachable_for(upgrade, minutes: float, fault: str = "OCP did not answer (timed out)"):
    since = timezone.now() - timedelta(minutes=minutes)
    Upgrade.objects.filter(pk=upgrade.pk).update(ocp_unreachable_since=since, ocp_fault=fault)
    return since


def test_an_outage_longer_than_the_limit_is_notified_once(make_upgrade, listening):
    upgrade = make_upgrade()
    unreachable_for(upgrade, 11)
    assert check() == 1
    assert check() == 0
    delivery = Delivery.objects.get()
    assert delivery.kind == EventKind.OCP_UNREACHABLE
    assert delivery.facts["context"]["minutes"] == "11"
    assert delivery.facts["context"]["reason"] == "OCP did not answer (timed out)"


def test_a_short_outage_is_not_notified(make_upgrade, listening):
    unreachable_for(make_upgrade(), 9)
    assert check() == 0


def test_a_new_outage_is_notified_again(make_upgrade, listening):
    upgrade = make_upgrade()
    unreachable_for(upgrade, 30)
    check()
    Upgrade.objects.filter(pk=upgrade.pk).update(ocp_unreachable_since=None)  # OCP answered
    unreachable_for(upgrade, 12)
    assert check() == 1
    assert Delivery.objects.count() == 2


def test_finished_upgrades_are_not_checked(make_upgrade, listening):
    unreachable_for(make_upgrade(state=State.SUCCESSFUL), 60)
    assert check() == 0


def test_the_mark_is_kept_even_with_nobody_listening(make_upgrade):
    upgrade = make_upgrade()
    since = unreachable_for(upgrade, 11)
    assert check() == 1
    assert OutageNotice.objects.get().since == since
    assert Delivery.objects.count() == 0
