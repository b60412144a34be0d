from __future__ import annotations

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = "Resume rollout ID as --user (paused, or halted: its failures so far are then accepted)."
    operation = "resume"
