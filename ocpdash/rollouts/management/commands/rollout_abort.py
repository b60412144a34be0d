from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = gettext_lazy("Abort rollout ID as --user: nothing new starts; started upgrades run to their end.")
    operation = "abort"
