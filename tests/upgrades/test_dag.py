from ocpdash.upgrades.dag import layers, topological_order


def test_order_follows_upstreams_not_ids():
    # The seed sample: ids are not in topological order.
    ups = {130229: [130230], 130230: [130233], 130231: [], 130232: [130231], 130233: [130232]}
    assert topological_order(ups) == [130231, 130232, 130233, 130230, 130229]
    assert layers(ups) == {130231: 0, 130232: 1, 130233: 2, 130230: 3, 130229: 4}


def test_parallel_steps_share_a_layer():
    ups = {1: [], 2: [1], 3: [1], 4: [2, 3]}
    assert layers(ups) == {1: 0, 2: 1, 3: 1, 4: 2}


def test_a_cycle_or_unknown_upstream_does_not_crash():
    ups = {1: [3], 2: [1], 3: [2], 4: [99], 5: [5]}
    order = topological_order(ups)
    assert sorted(order) == [1, 2, 3, 4, 5]
    assert order[:2] == [4, 5]
    assert set(layers(ups)) == {1, 2, 3, 4, 5}


def test_empty_graph():
    assert topological_order({}) == [] and layers({}) == {}
