"""The DAG of an OCP task as plain Python: topological order and layers. No ORM imports.

OCP's subtask ids are not in topological order, and a reply may even contain a cycle or an
upstream id that is not in the list; none of that may crash a page or the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


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


# --- Layout for the SVG drawing (left to right, one column per layer) ---------------------------

NODE_W, NODE_H = 180, 46
GAP_X, GAP_Y = 56, 16
LANE_PAD = 12
LANE_LABEL_H = 18


@dataclass
class Placed:
    node: int
    layer: int
    x: int
    y: int


@dataclass
class Lane:
    name: str
    y: int
    height: int


@dataclass
class Layout:
    nodes: dict[int, Placed] = field(default_factory=dict)
    edges: list[tuple[int, int, str]] = field(default_factory=list)  # (from, to, SVG path)
    lanes: list[Lane] = field(default_factory=list)
    width: int = 0
    height: int = 0


def order_layers(upstreams: Mapping[int, Iterable[int]]) -> list[list[int]]:
    """Nodes per layer; within a layer ordered by the barycenter of their upstreams' positions
    (the classic one-sweep crossing reduction), ties by topological position."""
    layer = layers(upstreams)
    topo = {node: i for i, node in enumerate(topological_order(upstreams))}
    by_layer: dict[int, list[int]] = {}
    for node in sorted(layer, key=topo.__getitem__):
        by_layer.setdefault(layer[node], []).append(node)
    position: dict[int, float] = {}
    result = []
    for index in sorted(by_layer):
        nodes = by_layer[index]

        def barycenter(node: int) -> tuple[float, int]:
            ups = [position[u] for u in upstreams[node] if u in position]
            return (sum(ups) / len(ups) if ups else float("inf"), topo[node])

        nodes.sort(key=barycenter)
        for i, node in enumerate(nodes):
            position[node] = i
        result.append(nodes)
    return result


def layout(upstreams: Mapping[int, Iterable[int]], lanes: Mapping[int, str] | None = None) -> Layout:
    """Coordinates of every node and edge. ``lanes`` (node → lane name) stacks nodes in swimlanes,
    one band per lane in first-appearance order; without it there is a single unnamed band."""
    lanes = lanes or {}
    ordered = order_layers(upstreams)
    lane_names: list[str] = []
    for nodes in ordered:
        for node in nodes:
            name = lanes.get(node, "")
            if name not in lane_names:
                lane_names.append(name)
    # rows[lane][layer] = nodes of that layer in that lane, kept in barycenter order
    rows = {
        name: [[n for n in nodes if lanes.get(n, "") == name] for nodes in ordered] for name in lane_names
    }
    result = Layout()
    y = 0
    for name in lane_names:
        depth = max((len(cell) for cell in rows[name]), default=0)
        top = y + (LANE_LABEL_H if name else 0) + LANE_PAD
        for layer_index, cell in enumerate(rows[name]):
            for row, node in enumerate(cell):
                x = LANE_PAD + layer_index * (NODE_W + GAP_X)
                result.nodes[node] = Placed(node, layer_index, x, top + row * (NODE_H + GAP_Y))
        height = (top - y) + depth * (NODE_H + GAP_Y) - GAP_Y + LANE_PAD
        result.lanes.append(Lane(name, y, height))
        y += height
    result.width = 2 * LANE_PAD + len(ordered) * (NODE_W + GAP_X) - GAP_X
    result.height = y
    result.edges = _edges(upstreams, result.nodes)
    return result


def _edges(
    upstreams: Mapping[int, Iterable[int]], placed: Mapping[int, Placed]
) -> list[tuple[int, int, str]]:
    edges = []
    for node, ups in upstreams.items():
        for up in sorted(set(ups)):
            if up not in placed or up == node:
                continue
            a, b = placed[up], placed[node]
            x1, y1 = a.x + NODE_W, a.y + NODE_H // 2
            x2, y2 = b.x, b.y + NODE_H // 2
            if x2 <= x1:  # a cycle or a back edge: loop around below
                low = max(a.y, b.y) + NODE_H + GAP_Y // 2
                path = f"M{x1},{y1} C{x1 + 30},{low} {x2 - 30},{low} {x2},{y2}"
            else:
                mid = (x1 + x2) // 2
                path = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
            edges.append((up, node, path))
    return edges
