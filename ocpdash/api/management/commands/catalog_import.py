from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ocpdash.api.cli import add_user_argument, get_user
from ocpdash.catalog.models import RpmPackage
from ocpdash.ocp.rpm import RpmNameError, parse_rpm_filename


def file_digests(path: Path) -> tuple[int, str, str]:
    sha1, sha256 = hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
    return size, sha1.hexdigest(), sha256.hexdigest()


class Command(BaseCommand):
    help = (
        "Register OceanBase RPMs in the catalog from a folder (every *.rpm in it) or from a list file "
        "(one path per line), with size, SHA-1 and SHA-256. Bad file names are refused, naming the wrong "
        "part."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A folder of RPMs, or a text file listing RPM paths")
        add_user_argument(parser)
        parser.add_argument("--notes", default="", help="Notes for every new package")

    def handle(self, *args, **options):
        user = get_user(options["user"])
        if not user.has_perm("catalog.add_rpmpackage"):
            raise CommandError(f"{user} may not add packages to the catalog (Catalog admins role needed).")
        paths = self.paths(Path(options["source"]))
        refused = 0
        for path in paths:
            try:
                parse_rpm_filename(path.name)
            except RpmNameError as exc:
                refused += 1
                self.stderr.write(f"refused {path.name}: {exc.part}: {exc.message}")
                continue
            self.register(path, user, options["notes"])
        if refused:
            raise CommandError(f"{refused} of {len(paths)} files refused.")

    def paths(self, source: Path) -> list[Path]:
        if source.is_dir():
            return sorted(p for p in source.iterdir() if p.is_file() and p.suffix == ".rpm")
        if source.is_file():
            lines = [line.strip() for line in source.read_text().splitlines()]
            paths = [(source.parent / line) for line in lines if line and not line.startswith("#")]
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                raise CommandError("Not found: " + ", ".join(missing))
            return paths
        raise CommandError(f"{source} is neither a folder nor a list file.")

    def register(self, path: Path, user, notes: str) -> None:
        size, sha1, sha256 = file_digests(path)
        with transaction.atomic():
            package = RpmPackage.objects.filter(file_name=path.name).first()
            if package is None:
                RpmPackage.objects.create(
                    file_name=path.name, size=size, sha1=sha1, sha256=sha256, notes=notes, added_by=user
                )
                self.stdout.write(f"added {path.name} ({size} bytes, sha256 {sha256})")
            elif package.sha256 and package.sha256 != sha256:
                raise CommandError(f"{path.name} is already registered with a different SHA-256.")
            else:
                RpmPackage.objects.filter(pk=package.pk).update(size=size, sha1=sha1, sha256=sha256)
                self.stdout.write(f"updated {path.name} ({size} bytes, sha256 {sha256})")
