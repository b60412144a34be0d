from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocpdash.core import site_rules
from ocpdash.sites.models import Cluster, OcpSite


class OcpSiteForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them, and a blank field keeps the stored one,
    unless the URL changes (ocpdash.core.site_rules)."""

    base_url = forms.URLField(
        label=capfirst(OcpSite._meta.get_field("base_url").verbose_name),
        assume_scheme="https",
        validators=[site_rules.validate_ocp_url],
        help_text=_("e.g. http://ocp.example.com:8080 (changing it needs the password or secret again)"),
    )
    password = forms.CharField(
        label=capfirst(OcpSite._meta.get_field("password").verbose_name),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to keep."),
    )
    access_key_secret = forms.CharField(
        label=capfirst(OcpSite._meta.get_field("access_key_secret").verbose_name),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to keep."),
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.pop("password", None)
        self.initial.pop("access_key_secret", None)

    def clean_ca_bundle(self) -> str:
        pem: str = self.cleaned_data.get("ca_bundle", "")
        site_rules.validate_ca_bundle(pem)
        return pem

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if site_rules.secret_needed_again(self.instance, data.get("base_url")):
            secret = site_rules.SECRET_OF_MODE.get(data.get("auth_mode", ""), "password")
            if not data.get(secret):
                what = getattr(OcpSite._meta.get_field(secret), "verbose_name", secret)  # its label
                self.add_error(secret, site_rules.url_changed(what))
                return data
        for secret in ("password", "access_key_secret"):
            if not data.get(secret) and self.instance.pk:
                data[secret] = getattr(self.instance, secret)
        if data.get("auth_mode") == OcpSite.AuthMode.AKSK and not (
            data.get("access_key_id") and data.get("access_key_secret")
        ):
            raise forms.ValidationError(gettext("AK/SK mode needs an AccessKey id and secret."))
        if data.get("auth_mode") == OcpSite.AuthMode.BASIC and not (
            data.get("username") and data.get("password")
        ):
            raise forms.ValidationError(gettext("Basic mode needs a username and password."))
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


LABEL_RE = r"^[a-z0-9][a-z0-9._-]{0,39}$"


class ClusterForm(forms.ModelForm):
    """Only the labels are ocpdash's to edit; everything else comes from OCP."""

    labels = forms.CharField(
        label=capfirst(Cluster._meta.get_field("labels").verbose_name),
        required=False,
        help_text=_("Comma-separated, e.g. production, emea (a-z, 0-9, . _ -; at most 40 characters each)."),
    )

    class Meta:
        model = Cluster
        fields = ("labels",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["labels"] = ", ".join(self.instance.labels or [])

    def clean_labels(self) -> list[str]:
        import re

        labels = [
            part.strip().lower() for part in (self.cleaned_data["labels"] or "").split(",") if part.strip()
        ]
        bad = [label for label in labels if not re.match(LABEL_RE, label)]
        if bad:
            raise forms.ValidationError(gettext("Not a label: %(labels)s.") % {"labels": ", ".join(bad)})
        return sorted(set(labels))


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    form = ClusterForm
    list_display = (
        "name",
        "site",
        "ocp_id",
        "version",
        "status",
        "cluster_type",
        "architecture",
        "zone_count",
        "labels",
        "last_synced_at",
    )
    list_filter = ("site", "status", "cluster_type", "architecture")
    search_fields = ("name", "version")
    readonly_fields = [f.name for f in Cluster._meta.fields if f.name != "labels"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clusters come from OCP
