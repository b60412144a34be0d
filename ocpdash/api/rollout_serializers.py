"""Serializers of the rollouts API (ocpdash.api.views.rollouts)."""

from __future__ import annotations

from rest_framework import serializers

from ocpdash.catalog.models import RpmPackage
from ocpdash.rollouts.models import Rollout, RolloutEvent, RolloutUnit
from ocpdash.rollouts.plan import MAX_UNITS, Strategy
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import REASON_MAX_LENGTH


class RolloutRequestSerializer(serializers.Serializer):
    """What a rollout is made of; ``POST /api/rollouts/plan/`` shows the plan without storing it."""

    name = serializers.CharField(max_length=200, required=False, default="")
    packages = serializers.PrimaryKeyRelatedField(
        queryset=RpmPackage.objects.all(), many=True, help_text="One package per architecture/OS needed."
    )
    clusters = serializers.PrimaryKeyRelatedField(
        queryset=Cluster.objects.select_related("site", "primary"), many=True, allow_empty=False
    )
    canary = serializers.PrimaryKeyRelatedField(
        queryset=Cluster.objects.all(), many=True, required=False, default=list,
        help_text="Clusters upgraded first, on their own (wave 0); each must be among clusters.",
    )  # fmt: skip
    wave_size = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, default=5)
    max_parallel = serializers.IntegerField(min_value=1, max_value=200, default=5)
    soak_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, default=0)
    halt_after_failures = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, default=1)
    start_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")

    def validate_clusters(self, value):
        if len(value) > MAX_UNITS:
            raise serializers.ValidationError(f"At most {MAX_UNITS} clusters.")
        return value

    def flow_args(self) -> dict:
        """What flow.preview and flow.create both take: clusters, packages, canary and strategy."""
        data = self.validated_data
        return {
            "clusters": data["clusters"],
            "packages": data["packages"],
            "canary": [c.pk for c in data["canary"]],
            "strategy": Strategy(
                wave_size=data["wave_size"],
                max_parallel=data["max_parallel"],
                soak_minutes=data["soak_minutes"],
                halt_after_failures=data["halt_after_failures"],
            ),
        }


class RolloutUnitSerializer(serializers.ModelSerializer):
    note = serializers.CharField(source="note_text", read_only=True)  # in the Accept-Language
    clusters = serializers.JSONField(source="members", read_only=True)
    package = serializers.CharField(source="package.file_name", read_only=True)
    upgrade = serializers.IntegerField(source="upgrade_id", read_only=True, allow_null=True)

    class Meta:
        model = RolloutUnit
        fields = ["id", "wave", "state", "note", "clusters", "from_version", "path", "package", "upgrade",
                  "started_at", "finished_at", "failure_accepted"]  # fmt: skip
        read_only_fields = fields


class RolloutSerializer(serializers.ModelSerializer):
    halt_reason = serializers.CharField(source="halt_text", read_only=True)  # in the Accept-Language
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    units_total = serializers.SerializerMethodField()
    units_done = serializers.SerializerMethodField()

    class Meta:
        model = Rollout
        fields = ["id", "name", "target_version", "state", "created_by", "created_at", "started_at",
                  "finished_at", "current_wave", "units_total", "units_done", "halt_reason"]  # fmt: skip
        read_only_fields = fields

    def get_units_total(self, rollout) -> int:
        return rollout.tally()["total"]

    def get_units_done(self, rollout) -> int:
        """Upgraded units (the API's name since it began; failed ones are not done here)."""
        return rollout.tally()["upgraded"]


class RolloutDetailSerializer(RolloutSerializer):
    packages = serializers.SerializerMethodField()
    clusters = serializers.SerializerMethodField()
    units = RolloutUnitSerializer(many=True, read_only=True)

    class Meta(RolloutSerializer.Meta):
        fields = [*RolloutSerializer.Meta.fields, "reason", "wave_size", "max_parallel", "soak_minutes",
                  "halt_after_failures", "start_at", "soak_until", "plan", "plan_digest",
                  "approvals_required", "approval_because", "revision", "packages", "clusters",
                  "units"]  # fmt: skip
        read_only_fields = fields

    def get_packages(self, rollout) -> list[dict]:
        return [{"id": p.pk, "file_name": p.file_name} for p in rollout.packages.all()]

    def get_clusters(self, rollout) -> list[dict]:
        """One entry per cluster (a pair's members each), with its unit's state and upgrade."""
        return [
            {"id": member["id"], "name": member["name"], "wave": unit.wave, "state": unit.state,
             "upgrade": unit.upgrade_id, "unit": unit.pk}
            for unit in rollout.units.all()
            for member in unit.members
        ]  # fmt: skip


class RolloutEventSerializer(serializers.ModelSerializer):
    message = serializers.CharField(source="text", read_only=True)  # in the Accept-Language
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = RolloutEvent
        fields = ["id", "created_at", "kind", "actor", "message"]
        read_only_fields = fields


class RolloutResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    rollout = RolloutDetailSerializer()
