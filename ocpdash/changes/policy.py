"""Which approval policy applies to an upgrade: the most specific policy of each cluster it
upgrades (its own, then its labels' (the strictest label), then its site's), the strictest member."""

from __future__ import annotations

from dataclasses import dataclass

from ocpdash.changes.models import ApprovalPolicy


@dataclass(frozen=True)
class Requirement:
    approvals: int
    because: str  # "1 approval (policy for clusters labelled production)" / "no approval policy applies"

    def as_dict(self) -> dict:
        return {"approvals": self.approvals, "because": self.because}


def _for_member(cluster, policies: list[ApprovalPolicy]) -> ApprovalPolicy | None:
    own = [p for p in policies if p.cluster_id == cluster.pk]
    if own:
        return own[0]
    labelled = [p for p in policies if p.label and cluster.has_label(p.label)]
    if labelled:
        return max(labelled, key=lambda p: p.approvals_required)
    return next((p for p in policies if p.site_id == cluster.site_id), None)


def requirement(members) -> Requirement:
    """What the upgrade of ``members`` (a pair's clusters, or one cluster) needs."""
    policies = list(ApprovalPolicy.objects.select_related("site", "cluster").order_by("pk"))
    chosen = [p for p in (_for_member(m, policies) for m in members) if p is not None]
    if not chosen:
        return Requirement(0, "no approval policy applies")
    strictest = max(chosen, key=lambda p: p.approvals_required)
    count = strictest.approvals_required
    what = f"{count} approval{'s' if count != 1 else ''}" if count else "no approval"
    return Requirement(count, f"{what} (policy for {strictest.scope})")
