from __future__ import annotations

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = "Abort rollout ID as --user: nothing new starts; started upgrades run to their end."
    operation = "abort"
