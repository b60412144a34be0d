from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = gettext_lazy("Pause rollout ID as --user: nothing new starts; upgrades already started run on.")
    operation = "pause"
