"""Notifications: teams are told when an upgrade needs approval, is approved, declined or
scheduled, starts, has a step fail, cannot reach OCP for a while, needs attention, and finishes.

The domain calls :func:`notify` inside its own transaction, right where the event happens; it writes
the outbox (one ``Delivery`` per matching channel) and queues the sending after commit. The rest of
the app never imports the upgrades engine's tasks, and the engine never imports this app's.
"""

from __future__ import annotations


def notify(kind: str, upgrade_id: int, *, actor=None, **context) -> int:
    """Record the notifications of ``kind`` for ``upgrade_id`` (see ocpdash.notify.outbox.notify)."""
    from ocpdash.notify.outbox import notify as record

    return record(kind, upgrade_id, actor=actor, **context)
