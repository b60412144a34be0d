"""Uploading a catalog package's file to an OCP site: one row per request, one Celery job sends it.

States (``UploadState``) and who moves them, each move a conditional UPDATE whose row count is
checked, so a duplicate or late Celery message does nothing:

    (new) ──request_upload──▶ queued                  a catalog admin asks; the job is queued after commit
    queued ──worker claims──▶ sending                 lease taken (database clock), attempt counted
    sending ──worker, lease expired──▶ sending        a worker that died is replaced (attempt counted)
    sending ──worker──▶ done                          OCP has the file: sent now, or found there first
    sending ──worker──▶ queued                        the connection broke: tried again, at most
                                                      OCPDASH_PACKAGE_UPLOAD_MAX_ATTEMPTS times
    sending ──worker──▶ failed                        OCP refused, a different file is there, or tries ran out

Every attempt looks at OCP's package list before sending: a file that an earlier attempt got into
OCP (its answer lost) is found there and never sent twice. OCP refuses a second file of the same
name (PKG10012, 409); that answer too is read as "already there" once its SHA-1 matches ours.
The file is streamed from storage; the row's ``bytes_sent`` follows it (the page polls it).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from ocpdash.catalog import presence, storage
from ocpdash.catalog.models import (
    ACTIVE_UPLOAD_STATES,
    CatalogEvent,
    PackageUpload,
    RpmPackage,
    UploadOutcome,
    UploadState,
)
from ocpdash.ocp import OcpAuthError, OcpError, OcpForbidden, OcpRefused, SoftwarePackage

log = logging.getLogger(__name__)

UPLOAD_TASK = "ocpdash.catalog.tasks.upload_package"
UPLOAD_PERMISSION = "catalog.change_rpmpackage"
LEASE_SECONDS = 60.0
PROGRESS_SECONDS = 0.5  # at most this often the row's bytes_sent (and lease) is written
RETRY_SECONDS = 10.0  # times the attempt number: wait before trying a broken upload again
STALE_QUEUED_SECONDS = 60.0  # a queued upload no worker took for this long lost its message
DUPLICATE_CODES = ("PKG10012",)


class UploadNotAllowed(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class LeaseLost(Exception):
    """Another worker took the upload over (this one was too slow): stop sending."""


def may_upload(user) -> bool:
    return user.has_perm(UPLOAD_PERMISSION)


def request_upload(user, package: RpmPackage, site) -> tuple[PackageUpload, bool]:
    """Ask for ``package``'s file to be sent to ``site``; the active upload if one is under way.
    Returns the upload and whether it is new. UploadNotAllowed says why not."""
    if not may_upload(user):
        raise UploadNotAllowed("Only catalog admins may upload packages to OCP.", status=403)
    if not package.has_file:
        raise UploadNotAllowed(
            f"The catalog has no file for {package.file_name}: add the RPM to the catalog first."
        )
    if not site.enabled:
        raise UploadNotAllowed(f"OCP site {site.name} is disabled.")
    try:
        with transaction.atomic():
            upload = PackageUpload.objects.create(
                package=package, site=site, requested_by=user, total_bytes=package.size or 0
            )
            event(upload, f"Upload of {package.file_name} to OCP site {site.name} requested.", actor=user)
            transaction.on_commit(lambda: enqueue(upload.pk))
    except IntegrityError:  # one is already under way (one_active_upload_per_site)
        active = PackageUpload.objects.filter(
            package=package, site=site, state__in=ACTIVE_UPLOAD_STATES
        ).first()
        if active is None:
            raise
        return active, False
    return upload, True


def enqueue(upload_id: int, countdown: float | None = None) -> bool:
    return enqueue_by_name(UPLOAD_TASK, upload_id, countdown)


def enqueue_by_name(task_name: str, object_id: int | None = None, countdown: float | None = None) -> bool:
    """Queue a catalog job by name (the domain never imports its task module); False when the
    broker is down: the row stays queued and the next refresh queues it again (:func:`recover`)."""
    from ocpdash.upgrades.enqueue import send

    return send(task_name, object_id, countdown=countdown)


def event(upload: PackageUpload, message: str, *, kind=CatalogEvent.Kind.UPLOAD, actor=None, **data) -> None:
    CatalogEvent.objects.create(
        package_id=upload.package_id,
        upload=upload,
        site_id=upload.site_id,
        actor=actor,
        kind=kind,
        message=message,
        data=data,
    )


# --- the worker's side ---------------------------------------------------------------------------


@dataclass
class Claim:
    upload: PackageUpload
    token: str
    last_write: float = 0.0


def run_upload(upload_id: int) -> None:
    """The Celery job: claim the upload, then look at OCP, send if needed, and record the end."""
    claim = _claim(upload_id)
    if claim is None:
        return  # done, failed, or another worker holds it
    upload = claim.upload
    event(upload, f"Attempt {upload.attempts} started.")
    try:
        with upload.site.client() as client:
            _attempt(claim, client)
    except LeaseLost:
        log.warning("Upload #%s was taken over by another worker", upload.pk)
    except OcpError as exc:
        _after_ocp_error(claim, exc)
    except Exception as exc:  # a bug or a storage failure: said on the row, never a retry loop
        log.exception("Upload #%s failed", upload.pk)
        _finish(
            claim,
            UploadState.FAILED,
            UploadOutcome.ERROR,
            f"ocpdash could not upload ({type(exc).__name__}: {str(exc)[:300]}).",
        )


def _claim(upload_id: int) -> Claim | None:
    token = uuid.uuid4().hex
    claimable = Q(state=UploadState.QUEUED) | Q(state=UploadState.SENDING, lease_until__lt=Now())
    taken = PackageUpload.objects.filter(claimable, pk=upload_id).update(
        state=UploadState.SENDING,
        lease_token=token,
        lease_until=Now() + timedelta(seconds=LEASE_SECONDS),
        attempts=F("attempts") + 1,
        bytes_sent=0,
        started_at=Coalesce(F("started_at"), Now()),
        updated_at=Now(),
    )
    if not taken:
        return None
    upload = PackageUpload.objects.select_related("package", "site").get(pk=upload_id)
    return Claim(upload, token)


def _attempt(claim: Claim, client) -> None:
    upload = claim.upload
    package = upload.package
    there = _listed(client, package.file_name)
    if there is not None:
        _found_in_ocp(claim, there, "OCP already has it")
        return
    with storage.open_stored(package.stored_file) as handle:
        sent = client.upload_package(
            package.file_name,
            handle,
            size=package.size,
            read_timeout=settings.OCPDASH_PACKAGE_UPLOAD_READ_TIMEOUT,
            progress=lambda n: _progress(claim, n),
        )
    _progress(claim, package.size or 0, force=True)
    _found_in_ocp(claim, sent, "Uploaded")


def _listed(client, file_name: str) -> SoftwarePackage | None:
    rows = client.list_packages(keyword=file_name)
    return next((p for p in rows if p.file_name == file_name), None)


def _found_in_ocp(claim: Claim, pkg: SoftwarePackage, how: str) -> None:
    """OCP has the file: done when its SHA-1 is ours (or OCP gives none), failed when it is not."""
    package = claim.upload.package
    presence.record(claim.upload.site, package, pkg)
    ours, theirs = (package.sha1 or "").lower(), (pkg.sha1 or "").lower()
    fields = {"ocp_package_id": pkg.id, "ocp_sha1": theirs[:40]}
    outcome = UploadOutcome.UPLOADED if how == "Uploaded" else UploadOutcome.ALREADY_THERE
    if ours and theirs and ours != theirs:
        message = (
            f"{how}, but OCP's file {package.file_name} (id {pkg.id}) has SHA-1 {theirs}, not the "
            f"catalog's {ours}: delete it in OCP and upload again."
        )
        _finish(claim, UploadState.FAILED, UploadOutcome.REFUSED, message, **fields)
        return
    compared = "OCP's SHA-1 matches the catalog's" if ours and theirs else "OCP gave no SHA-1 to compare"
    _finish(claim, UploadState.DONE, outcome, f"{how} (OCP package id {pkg.id}); {compared}.", **fields)


def _progress(claim: Claim, sent: int, force: bool = False) -> None:
    now = time.monotonic()
    if not force and now - claim.last_write < PROGRESS_SECONDS:
        return
    claim.last_write = now
    renewed = PackageUpload.objects.filter(
        pk=claim.upload.pk, state=UploadState.SENDING, lease_token=claim.token
    ).update(bytes_sent=sent, lease_until=Now() + timedelta(seconds=LEASE_SECONDS), updated_at=Now())
    if not renewed:
        raise LeaseLost()


def _after_ocp_error(claim: Claim, exc: OcpError) -> None:
    upload = claim.upload
    text = f"{exc.message} {exc.ocp_message or ''}"
    if isinstance(exc, OcpRefused) and (exc.status == 409 or any(c in text for c in DUPLICATE_CODES)):
        try:
            with upload.site.client() as client:
                there = _listed(client, upload.package.file_name)
        except OcpError as again:
            exc = again
        else:
            if there is not None:
                _found_in_ocp(claim, there, "OCP answered that it already has it")
                return
    if isinstance(exc, (OcpForbidden, OcpAuthError, OcpRefused)) or not (exc.transient or exc.request_sent):
        message = f"OCP refused the upload: {exc.message}"
        _finish(claim, UploadState.FAILED, UploadOutcome.REFUSED, message, trace_id=exc.trace_id or "")
        return
    if upload.attempts >= settings.OCPDASH_PACKAGE_UPLOAD_MAX_ATTEMPTS:
        _finish(
            claim,
            UploadState.FAILED,
            UploadOutcome.ERROR,
            f"Gave up after {upload.attempts} attempts: {exc.message}",
        )
        return
    delay = RETRY_SECONDS * upload.attempts
    requeued = _move(
        claim, state=UploadState.QUEUED, message=f"Attempt {upload.attempts} broke off: {exc.message}"
    )
    if requeued:
        event(
            upload,
            f"Attempt {upload.attempts} broke off ({exc.message}); trying again in {delay:.0f} s, "
            "after looking at OCP's package list first.",
            kind=CatalogEvent.Kind.ERROR,
        )
        enqueue(upload.pk, countdown=delay)


def _finish(claim: Claim, state: str, outcome: str, message: str, **fields) -> None:
    extra = {k: v for k, v in fields.items() if k in ("ocp_package_id", "ocp_sha1")}
    if _move(claim, state=state, outcome=outcome, message=message, finished_at=Now(), **extra):
        kind = CatalogEvent.Kind.UPLOAD if state == UploadState.DONE else CatalogEvent.Kind.ERROR
        event(claim.upload, message, kind=kind, **fields)


def _move(claim: Claim, **values) -> bool:
    """A transition out of ``sending`` by the lease holder; False when the lease was lost."""
    return bool(
        PackageUpload.objects.filter(
            pk=claim.upload.pk, state=UploadState.SENDING, lease_token=claim.token
        ).update(lease_until=None, lease_token="", updated_at=Now(), **values)
    )


def recover() -> int:
    """Queue again the uploads whose Celery message was lost: queued and untouched for a minute,
    or sending with an expired lease (the worker died). Returns how many were queued."""
    stale = timezone.now() - timedelta(seconds=STALE_QUEUED_SECONDS)
    lost = PackageUpload.objects.filter(
        Q(state=UploadState.QUEUED, updated_at__lt=stale)
        | Q(state=UploadState.SENDING, lease_until__lt=Now())
    ).values_list("pk", flat=True)
    count = 0
    for upload_id in lost:
        PackageUpload.objects.filter(pk=upload_id).update(updated_at=Now())
        count += enqueue(upload_id)
    return count
