from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

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

    file_name = models.CharField(max_length=200, unique=True, validators=[validate_rpm_file_name])
    name = models.CharField(max_length=60, editable=False)
    version = models.CharField(max_length=30, editable=False)
    build = models.CharField(max_length=30, editable=False)
    dist = models.CharField(max_length=20, editable=False)
    arch = models.CharField(max_length=20, editable=False)
    size = models.BigIntegerField(null=True, blank=True, help_text="Bytes")
    sha1 = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    upgrade_dep_file = models.TextField(
        "upgrade dependency file",
        blank=True,
        help_text="The oceanbase_upgrade_dep.yml this RPM carries, if known. OCP computes the upgrade "
        "path from the target RPM's own file, so the pre-check uses it instead of the bundled upstream file.",
    )
    enabled = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = RpmPackageQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "file_name"]
        verbose_name = "RPM package"
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
