from django import forms
from django.contrib import admin

from ocpdash.core import site_rules
from ocpdash.sites.models import Cluster, OcpSite


class OcpSiteForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them, and a blank field keeps the stored one,
    unless the URL changes (ocpdash.core.site_rules)."""

    base_url = forms.URLField(
        assume_scheme="https",
        validators=[site_rules.validate_ocp_url],
        help_text="e.g. http://ocp.example.com:8080 (changing it needs the password or secret again)",
    )
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
            "ca_bundle",
            "enabled",
        )
        widgets = {"ca_bundle": forms.Textarea(attrs={"rows": 4, "cols": 70})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("password", None)
        self.initial.pop("access_key_secret", None)

    def clean_ca_bundle(self) -> str:
        pem = self.cleaned_data.get("ca_bundle", "")
        site_rules.validate_ca_bundle(pem)
        return pem

    def clean(self):
        data = super().clean()
        if site_rules.secret_needed_again(self.instance, data.get("base_url")):
            secret = site_rules.SECRET_OF_MODE.get(data.get("auth_mode"), "password")
            if not data.get(secret):
                what = site_rules.SECRET_NAMES[secret]
                self.add_error(secret, site_rules.URL_CHANGED.format(what=what))
                return data
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
    list_display = (
        "name",
        "base_url",
        "ocp_version",
        "auth_mode",
        "enabled",
        "from_environment",
        "last_sync_at",
    )
    readonly_fields = (
        "from_environment",
        "ocp_version",
        "ocp_version_checked_at",
        "auth_refused_since",
        "last_sync_at",
        "last_sync_error",
    )


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
