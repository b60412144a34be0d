from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ocpdash.api.cli import (
    add_option_arguments,
    add_user_argument,
    get_cluster,
    get_package,
    get_user,
    upgrade_options,
)
from ocpdash.upgrades.precheck import precheck


class Command(BaseCommand):
    help = "Pre-check an upgrade of CLUSTER to PACKAGE without submitting it (exit 1 when it fails)."

    def add_arguments(self, parser):
        parser.add_argument("cluster", help="Cluster id, name or site/name")
        parser.add_argument("package", help="Package id or RPM file name")
        add_user_argument(parser)
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")
        add_option_arguments(parser)

    def handle(self, *args, **options):
        user = get_user(options["user"])
        chosen = upgrade_options(options)
        report = precheck(user, get_cluster(options["cluster"]), get_package(options["package"]), chosen)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(f"Pre-check {report.from_version} → {report.to_version}:")
            marks = {"ok": "✓", "warning": "⚠", "error": "✗"}
            for check in report.checks:
                self.stdout.write(f"  {marks.get(check.level, '?')} {check.key}: {check.message}")
            for step in report.path:
                kind = (
                    f"binary stop, RPM {step.file_name or '(none found)'}" if step.binary else "scripts only"
                )
                where = "" if not step.binary else (" in OCP" if step.in_ocp else " MISSING in OCP")
                self.stdout.write(f"  path: {step.version} ({kind}{where})")
        if not report.ok:
            raise CommandError(f"The pre-check failed ({len(report.failures)} failing checks).")
