from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, command_error, get_upgrade, get_user
from ocpdash.changes.flow import approve
from ocpdash.core.phrases import translated
from ocpdash.upgrades.errors import UpgradeError


class Command(PeopleCommand):
    help = gettext_lazy(
        "Approve upgrade ID's plan as --user (Approvers role; not the requester). OCP is asked again "
        "first: if the plan changed, nothing is approved and its approvals are void."
    )

    def add_arguments(self, parser):
        parser.add_argument("upgrade", help=gettext_lazy("Upgrade id"))
        add_user_argument(parser)
        parser.add_argument("--comment", default="", help=gettext_lazy("Recorded with the approval"))
        parser.add_argument(
            "--plan-digest",
            default="",
            help=gettext_lazy("The digest you reviewed (upgrade_status ID shows it): refused if it changed"),
        )

    def handle(self, *args, **options):
        user = get_user(options["user"])
        upgrade = get_upgrade(options["upgrade"])
        try:
            message = approve(
                user, upgrade, comment=options["comment"], plan_digest=options["plan_digest"] or None
            )
        except UpgradeError as exc:
            raise command_error(exc)
        self.stdout.write(translated(message))
