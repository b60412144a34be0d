"""The plan a request freezes, and its digest: what approvers approve.

The digest covers what would change the upgrade OCP runs: the clusters (and pair members) with the
versions OCP reports, the package, the path and its RPMs, the options, and whether the pre-check
passes (with the keys of what fails). The pre-check's words and the ETA are kept beside it for the
page (``details``) but are not digested: a reworded warning does not void an approval.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext_noop

from ocpdash.core.phrases import Phrase, joined, kept, phrase

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
            # each check's message in English and as a phrase, said in the reader's language on a page
            "checks": [
                {**vars(c), "message_phrase": c.message.spec if isinstance(c.message, Phrase) else None}
                for c in report.checks
            ],
            "missing_rpms": [s.file_name or s.version for s in report.missing_rpms],
        },
    }


def digest(plan: dict) -> str:
    frozen = {k: v for k, v in plan.items() if k != DETAILS}
    text = json.dumps(frozen, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


# A pair member's version changed, as OCP reports it or as ocpdash last synced it.
_VERSION_CHANGES = {
    "ocp_version": gettext_noop("OCP reports %(name)s at %(version)s (was %(before)s)"),
    "version": gettext_noop("ocpdash synced %(name)s at %(version)s (was %(before)s)"),
}


def differences(old: dict, new: dict) -> list[Phrase]:
    """What changed between two plans, in words (for the event that voids approvals)."""
    said = []
    old_members = {m["name"]: m for m in old.get("members", [])}
    for member in new.get("members", []):
        before = old_members.pop(member["name"], None)
        if before is None:
            said.append(
                phrase("%(name)s is now part of the upgrade (primary/standby pair)", name=member["name"])
            )
            continue
        for key, how in _VERSION_CHANGES.items():
            if before.get(key) != member.get(key) and member.get(key):
                said.append(
                    phrase(
                        how,
                        name=member["name"],
                        version=member[key],
                        before=before.get(key) or phrase("unknown"),
                    )
                )
    said += [phrase("%(name)s is no longer part of the upgrade", name=name) for name in old_members]
    old_pkg, new_pkg = old.get("package", {}), new.get("package", {})
    if old_pkg.get("enabled") and not new_pkg.get("enabled"):
        said.append(phrase("the package %(file)s was disabled in the catalog", file=new_pkg.get("file_name")))
    elif {k: v for k, v in old_pkg.items() if k != "enabled"} != {
        k: v for k, v in new_pkg.items() if k != "enabled"
    }:
        said.append(phrase("the package changed"))
    if old.get("path") != new.get("path") or old.get("route_source") != new.get("route_source"):
        said.append(phrase("the path or its RPMs changed: %(old)s → %(new)s", old=_path(old), new=_path(new)))
    if old.get("options") != new.get("options"):
        said.append(phrase("the upgrade options changed"))
    old_check, new_check = old.get("precheck", {}), new.get("precheck", {})
    if old_check != new_check:
        if not new_check.get("ok"):
            failing = [
                kept(c["message"], c.get("message_phrase"))
                for c in new.get(DETAILS, {}).get("checks", [])
                if not c.get("ok")
            ]
            said.append(
                phrase(
                    "the pre-check now fails: %(failing)s",
                    failing=joined(*failing, sep="; ")
                    if failing
                    else ", ".join(new_check.get("failing") or []),
                )
            )
        else:
            said.append(phrase("the pre-check passes again"))
    return said or [phrase("the plan changed")]


def _path(plan: dict) -> str:
    stops = [s["version"] + (f" ({s['rpm']})" if s.get("rpm") else "") for s in plan.get("path", [])]
    return " → ".join(stops) or phrase("none")
