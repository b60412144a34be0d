"""Mutating actions on an upgrade: operations (task and step) and review (comments, sign-off).

Each answers htmx with an inline outcome fragment (the UpgradeError's message and status on
refusal) and a plain form post with a redirect back to the page and a flash message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ocpdash.upgrades import operations, review
from ocpdash.upgrades.errors import NotAllowed, UpgradeError
from ocpdash.web.views.upgrades import _step, load, review_context


def _outcome(request, upgrade, message: str, ok: bool, status: int = 200, anchor: str = ""):
    if request.htmx:
        context = {"message": message, "ok": ok}
        return render(request, "web/upgrade.html#outcome", context, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(reverse("upgrade", args=[upgrade.pk]) + anchor)


def _run(request, upgrade, action, anchor=""):
    try:
        message = action()
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except UpgradeError as exc:
        return _outcome(request, upgrade, exc.message, False, exc.http_status, anchor)
    return _outcome(request, upgrade, message, True, 200, anchor)


@require_POST
def operate_task(request, pk: int):
    if not operations.can_operate(request.user):
        raise PermissionDenied("You are not allowed to operate upgrades (Operators role needed).")
    upgrade = load(pk)
    op, reason = request.POST.get("op", ""), request.POST.get("reason", "").strip()
    return _run(request, upgrade, lambda: operations.operate_task(request.user, upgrade, op, reason=reason))


@require_POST
def operate_step(request, pk: int, subtask_id: int):
    if not operations.can_operate(request.user):
        raise PermissionDenied("You are not allowed to operate upgrades (Operators role needed).")
    upgrade = load(pk)
    step = _step(upgrade, subtask_id)
    op, reason = request.POST.get("op", ""), request.POST.get("reason", "").strip()
    return _run(
        request,
        upgrade,
        lambda: operations.operate_step(request.user, upgrade, step, op, reason=reason),
        anchor=f"?step={step.ocp_subtask_id}",
    )


def _review_action(request, pk: int, action):
    if not review.can_review(request.user):
        raise PermissionDenied("You are not allowed to review upgrades.")
    upgrade = load(pk)
    try:
        message = action(upgrade)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message)
    except UpgradeError as exc:
        message, ok, status = exc.message, False, exc.http_status
    else:
        ok, status = True, 200
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect(reverse("upgrade", args=[pk]) + "#review")
    upgrade = load(pk)
    context = review_context(request, upgrade) | {"review_message": message, "review_ok": ok}
    return render(request, "web/upgrade.html#review", context, status=status)


@require_POST
def comment(request, pk: int):
    def act(upgrade):
        review.add_comment(request.user, upgrade, request.POST.get("body", ""))
        return "Comment added."

    return _review_action(request, pk, act)


@require_POST
def sign_off(request, pk: int):
    def act(upgrade):
        done = review.sign_off(request.user, upgrade, request.POST.get("note", "").strip())
        return f"Signed off by {done.reviewed_by} at {done.reviewed_at:%Y-%m-%d %H:%M}."

    return _review_action(request, pk, act)
