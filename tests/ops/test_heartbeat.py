"""Writing and reading heartbeats (the engine tests do it with real worker and beat processes)."""

from datetime import timedelta

from django.db.models.functions import Now

from ocpdash.ops import heartbeat
from ocpdash.ops.models import Heartbeat


def test_a_process_keeps_one_row_however_often_it_beats(db):
    for _ in range(3):
        heartbeat.record("worker", "worker@a")
    assert Heartbeat.objects.filter(name="worker@a").count() == 1


def test_a_restart_resets_the_start_time(db):
    heartbeat.record("worker", "worker@a", starting=True)
    Heartbeat.objects.update(started_at=Now() - timedelta(days=1))
    heartbeat.record("worker", "worker@a", starting=True)
    assert Heartbeat.objects.get().started_at > Heartbeat.objects.get().seen_at - timedelta(minutes=1)


def test_a_beat_after_a_clean_stop_makes_the_process_live_again(db):
    heartbeat.record("worker", "worker@a")
    heartbeat.stopped("worker@a")
    heartbeat.record("worker", "worker@a")
    assert heartbeat.status()["worker"].live == 1


def test_the_beater_writes_at_most_once_per_interval(db, settings):
    settings.OCPDASH_HEARTBEAT_INTERVAL = 15
    now = [100.0]
    beater = heartbeat.Beater("beat", "beat@a", clock=lambda: now[0])
    beater.beat(starting=True)
    Heartbeat.objects.update(seen_at=Now() - timedelta(seconds=60))
    now[0] += 10
    beater.beat()
    assert heartbeat.status()["beat"].age > timedelta(seconds=50), "not written again within 15 s"


def test_the_beater_writes_again_after_the_interval(db, settings):
    settings.OCPDASH_HEARTBEAT_INTERVAL = 15
    now = [100.0]
    beater = heartbeat.Beater("beat", "beat@a", clock=lambda: now[0])
    beater.beat(starting=True)
    Heartbeat.objects.update(seen_at=Now() - timedelta(seconds=60))
    now[0] += 16
    beater.beat()
    assert heartbeat.status()["beat"].age < timedelta(seconds=5)


def test_status_counts_live_processes_of_each_kind(db):
    for name in ("worker@a", "worker@b", "worker@c"):
        heartbeat.record("worker", name)
    Heartbeat.objects.filter(name="worker@c").update(seen_at=Now() - timedelta(hours=1))
    assert (heartbeat.status()["worker"].live, heartbeat.status()["beat"].live) == (2, 0)


def test_status_gives_the_age_of_the_freshest(db):
    heartbeat.record("worker", "worker@a")
    heartbeat.record("worker", "worker@b")
    Heartbeat.objects.update(seen_at=Now() - timedelta(minutes=10))
    Heartbeat.objects.filter(name="worker@b").update(seen_at=Now() - timedelta(minutes=4))
    age = heartbeat.status()["worker"].age
    assert timedelta(minutes=4) <= age < timedelta(minutes=5)


def test_rows_of_processes_gone_for_a_week_are_forgotten(db):
    heartbeat.record("worker", "worker@old")
    heartbeat.record("worker", "worker@new")
    Heartbeat.objects.filter(name="worker@old").update(seen_at=Now() - timedelta(days=8))
    heartbeat.forget_old()
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["worker@new"]
