"""Finding clusters on the dashboard: a text search and filters by site, version, status and label,
with a primary/standby pair always shown together (a match on one member shows the whole pair, the
members that did not match marked as such). Plain Python over the clusters the dashboard has
already loaded: one list, whatever the filters, and a poll that answers 204 filters nothing.

The query keys (``q``, ``site``, ``version``, ``status``, ``label``) are parsed once, by
ocpdash.web.forms.ClusterFilterForm, into a :class:`ClusterFilter`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from ocpdash.sites.models import Cluster

FILTER_KEYS = ("site", "version", "status", "label")
SEARCH_MAX_LENGTH = 100


def labels_of(cluster: Cluster) -> list[str]:
    return [str(label) for label in cluster.labels or [] if str(label)]


@dataclass(frozen=True)
class ClusterFilter:
    q: str = ""
    site: str = ""
    version: str = ""
    status: str = ""
    label: str = ""

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    @property
    def query(self) -> str:
        """The non-empty keys as a query string (links and the live poll keep the filter)."""
        return urlencode({key: value for key, value in asdict(self).items() if value})

    def matches(self, cluster: Cluster) -> bool:
        if self.site and cluster.site.name != self.site:
            return False
        if (self.version and cluster.version != self.version) or (
            self.status and cluster.status != self.status
        ):
            return False
        if self.label and self.label not in labels_of(cluster):
            return False
        if not self.q:
            return True
        text = " ".join(
            [cluster.name, cluster.site.name, cluster.version, cluster.status, cluster.cluster_type,
             *labels_of(cluster)]
        ).casefold()  # fmt: skip
        return all(word in text for word in self.q.casefold().split())


def options(clusters: Iterable[Cluster]) -> dict[str, list[str]]:
    """What each filter can take: the values the clusters have."""
    found: dict[str, set[str]] = {key: set() for key in FILTER_KEYS}
    for cluster in clusters:
        found["site"].add(cluster.site.name)
        found["version"].add(cluster.version)
        found["status"].add(cluster.status)
        found["label"].update(labels_of(cluster))
    return {key: sorted(value for value in values if value) for key, values in found.items()}


@dataclass
class Row:
    cluster: Cluster
    matched: bool


@dataclass
class Pair:
    """A pair's primary and its standbys (or one cluster alone), in the dashboard's order."""

    rows: list[Row] = field(default_factory=list)

    @property
    def is_pair(self) -> bool:
        return len(self.rows) > 1


def pairs(clusters: Sequence[Cluster], wanted: ClusterFilter) -> list[Pair]:
    """Clusters grouped by pair (the primary first, then its standbys by name), groups by site and
    primary name; only the groups with at least one cluster the filter matches."""
    groups: dict[int, list[Cluster]] = {}
    for cluster in clusters:
        groups.setdefault(cluster.primary_id or cluster.pk, []).append(cluster)
    shown = []
    for root_id, members in groups.items():
        members.sort(key=lambda c: (c.pk != root_id, c.name))
        rows = [Row(c, wanted.matches(c)) for c in members]
        if any(row.matched for row in rows):
            shown.append(Pair(rows))
    return sorted(shown, key=lambda p: (p.rows[0].cluster.site.name, p.rows[0].cluster.name))
