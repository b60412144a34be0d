"""After an upgrade: team members comment, one signs it off (who and when).

Whoever requested the upgrade may not sign it off unless ``OCPDASH_ALLOW_SELF_SIGN_OFF`` is on (four
eyes by default). The limits below are the web forms', the API's and the domain's alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ocpdash.core.phrases import joined, phrase
from ocpdash.upgrades import events
from ocpdash.upgrades.errors import NotAllowed, OperationRefused
from ocpdash.upgrades.models import TERMINAL_STATES, Comment, Upgrade, UpgradeEvent

COMMENT_MAX_LENGTH = 10_000
NOTE_MAX_LENGTH = 2000


def can_review(user) -> bool:
    return user.has_perm("upgrades.review_upgrade")


def may_sign_off(user, upgrade: Upgrade) -> bool:
    """Whether ``user`` may sign off ``upgrade`` (for showing the button; :func:`sign_off` decides)."""
    return can_review(user) and (settings.OCPDASH_ALLOW_SELF_SIGN_OFF or upgrade.requested_by_id != user.pk)


def add_comment(user, upgrade: Upgrade, body: str) -> Comment:
    if not can_review(user):
        raise NotAllowed(phrase("You are not allowed to comment on upgrades."))
    body = (body or "").strip()
    if not body:
        raise OperationRefused(phrase("A comment cannot be empty."))
    if len(body) > COMMENT_MAX_LENGTH:
        raise OperationRefused(
            phrase("A comment can be at most %(count)s characters.", count=f"{COMMENT_MAX_LENGTH:,}")
        )
    with transaction.atomic():
        comment = Comment.objects.create(upgrade=upgrade, author=user, body=body)
        events.record(
            upgrade.pk, UpgradeEvent.Kind.REVIEW, phrase("Comment added."), actor=user, comment=comment.pk
        )
    return comment


def sign_off(user, upgrade: Upgrade, note: str = "") -> Upgrade:
    if not can_review(user):
        raise NotAllowed(phrase("You are not allowed to sign off upgrades."))
    if not may_sign_off(user, upgrade):
        raise NotAllowed(phrase("You requested this upgrade: someone else must sign it off."))
    if len(note or "") > NOTE_MAX_LENGTH:
        raise OperationRefused(
            phrase("A sign-off note can be at most %(count)s characters.", count=f"{NOTE_MAX_LENGTH:,}")
        )
    with transaction.atomic():
        now = timezone.now()
        done = Upgrade.objects.filter(
            pk=upgrade.pk,
            reviewed_at__isnull=True,
            state__in=TERMINAL_STATES,
        ).update(reviewed_by=user, reviewed_at=now)
        if not done:
            upgrade.refresh_from_db()
            if upgrade.reviewed_at:
                raise OperationRefused(
                    phrase(
                        "Already signed off by %(user)s at %(at)s.",
                        user=upgrade.reviewed_by,
                        at=f"{upgrade.reviewed_at:%Y-%m-%d %H:%M}",
                    )
                )
            raise OperationRefused(phrase("Only a finished upgrade can be signed off."))
        events.record(upgrade.pk, UpgradeEvent.Kind.REVIEW, joined(phrase("Signed off."), note), actor=user)
    upgrade.refresh_from_db()
    return upgrade
