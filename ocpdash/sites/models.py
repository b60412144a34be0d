from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from ocpdash.sites.fields import EncryptedTextField


class OcpSite(models.Model):
    """One OCP server (often one per region). Credentials are encrypted and never shown back."""

    class AuthMode(models.TextChoices):
        BASIC = "basic", "Username and password"
        AKSK = "aksk", "AccessKey (AK/SK signature)"

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(help_text="e.g. http://ocp.example.com:8080")
    auth_mode = models.CharField(max_length=10, choices=AuthMode.choices, default=AuthMode.BASIC)
    username = models.CharField(max_length=150, blank=True)
    password = EncryptedTextField(blank=True)
    access_key_id = models.CharField(max_length=150, blank=True)
    access_key_secret = EncryptedTextField(blank=True)
    enabled = models.BooleanField(default=True)
    from_environment = models.BooleanField(
        default=False, editable=False, help_text="Created from OCP_* settings at start-up."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "OCP site"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<OcpSite {self.pk} {self.name} {self.base_url}>"

    def client(self, **kwargs):
        """An OCP client for this site. Only ocpdash.ocp talks HTTP to OCP."""
        from ocpdash.ocp import AkSkAuth, BasicAuth, OcpClient

        if self.auth_mode == self.AuthMode.AKSK:
            auth = AkSkAuth(self.access_key_id, self.access_key_secret)
        else:
            auth = BasicAuth(self.username, self.password)
        options = {
            "connect_timeout": settings.OCP_CONNECT_TIMEOUT,
            "read_timeout": settings.OCP_READ_TIMEOUT,
        }
        options.update(kwargs)
        return OcpClient(self.base_url, auth=auth, **options)

    def shared_client(self, **kwargs):
        """A client kept open in this thread for this site, so frequent polls reuse one HTTP
        connection (keep-alive) instead of opening one each. The caller must not close it. It is
        replaced when the site is saved (new URL or credentials) and after sitting idle for
        SHARED_CLIENT_IDLE_SECONDS, well under the minute servers keep idle connections open, so a
        connection OCP has dropped is never reused."""
        clients = _shared.__dict__.setdefault("clients", {})
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


SHARED_CLIENT_IDLE_SECONDS = 10.0
_shared = threading.local()


@dataclass
class _HeldClient:
    version: tuple
    client: object
    used: float


class Cluster(models.Model):
    """An OceanBase cluster as OCP last reported it."""

    site = models.ForeignKey(OcpSite, on_delete=models.PROTECT, related_name="clusters")
    ocp_id = models.BigIntegerField(help_text="The cluster's id in OCP")
    name = models.CharField(max_length=200)
    ob_cluster_id = models.BigIntegerField(null=True, blank=True)
    version = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=40, blank=True)
    cluster_type = models.CharField(max_length=20, blank=True)
    architecture = models.CharField(max_length=20, blank=True)
    operating_system = models.CharField(max_length=20, blank=True)
    zone_count = models.PositiveIntegerField(default=0)
    server_count = models.PositiveIntegerField(default=0)
    zones = models.JSONField(default=list, blank=True, help_text="Zones with their servers, from OCP")
    present_in_ocp = models.BooleanField(default=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "ocp_id"], name="cluster_unique_ocp_id_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})"

    @property
    def is_running(self) -> bool:
        return self.status == "RUNNING"
