from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocpdash.ocp.rpm import RpmNameError, parse_rpm_filename
from ocpdash.ocp.versions import ObVersion


def validate_rpm_file_name(value: str) -> None:
    try:
        parse_rpm_filename(value)
    except RpmNameError as exc:
        raise ValidationError(f"{exc.part}: {exc.message}", code="invalid_rpm_name") from exc


class RpmPackageQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class RpmPackage(models.Model):
    """An OceanBase RPM that operators may upgrade to. The parsed parts come from the file name."""

    file_name = models.CharField(
        max_length=200, unique=True, validators=[validate_rpm_file_name], verbose_name=_("file name")
    )
    name = models.CharField(max_length=60, editable=False, verbose_name=_("name"))
    version = models.CharField(max_length=30, editable=False, verbose_name=_("version"))
    build = models.CharField(max_length=30, editable=False, verbose_name=_("build"))
    dist = models.CharField(max_length=20, editable=False, verbose_name=_("distribution"))
    arch = models.CharField(max_length=20, editable=False, verbose_name=_("architecture"))
    size = models.BigIntegerField(null=True, blank=True, help_text=_("Bytes"), verbose_name=_("size"))
    sha1 = models.CharField(max_length=40, blank=True, verbose_name=_("SHA-1 checksum"))
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256 checksum"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    upgrade_dep_file = models.TextField(
        blank=True,
        help_text=_(
            "The oceanbase_upgrade_dep.yml this RPM carries, if known. OCP computes the upgrade "
            "path from the target RPM's own file, so the pre-check uses it instead of the bundled "
            "upstream file."
        ),
        verbose_name=_("upgrade dependency file"),
    )
    # The RPM itself, in the "rpms" storage (ocpdash.catalog.storage), and what reading it showed.
    stored_file = models.CharField(max_length=300, blank=True, editable=False, verbose_name=_("stored file"))
    verified_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("verified at"))
    verification = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("verification result")
    )
    upgrade_dep_path = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text=_("Where the dependency file sits in the RPM."),
        verbose_name=_("upgrade dependency file path"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added at"))

    objects = RpmPackageQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "file_name"]
        verbose_name = _("RPM package")
        verbose_name_plural = _("RPM packages")
        indexes = [models.Index(fields=["version", "arch"])]

    def __str__(self) -> str:
        return self.file_name

    def save(self, *args, **kwargs):
        self.fill_parsed_fields()
        super().save(*args, **kwargs)

    def fill_parsed_fields(self) -> None:
        parsed = parse_rpm_filename(self.file_name)  # raises RpmNameError on a bad name
        self.name, self.version, self.build = parsed.name, parsed.version, parsed.build
        self.dist, self.arch = parsed.dist, parsed.arch

    @property
    def full_version(self) -> str:
        """OCP's spelling: ``<version>-<build>``."""
        return f"{self.version}-{self.build}"

    @property
    def ob_version(self) -> ObVersion:
        return ObVersion.parse(self.full_version)

    @property
    def has_file(self) -> bool:
        return bool(self.stored_file)


class Presence(models.TextChoices):
    """Whether an OCP site has a catalog package, by file name; the SHA-1 OCP reports is compared
    with ours when we know ours."""

    PRESENT = "present", "present"
    MISSING = "missing", "missing"
    DIFFERENT = "different", "different file"


class SitePresence(models.Model):
    """One catalog package at one OCP site, as OCP's package list last showed it (presence.py)."""

    package = models.ForeignKey(
        RpmPackage, on_delete=models.CASCADE, related_name="presences", verbose_name=_("package")
    )
    site = models.ForeignKey(
        "sites.OcpSite", on_delete=models.CASCADE, related_name="+", verbose_name=_("OCP site")
    )
    state = models.CharField(max_length=10, choices=Presence.choices, verbose_name=_("state"))
    ocp_package_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("OCP package ID"))
    ocp_sha1 = models.CharField(max_length=40, blank=True, verbose_name=_("SHA-1 checksum in OCP"))
    ocp_size = models.BigIntegerField(null=True, blank=True, verbose_name=_("size in OCP"))
    checked_at = models.DateTimeField(default=timezone.now, verbose_name=_("checked at"))

    class Meta:
        verbose_name = _("package at a site")
        verbose_name_plural = _("packages at sites")
        constraints = [models.UniqueConstraint(fields=["package", "site"], name="presence_once_per_site")]

    def __str__(self) -> str:
        return f"{self.package} at {self.site_id}: {self.state}"

    @property
    def sha1_compared(self) -> bool:
        return bool(self.ocp_sha1 and self.package.sha1)


class UploadState(models.TextChoices):
    """An upload of a catalog file to one OCP site (uploading.py has its transitions)."""

    QUEUED = "queued", "queued"
    SENDING = "sending", "sending"
    DONE = "done", "done"
    FAILED = "failed", "failed"


ACTIVE_UPLOAD_STATES = (UploadState.QUEUED, UploadState.SENDING)
TERMINAL_UPLOAD_STATES = (UploadState.DONE, UploadState.FAILED)


class UploadOutcome(models.TextChoices):
    UPLOADED = "uploaded", "uploaded"
    ALREADY_THERE = "already_there", "already in OCP"
    REFUSED = "refused", "refused"
    ERROR = "error", "error"


class PackageUpload(models.Model):
    """A catalog admin's request to put a package's file on an OCP site, and how it went."""

    package = models.ForeignKey(
        RpmPackage, on_delete=models.PROTECT, related_name="uploads", verbose_name=_("package")
    )
    site = models.ForeignKey(
        "sites.OcpSite", on_delete=models.PROTECT, related_name="+", verbose_name=_("OCP site")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    state = models.CharField(
        max_length=10, choices=UploadState.choices, default=UploadState.QUEUED, verbose_name=_("state")
    )
    outcome = models.CharField(
        max_length=16, choices=UploadOutcome.choices, blank=True, verbose_name=_("outcome")
    )
    message = models.TextField(blank=True, verbose_name=_("message"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    bytes_sent = models.BigIntegerField(default=0, verbose_name=_("bytes sent"))
    total_bytes = models.BigIntegerField(default=0, verbose_name=_("total bytes"))
    ocp_package_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("OCP package ID"))
    ocp_sha1 = models.CharField(max_length=40, blank=True, verbose_name=_("SHA-1 checksum in OCP"))
    # One worker at a time sends the file: the lease is renewed as bytes go out (uploading.py).
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease expires at"))
    lease_token = models.CharField(max_length=32, blank=True, verbose_name=_("lease token"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("package upload")
        verbose_name_plural = _("package uploads")
        constraints = [
            models.UniqueConstraint(
                fields=["package", "site"],
                condition=Q(state__in=ACTIVE_UPLOAD_STATES),
                name="one_active_upload_per_site",
            )
        ]

    def __str__(self) -> str:
        return f"Upload #{self.pk} of {self.package} to {self.site}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_UPLOAD_STATES

    @property
    def percent(self) -> int:
        if not self.total_bytes:
            return 100 if self.state == UploadState.DONE else 0
        return min(100, int(self.bytes_sent * 100 / self.total_bytes))


class CatalogEvent(models.Model):
    """Append-only history of the catalog: files stored, uploads asked for, OCP's answers."""

    class Kind(models.TextChoices):
        FILE = "file", "File stored"
        REFUSED = "refused", "File refused"
        UPLOAD = "upload", "Upload"
        ERROR = "error", "Error"
        PRESENCE = "presence", "Presence in OCP"

    package = models.ForeignKey(
        RpmPackage, on_delete=models.CASCADE, related_name="events", verbose_name=_("package")
    )
    upload = models.ForeignKey(
        PackageUpload,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("upload"),
    )
    site = models.ForeignKey(
        "sites.OcpSite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("OCP site"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    message = models.TextField(verbose_name=_("message"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("catalog event")
        verbose_name_plural = _("catalog events")

    def __str__(self) -> str:
        return self.message

    @property
    def actor_name(self) -> str:
        return self.actor.get_username() if self.actor_id else "ocpdash"
