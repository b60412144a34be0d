"""Channels (where a team is told), subscriptions (which events, for which upgrades) and the outbox
of deliveries, written down once.

A delivery's life (ocpdash/notify/delivery.py makes every move with a guarded UPDATE whose row count
is checked):

    notify() ──in the domain's transaction──▶ pending    (due now: no next_attempt_at; queued after commit)
    pending ──a worker takes the lease (due, not leased)──▶ pending + lease   (attempts + 1)
    pending + lease ──receiver accepted──▶ delivered      (never sent again)
    pending + lease ──network error, 5xx, 429, a bot's "too fast"──▶ pending  (next_attempt_at =
                        now + backoff with jitter; lease given back) … until OCPDASH_NOTIFY_MAX_ATTEMPTS
    pending + lease ──any other answer, or the last attempt failed──▶ failed
    pending, lease expired or message lost ──recovery (beat)──▶ queued again

Every attempt of one delivery carries the same delivery id (``key``), so a receiver can drop a
repeat: one that answered after ocpdash stopped waiting, or one sent again after a worker died
between the receiver's answer and the row's update. A delivery marked delivered is never sent again.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocpdash.sites.fields import EncryptedTextField


class EventKind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    SCHEDULED = "scheduled", _("Scheduled")
    STARTED = "started", _("Started")
    STEP_FAILED = "step_failed", _("A step failed")
    OCP_UNREACHABLE = "ocp_unreachable", _("OCP unreachable")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    FINISHED = "finished", _("Finished")
    # Only from the admin's "send a test notification": nobody subscribes to it.
    TEST = "test", _("Test notification")


SUBSCRIBABLE_KINDS = [kind for kind in EventKind if kind != EventKind.TEST]


class Outcome(models.TextChoices):
    """How a finished upgrade ended (the ``outcome`` of a ``finished`` notification)."""

    SUCCESSFUL = "successful", _("Successful")
    FAILED = "failed", _("Failed")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected by OCP")
    DECLINED = "declined", _("Declined")


# The outcome of an upgrade that ended in each terminal state (an operator closes a failed one).
OUTCOME_OF_STATE = {
    "successful": Outcome.SUCCESSFUL,
    "failed": Outcome.FAILED,
    "closed": Outcome.FAILED,
    "rolled_back": Outcome.ROLLED_BACK,
    "cancelled": Outcome.CANCELLED,
    "rejected": Outcome.REJECTED,
    "declined": Outcome.DECLINED,
}


class Channel(models.Model):
    """Where notifications go. The URL of a bot holds its token and the secret signs: both are
    encrypted at rest, never shown back, never logged, never in a delivery."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook (signed JSON)")
        SLACK = "slack", _("Slack incoming webhook")
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu / Lark custom bot")
        WECOM = "wecom", _("WeCom group robot")

    class Format(models.TextChoices):
        RICH = "rich", _("Rich (Markdown, Slack blocks, Feishu post)")
        TEXT = "text", _("Plain text")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = EncryptedTextField(_("URL"), blank=True)
    secret = EncryptedTextField(_("secret"), blank=True)
    recipients = models.TextField(
        _("recipients"), blank=True, help_text=_("Email addresses, comma-separated (email channels).")
    )
    message_format = models.CharField(
        _("message format"), max_length=10, choices=Format.choices, default=Format.RICH
    )
    # The language its messages are written in (titles, labels, states): a team's chat reads Chinese.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        blank=True,  # blank: English, as before channels had a language
        help_text=_("The language of its messages."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Channel {self.pk} {self.name} {self.kind}>"

    @property
    def url_hint(self) -> str:
        """Where it posts, without the token: scheme and host only."""
        if not self.url:
            return ""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"

    @property
    def recipient_list(self) -> list[str]:
        return [address.strip() for address in self.recipients.split(",") if address.strip()]


class Subscription(models.Model):
    """Which events, for which upgrades (every one, a site's, a cluster's, a label's), go to a channel."""

    class Scope(models.TextChoices):
        ALL = "all", _("Every upgrade")
        SITE = "site", _("Upgrades on one OCP site")
        CLUSTER = "cluster", _("Upgrades of one cluster")
        LABEL = "label", _("Upgrades of clusters with a label")

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("channel")
    )
    events = models.JSONField(_("events"), default=list, help_text=_("Event kinds (EventKind values)."))
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    site = models.ForeignKey(
        "sites.OcpSite",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("OCP site"),
    )
    cluster = models.ForeignKey(
        "sites.Cluster",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cluster"),
    )
    label = models.CharField(_("label"), max_length=40, blank=True)
    outcomes = models.JSONField(
        _("outcomes"),
        default=list,
        blank=True,
        help_text=_("For 'finished': only these outcomes (none ticked: every outcome)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["channel__name", "id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.channel}: {', '.join(self.events)} ({self.scope_text})"

    @property
    def scope_text(self) -> str:
        if self.scope == self.Scope.SITE:
            return _("site %(name)s") % {"name": self.site}
        if self.scope == self.Scope.CLUSTER:
            return _("cluster %(name)s") % {"name": self.cluster}
        if self.scope == self.Scope.LABEL:
            return _("label %(name)s") % {"name": self.label}
        return str(_("every upgrade"))

    def wants(self, kind: str, outcome: str | None) -> bool:
        if kind not in self.events:
            return False
        return not (kind == EventKind.FINISHED and self.outcomes and outcome not in self.outcomes)

    def covers(self, clusters) -> bool:
        """Whether an upgrade of ``clusters`` (its cluster and the pair members it upgrades too) is
        in scope."""
        if self.scope == self.Scope.SITE:
            return any(cluster.site_id == self.site_id for cluster in clusters)
        if self.scope == self.Scope.CLUSTER:
            return any(cluster.pk == self.cluster_id for cluster in clusters)
        if self.scope == self.Scope.LABEL:
            return any(self.label in (cluster.labels or []) for cluster in clusters)
        return True


class Delivery(models.Model):
    """One notification to one channel: the outbox row, written in the domain's transaction."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    key = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name=_("channel"),
    )
    channel_name = models.CharField(_("channel"), max_length=100)
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("subscription"),
    )
    upgrade = models.ForeignKey(
        "upgrades.Upgrade",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("upgrade"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=EventKind.choices)
    # What the message says, as it was when the event happened (ocpdash.notify.messages.facts).
    facts = models.JSONField(default=dict, verbose_name=_("message facts"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The durable schedule (the database's clock; empty: due since created): recovery queues a
    # pending delivery overdue here.
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("lease expires at")
    )
    lease_owner = models.CharField(max_length=32, blank=True, editable=False, verbose_name=_("lease owner"))
    response_status = models.PositiveIntegerField(_("receiver's status"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel_name} ({self.status})"


class OutageNotice(models.Model):
    """An ``ocp_unreachable`` notification already recorded for one outage of an upgrade (an outage
    is known by its ``Upgrade.ocp_unreachable_since``): once per outage."""

    upgrade = models.ForeignKey(
        "upgrades.Upgrade", on_delete=models.CASCADE, related_name="+", verbose_name=_("upgrade")
    )
    since = models.DateTimeField(verbose_name=_("OCP unreachable since"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")
        constraints = [models.UniqueConstraint(fields=["upgrade", "since"], name="one_notice_per_outage")]

    def __str__(self) -> str:
        return f"Upgrade {self.upgrade_id} unreachable since {self.since}"
