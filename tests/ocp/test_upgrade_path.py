"""The shortest upgrade route over oceanbase_upgrade_dep.yml (ocp-api.md §5.2)."""

import pytest

from ocpdash.ocp.upgrade_path import NoUpgradePath, load_dep_graph, parse_dep_graph

GRAPH = load_dep_graph()


def test_route_matches_the_ocp_sample():
    route = GRAPH.shortest_path("2.2.73-20201211175814", "2.2.75-20210108170301")
    assert route.versions == ("2.2.74", "2.2.75-20210108170301")
    assert route.binary_versions == ("2.2.75-20210108170301",)


def test_shortest_path_takes_the_shortcut_edge():
    route = GRAPH.shortest_path("2.2.73-1", "2.2.76-2")
    assert route.versions == ("2.2.74", "2.2.76-2")


def test_when_come_from_adds_an_intermediate_binary_only_for_listed_starts():
    from_420 = GRAPH.shortest_path("4.2.0.0-100000202023052215", "4.2.2.0-100000192024011210")
    assert from_420.binary_versions == ("4.2.1.2", "4.2.2.0-100000192024011210")
    from_421 = GRAPH.shortest_path("4.2.1.0-100000102023092807", "4.2.2.0-100000192024011210")
    assert from_421.versions == ("4.2.1.2", "4.2.2.0-100000192024011210")
    assert from_421.binary_versions == ("4.2.2.0-100000192024011210",)


def test_unconditional_require_from_binary():
    route = GRAPH.shortest_path("3.1.0-20210401103002", "3.1.4-20220629112235")
    assert route.binary_versions == ("3.1.2", "3.1.3", "3.1.4-20220629112235")


def test_build_specific_node_is_preferred_when_the_build_is_new_enough():
    new_build = GRAPH.shortest_path("3.1.2-20210812221645", "3.1.4-1")
    assert new_build.versions == ("3.1.4-1",)
    old_build = GRAPH.shortest_path("3.1.2-20210101000000", "3.1.4-1")
    assert old_build.versions == ("3.1.3", "3.1.4-1")


def test_deprecated_start_is_allowed():
    route = GRAPH.shortest_path("4.1.0.0-100000192023032010", "4.2.0.0-1")
    assert route.versions == ("4.1.0.1", "4.1.0.2", "4.2.0.0-1")
    assert route.binary_versions == ("4.1.0.2", "4.2.0.0-1")


def test_deprecated_target_and_intermediate_are_refused():
    with pytest.raises(NoUpgradePath, match="deprecated"):
        GRAPH.shortest_path("2.2.70-1", "2.2.71-2")
    with pytest.raises(NoUpgradePath, match="not found"):
        GRAPH.shortest_path("2.2.70-1", "2.2.72-2")  # only via deprecated 2.2.71


@pytest.mark.parametrize(
    ("start", "target", "fragment"),
    [
        ("3.1.4-1", "4.2.1.0-1", "below 4.0"),
        ("4.2.1.0-2", "4.2.1.0-1", "not later"),
        ("4.2.3.0-1", "4.3.0.0-1", "not found"),
        ("1.4.79-1", "2.2.75-1", "not in the upgrade dependency file"),
        ("2.2.75-1", "2.2.99-1", "not in the upgrade dependency file"),
        ("x", "2.2.75-1", "not an OceanBase version"),
    ],
)
def test_no_path(start, target, fragment):
    with pytest.raises(NoUpgradePath, match=fragment):
        GRAPH.shortest_path(start, target)


def test_a_small_inline_graph_and_duplicate_versions():
    graph = parse_dep_graph(
        """
- version: 1.0.0
  can_be_upgraded_to: [1.0.1, 1.0.2]
- version: 1.0.1
  require_from_binary: {value: True, when_come_from: [1.0.0]}
  can_be_upgraded_to: [1.0.3]
- version: 1.0.2
  can_be_upgraded_to: [1.0.3]
"""
    )
    route = graph.shortest_path("1.0.0-5", "1.0.3-9")
    assert route.hops == 2 and route.versions[-1] == "1.0.3-9"
    with pytest.raises(ValueError, match="twice"):
        parse_dep_graph("- version: 1.0.0\n- version: 1.0.0\n")
