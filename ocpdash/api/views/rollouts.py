"""Fleet rollouts: plan, create, follow, approve, pause, resume and abort. Each action calls the same
domain function (ocpdash.rollouts.flow) as the web pages and the CLI."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ocpdash.api import rollout_serializers as rs
from ocpdash.api import serializers as s
from ocpdash.api.pagination import CreatedCursorPagination
from ocpdash.api.views.base import ApiViewSet
from ocpdash.core.phrases import translated
from ocpdash.rollouts import flow
from ocpdash.rollouts.models import Rollout

VIEW = ["upgrades.view_upgrade"]
SUBMIT = ["upgrades.submit_upgrade"]
OPERATE = ["upgrades.operate_upgrade"]
APPROVE = ["upgrades.approve_upgrade"]


class RolloutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pagination_class = CreatedCursorPagination
    action_perms = {
        "list": VIEW,
        "retrieve": VIEW,
        "plan": SUBMIT,
        "create": SUBMIT,
        "pause": OPERATE,
        "resume": OPERATE,
        "abort": OPERATE,
        "approve": APPROVE,
        "decline": APPROVE,
        "events": VIEW,
    }

    def get_queryset(self):
        rollouts = Rollout.objects.select_related("created_by").prefetch_related("units")
        if self.action == "retrieve":
            return rollouts.prefetch_related("packages")
        return rollouts

    def get_serializer_class(self):
        return rs.RolloutSerializer if self.action == "list" else rs.RolloutDetailSerializer

    @extend_schema(
        request=rs.RolloutRequestSerializer, responses={(200, "application/json"): OpenApiTypes.OBJECT}
    )
    @action(detail=False, methods=["post"])
    def plan(self, request):
        """The plan a rollout would have: every unit pre-checked with OCP, canary and waves, paths, ETAs,
        the clusters left out and why, the approvals needed. Nothing is stored."""
        made = flow.preview(request.user, **self._valid(request).flow_args())
        return Response({**made.as_dict(), "plan_digest": made.digest})

    @extend_schema(request=rs.RolloutRequestSerializer, responses={201: rs.RolloutDetailSerializer})
    def create(self, request):
        """Plan and create a rollout: awaiting approval when a policy asks for it, else it starts (or
        waits for ``start_at``)."""
        serializer = self._valid(request)
        data = serializer.validated_data
        rollout = flow.create(
            request.user,
            name=data["name"],
            start_at=data["start_at"],
            reason=data["reason"],
            **serializer.flow_args(),
        )
        return Response(self._detail(rollout), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses=rs.RolloutResultSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Start nothing new; upgrades already started run on."""
        return self._do(flow.pause, request)

    @extend_schema(request=s.ReasonSerializer, responses=rs.RolloutResultSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a paused rollout, or a halted one (its failures so far are then accepted)."""
        return self._do(flow.resume, request)

    @extend_schema(request=s.ReasonSerializer, responses=rs.RolloutResultSerializer)
    @action(detail=True, methods=["post"])
    def abort(self, request, pk=None):
        """End the rollout: nothing new starts; upgrades already started run to their end."""
        return self._do(flow.abort, request)

    @extend_schema(request=s.ApproveSerializer, responses=rs.RolloutResultSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the rollout's plan (Approvers; not its creator). The plan is made again with OCP
        first: 409 if it changed."""
        rollout = self.get_object()
        data = s.ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = flow.approve(
            request.user,
            rollout,
            comment=data.validated_data["comment"],
            plan_digest=data.validated_data["plan_digest"] or None,
        )
        return self._result(rollout, message)

    @extend_schema(request=s.DeclineSerializer, responses=rs.RolloutResultSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        rollout = self.get_object()
        data = s.DeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._result(
            rollout, flow.decline(request.user, rollout, comment=data.validated_data["comment"])
        )

    @extend_schema(request=None, responses=rs.RolloutEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CreatedCursorPagination)
    def events(self, request, pk=None):
        rollout = self.get_object()
        page = self.paginate_queryset(rollout.events.select_related("actor").order_by("-created_at", "-id"))
        return self.get_paginated_response(rs.RolloutEventSerializer(page, many=True).data)

    def _valid(self, request) -> rs.RolloutRequestSerializer:
        serializer = rs.RolloutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer

    def _do(self, fn, request) -> Response:
        rollout = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._result(rollout, fn(request.user, rollout, reason=data.validated_data["reason"]))

    def _detail(self, rollout: Rollout) -> dict:
        return rs.RolloutDetailSerializer(
            self.get_queryset().prefetch_related("packages").get(pk=rollout.pk)
        ).data

    def _result(self, rollout: Rollout, message: str) -> Response:
        return Response({"message": translated(message), "rollout": self._detail(rollout)})
