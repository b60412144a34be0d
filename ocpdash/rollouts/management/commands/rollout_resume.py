from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.rollouts.cli import OperationCommand


class Command(OperationCommand):
    help = gettext_lazy(
        "Resume rollout ID as --user (paused, or halted: its failures so far are then accepted)."
    )
    operation = "resume"
