"""Upgrade routes over the shipped upstream oceanbase_upgrade_dep.yml files (ocp-api.md §5.2).

``data/obd_routes.json`` is obd's own answer for every pair of every shipped file (made by
``data/make_obd_routes.py``); the table tests hold ours to it, pair by pair.
"""

import json
from functools import cache
from pathlib import Path

import pytest

from ocpdash.ocp.upgrade_path import (
    UPSTREAM_DIR,
    UPSTREAM_FILES,
    NoUpgradePath,
    default_graph_for,
    graph_from_text,
    load_dep_graph,
    parse_dep_graph,
    version_matches,
)
from ocpdash.ocp.versions import ObVersion, is_upgrade

OBD_TABLE = Path(__file__).parent / "data" / "obd_routes.json"
BETA_41 = "4.1.0.0-100000192023032010"
RC2_42 = "4.2.0.0-100000152023080109"
FILES = {entry.commit[:8]: entry for entry in UPSTREAM_FILES}

# What ocpdash answers where the table marks obd's route as a quirk (the table's "quirks" say why).
QUIRK_REFUSALS = {"earlier_build": "not later", "deprecated_target": "deprecated"}


@cache
def obd_table() -> dict:
    return json.loads(OBD_TABLE.read_text(encoding="utf-8"))


def source(commit: str):
    return FILES[commit].source()


def route(commit: str, start: str, target: str):
    return source(commit).route(start, target)


def obd_expectation(target: str, answer: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(versions after the start, binary stops) from obd's walked path and returned route."""
    versions = (*answer["path"][1:-1], target)
    binaries = tuple(item["version"] for item in answer["route"][1:-1] if item["require_from_binary"])
    return versions, (*binaries, target)


def mismatch(graph, pair: str, answer: dict) -> str | None:
    start, target = pair.split(" -> ")
    try:
        ours = graph.shortest_path(start, target)
    except NoUpgradePath as exc:
        if "quirk" in answer:
            fragment = QUIRK_REFUSALS[answer["quirk"]]
            return None if fragment in exc.message else f"{pair}: refused as {exc.message!r}"
        return None if "refused" in answer else f"{pair}: obd routes, ocpdash says {exc.message!r}"
    if "refused" in answer or "quirk" in answer:
        return f"{pair}: obd {answer.get('quirk') or 'refuses'}, ocpdash routes {ours.versions}"
    expected = obd_expectation(target, answer)
    got = (ours.versions, ours.binary_versions)
    return None if got == expected else f"{pair}: obd {expected}, ocpdash {got}"


# --- the obd table -----------------------------------------------------------------------------


def test_the_obd_table_covers_every_shipped_file():
    assert set(obd_table()["files"]) == {entry.file for entry in UPSTREAM_FILES}
    assert len(obd_table()["obd_commit"]) == 40


@pytest.mark.parametrize("commit", list(FILES))
def test_every_pair_of_the_obd_table_matches(commit):
    entry = FILES[commit]
    pairs = obd_table()["files"][entry.file]["pairs"]
    problems = [p for pair, answer in pairs.items() if (p := mismatch(entry.source().graph, pair, answer))]
    assert problems == [], f"{len(problems)} of {len(pairs)} pairs differ, first: {problems[:5]}"


def test_the_table_names_each_quirk_and_keeps_them_few():
    table = obd_table()
    answers = [a for f in table["files"].values() for a in f["pairs"].values()]
    quirks = {a["quirk"] for a in answers if "quirk" in a}
    assert quirks == set(table["quirks"]) == set(QUIRK_REFUSALS)
    assert all("route" in a for a in answers if "quirk" in a)


# --- the four cases of issue 22 ----------------------------------------------------------------


def test_chained_barriers_install_4_1_0_2_then_4_2_1_1_on_the_way_to_4_2_1_2():
    found = default_graph_for("4.2.1.2").route("4.0.0.0", "4.2.1.2")
    assert found.binary_versions == ("4.1.0.2", "4.2.1.1", "4.2.1.2")
    assert found.versions == ("4.1.0.0", "4.1.0.1", "4.1.0.2", "4.2.0.0", "4.2.1.0", "4.2.1.1", "4.2.1.2")


@pytest.mark.parametrize(
    ("commit", "target", "binaries"),
    [("3243db6e", "4.2.3.0", ("4.1.0.2", "4.2.1.2")), ("c8ef409b", "4.3.0.0", ("4.1.0.2", "4.2.1.1"))],
)
def test_chained_barriers_on_older_upstream_files(commit, target, binaries):
    assert route(commit, "4.0.0.0", target).binary_versions == (*binaries, target)


def test_a_later_hotfix_build_of_the_same_release_is_one_direct_hop():
    found = route("4c4a07a8", "4.2.1.0-100000102023092807", "4.2.1.0-100000202023101010")
    assert found.versions == ("4.2.1.0-100000202023101010",)
    assert found.binary_versions == found.versions


def test_beta_to_ga_follows_the_files_edge():
    assert route("4c4a07a8", BETA_41, "4.1.0.0").binary_versions == ("4.1.0.0",)


def test_a_build_of_the_start_release_starts_at_its_release_node_not_at_the_beta():
    ga = route("4c4a07a8", "4.1.0.0-100000202023040520", "4.2.0.0")
    assert ga.versions == ("4.1.0.1", "4.1.0.2", "4.2.0.0")
    assert ga.binary_versions == ("4.2.0.0",)


# --- one test per rule -------------------------------------------------------------------------


def test_the_beta_itself_keeps_the_barrier_its_when_come_from_lists():
    beta = route("4c4a07a8", BETA_41, "4.2.0.0")
    assert beta.versions == ("4.1.0.1", "4.1.0.2", "4.2.0.0")
    assert beta.binary_versions == ("4.1.0.2", "4.2.0.0")


def test_a_deprecated_rc_start_takes_no_extra_hop():
    assert route("4c4a07a8", RC2_42, "4.2.1.0").versions == ("4.2.1.0",)


def test_an_earlier_build_of_the_same_release_is_not_an_upgrade():
    with pytest.raises(NoUpgradePath, match="not later"):
        route("4c4a07a8", "4.2.1.0-100000202023101010", "4.2.1.0-100000102023092807")


def test_a_target_without_a_build_is_its_release():
    assert route("4c4a07a8", "4.2.1.0-100000202023101010", "4.2.1.0").versions == ("4.2.1.0",)
    assert route("4c4a07a8", "4.2.1.0", "4.2.1.0-100000202023101010").hops == 1
    with pytest.raises(NoUpgradePath, match="not later"):
        route("4c4a07a8", "4.2.1.0", "4.2.1.0")


@pytest.mark.parametrize("target", [BETA_41, RC2_42, "4.2.0.0-100010022023081817"])
def test_a_deprecated_build_is_never_a_target(target):
    with pytest.raises(NoUpgradePath, match="deprecated"):
        route("4c4a07a8", "4.0.0.0", target)


def test_a_release_older_than_the_start_is_refused():
    with pytest.raises(NoUpgradePath, match="not later"):
        route("4c4a07a8", "4.2.1.0", "4.1.0.2")


INLINE = """
- version: 3.2.0
  can_be_upgraded_to: [3.2.1, 4.0.0.0]
- version: 3.2.1
  deprecated: True
  can_be_upgraded_to: [3.2.2]
- version: 3.2.2
- version: 4.0.0.0
  can_be_upgraded_to: [4.0.0.1]
- version: 4.0.0.1
  require_from_binary: True
  can_be_upgraded_to: [4.0.0.2]
- version: 4.0.0.2
  require_from_binary: {value: True, when_come_from: [4.0.0.1]}
  can_be_upgraded_to: [4.0.0.3]
- version: 4.0.0.3
  can_be_direct_upgraded_to: [4.0.0.4]
- version: 4.0.0.4
  deprecated: True
"""


def test_barriers_are_rebased_after_every_binary_stop():
    found = parse_dep_graph(INLINE).shortest_path("4.0.0.0", "4.0.0.3")
    assert found.binary_versions == ("4.0.0.1", "4.0.0.2", "4.0.0.3")
    assert found.stops[1].why == "require_from_binary when coming from 4.0.0.1"


def test_a_barrier_not_listing_the_running_binary_is_only_an_upgrade_script():
    found = route("4c4a07a8", "4.1.0.1", "4.2.1.2")
    assert found.versions == ("4.1.0.2", "4.2.0.0", "4.2.1.0", "4.2.1.1", "4.2.1.2")
    assert found.binary_versions == ("4.2.1.1", "4.2.1.2")


def test_a_deprecated_node_may_be_an_intermediate():
    assert parse_dep_graph(INLINE).shortest_path("3.2.0", "3.2.2").versions == ("3.2.1", "3.2.2")


def test_a_deprecated_release_is_never_a_target():
    with pytest.raises(NoUpgradePath, match="deprecated"):
        parse_dep_graph(INLINE).shortest_path("4.0.0.3", "4.0.0.4")


def test_below_four_never_reaches_four_even_over_an_edge():
    with pytest.raises(NoUpgradePath, match="below 4.0"):
        parse_dep_graph(INLINE).shortest_path("3.2.0", "4.0.0.0")


def test_a_direct_edge_marks_its_stop():
    found = parse_dep_graph(INLINE.replace("  deprecated: True\n", "", 2)).shortest_path("4.0.0.2", "4.0.0.4")
    assert [(s.version, s.direct_upgrade) for s in found.stops] == [("4.0.0.3", False), ("4.0.0.4", True)]


@pytest.mark.parametrize(
    ("start", "target", "fragment"),
    [
        ("4.0.0.0", "4.2.5.0", "4.2.5.0 is not in the upgrade dependency file"),
        ("4.2.5.0", "4.3.0.0", "4.2.5.0 is not in the upgrade dependency file"),
        ("4.2.1.2", "4.3.0.0", "not found"),
        ("x", "4.2.1.2", "not an OceanBase version"),
    ],
)
def test_no_route(start, target, fragment):
    with pytest.raises(NoUpgradePath, match=fragment):
        route("4c4a07a8", start, target)


def test_node_matching_takes_the_plain_node_or_the_exact_build():
    assert version_matches("4.1.0.0", BETA_41)
    assert version_matches(BETA_41, BETA_41)
    assert not version_matches(BETA_41, "4.1.0.0-100000202023040520")
    assert source("4c4a07a8").graph.find_node("4.1.0.0-100000202023040520").version == "4.1.0.0"


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("4.2.1.0-100000102023092807", "4.2.1.0-100000202023101010", True),
        ("4.2.1.0-100000202023101010", "4.2.1.0-100000102023092807", False),
        (BETA_41, "4.1.0.0", True),
        ("4.1.0.0", "4.1.0.0", False),
        ("4.2.1.2-1", "4.2.1.1-9", False),
        ("3.1.4", "4.0.0.0", True),
    ],
)
def test_is_upgrade(current, target, expected):
    assert is_upgrade(ObVersion.parse(current), ObVersion.parse(target)) is expected


# --- the shipped files and their selection -----------------------------------------------------


def test_every_shipped_file_is_in_the_manifest_and_names_its_commit():
    shipped = {path.name for path in UPSTREAM_DIR.glob("oceanbase@*.yml")}
    assert shipped == {entry.file for entry in UPSTREAM_FILES}
    for entry in UPSTREAM_FILES:
        assert entry.commit in (UPSTREAM_DIR / entry.file).read_text(encoding="utf-8").splitlines()[0]


def test_current_files_come_first_the_highest_known_version_first():
    current = [e for e in UPSTREAM_FILES if e.superseded_by is None]
    assert UPSTREAM_FILES[: len(current)] == tuple(current)
    highest = [max(n.parsed for n in e.source().graph.nodes.values()) for e in current]
    assert highest == sorted(highest, reverse=True)


@pytest.mark.parametrize(
    ("target", "commit"),
    [
        ("4.2.1.2", "4c4a07a8"),
        ("4.2.2.0", "3243db6e"),
        ("4.2.2.1", "3243db6e"),
        ("4.2.3.0-100000162024032717", "3243db6e"),
        ("4.3.3.0", "4c4a07a8"),
        ("3.1.4", "6e45c7c9"),
        ("9.9.9.9", "4c4a07a8"),
    ],
)
def test_default_graph_for_picks_the_newest_line_that_knows_the_target(target, commit):
    assert default_graph_for(target).label == f"upstream oceanbase_upgrade_dep.yml @{commit}"


def test_a_route_from_a_source_names_it():
    assert default_graph_for("3.1.4").route("3.1.2", "3.1.4").source.endswith("@6e45c7c9")


def test_load_dep_graph_reads_a_given_file_or_the_first_manifest_file(tmp_path):
    assert load_dep_graph() is UPSTREAM_FILES[0].source().graph
    path = tmp_path / "oceanbase_upgrade_dep.yml"
    path.write_text("- version: 4.0.0.0\n  can_be_upgraded_to: [4.0.0.1]\n", encoding="utf-8")
    assert load_dep_graph(path).shortest_path("4.0.0.0", "4.0.0.1").hops == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- version: [", "not valid YAML"),
        ("version: 4.0.0.0", "must be a YAML list"),
        ("- can_be_upgraded_to: [4.1.0.0]", "Entry 1 must be a mapping with a 'version'"),
        ("- version: four", "not an OceanBase version"),
        ("- version: 4.0.0.0\n  can_be_upgraded_to: 4.1.0.0", "must be a list of versions"),
        ("- version: 4.0.0.0\n  require_from_binary: yes please", "must be true/false"),
        ("- version: 4.0.0.0\n- version: 4.0.0.0", "appears twice"),
    ],
)
def test_a_malformed_file_is_refused_with_its_label(text, fragment):
    with pytest.raises(ValueError, match=fragment) as excinfo:
        graph_from_text(text, "etc/oceanbase_upgrade_dep.yml of oceanbase-4.2.1.0.rpm")
    assert "etc/oceanbase_upgrade_dep.yml of oceanbase-4.2.1.0.rpm" in str(excinfo.value)
