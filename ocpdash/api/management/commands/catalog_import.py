from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, get_user
from ocpdash.catalog.fetch import downloaded, is_url, shown
from ocpdash.catalog.intake import RpmRefused, keep


class Command(PeopleCommand):
    help = gettext_lazy(
        "Add OceanBase RPMs to the catalog: every *.rpm of a folder, one RPM file or URL, or a list "
        "file (one path, relative to the list, or http(s) URL per line; # starts a comment). Each file "
        "is read and checked (header against the file name, digests, its oceanbase_upgrade_dep.yml) "
        "and kept for uploads to OCP; refused files say why."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "source", help=gettext_lazy("A folder of RPMs, an RPM file or URL, or a text file listing them")
        )
        add_user_argument(parser)
        parser.add_argument("--notes", default="", help=gettext_lazy("Notes for every new package"))

    def handle(self, *args, **options):
        user = get_user(options["user"])
        if not user.has_perm("catalog.add_rpmpackage"):
            raise CommandError(
                _("%(user)s may not add packages to the catalog (Catalog admins role needed).")
                % {"user": user}
            )
        sources = self.sources(options["source"])
        refused = 0
        for source in sources:
            try:
                self.add(source, user, options["notes"])
            except RpmRefused as exc:
                refused += 1
                self.stderr.write(
                    _("refused %(file)s: %(error)s") % {"file": self.label(source), "error": exc.message}
                )
        if refused:
            raise CommandError(
                _("%(refused)s of %(count)s files refused.") % {"refused": refused, "count": len(sources)}
            )

    def sources(self, source: str) -> list[Path | str]:
        if is_url(source):
            return [source]
        path = Path(source)
        if path.is_dir():
            return sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".rpm")
        if path.is_file() and path.suffix == ".rpm":
            return [path]
        if path.is_file():
            lines = [line.strip() for line in path.read_text().splitlines()]
            entries = [line for line in lines if line and not line.startswith("#")]
            found = [line if is_url(line) else path.parent / line for line in entries]
            missing = [str(p) for p in found if isinstance(p, Path) and not p.is_file()]
            if missing:
                raise CommandError(_("Not found: %(files)s") % {"files": ", ".join(map(str, missing))})
            return found
        raise CommandError(
            _("%(source)s is neither a folder, an RPM, a URL nor a list file.") % {"source": source}
        )

    @staticmethod
    def label(source: Path | str) -> str:
        return source.name if isinstance(source, Path) else shown(source)

    def add(self, source: Path | str, user, notes: str) -> None:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                package, new = keep(handle, source.name, user, notes=notes)
        else:
            with downloaded(source) as (file_name, handle):
                package, new = keep(handle, file_name, user, notes=notes)
        facts = {"file": package.file_name, "size": package.size, "sha256": package.sha256}
        said = (
            _("added %(file)s (%(size)s bytes, sha256 %(sha256)s, header and digests verified")
            if new
            else _("updated %(file)s (%(size)s bytes, sha256 %(sha256)s, header and digests verified")
        ) % facts
        dep = _(", with its own upgrade dependency file") if package.upgrade_dep_file else ""
        self.stdout.write(f"{said}{dep})")
