"""API representations. Credentials are write-only: the API says whether one is set, never what it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ocpdash.catalog.models import CatalogEvent, PackageUpload, Presence, RpmPackage
from ocpdash.core import site_rules
from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades.models import REASON_MAX_LENGTH, Comment, Upgrade, UpgradeEvent, UpgradeStep
from ocpdash.upgrades.operations import step_operations, task_operations
from ocpdash.upgrades.options import MODES, UpgradeOptions
from ocpdash.upgrades.params import parse_id
from ocpdash.upgrades.review import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

HEX40 = r"^[0-9a-fA-F]{40}$"
HEX64 = r"^[0-9a-fA-F]{64}$"


class SiteSerializer(serializers.ModelSerializer):
    """Changing ``base_url`` needs the secret of the site's mode again (ocpdash.core.site_rules)."""

    base_url = serializers.URLField(max_length=200, validators=[site_rules.validate_ocp_url])
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
            "access_key_id", "access_key_secret", "has_access_key_secret", "ca_bundle", "enabled",
            "created_at", "updated_at", "last_sync_at", "last_sync_error", "ocp_version",
            "credentials_refused_since",
        ]  # fmt: skip
        read_only_fields = [
            "created_at", "updated_at", "last_sync_at", "last_sync_error", "ocp_version",
            "credentials_refused_since",
        ]  # fmt: skip

    credentials_refused_since = serializers.DateTimeField(
        source="auth_refused_since", read_only=True, allow_null=True
    )

    def get_has_password(self, site: OcpSite) -> bool:
        return bool(site.password)

    def get_has_access_key_secret(self, site: OcpSite) -> bool:
        return bool(site.access_key_secret)

    def validate_ca_bundle(self, pem: str) -> str:
        try:
            site_rules.validate_ca_bundle(pem)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return pem

    def validate(self, attrs: dict) -> dict:
        if site_rules.secret_needed_again(self.instance, attrs.get("base_url")):
            secret = site_rules.SECRET_OF_MODE[attrs.get("auth_mode", self.instance.auth_mode)]
            if not attrs.get(secret):
                message = site_rules.url_changed(site_rules.SECRET_NAMES[secret])
                raise serializers.ValidationError({secret: [message]})
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
    primary = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    rpm_family = serializers.SerializerMethodField()

    class Meta:
        model = Cluster
        fields = [
            "id", "site", "site_id", "ocp_id", "name", "ob_cluster_id", "version", "status",
            "cluster_type", "primary", "architecture", "operating_system", "kernel", "rpm_family",
            "zone_count", "server_count", "present_in_ocp", "last_synced_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_rpm_family(self, cluster: Cluster) -> str | None:
        """The RPM build (el7, el8) its hosts take, or null when ocpdash cannot tell."""
        return cluster.platform.family


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


class SyncQueuedSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.CharField(), help_text="The sites being synced")


class PresenceSerializer(serializers.Serializer):
    site = serializers.CharField(source="site.name")
    state = serializers.ChoiceField(choices=Presence.choices, help_text="In OCP's package list at that site")
    ocp_package_id = serializers.IntegerField(allow_null=True)
    ocp_sha1 = serializers.CharField(help_text="OCP's SHA-1 of its file (compared with ours)")
    checked_at = serializers.DateTimeField()


class PackageSerializer(serializers.ModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    full_version = serializers.CharField(read_only=True)
    size = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    sha1 = serializers.RegexField(HEX40, required=False, allow_blank=True)
    sha256 = serializers.RegexField(HEX64, required=False, allow_blank=True)
    has_file = serializers.BooleanField(read_only=True, help_text="The RPM itself is in the catalog")
    verification = serializers.DictField(read_only=True, help_text="Its header and the checks it passed")
    has_dependency_file = serializers.SerializerMethodField()
    sites = PresenceSerializer(source="presences", many=True, read_only=True)

    class Meta:
        model = RpmPackage
        fields = [
            "id", "file_name", "name", "version", "build", "full_version", "dist", "arch",
            "size", "sha1", "sha256", "notes", "enabled", "added_by", "added_at",
            "has_file", "verified_at", "verification", "has_dependency_file", "upgrade_dep_path", "sites",
        ]  # fmt: skip
        read_only_fields = ["name", "version", "build", "dist", "arch", "added_by", "added_at", "verified_at",
                            "upgrade_dep_path"]  # fmt: skip

    @extend_schema_field(serializers.BooleanField(help_text="The RPM carries an oceanbase_upgrade_dep.yml"))
    def get_has_dependency_file(self, package: RpmPackage) -> bool:
        return bool(package.upgrade_dep_file)

    def validate_file_name(self, file_name: str) -> str:
        """Fixed once created: upgrades and their history name the package by it (review L5)."""
        if self.instance is not None and file_name != self.instance.file_name:
            raise serializers.ValidationError(
                "A package's file name cannot change once created; add the other RPM as a new package."
            )
        return file_name

    def validate(self, attrs: dict) -> dict:
        """A stored file's size and checksums are what reading it showed, not editable."""
        if self.instance is not None and self.instance.has_file:
            for name in ("size", "sha1", "sha256"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    message = "Measured from the stored RPM; it cannot be changed."
                    raise serializers.ValidationError({name: message})
        return attrs


class PackageFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The RPM; its file name is the package's")


class UploadRequestSerializer(serializers.Serializer):
    site = serializers.CharField(max_length=100, help_text="OCP site id or name")

    def validate_site(self, value: str) -> OcpSite:
        lookup = {"pk": parse_id(value)} if parse_id(value) is not None else {"name": value}
        site = OcpSite.objects.filter(**lookup).first()
        if site is None:
            raise serializers.ValidationError(f"No OCP site {value!r}.")
        return site


class CatalogEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = CatalogEvent
        fields = ["created_at", "kind", "actor", "message"]


class PackageUploadSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="package.file_name", read_only=True)
    site = serializers.CharField(source="site.name", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    percent = serializers.IntegerField(read_only=True)
    events = CatalogEventSerializer(many=True, read_only=True)

    class Meta:
        model = PackageUpload
        fields = [
            "id", "package", "file_name", "site", "state", "outcome", "message", "attempts",
            "bytes_sent", "total_bytes", "percent", "ocp_package_id", "ocp_sha1", "requested_by",
            "created_at", "started_at", "finished_at", "events",
        ]  # fmt: skip
        read_only_fields = fields


class UpgradeRequestSerializer(serializers.Serializer):
    cluster = serializers.PrimaryKeyRelatedField(
        queryset=Cluster.objects.select_related("site", "primary__site")
    )
    package = serializers.PrimaryKeyRelatedField(queryset=RpmPackage.objects.all())
    upgrade_mode = serializers.ChoiceField(
        choices=list(MODES), required=False, allow_blank=True, default="",
        help_text="OCP 4.3 and later: ROLLING or STOP_SERVICE (default: rolling with 3 zones or more).",
    )  # fmt: skip
    zone_order = serializers.ListField(
        child=serializers.CharField(max_length=128), required=False, max_length=64, default=list,
        help_text="OCP 4.3 and later: every zone of the (primary) cluster once, in upgrade order.",
    )  # fmt: skip
    freeze_server = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="OCP 4.3 and later: a minor compaction before each zone's servers stop.",
    )  # fmt: skip

    def validate(self, attrs: dict) -> dict:
        try:
            attrs["options"] = UpgradeOptions.parse(
                attrs.pop("upgrade_mode", ""), attrs.pop("zone_order", []), attrs.pop("freeze_server", None)
            )
        except ValueError as exc:
            raise serializers.ValidationError({"zone_order": [str(exc)]}) from None
        return attrs


class SubmitRequestSerializer(UpgradeRequestSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")
    start = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="now",
        help_text="now (default: still subject to approval and change freezes), next_window, or an "
        "ISO 8601 time with its offset, e.g. 2026-12-05T01:00:00+08:00.",
    )  # fmt: skip

    def validate_start(self, value: str):
        from ocpdash.changes.flow import Start

        try:
            return Start.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default=""
    )
    plan_digest = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="",
        help_text="The digest of the plan you reviewed: refused if the plan changed since.",
    )  # fmt: skip


class DeclineSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Why: the requester reads it.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")


class SignOffSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default="")


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    ok = serializers.BooleanField()
    level = serializers.ChoiceField(choices=["ok", "warning", "error"])
    message = serializers.CharField()


class PathStepSerializer(serializers.Serializer):
    version = serializers.CharField()
    binary = serializers.BooleanField(help_text="A binary stop: the observer is replaced, an RPM is needed.")
    file_name = serializers.CharField(allow_blank=True)
    in_ocp = serializers.BooleanField()
    in_catalog = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="arch/family without an RPM in OCP"
    )


class OptionsSerializer(serializers.Serializer):
    upgrade_mode = serializers.CharField()
    zone_order = serializers.ListField(child=serializers.CharField())
    freeze_server = serializers.BooleanField(allow_null=True)


class PairMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField(allow_blank=True)


class PrecheckReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    cluster = serializers.IntegerField()
    package = serializers.IntegerField()
    from_version = serializers.CharField(allow_blank=True)
    to_version = serializers.CharField()
    checks = CheckSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    path = PathStepSerializer(many=True)
    route_source = serializers.CharField(allow_blank=True)
    missing_rpms = serializers.ListField(child=serializers.CharField())
    options = OptionsSerializer()
    also_upgrades = PairMemberSerializer(many=True)


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
    message = serializers.CharField(source="text", read_only=True)  # in the Accept-Language

    class Meta:
        model = UpgradeEvent
        fields = ["id", "created_at", "kind", "actor", "message", "ocp_subtask_id"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)

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
    last_error = serializers.CharField(source="last_error_text", read_only=True)  # in the Accept-Language

    class Meta:
        model = Upgrade
        fields = [
            "id", "state", "state_display", "cluster", "package", "from_version", "to_version",
            "requested_by", "reason", "created_at", "submitted_at", "finished_at", "ocp_task_id",
            "last_error", "reviewed_by", "reviewed_at", "upgrade_mode", "zone_order", "freeze_server",
            "also_upgrades",
        ]  # fmt: skip
        read_only_fields = fields

    also_upgrades = serializers.SerializerMethodField()

    @extend_schema_field(PairMemberSerializer(many=True))
    def get_also_upgrades(self, upgrade: Upgrade) -> list[dict]:
        """The other members of the cluster's primary/standby pair, upgraded in the same OCP task."""
        return [{"id": c.pk, "name": c.name, "role": c.cluster_type} for c in upgrade.also_upgrades.all()]

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


class FaultSerializer(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField()


# The newest events shown inline in an upgrade's detail; all of them page at events_url.
EVENTS_INLINE = 50


class ApprovalSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    decision = serializers.CharField()
    comment = serializers.CharField()
    plan_digest = serializers.CharField()
    created_at = serializers.DateTimeField()
    void = serializers.BooleanField(source="is_void")
    void_reason = serializers.CharField(source="void_reason_text")  # in the Accept-Language


class EstimateSerializer(serializers.Serializer):
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    samples = serializers.IntegerField()
    basis = serializers.CharField()
    text = serializers.CharField()
    expected_end = serializers.DateTimeField(required=False, allow_null=True)
    expected_end_p90 = serializers.DateTimeField(required=False, allow_null=True)


class UpgradeDetailSerializer(UpgradeSerializer):
    approvals = serializers.SerializerMethodField()
    eta = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    fault = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    events_more = serializers.SerializerMethodField()
    events_url = serializers.SerializerMethodField()
    operations = serializers.SerializerMethodField()
    start_note = serializers.CharField(source="start_note_text", read_only=True)  # in the Accept-Language

    class Meta(UpgradeSerializer.Meta):
        fields = [
            *UpgradeSerializer.Meta.fields, "upgrade_path", "ocp_task_status", "ocp_task_operation",
            "revision", "fault", "operations", "plan_digest", "plan", "approvals_required", "approvals",
            "start_mode", "start_at", "planned_start", "start_note", "eta", "steps", "events",
            "events_more", "events_url",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ApprovalSerializer(many=True))
    def get_approvals(self, upgrade: Upgrade) -> list[dict]:
        """Every approval and decline, void ones included (a changed plan voids them)."""
        return ApprovalSerializer(upgrade.approvals.select_related("user"), many=True).data

    @extend_schema_field(EstimateSerializer(allow_null=True))
    def get_eta(self, upgrade: Upgrade) -> dict | None:
        """How long it takes from history: the whole plan before it starts, what is left while it
        runs (with the expected end); null once it ended."""
        from ocpdash.changes.timing import upgrade_eta

        return upgrade_eta(upgrade)

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, upgrade: Upgrade) -> list[dict]:
        """The newest EVENTS_INLINE events, oldest of them first; every event is at ``events_url``."""
        return EventSerializer(newest_events(upgrade)[:EVENTS_INLINE][::-1], many=True).data

    def get_events_more(self, upgrade: Upgrade) -> bool:
        """True when the upgrade has older events than those inline."""
        return len(newest_events(upgrade)) > EVENTS_INLINE

    def get_events_url(self, upgrade: Upgrade) -> str:
        """Every event, newest first, cursor-paginated."""
        return reverse("api:upgrade-events", args=[upgrade.pk])

    def get_operations(self, upgrade: Upgrade) -> list[str]:
        return task_operations(upgrade)

    @extend_schema_field(FaultSerializer(allow_null=True))
    def get_fault(self, upgrade: Upgrade) -> dict | None:
        """Why OCP cannot be followed (or the upgrade submitted) right now, since when; null if nothing."""
        if not upgrade.ocp_fault:
            return None
        return {"since": upgrade.ocp_unreachable_since, "message": upgrade.ocp_fault_text}

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, upgrade: Upgrade) -> list[dict]:
        return StepSerializer(upgrade.steps.all(), many=True, context={"upgrade": upgrade}).data


def _newest_first():
    return UpgradeEvent.objects.select_related("actor").order_by("-created_at", "-id")


def newest_events(upgrade: Upgrade) -> list:
    """Up to EVENTS_INLINE + 1 newest events (one more tells whether there are older ones): the
    view's prefetch (:func:`newest_events_prefetch`) when it ran, else one query."""
    if not hasattr(upgrade, "newest_events"):
        upgrade.newest_events = list(_newest_first().filter(upgrade=upgrade)[: EVENTS_INLINE + 1])
    return upgrade.newest_events


def newest_events_prefetch() -> Prefetch:
    return Prefetch("events", queryset=_newest_first()[: EVENTS_INLINE + 1], to_attr="newest_events")


class OperationResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    upgrade = UpgradeDetailSerializer()
