from django import forms
from django.contrib import admin

from ocpdash.sites.models import Cluster, OcpSite


class OcpSiteForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them, and a blank field keeps the stored one."""

    base_url = forms.URLField(assume_scheme="https", help_text="e.g. http://ocp.example.com:8080")
    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave blank to keep."
    )
    access_key_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave blank to keep."
    )

    class Meta:
        model = OcpSite
        fields = (
            "name",
            "base_url",
            "auth_mode",
            "username",
            "password",
            "access_key_id",
            "access_key_secret",
            "enabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("password", None)
        self.initial.pop("access_key_secret", None)

    def clean(self):
        data = super().clean()
        for secret in ("password", "access_key_secret"):
            if not data.get(secret) and self.instance.pk:
                data[secret] = getattr(self.instance, secret)
        if data.get("auth_mode") == OcpSite.AuthMode.AKSK and not (
            data.get("access_key_id") and data.get("access_key_secret")
        ):
            raise forms.ValidationError("AK/SK mode needs an AccessKey id and secret.")
        if data.get("auth_mode") == OcpSite.AuthMode.BASIC and not (
            data.get("username") and data.get("password")
        ):
            raise forms.ValidationError("Basic mode needs a username and password.")
        return data


@admin.register(OcpSite)
class OcpSiteAdmin(admin.ModelAdmin):
    form = OcpSiteForm
    list_display = ("name", "base_url", "auth_mode", "enabled", "from_environment", "last_sync_at")
    readonly_fields = ("from_environment", "last_sync_at", "last_sync_error")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "site",
        "ocp_id",
        "version",
        "status",
        "cluster_type",
        "architecture",
        "zone_count",
        "last_synced_at",
    )
    list_filter = ("site", "status", "cluster_type", "architecture")
    search_fields = ("name", "version")
    readonly_fields = [f.name for f in Cluster._meta.fields]

    def has_add_permission(self, request):
        return False  # clusters come from OCP
