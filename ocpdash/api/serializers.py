"""API representations. Credentials are write-only: the API says whether one is set, never what it is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ocpdash.catalog.models import RpmPackage
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades.models import Comment, Upgrade, UpgradeEvent, UpgradeStep
from ocpdash.upgrades.operations import step_operations, task_operations

HEX40 = r"^[0-9a-fA-F]{40}$"
HEX64 = r"^[0-9a-fA-F]{64}$"


class SiteSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500)
    access_key_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    has_password = serializers.SerializerMethodField()
    has_access_key_secret = serializers.SerializerMethodField()

    class Meta:
        model = OcpSite
        fields = [
            "id", "name", "base_url", "auth_mode", "username", "password", "has_password",
            "access_key_id", "access_key_secret", "has_access_key_secret", "enabled",
            "created_at", "updated_at", "last_sync_at", "last_sync_error",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at", "last_sync_at", "last_sync_error"]

    def get_has_password(self, site: OcpSite) -> bool:
        return bool(site.password)

    def get_has_access_key_secret(self, site: OcpSite) -> bool:
        return bool(site.access_key_secret)

    def validate(self, attrs: dict) -> dict:
        # A blank secret on update keeps the stored one (it is never shown, so it cannot be re-sent).
        for secret in ("password", "access_key_secret"):
            if self.instance is not None and not attrs.get(secret):
                attrs.pop(secret, None)
        merged = {**self._current(), **attrs}
        if merged["auth_mode"] == OcpSite.AuthMode.AKSK:
            needed = {"access_key_id": "an AccessKey ID", "access_key_secret": "an AccessKey secret"}
        else:
            needed = {"username": "a username", "password": "a password"}
        missing = {f: [f"Give {what} for this authentication mode."] for f, what in needed.items()}
        missing = {f: m for f, m in missing.items() if not merged.get(f)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs

    def _current(self) -> dict:
        site = self.instance
        if site is None:
            return {"auth_mode": OcpSite.AuthMode.BASIC}
        fields = ("auth_mode", "username", "password", "access_key_id", "access_key_secret")
        return {f: getattr(site, f) for f in fields}


class ClusterSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="name", read_only=True)
    site_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cluster
        fields = [
            "id", "site", "site_id", "ocp_id", "name", "ob_cluster_id", "version", "status",
            "cluster_type", "architecture", "operating_system", "zone_count", "server_count",
            "present_in_ocp", "last_synced_at",
        ]  # fmt: skip
        read_only_fields = fields


class ClusterDetailSerializer(ClusterSerializer):
    class Meta(ClusterSerializer.Meta):
        fields = [*ClusterSerializer.Meta.fields, "zones"]
        read_only_fields = fields


class SyncResultSerializer(serializers.Serializer):
    site = serializers.CharField()
    clusters = serializers.IntegerField()
    created = serializers.IntegerField()
    gone = serializers.IntegerField()
    error = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())


class PackageSerializer(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    full_version = serializers.CharField(read_only=True)
    size = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    sha1 = serializers.RegexField(HEX40, required=False, allow_blank=True)
    sha256 = serializers.RegexField(HEX64, required=False, allow_blank=True)

    class Meta:
        model = RpmPackage
        fields = [
            "id", "file_name", "name", "version", "build", "full_version", "dist", "arch",
            "size", "sha1", "sha256", "notes", "enabled", "added_by", "added_at",
        ]  # fmt: skip
        read_only_fields = ["name", "version", "build", "dist", "arch", "added_by", "added_at"]


class UpgradeRequestSerializer(serializers.Serializer):
    cluster = serializers.PrimaryKeyRelatedField(queryset=Cluster.objects.select_related("site"))
    package = serializers.PrimaryKeyRelatedField(queryset=RpmPackage.objects.all())


class SubmitRequestSerializer(UpgradeRequestSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class SignOffSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class PathStepSerializer(serializers.Serializer):
    version = serializers.CharField()
    binary = serializers.BooleanField()
    file_name = serializers.CharField(allow_blank=True)
    in_ocp = serializers.BooleanField()
    in_catalog = serializers.BooleanField()


class PrecheckReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    cluster = serializers.IntegerField()
    package = serializers.IntegerField()
    from_version = serializers.CharField(allow_blank=True)
    to_version = serializers.CharField()
    checks = CheckSerializer(many=True)
    path = PathStepSerializer(many=True)
    missing_rpms = serializers.ListField(child=serializers.CharField())


class StepSerializer(serializers.ModelSerializer):
    display_status = serializers.CharField(read_only=True)
    operations = serializers.SerializerMethodField()

    class Meta:
        model = UpgradeStep
        fields = [
            "ocp_task_id", "ocp_subtask_id", "name", "description", "status", "display_status",
            "operation", "operations", "upstreams", "downstreams", "parallel_idx", "run_time",
            "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_operations(self, step: UpgradeStep) -> list[str]:
        return step_operations(self.context["upgrade"], step)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = UpgradeEvent
        fields = ["id", "created_at", "kind", "actor", "message", "ocp_subtask_id"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(max_length=10000)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class UpgradeSerializer(serializers.ModelSerializer):
    cluster = serializers.SerializerMethodField()
    package = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Upgrade
        fields = [
            "id", "state", "state_display", "cluster", "package", "from_version", "to_version",
            "requested_by", "reason", "created_at", "submitted_at", "finished_at", "ocp_task_id",
            "last_error", "reviewed_by", "reviewed_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "site": {"type": "string"}},
        }
    )
    def get_cluster(self, upgrade: Upgrade) -> dict:
        cluster = upgrade.cluster
        return {"id": cluster.pk, "name": cluster.name, "site": cluster.site.name}

    @extend_schema_field(
        {"type": "object", "properties": {"id": {"type": "integer"}, "file_name": {"type": "string"}}}
    )
    def get_package(self, upgrade: Upgrade) -> dict:
        return {"id": upgrade.package_id, "file_name": upgrade.package.file_name}


class UpgradeDetailSerializer(UpgradeSerializer):
    steps = serializers.SerializerMethodField()
    events = EventSerializer(many=True, read_only=True)
    operations = serializers.SerializerMethodField()

    class Meta(UpgradeSerializer.Meta):
        fields = [
            *UpgradeSerializer.Meta.fields, "upgrade_path", "ocp_task_status", "ocp_task_operation",
            "revision", "operations", "steps", "events",
        ]  # fmt: skip
        read_only_fields = fields

    def get_operations(self, upgrade: Upgrade) -> list[str]:
        return task_operations(upgrade)

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, upgrade: Upgrade) -> list[dict]:
        return StepSerializer(upgrade.steps.all(), many=True, context={"upgrade": upgrade}).data


class OperationResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    upgrade = UpgradeDetailSerializer()
