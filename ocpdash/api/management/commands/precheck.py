from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import (
    PeopleCommand,
    add_option_arguments,
    add_user_argument,
    get_cluster,
    get_package,
    get_user,
    upgrade_options,
)
from ocpdash.core.phrases import translated
from ocpdash.upgrades.precheck import precheck


class Command(PeopleCommand):
    help = gettext_lazy(
        "Pre-check an upgrade of CLUSTER to PACKAGE without submitting it (exit 1 when it fails)."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster", help=gettext_lazy("Cluster id, name or site/name"))
        parser.add_argument("package", help=gettext_lazy("Package id or RPM file name"))
        add_user_argument(parser)
        parser.add_argument("--json", action="store_true", help=gettext_lazy("Print the report as JSON"))
        add_option_arguments(parser)

    def handle(self, *args, **options):
        user = get_user(options["user"])
        chosen = upgrade_options(options)
        report = precheck(user, get_cluster(options["cluster"]), get_package(options["package"]), chosen)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(
                _("Pre-check %(from)s → %(to)s:") % {"from": report.from_version, "to": report.to_version}
            )
            marks = {"ok": "✓", "warning": "⚠", "error": "✗"}
            for check in report.checks:
                self.stdout.write(f"  {marks.get(check.level, '?')} {check.key}: {translated(check.message)}")
            for step in report.path:
                if not step.binary:
                    kind = _("scripts only")
                else:
                    kind = _("binary stop, RPM %(file)s") % {"file": step.file_name or _("(none found)")}
                    kind += ", " + (_("in OCP") if step.in_ocp else _("MISSING in OCP"))
                self.stdout.write(
                    _("  path: %(version)s (%(kind)s)") % {"version": step.version, "kind": kind}
                )
        if not report.ok:
            raise CommandError(
                _("The pre-check failed (%(count)s failing checks).") % {"count": len(report.failures)}
            )
