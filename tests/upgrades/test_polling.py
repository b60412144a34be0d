from datetime import UTC, datetime, timedelta

from ocpdash.upgrades.polling import next_due


def test_polls_keep_a_fixed_rate():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    due = now - timedelta(seconds=0.3)  # this poll was due 0.3 s ago (queue delay, poll time)
    assert next_due(due, now, 1.0) == due + timedelta(seconds=1)
    # behind: soon, but never twice within half an interval (no burst of catch-ups)
    assert next_due(now - timedelta(seconds=5), now, 1.0) == now + timedelta(seconds=0.5)
    assert next_due(now - timedelta(seconds=0.6), now, 1.0) == now + timedelta(seconds=0.5)
    assert next_due(None, now, 2.0) == now + timedelta(seconds=2)
