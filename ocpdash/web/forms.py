"""Web forms. Limits come from the domain (``REASON_MAX_LENGTH``, ``UpgradeOptions``), as the API
serializers' and the CLI's do."""

from __future__ import annotations

from django import forms

from ocpdash.catalog.models import RpmPackage
from ocpdash.upgrades.models import REASON_MAX_LENGTH
from ocpdash.upgrades.options import MODES, UpgradeOptions


class UpgradeOptionsForm(forms.Form):
    """OCP 4.3's upgrade options; empty fields keep OCP's defaults."""

    upgrade_mode = forms.ChoiceField(
        choices=[("", "Default (rolling with 3 zones or more)"), *MODES.items()], required=False
    )
    zone_order = forms.CharField(
        required=False,
        max_length=2000,
        help_text="Zones in the order to upgrade them, separated by commas (rolling upgrades).",
    )
    freeze_server = forms.BooleanField(
        required=False, help_text="Run a minor compaction before each zone's servers stop."
    )

    def clean(self):
        data = super().clean()
        try:
            data["options"] = UpgradeOptions.parse(
                data.get("upgrade_mode"), data.get("zone_order"), True if data.get("freeze_server") else None
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data

    @property
    def options(self) -> UpgradeOptions:
        return self.cleaned_data["options"] if self.is_valid() else UpgradeOptions()


class UpgradeForm(UpgradeOptionsForm):
    package = forms.ModelChoiceField(
        queryset=RpmPackage.objects.all(),
        error_messages={"required": "Choose a package first.", "invalid_choice": "Choose a package first."},
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)
