"""Web forms. Limits come from the domain (``REASON_MAX_LENGTH``, ``UpgradeOptions``, the review's
``COMMENT_MAX_LENGTH`` and ``NOTE_MAX_LENGTH``), as the API serializers' and the CLI's do."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes.flow import Start
from ocpdash.sites import search
from ocpdash.upgrades.models import REASON_MAX_LENGTH
from ocpdash.upgrades.options import MODES, UpgradeOptions
from ocpdash.upgrades.review import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH


class UpgradeOptionsForm(forms.Form):
    """OCP 4.3's upgrade options; empty fields keep OCP's defaults."""

    upgrade_mode = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("Default (rolling with 3 zones or more)")),
            *((mode, gettext_lazy(label)) for mode, label in MODES.items()),  # msgids: ocpdash.web.terms
        ],
        required=False,
    )
    zone_order = forms.CharField(
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Zones in the order to upgrade them, separated by commas (rolling upgrades)."),
    )
    freeze_server = forms.BooleanField(
        required=False, help_text=gettext_lazy("Run a minor compaction before each zone's servers stop.")
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


START_CHOICES = [
    ("now", gettext_lazy("Now")),
    ("at", gettext_lazy("At a time")),
    ("next_window", gettext_lazy("At the next maintenance window")),
]
START_AT_MAX_LENGTH = 40  # as the API's ``start``


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class StartForm(forms.Form):
    """When a request starts (ocpdash.changes.flow.Start): now, at a local time in a named time zone
    (the browser's datetime-local value), or at the next maintenance window. Whether that start is
    possible (in the past, too far, outside the windows, no window) is the domain's to say."""

    start = forms.ChoiceField(
        choices=START_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Choose when it starts: now, at a time, or at the next window.")
        },
    )
    start_at = forms.CharField(required=False, max_length=START_AT_MAX_LENGTH, strip=True)
    start_tz = forms.ChoiceField(
        choices=time_zone_choices,
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("%(value)s is not a time zone name such as Asia/Shanghai or UTC.")
        },
    )

    def clean(self):
        self._clean_start()
        return super().clean()

    def _clean_start(self) -> None:
        data = self.cleaned_data
        mode = data.get("start") or "now"
        if "start" not in data or mode != "at":
            data["when"] = Start(mode)
            return
        text = data.get("start_at", "")
        if not text:
            self.add_error("start_at", _("Give the start time: a date and a time."))
            return
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            self.add_error(
                "start_at", _("%(text)r is not a date and time such as 2026-12-05 01:00.") % {"text": text}
            )
            return
        if local.tzinfo is None:
            if "start_tz" not in data:
                return  # its own error says why
            name = data.get("start_tz") or "UTC"
            zone = zoneinfo.ZoneInfo(name)
            at = local.replace(tzinfo=zone)
            if at.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
                self.add_error(
                    "start_at",
                    _(
                        "%(time)s does not exist in %(zone)s (the clocks go forward then); "
                        "choose another time."
                    )
                    % {"time": f"{local:%Y-%m-%d %H:%M}", "zone": name},
                )
                return
            local = at
        data["when"] = Start("at", local)

    @property
    def when(self) -> Start:
        """The chosen start (now when the form is not valid)."""
        return self.cleaned_data.get("when", Start()) if self.is_valid() else Start()


class UpgradeForm(StartForm, UpgradeOptionsForm):
    package = forms.ModelChoiceField(
        queryset=RpmPackage.objects.all(),
        error_messages={
            "required": gettext_lazy("Choose a package first."),
            "invalid_choice": gettext_lazy("Choose a package first."),
        },
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)


class OperationForm(forms.Form):
    """An operation on the upgrade's OCP task (``TASK_OPERATIONS``) or on one step (``STEP_OPERATIONS``),
    with the operator's reason; whether it is possible now is the domain's to say."""

    op = forms.CharField(max_length=30, error_messages={"required": gettext_lazy("Choose an operation.")})
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)

    def __init__(self, *args, operations: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.operations = operations

    def clean_op(self) -> str:
        op = self.cleaned_data["op"]
        if op not in self.operations:
            raise forms.ValidationError(_("Unknown operation %(op)r.") % {"op": op})
        return op


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        error_messages={"required": gettext_lazy("A comment cannot be empty.")},
    )


class SignOffForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, strip=True)


class ApproveForm(forms.Form):
    """An approval of the plan the approver saw (its digest: refused if the plan changed since)."""

    comment = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, strip=True)
    plan_digest = forms.CharField(required=False, max_length=64, strip=True)


class DeclineForm(forms.Form):
    comment = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        strip=True,
        error_messages={"required": gettext_lazy("Say why you decline it: the requester reads it.")},
    )


class ClusterFilterForm(forms.Form):
    """The dashboard's cluster search and filters (GET). Each filter offers the values the clusters
    have; a value that is not one of them is ignored, as an empty one is."""

    q = forms.CharField(
        required=False,
        max_length=search.SEARCH_MAX_LENGTH,
        strip=True,
        label=gettext_lazy("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("name, site, version, label"),
                "autocomplete": "off",
            }
        ),
    )
    site = forms.ChoiceField(required=False)
    version = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    label = forms.ChoiceField(required=False)

    def __init__(self, data, *, choices: dict[str, list[str]]) -> None:
        super().__init__(data)
        for name in search.FILTER_KEYS:
            self.fields[name].choices = [("", _("any")), *((value, value) for value in choices.get(name, []))]

    def filters(self) -> search.ClusterFilter:
        self.is_valid()
        return search.ClusterFilter(
            **{name: self.cleaned_data.get(name) or "" for name in ("q", *search.FILTER_KEYS)}
        )


def form_error(form: forms.Form) -> str:
    """A form's errors as one sentence, for the inline outcome fragments."""
    return " ".join(message for messages in form.errors.values() for message in messages)
