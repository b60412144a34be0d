"""The plan a request freezes, and its digest: what approvers approve.

The digest covers what would change the upgrade OCP runs: the clusters (and pair members) with the
versions OCP reports, the package, the path and its RPMs, the options, and whether the pre-check
passes (with the keys of what fails). The pre-check's words and the ETA are kept beside it for the
page (``details``) but are not digested: a reworded warning does not void an approval.
"""

from __future__ import annotations

import hashlib
import json

DETAILS = "details"


def freeze(report, cluster, package) -> dict:
    """The plan of a pre-checked request (``report`` is precheck.PrecheckReport)."""
    return {
        "cluster": {
            "id": cluster.pk,
            "name": cluster.name,
            "site": cluster.site.name,
            "ocp_id": cluster.ocp_id,
        },
        "members": [
            {
                "id": member.pk,
                "name": member.name,
                "role": member.cluster_type,
                "version": member.version,
                "ocp_version": report.ocp_versions.get(member.name, ""),
            }
            for member in report.pair
        ],
        "package": {
            "id": package.pk,
            "file_name": package.file_name,
            "version": package.full_version,
            "enabled": package.enabled,
            "sha256": package.sha256,
        },
        "path": [{"version": s.version, "binary": s.binary, "rpm": s.file_name} for s in report.path],
        "route_source": report.route_source,
        "options": report.options.as_dict(),
        "precheck": {"ok": report.ok, "failing": sorted(c.key for c in report.failures)},
        DETAILS: {
            "checks": [vars(c) for c in report.checks],
            "missing_rpms": [s.file_name or s.version for s in report.missing_rpms],
        },
    }


def digest(plan: dict) -> str:
    frozen = {k: v for k, v in plan.items() if k != DETAILS}
    text = json.dumps(frozen, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def differences(old: dict, new: dict) -> list[str]:
    """What changed between two plans, in words (for the event that voids approvals)."""
    said = []
    old_members = {m["name"]: m for m in old.get("members", [])}
    for member in new.get("members", []):
        before = old_members.pop(member["name"], None)
        if before is None:
            said.append(f"{member['name']} is now part of the upgrade (primary/standby pair)")
            continue
        for key, what in (("ocp_version", "OCP reports"), ("version", "ocpdash synced")):
            if before.get(key) != member.get(key) and member.get(key):
                said.append(f"{what} {member['name']} at {member[key]} (was {before.get(key) or 'unknown'})")
    said += [f"{name} is no longer part of the upgrade" for name in old_members]
    old_pkg, new_pkg = old.get("package", {}), new.get("package", {})
    if old_pkg.get("enabled") and not new_pkg.get("enabled"):
        said.append(f"the package {new_pkg.get('file_name')} was disabled in the catalog")
    elif {k: v for k, v in old_pkg.items() if k != "enabled"} != {
        k: v for k, v in new_pkg.items() if k != "enabled"
    }:
        said.append("the package changed")
    if old.get("path") != new.get("path") or old.get("route_source") != new.get("route_source"):
        said.append(f"the path or its RPMs changed: {_path(old)} → {_path(new)}")
    if old.get("options") != new.get("options"):
        said.append("the upgrade options changed")
    old_check, new_check = old.get("precheck", {}), new.get("precheck", {})
    if old_check != new_check:
        if not new_check.get("ok"):
            failing = [c["message"] for c in new.get(DETAILS, {}).get("checks", []) if not c.get("ok")]
            said.append(
                "the pre-check now fails: " + ("; ".join(failing) or ", ".join(new_check.get("failing", [])))
            )
        else:
            said.append("the pre-check passes again")
    return said or ["the plan changed"]


def _path(plan: dict) -> str:
    stops = [s["version"] + (f" ({s['rpm']})" if s.get("rpm") else "") for s in plan.get("path", [])]
    return " → ".join(stops) or "none"
