from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, command_error, get_upgrade, get_user
from ocpdash.core.phrases import translated
from ocpdash.upgrades.errors import UpgradeError
from ocpdash.upgrades.operations import operate_task


class Command(PeopleCommand):
    help = gettext_lazy(
        "Cancel upgrade ID as --user while OCP has not started it (awaiting approval, scheduled, queued, "
        "submitting or needs attention). If an earlier attempt may have reached OCP, ocpdash looks "
        "there first and follows the task it finds instead; upgrade_status ID tells which happened."
    )

    def add_arguments(self, parser):
        parser.add_argument("upgrade", help=gettext_lazy("Upgrade id"))
        add_user_argument(parser)
        parser.add_argument("--reason", default="", help=gettext_lazy("Why (recorded in the audit trail)"))

    def handle(self, *args, **options):
        user = get_user(options["user"])
        upgrade = get_upgrade(options["upgrade"])
        try:
            message = operate_task(user, upgrade, "cancel", reason=options["reason"])
        except UpgradeError as exc:
            raise command_error(exc)
        self.stdout.write(translated(message))
