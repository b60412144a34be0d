from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, command_error, get_upgrade, get_user
from ocpdash.changes.flow import decline
from ocpdash.core.phrases import translated
from ocpdash.upgrades.errors import UpgradeError


class Command(PeopleCommand):
    help = gettext_lazy(
        "Decline upgrade ID (awaiting approval or its start) as --user, saying why (Approvers role; "
        "not the requester). It ends; nothing is sent to OCP."
    )

    def add_arguments(self, parser):
        parser.add_argument("upgrade", help=gettext_lazy("Upgrade id"))
        add_user_argument(parser)
        parser.add_argument("--comment", required=True, help=gettext_lazy("Why (the requester reads it)"))

    def handle(self, *args, **options):
        user = get_user(options["user"])
        upgrade = get_upgrade(options["upgrade"])
        try:
            message = decline(user, upgrade, comment=options["comment"])
        except UpgradeError as exc:
            raise command_error(exc)
        self.stdout.write(translated(message))
