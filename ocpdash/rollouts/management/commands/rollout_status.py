from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand
from ocpdash.rollouts.cli import get_rollout, status_lines
from ocpdash.rollouts.management.commands.rollout_create import follow
from ocpdash.rollouts.models import Rollout


class Command(PeopleCommand):
    help = gettext_lazy(
        "A rollout's state, wave and each unit's state and upgrade; without an id, the recent rollouts."
    )

    def add_arguments(self, parser):
        parser.add_argument("rollout", nargs="?", help=gettext_lazy("Rollout id"))
        parser.add_argument("--wait", action="store_true", help=gettext_lazy("Follow it until it ends"))

    def handle(self, *args, **options):
        if not options["rollout"]:
            for rollout in Rollout.objects.order_by("-created_at", "-id")[:20]:
                self.stdout.write(status_lines(rollout)[0])
            return
        rollout = get_rollout(options["rollout"])
        if options["wait"]:
            follow(self.stdout, rollout.pk)
        else:
            self.stdout.write("\n".join(status_lines(rollout)))
