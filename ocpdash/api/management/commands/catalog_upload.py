from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, get_package, get_user
from ocpdash.catalog.models import PackageUpload, UploadState
from ocpdash.catalog.uploading import UploadNotAllowed, request_upload
from ocpdash.sites.models import OcpSite
from ocpdash.upgrades.params import parse_id


def get_site(ref: str) -> OcpSite:
    lookup = {"pk": parse_id(ref)} if parse_id(ref) is not None else {"name": ref}
    try:
        return OcpSite.objects.get(**lookup)
    except OcpSite.DoesNotExist:
        raise CommandError(_("No OCP site %(ref)r (give its name or id).") % {"ref": ref}) from None


class Command(PeopleCommand):
    help = gettext_lazy(
        "Upload a catalog package's RPM to OCP sites (a worker sends it; OCP's package list is looked at "
        "first, so nothing is uploaded twice). --wait follows it to the end and exits non-zero on failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("package", help=gettext_lazy("Catalog package id or file name"))
        parser.add_argument(
            "--site", action="append", required=True, help=gettext_lazy("OCP site name or id (repeatable)")
        )
        add_user_argument(parser)
        parser.add_argument(
            "--wait", action="store_true", help=gettext_lazy("Follow the uploads until they end")
        )
        parser.add_argument(
            "--timeout", type=float, default=3600.0, help=gettext_lazy("Seconds --wait waits at most")
        )

    def handle(self, *args, **options):
        user = get_user(options["user"])
        package = get_package(options["package"])
        uploads = []
        for ref in options["site"]:
            site = get_site(ref)
            try:
                upload, new = request_upload(user, package, site)
            except UploadNotAllowed as exc:
                raise CommandError(exc.message) from None
            what = _("queued") if new else _("already under way")
            facts = {"id": upload.pk, "file": package.file_name, "site": site.name, "what": what}
            self.stdout.write(_("upload #%(id)s of %(file)s to %(site)s: %(what)s") % facts)
            uploads.append(upload.pk)
        if options["wait"]:
            self.wait(uploads, options["timeout"])

    def wait(self, ids: list[int], timeout: float) -> None:
        deadline, shown = time.monotonic() + timeout, {}
        while True:
            rows = list(PackageUpload.objects.filter(pk__in=ids).select_related("site"))
            for row in rows:
                line = f"upload #{row.pk} to {row.site.name}: {row.get_state_display()} {row.percent} %"
                line += f" {row.message}" if row.message else ""
                if shown.get(row.pk) != line:
                    shown[row.pk] = line
                    self.stdout.write(line)
            if all(not row.is_active for row in rows):
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    _("Still not finished after %(seconds)s s (is a worker running?).")
                    % {"seconds": f"{timeout:.0f}"}
                )
            time.sleep(0.5)
        failed = [row for row in rows if row.state == UploadState.FAILED]
        if failed:
            raise CommandError(
                _("%(failed)s of %(count)s uploads failed.") % {"failed": len(failed), "count": len(rows)}
            )
