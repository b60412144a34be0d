"""Mutating actions on an upgrade: operations (task and step), review (comments, sign-off) and
change management (approve, decline, check the plan again: ocpdash.changes.flow).

Each reads its fields through a Django form (ocpdash.web.forms: the API's limits), and answers htmx
with an inline outcome fragment (the UpgradeError's message and status on refusal, 400 for a field
the form refuses) and a plain form post with a redirect back to the page and a flash message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ocpdash.changes import flow
from ocpdash.core.phrases import translated
from ocpdash.upgrades import operations, review
from ocpdash.upgrades.errors import NotAllowed, UpgradeError
from ocpdash.upgrades.precheck import WEB_OCP_SECONDS
from ocpdash.web.forms import ApproveForm, CommentForm, DeclineForm, OperationForm, SignOffForm, form_error
from ocpdash.web.views.changes import panel_context
from ocpdash.web.views.upgrades import _step, load, review_context


def _back(request, pk: int, message: str, ok: bool, anchor: str = ""):
    """A plain form post's answer: a flash message and the upgrade's page."""
    (messages.success if ok else messages.error)(request, message)
    return redirect(reverse("upgrade", args=[pk]) + anchor)


def _outcome(request, upgrade, message: str, ok: bool, status: int = 200, anchor: str = ""):
    if request.htmx:
        context = {"message": message, "ok": ok}
        return render(request, "web/upgrade.html#outcome", context, status=status)
    return _back(request, upgrade.pk, message, ok, anchor)


def attempt(action, *, refused_is_403: bool = True) -> tuple[str, bool, int]:
    """``action()`` as (message, ok, HTTP status): the UpgradeError's message and status on refusal.
    NotAllowed (not this user's to do) is a 403 page, as for the operations, unless the caller shows
    it inline (``refused_is_403=False``)."""
    try:
        return translated(action()), True, 200
    except NotAllowed as exc:
        if refused_is_403:
            raise PermissionDenied(translated(exc.message)) from None
        return translated(exc.message), False, exc.http_status
    except UpgradeError as exc:
        return translated(exc.message), False, exc.http_status


def attempt_form(form, upgrade, action, **how) -> tuple[str, bool, int]:
    """:func:`attempt` of ``action(upgrade, cleaned_data)``, or 400 for a field the form refuses
    (the rollout page's actions pass their rollout as ``upgrade``)."""
    if not form.is_valid():
        return form_error(form), False, 400
    return attempt(lambda: action(upgrade, form.cleaned_data), **how)


def _run(request, upgrade, action, anchor=""):
    message, ok, status = attempt(action)
    return _outcome(request, upgrade, message, ok, status, anchor)


@require_POST
def operate_task(request, pk: int):
    if not operations.can_operate(request.user):
        raise PermissionDenied(_("You are not allowed to operate upgrades (Operators role needed)."))
    upgrade = load(pk)
    form = OperationForm(request.POST, operations=operations.TASK_OPERATIONS)
    if not form.is_valid():
        return _outcome(request, upgrade, form_error(form), False, 400)
    op, reason = form.cleaned_data["op"], form.cleaned_data["reason"]
    return _run(request, upgrade, lambda: operations.operate_task(request.user, upgrade, op, reason=reason))


@require_POST
def operate_step(request, pk: int, subtask_id: int):
    if not operations.can_operate(request.user):
        raise PermissionDenied(_("You are not allowed to operate upgrades (Operators role needed)."))
    upgrade = load(pk)
    step = _step(upgrade, subtask_id)
    anchor = f"?step={step.ocp_subtask_id}"
    form = OperationForm(request.POST, operations=operations.STEP_OPERATIONS)
    if not form.is_valid():
        return _outcome(request, upgrade, form_error(form), False, 400, anchor)
    op, reason = form.cleaned_data["op"], form.cleaned_data["reason"]
    return _run(
        request,
        upgrade,
        lambda: operations.operate_step(request.user, upgrade, step, op, reason=reason),
        anchor=anchor,
    )


def _review_action(request, pk: int, form, action):
    """``action(upgrade, cleaned_data)``; a refusal is shown in the review section with its status
    (403 when this user may review but not this upgrade: their own sign-off)."""
    if not review.can_review(request.user):
        raise PermissionDenied(_("You are not allowed to review upgrades."))
    message, ok, status = attempt_form(form, load(pk), action, refused_is_403=False)
    if not request.htmx:
        return _back(request, pk, message, ok, "#review")
    upgrade = load(pk)
    context = review_context(request, upgrade) | {"review_message": message, "review_ok": ok}
    return render(request, "web/upgrade.html#review", context, status=status)


@require_POST
def comment(request, pk: int):
    def act(upgrade, data):
        review.add_comment(request.user, upgrade, data["body"])
        return _("Comment added.")

    return _review_action(request, pk, CommentForm(request.POST), act)


@require_POST
def sign_off(request, pk: int):
    def act(upgrade, data):
        done = review.sign_off(request.user, upgrade, data["note"])
        return _("Signed off by %(user)s at %(at)s.") % {
            "user": done.reviewed_by,
            "at": f"{done.reviewed_at:%Y-%m-%d %H:%M}",
        }

    return _review_action(request, pk, SignOffForm(request.POST), act)


def _change_action(request, pk: int, form, action):
    """``action(upgrade, cleaned_data)`` from the Change panel. htmx: the outcome above the panel,
    and the panel as the upgrade is now (out of band); a plain post: a redirect with a message.
    NotAllowed (not an approver, or their own request) is a 403 as for the operations."""
    message, ok, status = attempt_form(form, load(pk), action)
    if not request.htmx:
        return _back(request, pk, message, ok, "#change")
    upgrade = load(pk)
    context = {"upgrade": upgrade, "change": panel_context(request, upgrade), "oob": True}
    context |= {"message": message, "ok": ok}
    return render(request, "web/_change_panel.html#answer", context, status=status)


def _approver(request, what: str) -> None:
    if not request.user.has_perm(flow.APPROVE_PERMISSION):
        refusals = {
            "approve": _("You are not allowed to approve upgrades (Approvers role needed)."),
            "decline": _("You are not allowed to decline upgrades (Approvers role needed)."),
        }
        raise PermissionDenied(refusals[what])


@require_POST
def approve(request, pk: int):
    _approver(request, "approve")

    def act(upgrade, data):
        return flow.approve(
            request.user,
            upgrade,
            comment=data["comment"],
            plan_digest=data["plan_digest"] or None,
            deadline_seconds=WEB_OCP_SECONDS,
        )

    return _change_action(request, pk, ApproveForm(request.POST), act)


@require_POST
def decline(request, pk: int):
    _approver(request, "decline")

    def act(upgrade, data):
        return flow.decline(request.user, upgrade, comment=data["comment"])

    return _change_action(request, pk, DeclineForm(request.POST), act)


@require_POST
def recheck(request, pk: int):
    def act(upgrade, data):
        return flow.recheck(request.user, upgrade, deadline_seconds=WEB_OCP_SECONDS)

    return _change_action(request, pk, forms.Form(request.POST), act)
