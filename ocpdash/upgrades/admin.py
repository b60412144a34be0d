from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

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

    list_display = (
        "id", "cluster", "from_version", "to_version", "state_label", "requested_by", "created_at"
    )  # fmt: skip
    list_filter = ("state", "cluster__site")
    search_fields = ("cluster__name", "to_version", "from_version")
    inlines = (StepInline, EventInline)

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_label(self, obj: Upgrade) -> str:
        """The state in the reader's language (msgids: ocpdash.web.terms)."""
        return gettext(obj.get_state_display())
