"""A worker whose clock is minutes off does not break exclusion (issue 14): leases, schedules and
event times are the database server's clock.

PostgreSQL only (tests/conftest.py leaves this module out on SQLite and says so in the report
header): SQLite is a library, so its "now" is each process's own clock, and the skewed process
skews it too. That is no gap: a SQLite database file serves the processes of one host, which share
one clock; workers on several hosts need a database server, and then its clock is the one.
"""

import pytest

from ocpdash.upgrades.models import State, UpgradeEvent, UpgradeStep
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import faketime_env, wait_for
from tests.upgrades.test_engine import TERMINAL, happy, wait_state

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def test_a_worker_whose_clock_is_ten_minutes_ahead_does_not_break_exclusion(engine, simulator, operator):
    """With leases on each worker's clock the fast one saw every lease of the others expired (and
    took them mid-poll), and its own leases looked ten minutes long to them; on the database's clock
    it is just another worker. (Celery's countdowns are absolute times on the sender's clock, so the
    other worker holds the fast one's messages for ten minutes: beat's recovery carries on meanwhile,
    and the fast worker is stopped for the end.)"""
    simulator.config(step_seconds=0.5)
    engine.start_beat(wait=False)
    engine.start_worker("skewed", extra_env=faketime_env("+10m"))
    cluster, package = happy(operator)
    upgrade = submit_upgrade(operator, cluster, package)
    wait_for(
        lambda: UpgradeStep.objects.filter(upgrade=upgrade, status="SUCCESSFUL").count() >= 3,
        60,
        "the skewed worker to submit and follow the upgrade",
    )
    engine.start_worker("w1")
    both = UpgradeStep.objects.filter(upgrade=upgrade, status="SUCCESSFUL").count()
    wait_for(
        lambda: UpgradeStep.objects.filter(upgrade=upgrade, status="SUCCESSFUL").count() >= both + 4,
        60,
        "both workers to follow it together",
    )
    engine.kill("skewed")
    assert wait_state(upgrade, TERMINAL, 120, engine) == State.SUCCESSFUL
    assert simulator.upgrade_posts() == 1
    steps = list(upgrade.events.filter(kind=UpgradeEvent.Kind.STEP).values_list("ocp_subtask_id", "message"))
    assert len(steps) == len(set(steps)), "no step change recorded twice"
    times = list(upgrade.events.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times), "one timeline: events are stamped with the database's clock"
