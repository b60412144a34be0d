from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, get_upgrade
from ocpdash.upgrades import evidence


class Command(PeopleCommand):
    help = gettext_lazy(
        "Write an upgrade's evidence pack: one self-contained HTML file stating the SHA-256 of the "
        "evidence JSON, or (--json, or an --out ending in .json) that JSON. --verify FILE checks one."
    )

    def add_arguments(self, parser):
        parser.add_argument("upgrade", nargs="?", help=gettext_lazy("Upgrade id"))
        parser.add_argument("--out", help=gettext_lazy("File to write ('-': standard output)"))
        parser.add_argument(
            "--json", action="store_true", help=gettext_lazy("Write the canonical JSON instead of HTML")
        )
        parser.add_argument(
            "--verify", metavar="FILE", help=gettext_lazy("Check an exported HTML or JSON file instead")
        )
        parser.add_argument(
            "--sha256",
            help=gettext_lazy("With --verify: the SHA-256 the file must have (e.g. from the HTML)"),
        )

    def handle(self, *args, **options):
        if options["verify"]:
            return self._verify(Path(options["verify"]), options["sha256"])
        if not options["upgrade"] or not options["out"]:
            raise CommandError(_("Give an upgrade id and --out FILE (or --verify FILE)."))
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
            raise CommandError(
                _("Cannot write %(file)s: %(error)s.") % {"file": options["out"], "error": exc.strerror}
            ) from None
        wrote = (
            _("Wrote the evidence JSON of upgrade #%(id)s to %(file)s.")
            if as_json
            else _("Wrote the evidence HTML of upgrade #%(id)s to %(file)s.")
        )
        self.stdout.write(wrote % {"id": pack.upgrade_id, "file": options["out"]})
        self.stdout.write(_("SHA-256 of the evidence JSON: %(sha)s") % {"sha": pack.sha256})
        return None

    def _verify(self, path: Path, expected: str | None) -> None:
        try:
            verdict = evidence.verify(path.read_bytes(), expected)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s.") % {"file": path, "error": exc.strerror}
            ) from None
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
