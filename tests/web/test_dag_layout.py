from types import SimpleNamespace

from ocpdash.upgrades.dag import NODE_W, layout, order_layers
from ocpdash.web.dagview import ALL_ZONES, zone_lanes


def test_layers_go_left_to_right_and_parallel_steps_stack():
    drawn = layout({1: [], 2: [1], 3: [1], 4: [2, 3]})
    assert drawn.nodes[1].x < drawn.nodes[2].x == drawn.nodes[3].x < drawn.nodes[4].x
    assert drawn.nodes[2].y != drawn.nodes[3].y
    assert len(drawn.edges) == 4 and drawn.width >= 3 * NODE_W


def test_barycenter_order_avoids_crossings():
    # 10 and 11 are roots; 20 hangs under 11 and 21 under 10: the second layer follows its parents.
    ordered = order_layers({10: [], 11: [], 20: [11], 21: [10]})
    assert ordered == [[10, 11], [21, 20]]


def test_cycles_and_unknown_upstreams_do_not_crash():
    drawn = layout({1: [2], 2: [1], 3: [99]})
    assert set(drawn.nodes) == {1, 2, 3}


def step(sid, name, ups):
    return SimpleNamespace(ocp_subtask_id=sid, name=name, upstreams=ups)


def test_zone_lanes_come_from_step_names_and_chains_between_them():
    names = ["Pre script", "Health check", "Stop zone z1", "Install", "Restart observer", "Start zone z1",
             "Health check", "Stop zone z2", "Restart observer", "Start zone z2", "Post script"]  # fmt: skip
    steps = [step(i + 1, name, [i] if i else []) for i, name in enumerate(names)]
    lanes = zone_lanes(steps, ["z1", "z2", "z10"])
    assert [lanes[i + 1] for i in range(len(names))] == [
        ALL_ZONES, ALL_ZONES, "z1", "z1", "z1", "z1", ALL_ZONES, "z2", "z2", "z2", ALL_ZONES
    ]  # fmt: skip


def test_no_zone_names_no_lanes():
    assert zone_lanes([step(1, "Stop zone z1", [])], []) == {}
