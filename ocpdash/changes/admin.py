"""Policies, windows and change freezes are kept in the admin; a window shows its next openings, a
policy the clusters it covers now. Approvals are a record, never edited."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocpdash.changes import windows
from ocpdash.changes.models import Approval, ApprovalPolicy, Blackout, MaintenanceWindow
from ocpdash.core.admin import ReadOnlyMixin
from ocpdash.sites.models import Cluster

PREVIEW = 5


def _next_openings_title() -> str:
    return gettext("Next %(n)s openings (with the scope's other windows, merged)") % {"n": PREVIEW}


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "approvals_required", "site", "cluster", "label", "note")
    list_filter = ("site",)
    autocomplete_fields = ("cluster",)
    readonly_fields = ("covers",)
    fields = ("site", "cluster", "label", "approvals_required", "note", "covers")

    @admin.display(description=_("Clusters it covers now"))
    def covers(self, obj) -> str:
        if obj is None or obj.pk is None:
            return gettext("Saved policies list the clusters they cover.")
        if obj.cluster_id:
            clusters = [obj.cluster]
        elif obj.site_id:
            clusters = list(Cluster.objects.filter(site_id=obj.site_id).order_by("name")[:100])
        else:
            clusters = [
                c for c in Cluster.objects.select_related("site").order_by("name") if c.has_label(obj.label)
            ]
        if not clusters:
            return gettext("No cluster yet.")
        return format_html_join(", ", "{}", ((str(c),) for c in clusters[:100]))


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("__str__", "weekday", "start_time", "end_time", "time_zone", "next_opening")
    list_filter = ("weekday", "time_zone", "site")
    autocomplete_fields = ("cluster",)
    readonly_fields = ("next_openings",)
    fields = ("site", "cluster", "weekday", "start_time", "end_time", "time_zone", "note", "next_openings")

    @admin.display(description=_("Next opening"))
    def next_opening(self, obj) -> str:
        found = windows.upcoming([obj], timezone.now(), count=1)
        return found[0].describe().translated() if found else "–"

    @admin.display(description=lazy(_next_openings_title, str)())
    def next_openings(self, obj) -> str:
        if obj is None or obj.pk is None:
            return gettext("Save to preview the next openings.")
        scope = MaintenanceWindow.objects.filter(site_id=obj.site_id, cluster_id=obj.cluster_id)
        found = windows.upcoming(list(scope), timezone.now(), count=PREVIEW)
        rows = ((o.describe().translated(), windows.when(o.start, "UTC").translated()) for o in found)
        return format_html_join("", "<div>{} <small>({})</small></div>", rows) or gettext(
            "None in the next 8 weeks."
        )


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ("reason", "starts_at", "ends_at", "scope_text")
    list_filter = ("site",)
    autocomplete_fields = ("cluster",)
    fields = ("reason", "starts_at", "ends_at", "site", "cluster", "label")

    @admin.display(description=_("Applies to"))
    def scope_text(self, obj) -> str:
        return obj.scope.translated()


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("upgrade", "user", "decision", "created_at", "voided_at")
    list_filter = ("decision",)
    readonly_fields = [f.name for f in Approval._meta.fields]
