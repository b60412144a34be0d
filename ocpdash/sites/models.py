from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ocpdash.env import VAR_DIR
from ocpdash.sites.fields import EncryptedTextField

if TYPE_CHECKING:
    from requests.auth import AuthBase

    from ocpdash.ocp import OcpClient
    from ocpdash.ocp.platform import HostPlatform


class OcpSite(models.Model):
    """One OCP server (often one per region). Credentials are encrypted and never shown back."""

    class AuthMode(models.TextChoices):
        BASIC = "basic", _("Username and password")
        AKSK = "aksk", _("AccessKey (AK/SK signature)")

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    base_url = models.URLField(help_text=_("e.g. http://ocp.example.com:8080"), verbose_name=_("OCP URL"))
    auth_mode = models.CharField(
        max_length=10, choices=AuthMode.choices, default=AuthMode.BASIC, verbose_name=_("authentication mode")
    )
    username = models.CharField(max_length=150, blank=True, verbose_name=_("username"))
    password = EncryptedTextField(blank=True, verbose_name=_("password"))
    access_key_id = models.CharField(max_length=150, blank=True, verbose_name=_("AccessKey ID"))
    access_key_secret = EncryptedTextField(blank=True, verbose_name=_("AccessKey secret"))
    # PEM certificates to trust for this site's https URL (a private CA), instead of the system's.
    ca_bundle = models.TextField(
        blank=True,
        verbose_name=_("CA bundle"),
        help_text=_(
            "PEM certificates (-----BEGIN CERTIFICATE-----) that sign OCP's https certificate, "
            "when it is not from a CA the system trusts. Blank: the system's CAs."
        ),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    from_environment = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Created from OCP_* settings at start-up."),
        verbose_name=_("from OCP_* settings"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    last_sync_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last synced at"))
    last_sync_error = models.TextField(blank=True, verbose_name=_("last sync error"))
    # OCP's own version (GET /api/v2/info buildVersion), read on every sync: the upgrade request's
    # body depends on it (OCP 4.3 changed it).
    ocp_version = models.CharField(max_length=100, blank=True, editable=False, verbose_name=_("OCP version"))
    ocp_version_checked_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("OCP version checked at")
    )
    # Credentials OCP refuses (see ocpdash.sites.guard): consecutive 401s, and since when every call
    # to this site is stopped. Cleared when the site is saved or on "Try again".
    auth_failures = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("authentication failures in a row")
    )
    auth_refused_since = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("credentials refused since")
    )
    auth_probe_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("credential probe until")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("OCP site")
        verbose_name_plural = _("OCP sites")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<OcpSite {self.pk} {self.name} {self.base_url}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a site (new URL or credentials, in the admin, the API or at start-up) is a new try:
        calls to it resume."""
        from ocpdash.sites.guard import CLEAR

        for name, value in CLEAR.items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *CLEAR}
        super().save(*args, **kwargs)

    @property
    def ocp_release(self) -> tuple[int, ...] | None:
        """OCP's release numbers (4, 3, 2), or None when not known yet."""
        from ocpdash.ocp import OcpInfo

        return OcpInfo(build_version=self.ocp_version).version if self.ocp_version else None

    @property
    def credentials_refused(self) -> bool:
        return self.auth_refused_since is not None

    def client(self, *, guard: bool = True, **kwargs: Any) -> OcpClient:
        """An OCP client for this site. Only ocpdash.ocp talks HTTP to OCP. Every call goes through
        the site's credential guard (no call while OCP refuses our credentials)."""
        from ocpdash.ocp import AkSkAuth, BasicAuth, OcpClient
        from ocpdash.sites.guard import CredentialGuard

        auth: AuthBase
        if self.auth_mode == self.AuthMode.AKSK:
            auth = AkSkAuth(self.access_key_id, self.access_key_secret)
        else:
            auth = BasicAuth(self.username, self.password)
        options: dict[str, Any] = {
            "connect_timeout": settings.OCP_CONNECT_TIMEOUT,
            "read_timeout": settings.OCP_READ_TIMEOUT,
            "max_response_bytes": settings.OCPDASH_OCP_MAX_RESPONSE_BYTES,
        }
        if guard:
            options["observer"] = CredentialGuard.for_site(self)
        if self.ca_bundle.strip():
            options["session"] = trusting_session(self.base_url, self.ca_bundle)
        options.update(kwargs)
        return OcpClient(self.base_url, auth=auth, **options)

    def shared_client(self, **kwargs: Any) -> OcpClient:
        """A client kept open in this thread for this site, so frequent polls reuse one HTTP
        connection (keep-alive) instead of opening one each. The caller must not close it. It is
        replaced when the site is saved (new URL or credentials) and after sitting idle for
        SHARED_CLIENT_IDLE_SECONDS, well under the minute servers keep idle connections open, so a
        connection OCP has dropped is never reused."""
        clients: dict[tuple[Any, ...], _HeldClient] = _shared.__dict__.setdefault("clients", {})
        slot, version = (self.pk, tuple(sorted(kwargs.items()))), (self.updated_at, self.base_url)
        now = time.monotonic()
        held = clients.get(slot)
        if held is not None and (held.version != version or now - held.used > SHARED_CLIENT_IDLE_SECONDS):
            held.client.close()
            held = None
        if held is None:
            held = clients[slot] = _HeldClient(version, self.client(**kwargs), now)
        held.used = now
        return held.client


def trusting_session(base_url: str, pem: str) -> requests.Session:
    """A session that verifies OCP's certificate against ``pem`` (the site's CA bundle), written
    once to a file under var/ named by its hash; proxies read from the environment once, as the
    client does for its own sessions."""
    session = requests.Session()
    found = session.merge_environment_settings(base_url, {}, None, str(ca_bundle_file(pem)), None)
    session.proxies.update(found["proxies"])
    session.verify = found["verify"]
    session.trust_env = False
    return session


def ca_bundle_file(pem: str) -> Path:
    text = pem.strip() + "\n"
    path = VAR_DIR / "ca" / f"{hashlib.sha256(text.encode()).hexdigest()}.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text)
        os.replace(partial, path)  # atomic: another process never reads half a file
    return path


SHARED_CLIENT_IDLE_SECONDS = 10.0
_shared = threading.local()


@dataclass
class _HeldClient:
    version: tuple[Any, ...]
    client: OcpClient
    used: float


class Cluster(models.Model):
    """An OceanBase cluster as OCP last reported it."""

    site = models.ForeignKey(
        OcpSite, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("OCP site")
    )
    ocp_id = models.BigIntegerField(help_text=_("The cluster's id in OCP"), verbose_name=_("OCP cluster ID"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    ob_cluster_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("OB cluster ID"))
    version = models.CharField(max_length=100, blank=True, verbose_name=_("version"))
    status = models.CharField(max_length=40, blank=True, verbose_name=_("status"))
    cluster_type = models.CharField(max_length=20, blank=True, verbose_name=_("cluster type"))
    architecture = models.CharField(max_length=20, blank=True, verbose_name=_("architecture"))
    # The hosts' distribution as OCP names it (operatingSystemRelease, e.g. alios7) and their kernel
    # (operatingSystem, e.g. 4.9.168-018.ali3000.alios7.x86_64); ocpdash.ocp.platform maps them to
    # the RPM family (el7).
    operating_system = models.CharField(max_length=100, blank=True, verbose_name=_("operating system"))
    kernel = models.CharField(max_length=255, blank=True, verbose_name=_("kernel"))
    # A primary/standby pair: OCP upgrades both members in one task.
    primary = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="standbys",
        verbose_name=_("primary cluster"),
    )
    zone_count = models.PositiveIntegerField(default=0, verbose_name=_("Zone count"))
    server_count = models.PositiveIntegerField(default=0, verbose_name=_("server count"))
    zones = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Zones with their servers, from OCP"),
        verbose_name=_("Zones and servers"),
    )
    # ocpdash's own tags (e.g. "production"): approval policies and notifications can be scoped by them.
    labels = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Labels such as ["production", "emea"]'),
        verbose_name=_("labels"),
    )
    present_in_ocp = models.BooleanField(default=True, verbose_name=_("present in OCP"))
    last_synced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last synced at"))

    class Meta:
        ordering = ["site__name", "name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        constraints = [
            models.UniqueConstraint(fields=["site", "ocp_id"], name="cluster_unique_ocp_id_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})"

    @property
    def is_running(self) -> bool:
        return self.status == "RUNNING"

    def has_label(self, label: str) -> bool:
        return label in (self.labels or [])

    @property
    def platform(self) -> HostPlatform:
        """The RPM family its hosts take."""
        from ocpdash.ocp.platform import host_platform

        return host_platform(self.operating_system, self.kernel)

    @property
    def pair_root(self) -> Cluster:
        """The primary of its pair (itself when it has no primary)."""
        return self.primary or self  # no query without a primary_id

    def pair_members(self) -> list[Cluster]:
        """Every cluster one upgrade of this one upgrades, standbys first (OCP's order), itself
        included; just itself when it is in no pair."""
        root = self.pair_root
        standbys = list(root.standbys.select_related("site").order_by("name"))
        return [*standbys, root] if standbys else [self]

    @property
    def zone_names(self) -> list[str]:
        return [zone.get("name", "") for zone in self.zones or []]

    @property
    def rootservice_zone(self) -> str | None:
        """The zone whose server holds the RootService (OCP upgrades it first when rolling)."""
        for zone in self.zones or []:
            if any(server.get("rootserver") for server in zone.get("servers", [])):
                name: str | None = zone.get("name")
                return name
        return None

    def default_zone_order(self) -> list[str]:
        """The RootService zone first, then the others in OCP's order (console doc: a rolling
        upgrade upgrades the RootService zone first)."""
        first = self.rootservice_zone
        names = self.zone_names
        return [first, *(z for z in names if z != first)] if first in names else names
