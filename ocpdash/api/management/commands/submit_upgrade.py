from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import (
    PeopleCommand,
    add_option_arguments,
    add_user_argument,
    command_error,
    get_cluster,
    get_package,
    get_user,
    step_line,
    upgrade_options,
    upgrade_summary,
)
from ocpdash.changes.flow import Start
from ocpdash.upgrades.errors import UpgradeError
from ocpdash.upgrades.models import TERMINAL_STATES, State, Upgrade
from ocpdash.upgrades.submission import submit_upgrade

# Where --wait stops: the end, or a failure that needs an operator (retry/rollback/close).
STOP_STATES = (*TERMINAL_STATES, State.FAILED, State.NEEDS_ATTENTION)


class Command(PeopleCommand):
    help = gettext_lazy(
        "Pre-check and request an upgrade of CLUSTER to PACKAGE as --user: it is submitted to OCP at "
        "once, or waits for approval (an approval policy applies) or for its --start. With --wait, follow "
        "it step by step until it ends; the exit status is 0 only if it succeeded."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster", help=gettext_lazy("Cluster id, name or site/name"))
        parser.add_argument("package", help=gettext_lazy("Package id or RPM file name"))
        add_user_argument(parser)
        parser.add_argument("--reason", default="", help=gettext_lazy("Why (recorded in the audit trail)"))
        parser.add_argument(
            "--start",
            default="now",
            help=gettext_lazy(
                "now (default), next_window, or a time with its offset (2026-12-05T01:00:00+08:00)"
            ),
        )
        parser.add_argument(
            "--wait", action="store_true", help=gettext_lazy("Follow the upgrade until it ends")
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help=gettext_lazy("Seconds between checks")
        )
        parser.add_argument(
            "--timeout", type=float, default=6 * 3600, help=gettext_lazy("Give up waiting after this")
        )
        add_option_arguments(parser)

    def handle(self, *args, **options):
        user = get_user(options["user"])
        cluster, package = get_cluster(options["cluster"]), get_package(options["package"])
        try:
            start = Start.parse(options["start"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            upgrade = submit_upgrade(
                user,
                cluster,
                package,
                reason=options["reason"],
                options=upgrade_options(options),
                start=start,
            )
        except UpgradeError as exc:
            raise command_error(exc)
        requested = _("Requested upgrade #%(id)s (%(from)s → %(to)s): %(state)s.") % {
            "id": upgrade.pk, "from": upgrade.from_version, "to": upgrade.to_version,
            "state": _(upgrade.get_state_display()).lower(),  # msgids: ocpdash.web.terms
        }  # fmt: skip
        self.stdout.write(requested + (f" {upgrade.start_note_text}" if upgrade.start_note else ""))
        if upgrade.state == State.AWAITING_APPROVAL:
            self.stdout.write(
                _(
                    "  It needs %(count)s approval(s): manage.py approve_upgrade %(id)s --user APPROVER "
                    "(plan digest %(digest)s)."
                )
                % {"count": upgrade.approvals_required, "id": upgrade.pk, "digest": upgrade.plan_digest[:12]}
            )
        if options["wait"]:
            self.follow(upgrade.pk, options["interval"], options["timeout"])

    def follow(self, upgrade_id: int, interval: float, timeout: float) -> None:
        """Poll the database (the engine writes every step there) and print what changed."""
        deadline = time.monotonic() + timeout
        seen: dict[int, str] = {}
        state = None
        while True:
            upgrade = Upgrade.objects.for_list().get(pk=upgrade_id)
            if upgrade.state != state:
                state = upgrade.state
                self.stdout.write(f"state: {state}")
            for step in upgrade.steps.all():
                if seen.get(step.ocp_subtask_id) != step.display_status:
                    seen[step.ocp_subtask_id] = step.display_status
                    self.stdout.write(step_line(step))
            if state in STOP_STATES:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    _("Upgrade #%(id)s is still %(state)s after %(seconds)ss.")
                    % {"id": upgrade_id, "state": state, "seconds": f"{timeout:.0f}"}
                )
            time.sleep(interval)
        for line in upgrade_summary(upgrade):
            self.stdout.write(line)
        if state != State.SUCCESSFUL:
            why = upgrade.last_error_text or _("see its events")
            raise CommandError(
                _("Upgrade #%(id)s ended %(state)s: %(why)s") % {"id": upgrade_id, "state": state, "why": why}
            )
