"""Admin: channels (URL and secret write-only), subscriptions with a "send a test notification"
action, and the read-only delivery log."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.validators import URLValidator, validate_email
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ocpdash.core.admin import ReadOnlyMixin
from ocpdash.notify.models import SUBSCRIBABLE_KINDS, Channel, Delivery, Outcome, Subscription
from ocpdash.notify.outbox import send_test
from ocpdash.sites.admin import LABEL_RE

WRITE_ONLY = _("Write-only: never shown again. Leave blank to keep the stored one.")


class ChannelForm(forms.ModelForm):
    """The URL (a bot's URL holds its token) and the secret are never rendered, not even back into
    a form with errors; a blank field keeps what is stored."""

    url = forms.CharField(
        label=_("URL"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"size": 80, "autocomplete": "off"}),
        help_text=_("The webhook or bot URL (http or https). ") + WRITE_ONLY,
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Signing secret: required for webhooks, optional for DingTalk and Feishu (their "
                    "'sign' security setting). ") + WRITE_ONLY,
    )  # fmt: skip

    class Meta:
        model = Channel
        fields = ("name", "kind", "url", "secret", "recipients", "message_format", "language", "enabled")
        widgets = {"recipients": forms.Textarea(attrs={"rows": 2, "cols": 70})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("url", None)
        self.initial.pop("secret", None)

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url", "").strip()
        if url:
            URLValidator(schemes=["http", "https"], message=_("Enter an http or https URL."))(url)
        return url

    def clean_recipients(self) -> str:
        addresses = [a.strip() for a in self.cleaned_data.get("recipients", "").split(",") if a.strip()]
        for address in addresses:
            validate_email(address)
        return ", ".join(addresses)

    def clean(self):
        data = super().clean()
        for name in ("url", "secret"):
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        kind = data.get("kind")
        if kind == Channel.Kind.EMAIL:
            if not data.get("recipients"):
                self.add_error("recipients", _("An email channel needs at least one address."))
        elif kind and not data.get("url"):
            self.add_error("url", _("This channel needs its URL."))
        if kind == Channel.Kind.WEBHOOK and not data.get("secret"):
            self.add_error("secret", _("A webhook needs a secret: receivers check the signature with it."))
        if kind == Channel.Kind.WECOM and data.get("secret"):
            self.add_error("secret", _("WeCom robots are not signed: the key in the URL is the credential."))
        return data


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "url_hint", "secret_set", "message_format", "enabled", "updated_at")
    list_filter = ("kind", "enabled")
    readonly_fields = ("url_hint", "secret_set")

    @admin.display(description=_("where"))
    def url_hint(self, channel: Channel) -> str:
        return channel.url_hint

    @admin.display(boolean=True, description=_("secret set"))
    def secret_set(self, channel: Channel) -> bool:
        return bool(channel.secret)


class SubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=[(k.value, k.label) for k in SUBSCRIBABLE_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    outcomes = forms.MultipleChoiceField(
        label=_("Outcomes"), choices=Outcome.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("For 'finished': only these outcomes (none ticked: every outcome)."),
    )  # fmt: skip

    class Meta:
        model = Subscription
        fields = ("channel", "events", "outcomes", "scope", "site", "cluster", "label", "enabled")

    def clean_label(self) -> str:
        label = self.cleaned_data.get("label", "").strip().lower()
        if label and not re.match(LABEL_RE, label):
            raise forms.ValidationError(_("Not a label."))
        return label

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        needed = {Subscription.Scope.SITE: "site", Subscription.Scope.CLUSTER: "cluster",
                  Subscription.Scope.LABEL: "label"}  # fmt: skip
        for field in ("site", "cluster", "label"):
            if needed.get(scope) == field:
                if not data.get(field):
                    self.add_error(field, _("This scope needs it."))
            else:
                data[field] = "" if field == "label" else None
        return data


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("channel", "events_text", "scope_text", "enabled", "created_at")
    list_filter = ("enabled", "scope", "channel")
    actions = ["send_test_notification"]

    @admin.display(description=_("events"))
    def events_text(self, subscription: Subscription) -> str:
        return ", ".join(subscription.events)

    @admin.display(description=_("scope"))
    def scope_text(self, subscription: Subscription) -> str:
        return subscription.scope_text

    @admin.action(description=_("Send a test notification"))
    def send_test_notification(self, request, queryset):
        sent = [send_test(subscription) for subscription in queryset.select_related("channel")]
        self.message_user(
            request,
            ngettext(
                "%(count)d test notification queued: see the delivery log.",
                "%(count)d test notifications queued: see the delivery log.",
                len(sent),
            )
            % {"count": len(sent)},
            messages.SUCCESS,
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The delivery log: written by ocpdash only, read here."""

    list_display = ("created_at", "kind", "upgrade_link", "channel_name", "status", "attempts",
                    "response_status", "reason", "delivered_at")  # fmt: skip
    list_filter = ("status", "channel", "kind")
    search_fields = ("channel_name", "=key", "=upgrade__id")
    fields = (
        "key", "kind", "upgrade_link", "channel_name", "status", "attempts", "created_at", "last_attempt_at",
        "next_attempt_at", "delivered_at", "response_status", "reason", "facts",
    )  # fmt: skip
    readonly_fields = fields
    list_select_related = ("upgrade",)

    @admin.display(description=_("upgrade"), ordering="upgrade_id")
    def upgrade_link(self, delivery: Delivery):
        if delivery.upgrade_id is None:
            return "—"
        url = reverse("upgrade", args=[delivery.upgrade_id])
        return format_html('<a href="{}">#{}</a>', url, delivery.upgrade_id)
