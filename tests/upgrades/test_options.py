"""OCP 4.3's upgrade options: one definition for the form, the API and the CLI."""

import pytest

from ocpdash.upgrades.options import UpgradeOptions


def zones(*names, rs=None):
    return [{"name": n, "servers": [{"rootserver": n == rs}]} for n in names]


def test_defaults_are_rolling_rootservice_zone_first_with_three_zones(make_cluster):
    cluster = make_cluster(zones=zones("zone1", "zone2", "zone3", rs="zone2"))
    resolved = UpgradeOptions().resolved(cluster)
    assert resolved.upgrade_mode == "ROLLING"
    assert resolved.zone_order == ("zone2", "zone1", "zone3")


def test_defaults_are_downtime_below_three_zones(make_cluster):
    cluster = make_cluster(zones=zones("zone1", "zone2"))
    assert UpgradeOptions().resolved(cluster).upgrade_mode == "STOP_SERVICE"
    assert UpgradeOptions().resolved(cluster).zone_order == ()


def test_rolling_needs_three_zones(make_cluster):
    cluster = make_cluster(zones=zones("zone1", "zone2"))
    problems = UpgradeOptions.parse("rolling").problems(cluster, (4, 3, 2))
    assert len(problems) == 1 and "at least 3 zones" in problems[0]


def test_a_zone_order_names_exactly_the_clusters_zones(make_cluster):
    cluster = make_cluster(zones=zones("zone1", "zone2", "zone3"))
    assert UpgradeOptions.parse("ROLLING", "zone3, zone1, zone2").problems(cluster, (4, 3)) == []
    assert UpgradeOptions.parse("ROLLING", "zone3,zone1").problems(cluster, (4, 3))
    assert UpgradeOptions.parse("ROLLING", ["zone1", "zone2", "zone3", "zone1"]).problems(cluster, (4, 3))


def test_ocp_below_43_takes_no_options(make_cluster):
    cluster = make_cluster(zones=zones("zone1", "zone2", "zone3"))
    assert UpgradeOptions().problems(cluster, (4, 2, 2)) == []
    problems = UpgradeOptions.parse("STOP_SERVICE").problems(cluster, (4, 2, 2))
    assert len(problems) == 1 and "OCP 4.2.2 takes no upgrade options" in problems[0]
    assert UpgradeOptions.parse("STOP_SERVICE").problems(cluster, None) == [], "unknown OCP: sent if asked"


@pytest.mark.parametrize(("mode", "order"), [("DOWNTIME?", ""), ("", "a," * 70), ("", ["x" * 200])])
def test_malformed_options_are_refused_with_a_message(mode, order):
    with pytest.raises(ValueError) as info:
        UpgradeOptions.parse(mode, order)
    assert str(info.value)
