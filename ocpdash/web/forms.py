"""Web forms. Limits come from the domain (``REASON_MAX_LENGTH``, ``UpgradeOptions``, the review's
``COMMENT_MAX_LENGTH`` and ``NOTE_MAX_LENGTH``), as the API serializers' and the CLI's do."""

from __future__ import annotations

from django import forms

from ocpdash.catalog.models import RpmPackage
from ocpdash.upgrades.models import REASON_MAX_LENGTH
from ocpdash.upgrades.options import MODES, UpgradeOptions
from ocpdash.upgrades.review import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH


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


class OperationForm(forms.Form):
    """An operation on the upgrade's OCP task (``TASK_OPERATIONS``) or on one step (``STEP_OPERATIONS``),
    with the operator's reason; whether it is possible now is the domain's to say."""

    op = forms.CharField(max_length=30, error_messages={"required": "Choose an operation."})
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)

    def __init__(self, *args, operations: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.operations = operations

    def clean_op(self) -> str:
        op = self.cleaned_data["op"]
        if op not in self.operations:
            raise forms.ValidationError(f"Unknown operation {op!r}.")
        return op


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=COMMENT_MAX_LENGTH, strip=True, error_messages={"required": "A comment cannot be empty."}
    )


class SignOffForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, strip=True)


def form_error(form: forms.Form) -> str:
    """A form's errors as one sentence, for the inline outcome fragments."""
    return " ".join(message for messages in form.errors.values() for message in messages)
