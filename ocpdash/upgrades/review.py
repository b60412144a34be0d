"""After an upgrade: team members comment, one signs it off (who and when)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ocpdash.upgrades import events
from ocpdash.upgrades.errors import NotAllowed, OperationRefused
from ocpdash.upgrades.models import Comment, Upgrade, UpgradeEvent


def can_review(user) -> bool:
    return user.has_perm("upgrades.review_upgrade")


def add_comment(user, upgrade: Upgrade, body: str) -> Comment:
    if not can_review(user):
        raise NotAllowed("You are not allowed to comment on upgrades.")
    body = (body or "").strip()
    if not body:
        raise OperationRefused("A comment cannot be empty.")
    if len(body) > 10000:
        raise OperationRefused("A comment can be at most 10,000 characters.")
    with transaction.atomic():
        comment = Comment.objects.create(upgrade=upgrade, author=user, body=body)
        events.record(upgrade.pk, UpgradeEvent.Kind.REVIEW, "Comment added.", actor=user, comment=comment.pk)
    return comment


def sign_off(user, upgrade: Upgrade, note: str = "") -> Upgrade:
    if not can_review(user):
        raise NotAllowed("You are not allowed to sign off upgrades.")
    with transaction.atomic():
        now = timezone.now()
        done = Upgrade.objects.filter(
            pk=upgrade.pk,
            reviewed_at__isnull=True,
            state__in=("successful", "rejected", "rolled_back", "closed"),
        ).update(reviewed_by=user, reviewed_at=now)
        if not done:
            upgrade.refresh_from_db()
            if upgrade.reviewed_at:
                raise OperationRefused(
                    f"Already signed off by {upgrade.reviewed_by} at {upgrade.reviewed_at:%Y-%m-%d %H:%M}."
                )
            raise OperationRefused("Only a finished upgrade can be signed off.")
        events.record(
            upgrade.pk, UpgradeEvent.Kind.REVIEW, "Signed off." + (f" {note}" if note else ""), actor=user
        )
    upgrade.refresh_from_db()
    return upgrade
