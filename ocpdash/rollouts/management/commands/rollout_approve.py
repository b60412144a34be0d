from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, get_user
from ocpdash.core.phrases import translated
from ocpdash.rollouts import flow
from ocpdash.rollouts.cli import command_error, get_rollout
from ocpdash.upgrades.errors import UpgradeError


class Command(PeopleCommand):
    help = gettext_lazy(
        "Approve rollout ID's plan as --user (Approvers role; not its creator); --decline with a --comment "
        "declines it. The plan is made again with OCP first: if it changed, nothing is approved."
    )

    def add_arguments(self, parser):
        parser.add_argument("rollout", help=gettext_lazy("Rollout id"))
        add_user_argument(parser)
        parser.add_argument("--comment", default="")
        parser.add_argument(
            "--plan-digest", default="", help=gettext_lazy("The digest you reviewed: refused if it changed")
        )
        parser.add_argument("--decline", action="store_true")

    def handle(self, *args, **options):
        user, rollout = get_user(options["user"]), get_rollout(options["rollout"])
        try:
            if options["decline"]:
                message = flow.decline(user, rollout, comment=options["comment"])
            else:
                message = flow.approve(
                    user, rollout, comment=options["comment"], plan_digest=options["plan_digest"] or None
                )
        except UpgradeError as exc:
            raise command_error(exc) from None
        self.stdout.write(translated(message))
