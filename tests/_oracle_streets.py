"""The oracle's streets: shortest street distances, and places linked into the graph.

Part of the brute-force reference of ``tests/_oracle.py`` (see its docstring);
plain Python + ``heapq``, sharing no code with ``routes.streets``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routes.streets.graph import StreetNetwork

__all__ = ["SplitGraph", "build_split_graph", "street_distances_m", "walk_seconds"]

INF = math.inf


# --------------------------------------------------------------------------- #
# Streets
# --------------------------------------------------------------------------- #


def street_distances_m(streets: StreetNetwork | SplitGraph, source: int) -> np.ndarray:
    """Shortest street-path distance (m) from ``source`` to every node (inf if none)."""
    n = streets.n_nodes
    dist = np.full(n, INF)
    dist[source] = 0.0
    heap: list[tuple[float, int]] = [(0.0, int(source))]
    done = np.zeros(n, dtype=bool)
    indptr, indices, length = streets.indptr, streets.indices, streets.length_m
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for e in range(indptr[u], indptr[u + 1]):
            v = int(indices[e])
            nd = d + float(length[e])
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


@dataclass
class SplitGraph:
    """A street graph with linked places inserted as nodes (CSR, like a StreetNetwork).

    Nodes ``0 .. n_street - 1`` are the street nodes; then, per linked place, a
    split node on its street segment (unless it links to a segment end) and a
    node for the place itself, joined to its split node or segment end by an
    edge as long as the straight off-street distance.
    """

    n_nodes: int
    indptr: np.ndarray
    indices: np.ndarray
    length_m: np.ndarray


def _segment_projection(
    x0: float, y0: float, x1: float, y1: float, px: float, py: float
) -> tuple[float, float]:
    """Clamped fraction along the segment of the point's foot, and the distance to it."""
    dx, dy = x1 - x0, y1 - y0
    d2 = dx * dx + dy * dy
    t = 0.0 if d2 == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / d2))
    return t, math.hypot(px - (x0 + t * dx), py - (y0 + t * dy))


def build_split_graph(
    streets: StreetNetwork,
    xy: Sequence[tuple[float, float]],
    max_link_m: Sequence[float],
    endpoint_snap_m: Sequence[float],
) -> tuple[SplitGraph, np.ndarray, np.ndarray]:
    """Insert places (stops, origins, destinations) into the street graph, R5-style.

    Brute force in plain Python, sharing nothing with ``routes.streets.snapping``: each
    place at ``xy`` (metres, the network's CRS) is projected onto every
    linkable street segment (each undirected edge, ``a < b``, in CSR order,
    unless ``streets.edge_linkable`` is false there); the nearest foot
    (clamped to the segment; ties: the first segment) within ``max_link_m``
    splits the segment, at ``t · length`` from ``a``. A foot nearer than
    ``endpoint_snap_m`` to a segment end links the place to that end instead
    (its off-street edge then runs straight to the node). Several splits on one
    segment are chained in order along it.

    Returns
    -------
    graph, place_node, linked
        The split graph, the node of each place and whether it is linked. A
        place that is not linked gets a node without edges, so journeys from or
        to it are meaningless and must be masked by the caller (pass ``-1``
        for such stops).
    """
    n = streets.n_nodes
    segments = []
    linkable = []
    for u in range(n):
        for e in range(int(streets.indptr[u]), int(streets.indptr[u + 1])):
            v = int(streets.indices[e])
            if u < v:
                segments.append((u, v, float(streets.length_m[e])))
                linkable.append(streets.edge_linkable is None or bool(streets.edge_linkable[e]))
    x, y = streets.node_x_m, streets.node_y_m
    extra_edges: list[tuple[int, int, float]] = []
    splits: dict[int, list[tuple[float, int]]] = {}  # segment -> [(along from a, node)]
    place_node = np.full(len(xy), -1, dtype=np.int64)
    linked = np.zeros(len(xy), dtype=bool)
    next_node = n
    for k, (px, py) in enumerate(xy):
        best = None
        for si, (a, b, _) in enumerate(segments):
            if not linkable[si]:
                continue  # R5 never links to tunnels, covered ways or motorways
            t, d = _segment_projection(float(x[a]), float(y[a]), float(x[b]), float(y[b]),
                                       float(px), float(py))
            if best is None or d < best[2] - 1e-9:  # ties (within 1 nm): the first
                best = (si, t, d)
        me = next_node
        next_node += 1
        place_node[k] = me
        if best is None or best[2] > max_link_m[k]:
            continue  # an isolated node
        linked[k] = True
        si, t, d = best
        a, b, length = segments[si]
        along_a = t * length
        along_b = length - along_a
        if min(along_a, along_b) < endpoint_snap_m[k]:
            end = a if along_a <= along_b else b
            extra_edges.append((me, end, math.hypot(px - float(x[end]), py - float(y[end]))))
            continue
        split = next_node
        next_node += 1
        splits.setdefault(si, []).append((along_a, split))
        extra_edges.append((me, split, d))
    edges = []
    for si, (a, b, length) in enumerate(segments):
        if si not in splits:
            edges.append((a, b, length))
            continue
        chain = sorted(splits[si])
        prev_node, prev_along = a, 0.0
        for along, node in chain:
            edges.append((prev_node, node, along - prev_along))
            prev_node, prev_along = node, along
        edges.append((prev_node, b, length - prev_along))
    edges += extra_edges
    rows: list[list[tuple[int, float]]] = [[] for _ in range(next_node)]
    for u, v, w in edges:
        rows[u].append((v, w))
        rows[v].append((u, w))
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    indices = np.asarray([v for r in rows for v, _ in r], dtype=np.int64)
    length_m = np.asarray([w for r in rows for _, w in r], dtype=np.float64)
    return SplitGraph(next_node, indptr, indices, length_m), place_node, linked


def walk_seconds(distance_m: float, walk_speed_m_s: float) -> float:
    """Rounded (half-to-even) walk time of one leg, seconds; inf if no path."""
    if not math.isfinite(distance_m):
        return INF
    return float(int(np.rint(distance_m / walk_speed_m_s)))
