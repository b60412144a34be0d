from django.contrib import admin, messages

from ocpdash.catalog.models import RpmPackage


@admin.register(RpmPackage)
class RpmPackageAdmin(admin.ModelAdmin):
    list_display = ("file_name", "version", "build", "dist", "arch", "enabled", "added_by", "added_at")
    list_filter = ("enabled", "version", "arch", "dist", "name")
    search_fields = ("file_name", "version", "build", "notes")
    readonly_fields = ("name", "version", "build", "dist", "arch", "added_by", "added_at")
    fields = ("file_name", "name", "version", "build", "dist", "arch", "size", "sha1", "sha256", "notes",
              "enabled", "added_by", "added_at")  # fmt: skip
    actions = ("enable", "disable")

    def get_readonly_fields(self, request, obj=None):
        """The file name is fixed once created: upgrades and their history name the package by it."""
        fixed = ("file_name",) if obj is not None else ()
        return (*fixed, *super().get_readonly_fields(request, obj))

    def save_model(self, request, obj, form, change):
        if not change and obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Enable selected packages", permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.update(enabled=True)
        self.message_user(request, f"Enabled {count} package(s).", messages.SUCCESS)

    @admin.action(description="Disable selected packages", permissions=["change"])
    def disable(self, request, queryset):
        count = queryset.update(enabled=False)
        self.message_user(request, f"Disabled {count} package(s).", messages.SUCCESS)
