"""Approval policies, approvals, maintenance windows and change freezes (blackouts).

A policy, a window or a blackout applies to one scope: a site, a cluster, or a cluster label
(``Cluster.labels``); a blackout with no scope applies everywhere. Approvals are bound to the
digest of the plan they approve (plan.py): when the plan changes they are void.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocpdash.core import phrases
from ocpdash.core.phrases import Phrase, phrase

MAX_APPROVALS = 5
LABEL_MAX_LENGTH = 60
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]  # fmt: skip


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name such as Asia/Shanghai or UTC.") from None


def _one_scope(site_id, cluster_id, label: str, *, optional: bool = False) -> None:
    chosen = sum(bool(x) for x in (site_id, cluster_id, label))
    if chosen > 1 or (chosen == 0 and not optional):
        raise ValidationError(
            "Choose exactly one of a site, a cluster or a label"
            + (" (or none: everywhere)." if optional else ".")
        )


def _scope_text(obj) -> Phrase:
    if obj.cluster_id:
        return phrase("cluster %(name)s", name=obj.cluster.name)
    if obj.site_id:
        return phrase("site %(name)s", name=obj.site.name)
    if getattr(obj, "label", ""):
        return phrase("clusters labelled %(label)s", label=obj.label)
    return phrase("every cluster")


class ApprovalPolicy(models.Model):
    """How many approvals an upgrade of the scope's clusters needs before it may start. The most
    specific policy of a cluster wins (cluster, then label, then site); a pair's upgrade needs what
    the strictest of its members needs."""

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
    label = models.CharField(
        max_length=LABEL_MAX_LENGTH,
        blank=True,
        help_text=_("A cluster label, e.g. production"),
        verbose_name=_("label"),
    )
    approvals_required = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(MAX_APPROVALS)],
        help_text=_(
            "Approvals from users with 'approve upgrades' other than the requester (0: none needed)."
        ),
        verbose_name=_("approvals required"),
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(site__isnull=False, cluster__isnull=True, label="")
                    | Q(site__isnull=True, cluster__isnull=False, label="")
                    | (Q(site__isnull=True, cluster__isnull=True) & ~Q(label=""))
                ),
                name="approval_policy_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.approvals_required} approval(s) for {self.scope}"

    @property
    def scope(self) -> Phrase:
        return _scope_text(self)

    def clean(self) -> None:
        _one_scope(self.site_id, self.cluster_id, self.label)


class MaintenanceWindow(models.Model):
    """A weekly window in a named time zone, e.g. Saturday 01:00-05:00 Asia/Shanghai. An end at or
    before the start ends the next day. A cluster's own windows replace its site's."""

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
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, verbose_name=_("weekday"))
    start_time = models.TimeField(default=time(1, 0), verbose_name=_("start time"))
    end_time = models.TimeField(
        default=time(5, 0), help_text=_("At or before the start: the next day."), verbose_name=_("end time")
    )
    time_zone = models.CharField(
        max_length=60, default="UTC", validators=[validate_time_zone], verbose_name=_("time zone")
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["weekday", "start_time", "id"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, cluster__isnull=True)
                | Q(site__isnull=True, cluster__isnull=False),
                name="maintenance_window_one_scope",
            )
        ]

    def __str__(self) -> str:
        day = dict(WEEKDAYS)[self.weekday]
        return f"{day} {self.start_time:%H:%M}–{self.end_time:%H:%M} {self.time_zone} ({self.scope})"

    @property
    def scope(self) -> Phrase:
        return _scope_text(self)

    def clean(self) -> None:
        _one_scope(self.site_id, self.cluster_id, "")


class Blackout(models.Model):
    """A change freeze: no upgrade of the scope's clusters starts between ``starts_at`` and ``ends_at``,
    and none starts that would still run when it begins."""

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
    label = models.CharField(max_length=LABEL_MAX_LENGTH, blank=True, verbose_name=_("label"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(
        max_length=300,
        help_text=_("Shown on held upgrades, e.g. 'Singles' Day freeze'."),
        verbose_name=_("reason"),
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("change freeze")
        verbose_name_plural = _("change freezes")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.scope})"

    @property
    def scope(self) -> Phrase:
        return _scope_text(self)

    def clean(self) -> None:
        _one_scope(self.site_id, self.cluster_id, self.label, optional=True)
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError("A change freeze must end after it starts.")

    def applies_to(self, cluster) -> bool:
        if self.cluster_id:
            return self.cluster_id == cluster.pk
        if self.site_id:
            return self.site_id == cluster.site_id
        if self.label:
            return cluster.has_label(self.label)
        return True


class Approval(models.Model):
    """One approver's decision on one plan (by its digest). Void when the plan changed since."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    upgrade = models.ForeignKey(
        "upgrades.Upgrade", on_delete=models.CASCADE, related_name="approvals", verbose_name=_("upgrade")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, verbose_name=_("decision"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    plan_digest = models.CharField(max_length=64, verbose_name=_("plan digest"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))
    void_reason = models.TextField(blank=True, verbose_name=_("void reason"))
    void_reason_spec = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("void reason phrase")
    )  # as a phrase

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["upgrade", "user", "plan_digest"],
                condition=Q(voided_at__isnull=True),
                name="one_decision_per_approver_and_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.user_id} (upgrade {self.upgrade_id})"

    void_reason_text = phrases.Said("void_reason")

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
