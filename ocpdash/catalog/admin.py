from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocpdash.catalog import presence, storage, uploading
from ocpdash.catalog.intake import RpmRefused, apply_contents, check_same_file, inspect_rpm, record_file
from ocpdash.catalog.models import PackageUpload, Presence, RpmPackage
from ocpdash.catalog.tasks import REFRESH_TASK
from ocpdash.core.admin import ReadOnlyMixin
from ocpdash.sites.models import OcpSite


class RpmPackageForm(forms.ModelForm):
    """A package by its file name only, or with the RPM itself (read, checked and stored)."""

    upload = forms.FileField(
        required=False,
        label=_("RPM file"),
        help_text=_(
            "The RPM itself: its header and checksums are checked, its upgrade dependency file read, "
            "and it is kept for uploads to OCP. Without it the package is known by name only."
        ),
    )

    class Meta:
        model = RpmPackage
        fields = ("file_name", "size", "sha1", "sha256", "notes", "enabled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file_name" in self.fields:
            self.fields["file_name"].required = False
            self.fields["file_name"].help_text = gettext("Taken from the RPM file when you upload one.")
        self.contents = None

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        file_name = self.instance.file_name if self.instance.pk else (data.get("file_name") or "")
        if upload is not None:
            file_name = file_name or upload.name
            existing = self.instance if self.instance.pk else None
            try:
                self.contents = inspect_rpm(upload, file_name)
                check_same_file(existing, self.contents)
            except RpmRefused as exc:
                raise forms.ValidationError({"upload": exc.message}) from None
            data["file_name"] = file_name
        elif not file_name:
            raise forms.ValidationError(
                {"file_name": gettext("Give the RPM's file name, or upload the RPM.")}
            )
        return data


HISTORY_SHOWN = 50


def history_html(events) -> str:
    """Newest events first, as an HTML list (the catalog's history is append-only)."""
    rows = [
        (e.created_at, e.actor_name, e.message)
        for e in events.select_related("actor").order_by("-created_at", "-id")[:HISTORY_SHOWN]
    ]
    if not rows:
        return "-"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {}: {}</li>", rows))


@admin.register(RpmPackage)
class RpmPackageAdmin(admin.ModelAdmin):
    form = RpmPackageForm
    list_display = (
        "file_name",
        "version",
        "build",
        "dist",
        "arch",
        "file_state",
        "enabled",
        "added_by",
        "added_at",
    )
    list_filter = ("enabled", "version", "arch", "dist", "name")
    search_fields = ("file_name", "version", "build", "notes")
    readonly_fields = ("name", "version", "build", "dist", "arch", "added_by", "added_at", "file_checks",
                       "dependency_file", "at_sites", "history")  # fmt: skip
    actions = ("enable", "disable", "upload_to_sites", "refresh_presence")

    def get_fields(self, request, obj=None):
        head = ("upload",) if obj is None or not obj.has_file else ()
        checksums = ("size", "sha1", "sha256")
        return (*head, "file_name", "name", "version", "build", "dist", "arch", *checksums, "file_checks",
                "dependency_file", "at_sites", "notes", "enabled", "added_by", "added_at",
                "history")  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        """The file name is fixed once created: upgrades and their history name the package by it.
        The checksums of a stored file are what reading it showed."""
        fixed = ("file_name",) if obj is not None else ()
        measured = ("size", "sha1", "sha256") if obj is not None and obj.has_file else ()
        return (*fixed, *measured, *super().get_readonly_fields(request, obj))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("added_by").prefetch_related("presences")

    def get_list_display(self, request):
        """One column per enabled OCP site: present (SHA-1 compared), missing or different."""
        return (*self.list_display, *(_site_column(site) for site in OcpSite.objects.filter(enabled=True)))

    def save_model(self, request, obj, form, change):
        contents = form.contents
        if contents is not None:
            apply_contents(
                obj, contents, storage.store(form.cleaned_data["upload"], contents.sha256, obj.file_name)
            )
        if not change and obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
        if contents is not None:
            record_file(obj, request.user)
            checks = " ".join(obj.verification["checks"])
            self.message_user(request, gettext("Verified: %(checks)s") % {"checks": checks}, messages.SUCCESS)

    @admin.display(description=_("File"))
    def file_state(self, obj: RpmPackage) -> str:
        return gettext("verified") if obj.has_file else gettext("name only")

    @admin.display(description=_("History"))
    def history(self, obj: RpmPackage) -> str:
        return history_html(obj.events) if obj.pk else "-"

    @admin.display(description=_("Checks"))
    def file_checks(self, obj: RpmPackage) -> str:
        if not obj.has_file:
            return gettext("No file: the package is known by name only.")
        checks = obj.verification.get("checks", [])
        return format_html(
            "<ul>{}</ul><p>{}</p>",
            format_html_join("", "<li>{}</li>", ((c,) for c in checks)),
            gettext("Verified %(at)s.") % {"at": obj.verified_at},
        )

    @admin.display(description=_("Upgrade dependency file"))
    def dependency_file(self, obj: RpmPackage) -> str:
        if not obj.upgrade_dep_file:
            return gettext("None: the pre-check uses the bundled upstream file.")
        return format_html(
            "<p>{}</p><pre>{}</pre>", obj.upgrade_dep_path or gettext("(given by hand)"), obj.upgrade_dep_file
        )

    @admin.display(description=_("At OCP sites"))
    def at_sites(self, obj: RpmPackage) -> str:
        sites = list(OcpSite.objects.filter(enabled=True))
        if obj.pk is None or not sites:
            return "-"
        ((_, cells),) = presence.matrix([obj], sites)
        rows = ((site.name, _cell_text(obj, cell)) for site, cell in cells)
        return format_html(
            "<table>{}</table><p><a href='{}'>{}</a></p>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
            reverse("admin:catalog_packageupload_changelist") + f"?package__id__exact={obj.pk}",
            gettext("Uploads of this package"),
        )

    @admin.action(description=_("Enable selected packages"), permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.update(enabled=True)
        self.message_user(
            request, gettext("Enabled %(count)s package(s).") % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Disable selected packages"), permissions=["change"])
    def disable(self, request, queryset):
        count = queryset.update(enabled=False)
        self.message_user(
            request, gettext("Disabled %(count)s package(s).") % {"count": count}, messages.SUCCESS
        )

    @admin.action(
        description=_("Upload selected packages to the OCP sites that lack them"), permissions=["change"]
    )
    def upload_to_sites(self, request, queryset):
        sites = list(OcpSite.objects.filter(enabled=True))
        queued, skipped = 0, []
        for package, cells in presence.matrix(list(queryset), sites):
            if not package.has_file:
                skipped.append(gettext("%(file)s (no file)") % {"file": package.file_name})
                continue
            for site, cell in cells:
                if cell is None or cell.state != Presence.PRESENT:
                    try:
                        uploading.request_upload(request.user, package, site)
                    except uploading.UploadNotAllowed as exc:
                        skipped.append(
                            gettext("%(file)s to %(site)s (%(why)s)")
                            % {"file": package.file_name, "site": site.name, "why": exc.message}
                        )
                        continue
                    queued += 1
        self.message_user(
            request, gettext("Queued %(count)s upload(s).") % {"count": queued}, messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                gettext("Not uploaded: %(skipped)s") % {"skipped": ", ".join(skipped)},
                messages.WARNING,
            )

    @admin.action(description=_("Read the OCP sites' package lists again"), permissions=["view"])
    def refresh_presence(self, request, queryset):
        if uploading.enqueue_by_name(REFRESH_TASK):
            self.message_user(
                request, gettext("Reading every OCP site's package list; reload in a moment."), messages.INFO
            )
        else:
            self.message_user(
                request, gettext("The queue is not reachable; try again later."), messages.ERROR
            )


def _cell_text(package: RpmPackage, cell) -> str:
    if cell is None:
        return gettext("not checked yet")
    if cell.state == Presence.PRESENT:
        compared = (
            gettext("SHA-1 matches") if package.sha1 and cell.ocp_sha1 else gettext("SHA-1 not compared")
        )
        return gettext("present (%(compared)s)") % {"compared": compared}
    if cell.state == Presence.DIFFERENT:
        return gettext("different file (OCP's SHA-1 %(sha1)s)") % {"sha1": cell.ocp_sha1}
    return gettext("missing")


def _site_column(site: OcpSite):
    def column(obj: RpmPackage) -> str:
        cell = next((p for p in obj.presences.all() if p.site_id == site.pk), None)
        return _cell_text(obj, cell)

    column.short_description = f"@{site.name}"
    column.__name__ = f"site_{site.pk}"
    return column


@admin.register(PackageUpload)
class PackageUploadAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Uploads to OCP: read-only here (they are asked for from the catalog), with their history."""

    list_display = (
        "id",
        "package",
        "site",
        "state",
        "outcome",
        "progress",
        "attempts",
        "requested_by",
        "created_at",
    )
    list_filter = ("state", "outcome", "site")
    search_fields = ("package__file_name", "message")
    readonly_fields = ("package", "site", "requested_by", "state", "outcome", "message", "attempts",
                       "bytes_sent", "total_bytes", "ocp_package_id", "ocp_sha1", "created_at", "started_at",
                       "finished_at", "history")  # fmt: skip
    fields = readonly_fields

    @admin.display(description=_("History"))
    def history(self, obj: PackageUpload) -> str:
        return history_html(obj.events)

    @admin.display(description=_("Sent"))
    def progress(self, obj: PackageUpload) -> str:
        return f"{obj.percent} %"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalog.view_rpmpackage")

    def has_module_permission(self, request):
        return request.user.has_perm("catalog.view_rpmpackage")
