from django.contrib import admin

from ocpdash.core.admin import ReadOnlyMixin
from ocpdash.upgrades.models import Upgrade, UpgradeEvent, UpgradeStep


class StepInline(ReadOnlyMixin, admin.TabularInline):
    model = UpgradeStep
    fields = (
        "ocp_task_id",
        "ocp_subtask_id",
        "name",
        "status",
        "operation",
        "run_time",
        "started_at",
        "finished_at",
    )
    extra = 0


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = UpgradeEvent
    fields = ("created_at", "kind", "actor", "message")
    extra = 0


@admin.register(Upgrade)
class UpgradeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Upgrades are changed only by the engine and operators' actions, never edited by hand."""

    list_display = ("id", "cluster", "from_version", "to_version", "state", "requested_by", "created_at")
    list_filter = ("state", "cluster__site")
    search_fields = ("cluster__name", "to_version", "from_version")
    inlines = (StepInline, EventInline)
