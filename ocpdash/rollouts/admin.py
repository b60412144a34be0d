from django.contrib import admin

from ocpdash.core.admin import ReadOnlyMixin
from ocpdash.rollouts.models import Rollout, RolloutApproval, RolloutEvent, RolloutUnit


class UnitInline(ReadOnlyMixin, admin.TabularInline):
    model = RolloutUnit
    fields = ("position", "wave", "cluster", "package", "from_version", "state", "upgrade", "note")
    extra = 0


class ApprovalInline(ReadOnlyMixin, admin.TabularInline):
    model = RolloutApproval
    fields = ("created_at", "user", "decision", "comment", "plan_digest")
    extra = 0


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = RolloutEvent
    fields = ("created_at", "kind", "actor", "message")
    extra = 0


@admin.register(Rollout)
class RolloutAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Rollouts are changed only by the reconciler and operators' actions (pages, API, CLI)."""

    list_display = ("id", "name", "target_version", "state", "current_wave", "created_by", "created_at")
    list_filter = ("state",)
    search_fields = ("name", "target_version")
    inlines = (UnitInline, ApprovalInline, EventInline)
