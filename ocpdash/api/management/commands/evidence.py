from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ocpdash.api.cli import get_upgrade
from ocpdash.upgrades import evidence


class Command(BaseCommand):
    help = (
        "Write an upgrade's evidence pack: one self-contained HTML file stating the SHA-256 of the "
        "evidence JSON, or (--json, or an --out ending in .json) that JSON. --verify FILE checks one."
    )

    def add_arguments(self, parser):
        parser.add_argument("upgrade", nargs="?", help="Upgrade id")
        parser.add_argument("--out", help="File to write ('-': standard output)")
        parser.add_argument("--json", action="store_true", help="Write the canonical JSON instead of HTML")
        parser.add_argument("--verify", metavar="FILE", help="Check an exported HTML or JSON file instead")
        parser.add_argument(
            "--sha256", help="With --verify: the SHA-256 the file must have (e.g. from the HTML)"
        )

    def handle(self, *args, **options):
        if options["verify"]:
            return self._verify(Path(options["verify"]), options["sha256"])
        if not options["upgrade"] or not options["out"]:
            raise CommandError("Give an upgrade id and --out FILE (or --verify FILE).")
        pack = evidence.export(get_upgrade(options["upgrade"]).pk)
        as_json = options["json"] or options["out"].lower().endswith(".json")
        if as_json:
            body = pack.body
        else:
            body = evidence.render_html(
                pack, exported_by="manage.py evidence", exported_at=timezone.now()
            ).encode()
        if options["out"] == "-":
            self.stdout.write(body.decode(), ending="")
            return None
        try:
            Path(options["out"]).write_bytes(body)
        except OSError as exc:
            raise CommandError(f"Cannot write {options['out']}: {exc.strerror}.") from None
        what = "evidence JSON" if as_json else "evidence HTML"
        self.stdout.write(f"Wrote the {what} of upgrade #{pack.upgrade_id} to {options['out']}.")
        self.stdout.write(f"SHA-256 of the evidence JSON: {pack.sha256}")
        return None

    def _verify(self, path: Path, expected: str | None) -> None:
        try:
            verdict = evidence.verify(path.read_bytes(), expected)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
