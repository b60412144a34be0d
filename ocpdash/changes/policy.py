"""Which approval policy applies to an upgrade: the most specific policy of each cluster it
upgrades (its own, then its labels' (the strictest label), then its site's), the strictest member."""

from __future__ import annotations

from dataclasses import dataclass

from ocpdash.changes.models import ApprovalPolicy
from ocpdash.core.phrases import Phrase, phrase, spec_of


@dataclass(frozen=True)
class Requirement:
    approvals: int
    because: Phrase  # "1 approval (policy for clusters labelled production)" / "no approval policy applies"

    def as_dict(self) -> dict:
        """As the plan keeps it: the English, and the phrase to read it in another language."""
        return {"approvals": self.approvals, "because": self.because, "because_phrase": spec_of(self.because)}


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
        return Requirement(0, phrase("no approval policy applies"))
    strictest = max(chosen, key=lambda p: p.approvals_required)
    count = strictest.approvals_required
    if count:
        what = phrase("%(n)s approvals", n=count) if count > 1 else phrase("1 approval")
    else:
        what = phrase("no approval")
    return Requirement(count, phrase("%(what)s (policy for %(scope)s)", what=what, scope=strictest.scope))
