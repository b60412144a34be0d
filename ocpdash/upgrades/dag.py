"""The DAG of an OCP task as plain Python: topological order and layers. No ORM imports.

OCP's subtask ids are not in topological order, and a reply may even contain a cycle or an
upstream id that is not in the list; none of that may crash a page or the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def topological_order(upstreams: Mapping[int, Iterable[int]]) -> list[int]:
    """Kahn's algorithm, ties broken by id; nodes caught in a cycle come last, in id order."""
    nodes = set(upstreams)
    pending = {node: {u for u in upstreams[node] if u in nodes and u != node} for node in nodes}
    downstream: dict[int, list[int]] = {node: [] for node in nodes}
    for node, ups in pending.items():
        for up in ups:
            downstream[up].append(node)
    ready = sorted(node for node, ups in pending.items() if not ups)
    order: list[int] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in sorted(downstream[node]):
            pending[child].discard(node)
            if not pending[child]:
                ready.append(child)
        ready.sort()
    seen = set(order)
    order.extend(sorted(nodes - seen))
    return order


def layers(upstreams: Mapping[int, Iterable[int]]) -> dict[int, int]:
    """Longest-path layer of every node (0 for roots), following the topological order."""
    order = topological_order(upstreams)
    position = {node: i for i, node in enumerate(order)}
    layer: dict[int, int] = {}
    for node in order:
        earlier = [u for u in upstreams[node] if u in position and position[u] < position[node]]
        layer[node] = 1 + max((layer[u] for u in earlier), default=-1)
    return layer
