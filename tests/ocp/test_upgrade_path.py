"""Upgrade routes over the shipped upstream oceanbase_upgrade_dep.yml files (ocp-api.md §5.2)."""

import pytest

from ocpdash.ocp.upgrade_path import (
    UPSTREAM_DIR,
    UPSTREAM_FILES,
    default_graph_for,
    graph_from_text,
    load_dep_graph,
)


def test_every_shipped_file_is_in_the_manifest_and_names_its_commit():
    shipped = {path.name for path in UPSTREAM_DIR.glob("oceanbase@*.yml")}
    assert shipped == {entry.file for entry in UPSTREAM_FILES}
    for entry in UPSTREAM_FILES:
        assert entry.commit in (UPSTREAM_DIR / entry.file).read_text(encoding="utf-8").splitlines()[0]


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


def test_load_dep_graph_without_a_path_is_the_first_manifest_file():
    assert load_dep_graph() is UPSTREAM_FILES[0].source().graph


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- version: [", "not valid YAML"),
        ("version: 4.0.0.0", "must be a YAML list"),
        ("- can_be_upgraded_to: [4.1.0.0]", "Entry 1 must be a mapping with a 'version'"),
        ("- version: 4.0.0.0\n  can_be_upgraded_to: 4.1.0.0", "must be a list of versions"),
        ("- version: 4.0.0.0\n- version: 4.0.0.0", "appears twice"),
    ],
)
def test_a_malformed_file_is_refused_with_its_label(text, fragment):
    with pytest.raises(ValueError, match=fragment) as excinfo:
        graph_from_text(text, "etc/oceanbase_upgrade_dep.yml of oceanbase-4.2.1.0.rpm")
    assert "etc/oceanbase_upgrade_dep.yml of oceanbase-4.2.1.0.rpm" in str(excinfo.value)
