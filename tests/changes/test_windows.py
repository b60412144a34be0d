"""Maintenance windows and change freezes, worked out without a database: occurrences in the
window's own time zone (DST included), merging, and the start rules (``decide``)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from ocpdash.changes.models import Blackout, MaintenanceWindow
from ocpdash.changes.windows import containing, decide, next_opening, occurrences, upcoming

SAT = 5


def window(weekday=SAT, start=time(1), end=time(5), tz="Asia/Shanghai") -> MaintenanceWindow:
    return MaintenanceWindow(weekday=weekday, start_time=start, end_time=end, time_zone=tz)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def freeze(start, end, reason="Year-end freeze") -> Blackout:
    return Blackout(starts_at=start, ends_at=end, reason=reason)


def test_a_saturday_window_in_shanghai_opens_friday_evening_in_utc():
    # Saturday 5 Dec 2026 01:00–05:00 +08:00 is Friday 4 Dec 17:00–21:00 UTC.
    found = upcoming([window()], utc(2026, 12, 1), count=2)
    assert [(o.start, o.end) for o in found] == [
        (utc(2026, 12, 4, 17), utc(2026, 12, 4, 21)),
        (utc(2026, 12, 11, 17), utc(2026, 12, 11, 21)),
    ]
    assert found[0].describe() == "Sat 5 Dec 01:00–05:00 Asia/Shanghai"


def test_a_window_keeps_its_local_hours_across_daylight_saving():
    berlin = window(weekday=6, start=time(2, 30), end=time(4), tz="Europe/Berlin")  # Sunday
    # 2026-03-29: clocks go 02:00 → 03:00, so 02:30 does not exist and moves forward by the gap.
    march = upcoming([berlin], utc(2026, 3, 21), count=2)
    assert march[0].start == utc(2026, 3, 22, 1, 30)  # CET, +01:00
    assert march[1].start == utc(2026, 3, 29, 1, 30) and march[1].end == utc(
        2026, 3, 29, 2
    )  # 03:30–04:00 CEST
    october = upcoming([berlin], utc(2026, 10, 24), count=2)
    assert october[0].start == utc(2026, 10, 25, 0, 30)  # the repeated hour: its first pass (CEST)
    assert october[1].start == utc(2026, 11, 1, 1, 30)  # CET again


def test_a_window_ending_at_or_before_its_start_ends_the_next_day():
    overnight = window(weekday=4, start=time(22), end=time(2), tz="UTC")  # Friday 22:00 → Saturday 02:00
    (first,) = upcoming([overnight], utc(2026, 12, 1), count=1)
    assert (first.start, first.end) == (utc(2026, 12, 4, 22), utc(2026, 12, 5, 2))
    assert first.describe() == "Fri 4 Dec 22:00–Sat 02:00 UTC"


def test_overlapping_and_touching_windows_merge():
    a = window(start=time(1), end=time(3), tz="UTC")
    b = window(start=time(3), end=time(6), tz="UTC")
    c = window(start=time(5), end=time(7), tz="UTC")
    merged = occurrences([a, b, c], utc(2026, 12, 5), utc(2026, 12, 6))
    assert [(o.start, o.end) for o in merged] == [(utc(2026, 12, 5, 1), utc(2026, 12, 5, 7))]
    assert len(merged[0].windows) == 3


def test_containing_and_next_opening_with_a_minimum_length():
    short = window(weekday=2, start=time(1), end=time(2), tz="UTC")  # Wednesday, 1 h
    long = window(weekday=SAT, start=time(1), end=time(5), tz="UTC")  # Saturday, 4 h
    assert containing([short, long], utc(2026, 12, 2, 1, 30)).end == utc(2026, 12, 2, 2)
    assert containing([short, long], utc(2026, 12, 2, 2)) is None  # the end is outside
    assert next_opening([short, long], utc(2026, 12, 1)).start == utc(2026, 12, 2, 1)
    assert next_opening([short, long], utc(2026, 12, 1), at_least=timedelta(hours=2)).start == utc(
        2026, 12, 5, 1
    )


def test_now_starts_at_once_whatever_the_windows():
    got = decide(
        now=utc(2026, 12, 1, 12), mode="now", start_at=None, windows=[window()], blackouts=[], p90=None
    )
    assert got.start and got.note == "Starts now."


def test_a_start_time_to_come_waits_for_it():
    at = utc(2026, 12, 4, 18)
    got = decide(now=utc(2026, 12, 1), mode="at", start_at=at, windows=[], blackouts=[], p90=None)
    assert not got.start and got.wait_until == at


def test_next_window_waits_for_the_opening_then_starts_inside_it():
    w = [window()]
    before = decide(
        now=utc(2026, 12, 1),
        mode="next_window",
        start_at=None,
        windows=w,
        blackouts=[],
        p90=timedelta(hours=1),
    )
    assert not before.start and before.wait_until == utc(2026, 12, 4, 17)
    assert "Sat 5 Dec 01:00–05:00 Asia/Shanghai" in before.note
    inside = decide(
        now=utc(2026, 12, 4, 17),
        mode="next_window",
        start_at=None,
        windows=w,
        blackouts=[],
        p90=timedelta(hours=1),
    )
    assert inside.start and "(4 h 00 min left, ETA p90 1 h 00 min)" in inside.note


def test_an_eta_that_does_not_fit_what_is_left_waits_for_the_next_window_and_says_so():
    w = [window()]
    late = utc(2026, 12, 4, 20)  # one hour before the window closes
    got = decide(
        now=late, mode="next_window", start_at=None, windows=w, blackouts=[], p90=timedelta(minutes=90)
    )
    assert not got.start and got.wait_until == utc(2026, 12, 11, 17)
    assert "Its ETA (p90 1 h 30 min) does not fit the 1 h 00 min left of this window" in got.note
    assert "Sat 12 Dec 01:00–05:00 Asia/Shanghai" in got.note
    fits = decide(
        now=late, mode="next_window", start_at=None, windows=w, blackouts=[], p90=timedelta(minutes=50)
    )
    assert fits.start


def test_no_window_long_enough_waits_and_says_what_to_do():
    got = decide(
        now=utc(2026, 12, 1),
        mode="next_window",
        start_at=None,
        windows=[window()],
        blackouts=[],
        p90=timedelta(hours=6),
    )
    assert not got.start and "widen a window" in got.note
    assert got.wait_until == utc(2026, 12, 1, 1)  # looks again in an hour


def test_nothing_starts_in_a_change_freeze():
    now = utc(2026, 12, 4, 18)
    held = freeze(utc(2026, 12, 4), utc(2026, 12, 6))
    for mode in ("now", "next_window", "at"):
        got = decide(now=now, mode=mode, start_at=now, windows=[window()], blackouts=[held], p90=None)
        assert not got.start and got.wait_until == held.ends_at and "Year-end freeze" in got.note


def test_an_upgrade_that_would_run_into_a_freeze_waits_until_it_ends():
    now = utc(2026, 12, 1, 12)
    ahead = freeze(now + timedelta(minutes=30), now + timedelta(hours=5), "Release freeze")
    got = decide(now=now, mode="now", start_at=None, windows=[], blackouts=[ahead], p90=timedelta(hours=1))
    assert not got.start and got.wait_until == ahead.ends_at and "Release freeze" in got.note
    # Without history ocpdash cannot tell it would run into it: it starts.
    assert decide(now=now, mode="now", start_at=None, windows=[], blackouts=[ahead], p90=None).start


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York", "UTC"])
def test_occurrences_are_in_order_and_each_lasts_the_windows_length(tz):
    found = upcoming([window(tz=tz), window(weekday=2, tz=tz)], utc(2026, 1, 1), count=5)
    assert [o.start for o in found] == sorted(o.start for o in found)
    assert all(o.length == timedelta(hours=4) for o in found)
