"""Signals of the upgrades engine, for apps above it (the engine imports none of them)."""

from django.dispatch import Signal

# Sent by events.announce (inside the caller's transaction) with every announced change of an upgrade:
# started, a step failed, needs attention, finished; arguments ``upgrade_id`` and ``kind``. Fleet
# rollouts (ocpdash.rollouts) follow their upgrades by it.
changed = Signal()
