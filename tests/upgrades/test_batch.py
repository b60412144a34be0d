"""Batched polls: the claim (one statement, disjoint batches, due and free upgrades only, the next due
time moved on) and the per-site pace. The engine tests run the batches with real workers."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.functions import Now

from ocpdash.upgrades import lease, sitecalls
from ocpdash.upgrades.models import State, Upgrade


def running_upgrades(make_cluster, make_package, operator, count: int) -> list[int]:
    package = make_package()
    rows = [
        Upgrade.objects.create(
            cluster=make_cluster(name=f"b{n}"),
            package=package,
            requested_by=operator,
            state=State.RUNNING,
            from_version="4.2.1.0",
            to_version=package.full_version,
            ocp_task_id=1000 + n,
        )  # fmt: skip
        for n in range(count)
    ]
    return [u.pk for u in rows]


@pytest.mark.django_db
def test_a_claim_takes_due_free_polled_upgrades_and_moves_their_due_time_on(
    make_cluster, make_package, operator, settings
):
    settings.OCPDASH_POLL_INTERVAL = 1.0
    ids = running_upgrades(make_cluster, make_package, operator, 5)
    held, later, closed = ids[1], ids[2], ids[3]
    Upgrade.objects.filter(pk=held).update(lease_owner="other", lease_until=Now() + timedelta(seconds=30))
    Upgrade.objects.filter(pk=later).update(next_poll_at=Now() + timedelta(seconds=30))
    Upgrade.objects.filter(pk=closed).update(state=State.CLOSED)
    claim = lease.claim(10)
    assert sorted(claim.leases) == sorted({ids[0], ids[4]})
    now = lease.db_now()
    for row in Upgrade.objects.filter(pk__in=claim.leases):
        assert row.lease_owner == claim.token
        assert row.next_poll_at >= now + timedelta(seconds=0.75), "half an interval and the slack on"
        assert row.lease_until <= row.next_poll_at, "the claim's hold lapses before the next is due"
    assert lease.claim(10) is None, "claimed ones are not due again yet, the rest not due or not free"


@pytest.mark.django_db
def test_a_claim_of_given_ids_takes_only_those_and_at_most_the_limit(make_cluster, make_package, operator):
    ids = running_upgrades(make_cluster, make_package, operator, 6)
    assert sorted(lease.claim(10, ids[:2]).leases) == sorted(ids[:2])
    assert len(lease.claim(3).leases) == 3


@pytest.mark.django_db(transaction=True)
def test_claims_made_at_once_take_disjoint_batches(make_cluster, make_package, operator):
    """On PostgreSQL the candidates are locked FOR UPDATE SKIP LOCKED; SQLite has one writer."""
    ids = running_upgrades(make_cluster, make_package, operator, 40)
    start, taken, errors = threading.Barrier(4), [], []

    def claimer():
        try:
            start.wait()
            for _ in range(5):
                claim = lease.claim(4)
                if claim:
                    taken.append(list(claim.leases))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection (the test database is dropped after)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    claimed = [pk for batch in taken for pk in batch]
    assert len(claimed) == len(set(claimed)), f"an upgrade claimed twice ({connection.vendor})"
    assert set(claimed) == set(ids), "20 claims of 4 take all 40"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(sitecalls.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(sitecalls.time, "sleep", fake.sleep)
    return fake


def test_the_pace_lets_a_burst_under_the_cap_through_and_holds_the_average(clock):
    pacer = sitecalls.Pacer(10)  # 10 a second, bursts of 10
    for _ in range(10):
        pacer.wait()
    assert clock.slept == [], "a second's worth goes at once"
    started = clock.now
    for _ in range(20):
        pacer.wait()
    assert clock.now - started == pytest.approx(2.0), "then 10 a second"
    clock.now += 5  # idle: the bucket fills up again, to one second's worth only
    before = len(clock.slept)
    for _ in range(11):
        pacer.wait()
    assert len(clock.slept) == before + 1 and clock.slept[-1] == pytest.approx(0.1)


def test_no_cap_never_waits(clock):
    pacer = sitecalls.Pacer(0)
    for _ in range(1000):
        pacer.wait()
    assert clock.slept == []


def test_each_process_paces_a_site_at_its_share_of_the_cap(settings):
    settings.OCPDASH_OCP_RATE_LIMIT, settings.OCPDASH_POLLERS = 200, 4
    assert sitecalls.per_process_rate() == 50
    settings.OCPDASH_OCP_RATE_LIMIT = 0
    assert sitecalls.per_process_rate() == 0
