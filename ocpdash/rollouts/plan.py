"""A rollout's plan: which clusters, grouped into units (a primary/standby pair is one), with which
package, in which wave, by which path, how long — and who is left out and why. Made before anything
starts, shown to the creator and the approvers, frozen with a digest that approving binds to.

Each unit is pre-checked as an ordinary upgrade request would be (ocpdash.upgrades.precheck, so with
OCP); a unit that fails its pre-check is left out with the reasons, not planned.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import zip_longest

from django.utils.translation import gettext as _

from ocpdash.changes import policy, timing
from ocpdash.core.phrases import Phrase, joined, phrase, read
from ocpdash.ocp.platform import rpm_family
from ocpdash.upgrades.errors import OperationRefused
from ocpdash.upgrades.precheck import precheck

MAX_UNITS = 1000


@dataclass(frozen=True)
class Strategy:
    wave_size: int = 5
    max_parallel: int = 5
    soak_minutes: int = 0
    halt_after_failures: int = 1

    def check(self) -> None:
        for name, low, high in (
            ("wave_size", 1, MAX_UNITS),
            ("max_parallel", 1, 200),
            ("soak_minutes", 0, 7 * 24 * 60),
            ("halt_after_failures", 1, MAX_UNITS),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise OperationRefused(
                    _("%(name)s must be a whole number from %(low)s to %(high)s.")
                    % {"name": name, "low": low, "high": high}
                )

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class Plan:
    target_version: str
    strategy: Strategy
    units: list[dict] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)
    approvals: int = 0
    approval_because: str = ""

    def as_dict(self) -> dict:
        return {
            "target_version": self.target_version,
            "strategy": self.strategy.as_dict(),
            "units": self.units,
            "left_out": self.left_out,
            "approval": {"approvals": self.approvals, "because": self.approval_because},
            "waves": waves_of(self.units),
            "eta": estimate(self.units, self.strategy),
        }

    @property
    def digest(self) -> str:
        return digest(self.as_dict())


def digest(plan: dict) -> str:
    """What approving binds to: each unit's clusters, versions, package and path, and the strategy
    (ETAs and words are left out: they change with history, not with what will be done)."""
    frozen = {
        "target_version": plan.get("target_version"),
        "strategy": plan.get("strategy"),
        "units": [
            {
                k: unit.get(k)
                for k in ("cluster", "members", "from_version", "package", "sha256", "path", "wave")
            }
            for unit in plan.get("units", [])
        ],
    }
    text = json.dumps(frozen, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def target_of(packages) -> str:
    """The one version the packages share (a rollout has one target), or OperationRefused."""
    if not packages:
        raise OperationRefused(_("Choose at least one package (one per architecture the clusters need)."))
    versions = {p.full_version for p in packages}
    if len(versions) > 1:
        raise OperationRefused(
            _("A rollout has one target version; the packages are of %(versions)s.")
            % {"versions": ", ".join(sorted(versions))}
        )
    disabled = [p.file_name for p in packages if not p.enabled]
    if disabled:
        raise OperationRefused(_("Disabled in the catalog: %(files)s.") % {"files": ", ".join(disabled)})
    return versions.pop()


def package_for(cluster, packages):
    """The package for the cluster's architecture and RPM family (el7/el8), or None."""
    same_arch = [p for p in packages if p.arch == cluster.architecture]
    if not cluster.architecture:
        same_arch = list(packages)
    family = cluster.platform.family
    fitting = [p for p in same_arch if family is not None and rpm_family(p.dist) == family]
    if fitting:
        return fitting[0]
    return same_arch[0] if len(same_arch) == 1 else None


def units_of(clusters, canary_ids) -> list[tuple[object, bool, list[str]]]:
    """(pair root, canary?, names chosen) per unit, canary first, then by site and name. Choosing
    either member of a pair chooses the pair."""
    units: dict[int, list] = {}
    for cluster in clusters:
        root = cluster.pair_root
        entry = units.setdefault(root.pk, [root, False, []])
        entry[1] = entry[1] or cluster.pk in canary_ids
        entry[2].append(cluster.name)
    ordered = sorted(units.values(), key=lambda e: (not e[1], e[0].site.name, e[0].name))
    return [tuple(entry) for entry in ordered]


def make(user, clusters, packages, *, canary_ids=(), strategy: Strategy) -> Plan:
    """Pre-check every unit and lay out the waves. Raises OperationRefused for a request that cannot
    be planned at all (no package, two target versions, a canary not among the clusters)."""
    strategy.check()
    target = target_of(packages)
    clusters = list(clusters)
    if not clusters:
        raise OperationRefused(_("Choose at least one cluster."))
    if len(clusters) > MAX_UNITS:
        raise OperationRefused(_("A rollout can have at most %(n)s clusters.") % {"n": MAX_UNITS})
    chosen = {c.pk for c in clusters}
    stray = [str(pk) for pk in canary_ids if pk not in chosen]
    if stray:
        raise OperationRefused(
            _("Canary clusters must be among the rollout's clusters (not: %(ids)s).")
            % {"ids": ", ".join(stray)}
        )
    plan = Plan(target, strategy)
    requirement = policy.Requirement(0, "no approval policy applies")
    planned = []
    for root, canary, _names in units_of(clusters, set(canary_ids)):
        members = root.pair_members()
        package = package_for(root, packages)
        if package is None:
            why = phrase(
                "No package among the rollout's for %(arch)s hosts running %(os)s.",
                arch=root.architecture or "?",
                os=root.platform.described_as,
            )
            plan.left_out.append(_left(root, members, why))
            continue
        report = precheck(user, root, package)
        if not report.ok:
            plan.left_out.append(_left(root, members, joined(*(c.message for c in report.failures))))
            continue
        versions = [step.version for step in report.path]
        eta = timing.plan_estimate(root, versions, report.options.upgrade_mode)
        need = policy.requirement(report.pair or [root])
        if need.approvals > requirement.approvals:
            requirement = need
        planned.append((canary, {
            "cluster": root.pk,
            "name": root.name,
            "site": root.site.name,
            "members": [
                {"id": m.pk, "name": m.name, "role": m.cluster_type, "version": m.version}
                for m in (report.pair or [root])
            ],
            "from_version": root.version,
            "package": package.pk,
            "file_name": package.file_name,
            "sha256": package.sha256,
            "path": versions,
            "missing_rpms": [s.file_name or s.version for s in report.missing_rpms],
            "warnings": [c.message for c in report.warnings],  # English as stored; and their phrases
            "warnings_phrases": [_spec(c.message) for c in report.warnings],
            "eta": eta.as_dict(),
            "windows": bool(_has_windows(root)),
        }))  # fmt: skip
    wave, in_wave = 1, 0
    for canary, unit in planned:
        if canary:
            unit["wave"] = 0
            continue
        if in_wave == strategy.wave_size:
            wave, in_wave = wave + 1, 0
        unit["wave"] = wave
        in_wave += 1
    plan.units = [unit for _c, unit in planned]
    plan.approvals, plan.approval_because = requirement.approvals, requirement.because
    return plan


def _has_windows(cluster) -> bool:
    from ocpdash.changes import windows

    return bool(windows.windows_for(cluster))


def _spec(text: str) -> dict | None:
    """A sentence's phrase (ocpdash.core.phrases), kept next to its English text in the stored plan
    so that a page shows it in the reader's language (``phrases.render(spec, text)``)."""
    return text.spec if isinstance(text, Phrase) else None


def readable(plan: dict) -> dict:
    """A stored plan with its sentences (units' warnings, left-out reasons) in the reader's language;
    older plans, kept without their phrases, read as written."""

    units = []
    for unit in plan.get("units", []):
        pairs = zip_longest(unit.get("warnings", []), unit.get("warnings_phrases", []))
        units.append({**unit, "warnings": [read(text, spec) for text, spec in pairs]})
    left_out = [{**u, "why": read(u["why"], u.get("why_phrase"))} for u in plan.get("left_out", [])]
    return {**plan, "units": units, "left_out": left_out}


def _left(root, members, why: str) -> dict:
    return {
        "cluster": root.pk,
        "name": root.name,
        "site": root.site.name,
        "members": [
            {"id": m.pk, "name": m.name, "role": m.cluster_type, "version": m.version} for m in members
        ],
        "from_version": root.version,
        "why": why,
        "why_phrase": _spec(why),
    }


def waves_of(units: list[dict]) -> list[dict]:
    """[{"wave": 0, "units": 2, "clusters": 3}, …] in order."""
    waves: dict[int, dict] = {}
    for unit in units:
        entry = waves.setdefault(unit["wave"], {"wave": unit["wave"], "units": 0, "clusters": 0})
        entry["units"] += 1
        entry["clusters"] += len(unit["members"])
    return [waves[k] for k in sorted(waves)]


def estimate(units: list[dict], strategy: Strategy) -> dict:
    """The whole rollout's expected length: each wave's units laid onto ``max_parallel`` slots in
    order (median and p90 alike), plus each soak. Units with no history count as unknown."""
    unknown = sum(1 for u in units if u.get("eta", {}).get("median_seconds") is None)
    total = {"median_seconds": 0, "p90_seconds": 0}
    for wave in waves_of(units):
        in_wave = [u for u in units if u["wave"] == wave["wave"]]
        for key in total:
            total[key] += _makespan([u.get("eta", {}).get(key) or 0 for u in in_wave], strategy.max_parallel)
        total = {k: v + strategy.soak_minutes * 60 for k, v in total.items()}
    text = (
        _("no history yet")
        if unknown == len(units)
        else _("about %(median)s (p90 %(p90)s)")
        % {
            "median": _humanize(total["median_seconds"]),
            "p90": _humanize(total["p90_seconds"]),
        }
    )
    return {**total, "unknown_units": unknown, "text": text}


def _makespan(durations: list[int], slots: int) -> int:
    ends = [0] * max(1, min(slots, len(durations)))
    for seconds in durations:
        heapq.heapreplace(ends, ends[0] + seconds)
    return max(ends) if durations else 0


def _humanize(seconds: int) -> str:
    from ocpdash.upgrades.eta import humanize

    return humanize(timedelta(seconds=seconds))
