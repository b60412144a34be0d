"""Upgrade options an operator may choose: OCP 4.3's upgradeMode, zoneOrder and freezeServer.

One definition for the form, the API serializer and the CLI. OCP ≤ 4.2 takes none of them (its API
has only ``rpmFileName``; it upgrades rolling when the cluster has 3 zones or more, else with
downtime), so on such a site only the defaults are possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ocpdash.core.phrases import Phrase, phrase

if TYPE_CHECKING:
    from ocpdash.sites.models import Cluster

ROLLING, STOP_SERVICE = "ROLLING", "STOP_SERVICE"
MODES = {
    ROLLING: "Rolling (no interruption; needs 3 zones or more)",
    STOP_SERVICE: "Downtime (all zones at once)",
}
ROLLING_MIN_ZONES = 3  # every tenant keeps a majority while one zone is stopped (console doc)
OPTIONS_NEED_OCP = (4, 3)
MAX_ZONES = 64


@dataclass(frozen=True)
class UpgradeOptions:
    """What the operator asked; empty values mean "the default" (see :meth:`resolved`)."""

    upgrade_mode: str = ""
    zone_order: tuple[str, ...] = ()
    freeze_server: bool | None = None

    @classmethod
    def parse(
        cls,
        upgrade_mode: str | None = None,
        zone_order: str | Iterable[str] | None = None,
        freeze_server: bool | None = None,
    ) -> UpgradeOptions:
        """From form, API or CLI values: the mode upper-cased, a zone order as a list or a
        comma-separated text. Raises ValueError with an operator's message when malformed."""
        mode = (upgrade_mode or "").strip().upper()
        if mode and mode not in MODES:
            text = _("Upgrade mode must be %(modes)s, not %(mode)r.")
            raise ValueError(text % {"modes": " or ".join(MODES), "mode": upgrade_mode})
        if isinstance(zone_order, str):
            zone_order = [z for z in (part.strip() for part in zone_order.split(",")) if z]
        zones = tuple(str(z).strip() for z in zone_order or ())
        if len(zones) > MAX_ZONES or any(not z or len(z) > 128 for z in zones):
            raise ValueError(_("The zone order must name each zone once, separated by commas."))
        return cls(mode, zones, freeze_server)

    @property
    def chosen(self) -> bool:
        """Did the operator ask for anything beyond the defaults?"""
        return bool(self.upgrade_mode or self.zone_order or self.freeze_server is not None)

    def resolved(self, cluster: Cluster) -> UpgradeOptions:
        """The options as they will be sent: the mode OCP's console recommends (rolling with 3
        zones or more), the RootService zone first."""
        mode = self.upgrade_mode or (
            ROLLING if len(cluster.zone_names) >= ROLLING_MIN_ZONES else STOP_SERVICE
        )
        order = self.zone_order
        if not order and mode == ROLLING:
            order = tuple(cluster.default_zone_order())
        return UpgradeOptions(mode, order, self.freeze_server)

    def problems(self, cluster: Cluster, ocp_release: tuple[int, ...] | None) -> list[Phrase]:
        """What OCP would refuse (or ignore) in these options for ``cluster`` on this OCP (phrases: read
        in any language where they are shown)."""
        found = []
        zones = cluster.zone_names
        mode = self.resolved(cluster).upgrade_mode
        if mode == ROLLING and len(zones) < ROLLING_MIN_ZONES:
            found.append(
                phrase(
                    "A rolling upgrade needs at least %(minimum)s zones so that every tenant keeps a "
                    "majority; %(name)s has %(count)s. Choose a downtime upgrade.",
                    minimum=ROLLING_MIN_ZONES,
                    name=cluster.name,
                    count=len(zones),
                )
            )
        if self.zone_order and sorted(self.zone_order) != sorted(zones):
            found.append(
                phrase(
                    "The zone order must name each zone of %(name)s exactly once (%(zones)s); got %(order)s.",
                    name=cluster.name,
                    zones=", ".join(zones),
                    order=", ".join(self.zone_order),
                )
            )
        if self.chosen and ocp_release is not None and ocp_release < OPTIONS_NEED_OCP:
            found.append(
                phrase(
                    "OCP %(version)s takes no upgrade options (its API has only the RPM file name; it "
                    "upgrades rolling with 3 zones or more). Leave them at their defaults, or upgrade OCP "
                    "to 4.3.",
                    version=".".join(map(str, ocp_release)),
                )
            )
        return found

    def as_dict(self) -> dict:
        return {
            "upgrade_mode": self.upgrade_mode,
            "zone_order": list(self.zone_order),
            "freeze_server": self.freeze_server,
        }
