from __future__ import annotations

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = "Pause rollout ID as --user: nothing new starts; upgrades already started run on."
    operation = "pause"
