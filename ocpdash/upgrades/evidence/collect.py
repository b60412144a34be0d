"""What an evidence pack holds, read in eight queries whatever the number of steps and events: the
upgrade (with its cluster, site, primary, package and users), the pair's other members, tasks,
steps, events with their actors, approvals, comments and the path's packages.

Everything is plain JSON data in a fixed order (ids, then times). Times are UTC ISO 8601 with
microseconds and ``Z``. Nothing depends on the clock at export: a running step has no duration,
and ``as_of`` is the newest time the pack itself holds. ``by: null`` on an event is ocpdash itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ocpdash.catalog.models import RpmPackage
from ocpdash.changes import plan as plans
from ocpdash.changes.models import Approval
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.evidence.timeline import (
    at,
    event_row,
    fault_rows,
    newest_time,
    people_rows,
    seconds,
    sign_off_of,
    step_rows,
    task_rows,
    trace_id_rows,
    username,
)
from ocpdash.upgrades.models import Comment, Upgrade, UpgradeEvent, UpgradeStep, UpgradeTask

FORMAT = "ocpdash-evidence"
FORMAT_VERSION = 1
REDACTED = "[redacted]"
# Shorter secrets are not searched for: replacing every "admin" or "p" would mangle the record
# (credentials of real sites are longer; the redaction is a second line behind never reading them).
MIN_SECRET_LENGTH = 6


def collect(upgrade_id: int) -> dict:
    upgrade = Upgrade.objects.select_related(
        "cluster__site", "cluster__primary", "package", "requested_by", "reviewed_by"
    ).get(pk=upgrade_id)
    members = list(upgrade.also_upgrades.select_related("site").order_by("name", "pk"))
    tasks = list(UpgradeTask.objects.filter(upgrade_id=upgrade_id).order_by("ocp_task_id"))
    steps = list(
        UpgradeStep.objects.filter(upgrade_id=upgrade_id)
        .defer("log_tail", "log_fetched_at", "log_requested_at")
        .order_by("ocp_task_id", "ocp_subtask_id")
    )
    events = list(
        UpgradeEvent.objects.filter(upgrade_id=upgrade_id)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    approvals = list(
        Approval.objects.filter(upgrade_id=upgrade_id).select_related("user").order_by("created_at", "id")
    )
    comments = list(
        Comment.objects.filter(upgrade_id=upgrade_id).select_related("author").order_by("created_at", "id")
    )
    names = {c.pk: c.name for c in [upgrade.cluster.primary, upgrade.cluster, *members] if c is not None}
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "upgrade": _upgrade(upgrade),
        "cluster": _cluster(upgrade.cluster, names),
        "pair": _pair(upgrade, members, names),
        "sites": _sites([upgrade.cluster, *members]),
        "packages": _packages(upgrade),
        "plan": _plan(upgrade),
        "precheck": _precheck(upgrade.plan or {}),
        "approvals": _approvals(upgrade, approvals),
        "tasks": task_rows(tasks, steps),
        "steps": step_rows(steps, events),
        "events": [event_row(e) for e in events],
        "faults": fault_rows(events),
        "trace_ids": trace_id_rows(events),
        "people": people_rows(upgrade, events, approvals, comments),
        "comments": [
            {"id": c.pk, "by": username(c.author), "at": at(c.created_at), "body": c.body} for c in comments
        ],
        "sign_off": sign_off_of(upgrade, events),
    }
    data["as_of"] = newest_time(upgrade, steps, events, approvals, comments)
    secrets = _secrets([upgrade.cluster.site, *(m.site for m in members)])
    redactions = [0]
    data = _redact(data, secrets, redactions) if secrets else data
    data["redactions"] = redactions[0]
    return data


def _upgrade(u: Upgrade) -> dict:
    return {
        "id": u.pk,
        "state": u.state,
        "state_label": u.get_state_display(),
        "from_version": u.from_version,
        "to_version": u.to_version,
        "path": list(u.upgrade_path or []),
        "options": {
            "upgrade_mode": u.upgrade_mode,
            "zone_order": list(u.zone_order or []),
            "freeze_server": u.freeze_server,
        },
        "reason": u.reason,
        "requested_by": username(u.requested_by),
        "requested_at": at(u.created_at),
        "start": {
            "mode": u.start_mode,
            "at": at(u.start_at),
            "planned": at(u.planned_start),
            "note": u.start_note,
            "note_phrase": _spec(u.start_note, u.start_note_spec),
        },
        "submitted_at": at(u.submitted_at),
        "submit_attempts": u.submit_attempts,
        "ocp_task": {
            "id": u.ocp_task_id,
            "status": u.ocp_task_status,
            "operation": u.ocp_task_operation,
            "prohibit_rollback": u.ocp_prohibit_rollback,
        },
        "finished_at": at(u.finished_at),
        "duration_seconds": seconds(u.submitted_at or u.created_at, u.finished_at),
        "cancel_requested": u.cancel_requested,
        "last_error": u.last_error,
        "last_error_phrase": _spec(u.last_error, u.last_error_spec),
        "ocp_fault": u.ocp_fault,
        "ocp_fault_phrase": _spec(u.ocp_fault, u.ocp_fault_spec),
        "revision": u.revision,
    }


def _cluster(cluster: Cluster, names: dict[int, str]) -> dict:
    primary = names.get(cluster.primary_id, f"#{cluster.primary_id}") if cluster.primary_id else None
    return {
        "id": cluster.pk,
        "name": cluster.name,
        "site": cluster.site.name,
        "ocp_id": cluster.ocp_id,
        "ob_cluster_id": cluster.ob_cluster_id,
        "role": cluster.cluster_type,
        "primary": primary,
        "version_now": cluster.version,
        "status_now": cluster.status,
        "architecture": cluster.architecture,
        "operating_system": cluster.operating_system,
        "zones": cluster.zone_names,
        "labels": sorted(str(label) for label in cluster.labels or []),
    }


def _pair(upgrade: Upgrade, members: list, names: dict[int, str]) -> list[dict]:
    """Every cluster the upgrade upgrades (standbys first, as OCP runs them), with the version the
    plan froze for each and the version ocpdash knows now."""
    frozen = {m.get("name"): m for m in (upgrade.plan or {}).get("members", [])}
    rows = []
    for cluster in [*members, upgrade.cluster]:
        at_request = frozen.get(cluster.name, {})
        rows.append(
            {
                **_cluster(cluster, names),
                "upgraded_as": "requested" if cluster.pk == upgrade.cluster_id else "pair member",
                "version_at_request": at_request.get("ocp_version") or at_request.get("version"),
            }
        )
    return rows


def _sites(clusters: list) -> list[dict]:
    """Which OCP: name, OCP's version and its address (scheme, host and port only: no credentials)."""
    seen = {}
    for cluster in clusters:
        site = cluster.site
        if site.pk not in seen:
            parts = urlsplit(site.base_url or "")
            host = parts.hostname or ""
            address = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "") if host else ""
            seen[site.pk] = {"name": site.name, "ocp_version": site.ocp_version, "address": address}
    return sorted(seen.values(), key=lambda s: s["name"])


def _packages(upgrade: Upgrade) -> list[dict]:
    """The target RPM and every RPM on the frozen path, with the checksums the catalog holds."""
    plan = upgrade.plan or {}
    target = upgrade.package
    versions: dict[str, list[str]] = {target.file_name: []}
    for stop in plan.get("path", []):
        if stop.get("rpm"):
            versions.setdefault(stop["rpm"], []).append(stop.get("version", ""))
    known = {p.file_name: p for p in RpmPackage.objects.filter(file_name__in=list(versions))}
    frozen_sha = (plan.get("package") or {}).get("sha256")
    rows = []
    for file_name, on_path in versions.items():
        package = known.get(file_name)
        row = {
            "file_name": file_name,
            "role": "target" if file_name == target.file_name else "path",
            "path_versions": on_path,
            "in_catalog": package is not None,
            "version": package.full_version if package else None,
            "size": package.size if package else None,
            "sha256": package.sha256 if package else None,
            "sha1": package.sha1 if package else None,
            "verified_at": at(package.verified_at) if package else None,
            "enabled": package.enabled if package else None,
        }
        if row["role"] == "target":
            row["sha256_in_plan"] = frozen_sha
        rows.append(row)
    return rows


def _plan(upgrade: Upgrade) -> dict:
    recomputed = plans.digest(upgrade.plan) if upgrade.plan else ""
    return {
        "digest": upgrade.plan_digest,
        "digest_recomputed": recomputed,
        "digest_matches": bool(upgrade.plan_digest) and recomputed == upgrade.plan_digest,
        "frozen": upgrade.plan or {},
    }


def _precheck(plan: dict) -> dict | None:
    if not plan:
        return None
    details = plan.get(plans.DETAILS) or {}
    result = plan.get("precheck") or {}
    return {
        "ok": result.get("ok"),
        "failing": list(result.get("failing", [])),
        "checks": list(details.get("checks", [])),
        "missing_rpms": list(details.get("missing_rpms", [])),
    }


def _approvals(upgrade: Upgrade, approvals: list[Approval]) -> dict:
    decisions = [
        {
            "id": a.pk,
            "by": username(a.user),
            "decision": a.decision,
            "comment": a.comment,
            "at": at(a.created_at),
            "plan_digest": a.plan_digest,
            "for_current_plan": a.plan_digest == upgrade.plan_digest,
            "void": a.is_void,
            "voided_at": at(a.voided_at),
            "void_reason": a.void_reason,
            "void_reason_phrase": _spec(a.void_reason, a.void_reason_spec),
        }
        for a in approvals
    ]
    valid = [d for d in decisions if d["decision"] == "approved" and not d["void"] and d["for_current_plan"]]
    return {"required": upgrade.approvals_required, "valid": len(valid), "decisions": decisions}


def _secrets(sites: list) -> list[str]:
    found = {
        value
        for site in sites
        for value in (site.password, site.access_key_secret)
        if value and len(value) >= MIN_SECRET_LENGTH
    }
    return sorted(found, key=len, reverse=True)


def _redact(value: Any, secrets: list[str], count: list[int]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
                count[0] += 1
        return value
    if isinstance(value, dict):
        return {_redact(k, secrets, count): _redact(v, secrets, count) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secrets, count) for v in value]
    return value


def _spec(text: str, spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """A sentence's phrase (ocpdash.core.phrases), for the HTML to show it in the reader's language;
    the English text is the value next to it."""
    return spec if text and spec else None
