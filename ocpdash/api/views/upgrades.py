"""Upgrades: pre-check, submit, follow, operate, comment and sign off. Every action calls the same
domain function as the web UI and the CLI; errors they raise become the API's error JSON."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ocpdash.api import serializers as s
from ocpdash.api.pagination import CreatedCursorPagination
from ocpdash.api.views.base import ApiViewSet
from ocpdash.changes import flow
from ocpdash.core.phrases import translated
from ocpdash.upgrades import evidence
from ocpdash.upgrades.history import FILTERS, filter_upgrades
from ocpdash.upgrades.models import Upgrade, UpgradeStep
from ocpdash.upgrades.operations import operate_step, operate_task
from ocpdash.upgrades.params import ID_PATTERN
from ocpdash.upgrades.precheck import WEB_OCP_SECONDS, precheck
from ocpdash.upgrades.review import add_comment, sign_off
from ocpdash.upgrades.submission import submit_upgrade

VIEW = ["upgrades.view_upgrade"]
SUBMIT = ["upgrades.submit_upgrade"]
OPERATE = ["upgrades.operate_upgrade"]
REVIEW = ["upgrades.review_upgrade"]
APPROVE = ["upgrades.approve_upgrade"]
SUBTASK = OpenApiParameter("subtask_id", OpenApiTypes.INT, OpenApiParameter.PATH)
HISTORY_PARAMS = [
    OpenApiParameter(name, OpenApiTypes.DATE if name in ("since", "until") else OpenApiTypes.STR,
                     OpenApiParameter.QUERY, required=False)
    for name in FILTERS
]  # fmt: skip


def _step_action(operation: str):
    def view(self, request, pk=None, subtask_id=None):
        upgrade = self.get_object()
        step = get_object_or_404(UpgradeStep, upgrade=upgrade, ocp_subtask_id=int(subtask_id))
        message = operate_step(request.user, upgrade, step, operation, reason=self._reason(request))
        return self._result(upgrade, message)

    view.__name__ = f"step_{operation}"
    view.__doc__ = f"{operation.capitalize()} one OCP subtask of the upgrade (optional reason)."
    path = rf"steps/(?P<subtask_id>{ID_PATTERN})/{operation}"
    view = action(detail=True, methods=["post"], url_path=path, url_name=f"step-{operation}")(view)
    schema = extend_schema(
        request=s.ReasonSerializer, responses=s.OperationResultSerializer, parameters=[SUBTASK]
    )
    return schema(view)


def _task_action(operation: str):
    def view(self, request, pk=None):
        upgrade = self.get_object()
        message = operate_task(request.user, upgrade, operation, reason=self._reason(request))
        return self._result(upgrade, message)

    view.__name__ = f"task_{operation}"
    view.__doc__ = f"{operation.capitalize()} the upgrade's OCP task (optional reason)."
    view = action(detail=True, methods=["post"], url_path=operation, url_name=operation)(view)
    return extend_schema(request=s.ReasonSerializer, responses=s.OperationResultSerializer)(view)


class UpgradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pagination_class = CreatedCursorPagination
    action_perms = {
        "list": VIEW,
        "retrieve": VIEW,
        "precheck": SUBMIT,
        "create": SUBMIT,
        **{f"task_{op}": OPERATE for op in ("retry", "rollback", "close", "cancel", "resubmit")},
        **{f"step_{op}": OPERATE for op in ("retry", "skip", "cancel")},
        "events": VIEW,
        "comments": VIEW,
        "comments:post": REVIEW,
        "sign_off": REVIEW,
        "approve": APPROVE,
        "decline": APPROVE,
        "recheck": VIEW,  # requesters and approvers: the domain checks which
        "evidence": VIEW,
    }

    def get_queryset(self):
        if self.action == "list":
            return filter_upgrades(self.request.query_params).prefetch_related("also_upgrades")
        if self.action in ("events", "evidence"):
            return Upgrade.objects.all()
        return Upgrade.objects.for_list().prefetch_related(
            "steps", "also_upgrades", s.newest_events_prefetch()
        )

    def get_serializer_class(self):
        return s.UpgradeSerializer if self.action == "list" else s.UpgradeDetailSerializer

    @extend_schema(parameters=HISTORY_PARAMS)
    def list(self, request, *args, **kwargs):
        """Upgrade history, newest first, with the same filters as the history page."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.UpgradeRequestSerializer, responses=s.PrecheckReportSerializer)
    @action(detail=False, methods=["post"])
    def precheck(self, request):
        """Run the pre-check without submitting anything; the report lists every check."""
        data = self._valid(s.UpgradeRequestSerializer, request)
        report = precheck(
            request.user, data["cluster"], data["package"], data["options"], deadline_seconds=WEB_OCP_SECONDS
        )
        return Response(report.as_dict())

    @extend_schema(request=s.SubmitRequestSerializer, responses={202: s.UpgradeDetailSerializer})
    def create(self, request):
        """Pre-check and submit an upgrade; 409 when the cluster already has an active one."""
        data = self._valid(s.SubmitRequestSerializer, request)
        upgrade = submit_upgrade(
            request.user,
            data["cluster"],
            data["package"],
            reason=data["reason"],
            options=data["options"],
            deadline_seconds=WEB_OCP_SECONDS,
            start=data["start"],
        )
        upgrade = self.get_queryset().get(pk=upgrade.pk)
        return Response(s.UpgradeDetailSerializer(upgrade).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.ApproveSerializer, responses=s.OperationResultSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the upgrade's plan (Approvers; not the requester). OCP is asked again first:
        409 if the plan changed (its approvals are then void) or no longer passes the pre-check."""
        upgrade = self.get_object()
        data = self._valid(s.ApproveSerializer, request)
        message = flow.approve(
            request.user,
            upgrade,
            comment=data["comment"],
            plan_digest=data["plan_digest"] or None,
            deadline_seconds=WEB_OCP_SECONDS,
        )
        return self._result(upgrade, message)

    @extend_schema(request=s.DeclineSerializer, responses=s.OperationResultSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline an upgrade awaiting approval or its start, saying why (Approvers; not the requester)."""
        upgrade = self.get_object()
        message = flow.decline(
            request.user, upgrade, comment=self._valid(s.DeclineSerializer, request)["comment"]
        )
        return self._result(upgrade, message)

    @extend_schema(request=None, responses=s.OperationResultSerializer)
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """Check a waiting upgrade's plan with OCP again: a changed plan voids its approvals."""
        upgrade = self.get_object()
        return self._result(upgrade, flow.recheck(request.user, upgrade, deadline_seconds=WEB_OCP_SECONDS))

    task_retry = _task_action("retry")
    task_rollback = _task_action("rollback")
    task_close = _task_action("close")
    task_cancel = _task_action("cancel")
    task_resubmit = _task_action("resubmit")
    step_retry = _step_action("retry")
    step_skip = _step_action("skip")
    step_cancel = _step_action("cancel")

    @extend_schema(request=None, responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CreatedCursorPagination)
    def events(self, request, pk=None):
        """Every event of the upgrade, newest first, cursor-paginated (the detail shows the newest)."""
        upgrade = self.get_object()
        page = self.paginate_queryset(upgrade.events.select_related("actor"))
        return self.get_paginated_response(s.EventSerializer(page, many=True).data)

    @extend_schema(request=None, responses={(200, "application/json"): OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], pagination_class=None)
    def evidence(self, request, pk=None):
        """The upgrade's evidence pack as canonical JSON: the bytes whose SHA-256 the exported HTML
        states (also in the X-Evidence-SHA256 header). Keys sorted, no whitespace, ASCII only."""
        pack = evidence.export(self.get_object().pk)
        response = HttpResponse(pack.body, content_type="application/json")
        response["X-Evidence-SHA256"] = pack.sha256
        return response

    @extend_schema(methods=["GET"], request=None, responses=s.CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.CommentSerializer, responses={201: s.CommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        """The upgrade's comments (oldest first); POST adds one (Operators)."""
        upgrade = self.get_object()
        if request.method == "POST":
            data = self._valid(s.CommentSerializer, request)
            comment = add_comment(request.user, upgrade, data["body"])
            return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = upgrade.comments.select_related("author")
        return Response(s.CommentSerializer(comments, many=True).data)

    @extend_schema(request=s.SignOffSerializer, responses=s.UpgradeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """Sign off a finished upgrade (who and when are recorded once)."""
        upgrade = self.get_object()
        sign_off(request.user, upgrade, note=self._valid(s.SignOffSerializer, request)["note"])
        return Response(s.UpgradeDetailSerializer(self.get_queryset().get(pk=upgrade.pk)).data)

    def _valid(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _reason(self, request) -> str:
        return self._valid(s.ReasonSerializer, request)["reason"]

    def _result(self, upgrade: Upgrade, message: str) -> Response:
        upgrade = self.get_queryset().get(pk=upgrade.pk)
        return Response({"message": translated(message), "upgrade": s.UpgradeDetailSerializer(upgrade).data})
