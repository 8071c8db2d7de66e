"""Brute-force reference ("oracle") travel times for testing the RAPTOR engine.

Slow and simple on purpose; plain Python + ``heapq``. It shares no code with
the engine, and it does not use the ``stop_patterns`` CSR or the non-overtaking
order of trips (it reads only ``pattern_stops``, ``pattern_trip_ptr``,
``trip_time_ptr``, ``arrival_s`` and ``departure_s``), so it stays correct on a
timetable whose trips overtake inside a pattern.

Journey semantics
=================
Inputs: timetable ``tt``, street network ``streets``, ``stop_node`` (street node
of each stop, ``-1`` = unsnapped), origin node ``o``, destination nodes,
departure time ``dep_s`` and the limits ``walk_speed_m_s``, ``max_walk_s``,
``max_transfer_walk_s``, ``max_rides`` (>= 1), ``max_trip_s``.

* **Walk legs.** The walk time of a leg between street nodes ``u`` and ``v`` is
  ``int(np.rint(d / walk_speed_m_s))`` seconds, where ``d`` is the shortest
  street-path distance in metres; one rounding per leg, round-half-to-even
  (like Python's ``round``: 250.5 s -> 250 s, 101.5 s -> 102 s). A leg is
  allowed iff this *rounded* time is ``<=`` the leg's limit. Two stops on the
  same street node are 0 s apart; a stop on the origin's node costs 0 s.
* **Places off the street nodes.** Stops, origins and destinations given as
  positions are inserted into the street graph by :func:`build_split_graph`
  (R5's linking, brute force): the legs above then run between their nodes in
  that split graph, off-street links included.
* **Walk-only journey.** ``o -> dest`` directly, allowed iff walk time
  ``<= max_walk_s``; arrival ``dep_s + walk``.
* **Transit journey.** Access walk ``o -> s1`` (``<= max_walk_s``); board any trip
  of any pattern at a position ``i`` whose stop is ``s1`` with
  ``departure_s[trip, i] >= `` the time one is at ``s1`` (no boarding slack);
  ride to any later position ``j > i`` of the same trip and alight at
  ``arrival_s[trip, j]``. At the alighting stop either walk the egress leg to
  ``dest`` (``<= max_walk_s``), or walk one transfer leg to a stop ``s2``
  (``<= max_transfer_walk_s``; staying at the same stop is a 0 s transfer; no
  minimum transfer time) and board again as above. At most ``max_rides``
  boardings. Consequences spelled out: the access, each transfer and the
  egress are *single* legs, each checked against its own limit (two transfer
  walks can never be chained without a ride between them, and the access walk
  cannot be followed by a transfer walk before the first ride); after an
  access or transfer walk one may only board, after alighting one may only
  transfer or egress.
* **Unsnapped stops** (``stop_node == -1``) are unusable: no boarding or
  alighting there (riding *through* them is fine). With
  ``unsnapped_transfers=True`` one may instead alight at an unsnapped stop and
  re-board at that same stop (0 s transfer), but never walk to or from it.
* **Trip limit.** A journey (walk-only included) counts only if
  ``arrival - dep_s <= max_trip_s``.
* **Travel time** for ``dep_s`` = earliest arrival at ``dest`` - ``dep_s`` (the
  wait at the first stop counts); unreachable -> NaN.
* **Window.** For departures ``t0, t0+60, ..., t0+60*(W-1)`` (``W = window_min``)
  each OD pair gets ``W`` travel times (unreachable = +inf). Percentile ``p``:
  sort ascending and take index ``ceil(p/100 * W) - 1`` clipped to ``[0, W-1]``
  (nearest rank, computed in exact rational arithmetic); +inf -> NaN.

Method
======
A Dijkstra (earliest time first) over states ``(stop, rides_used, phase)``,
``phase`` in {``AFTER_WALK`` (reached by an access/transfer walk: may only
board), ``AFTER_RIDE`` (just alighted: may transfer or egress)}, each labelled
with the earliest time it can be reached. Relaxation is exhaustive: from
``(s, k, AFTER_WALK)`` at time ``tau`` with ``k < max_rides``, *every* trip of
*every* pattern through ``s`` (at every position where the pattern visits
``s``) departing ``>= tau`` is tried, with *every* later alighting position.
From ``(s, k, AFTER_RIDE)`` every allowed transfer leg (including staying) goes
to ``(s2, k, AFTER_WALK)``. All edges are time-nondecreasing and waiting is
always allowed (a state reached earlier can do everything a later arrival at
that state can), so earliest labels per state are exact. The destination
arrival is the minimum of the walk-only arrival and, over all ``AFTER_RIDE``
states, label + allowed egress walk. Street distances come from a heapq
Dijkstra on the CSR street graph (full, no distance cut-off).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from routes.streets.graph import StreetNetwork
from routes.timetable.timetable import Timetable

__all__ = [
    "AFTER_RIDE",
    "AFTER_WALK",
    "SplitGraph",
    "build_split_graph",
    "nearest_rank_index",
    "oracle_journey",
    "oracle_percentiles",
    "oracle_travel_times",
    "oracle_window_travel_times",
    "street_distances_m",
    "walk_seconds",
]

AFTER_WALK = 0  #: at a stop after an access or transfer walk: may only board
AFTER_RIDE = 1  #: at a stop just after alighting: may transfer or egress

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
    place at ``xy`` (metres, the network's CRS) is projected onto every street
    segment (each undirected edge, ``a < b``, in CSR order); the nearest foot
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
    for u in range(n):
        for e in range(int(streets.indptr[u]), int(streets.indptr[u + 1])):
            v = int(streets.indices[e])
            if u < v:
                segments.append((u, v, float(streets.length_m[e])))
    x, y = streets.node_x_m, streets.node_y_m
    extra_edges: list[tuple[int, int, float]] = []
    splits: dict[int, list[tuple[float, int]]] = {}  # segment -> [(along from a, node)]
    place_node = np.full(len(xy), -1, dtype=np.int64)
    linked = np.zeros(len(xy), dtype=bool)
    next_node = n
    for k, (px, py) in enumerate(xy):
        best = None
        for si, (a, b, _) in enumerate(segments):
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


# --------------------------------------------------------------------------- #
# Departure-independent precomputation
# --------------------------------------------------------------------------- #


@dataclass
class _Walks:
    """Every allowed walk leg of one query, in whole seconds."""

    access: list[list[tuple[int, float]]]  # per origin: [(stop, s)] with s <= max_walk_s
    direct: np.ndarray  # (n_o, n_d) walk-only seconds, inf if > max_walk_s
    transfers: list[list[tuple[int, float]]]  # per stop: [(stop2, s)] incl. (stop, 0)
    egress: np.ndarray  # (n_stops, n_d) seconds, inf if not allowed
    boardings: list[list[tuple[int, int]]]  # per stop: [(pattern, position)], not last
    can_alight: np.ndarray  # bool[n_stops]


def _precompute(
    tt: Timetable,
    streets: StreetNetwork,
    stop_node: np.ndarray,
    origin_nodes: np.ndarray,
    dest_nodes: np.ndarray,
    *,
    walk_speed_m_s: float,
    max_walk_s: float,
    max_transfer_walk_s: float,
    unsnapped_transfers: bool,
) -> _Walks:
    n_stops = tt.n_stops
    cache: dict[int, np.ndarray] = {}

    def dist_from(node: int) -> np.ndarray:
        if node not in cache:
            cache[node] = street_distances_m(streets, node)
        return cache[node]

    def leg(u: int, v: int) -> float:
        return walk_seconds(float(dist_from(u)[v]), walk_speed_m_s)

    snapped = [s for s in range(n_stops) if stop_node[s] >= 0]

    access = []
    direct = np.full((len(origin_nodes), len(dest_nodes)), INF)
    for oi, o in enumerate(origin_nodes):
        acc = []
        for s in snapped:
            w = leg(int(o), int(stop_node[s]))
            if w <= max_walk_s:
                acc.append((s, w))
        access.append(acc)
        for di, d in enumerate(dest_nodes):
            w = leg(int(o), int(d))
            if w <= max_walk_s:
                direct[oi, di] = w

    transfers: list[list[tuple[int, float]]] = [[] for _ in range(n_stops)]
    egress = np.full((n_stops, len(dest_nodes)), INF)
    for s in range(n_stops):
        if stop_node[s] < 0:
            if unsnapped_transfers:
                transfers[s].append((s, 0.0))
            continue
        transfers[s].append((s, 0.0))  # staying put
        for s2 in snapped:
            if s2 != s:
                w = leg(int(stop_node[s]), int(stop_node[s2]))
                if w <= max_transfer_walk_s:
                    transfers[s].append((s2, w))
        for di, d in enumerate(dest_nodes):
            w = leg(int(stop_node[s]), int(d))
            if w <= max_walk_s:
                egress[s, di] = w

    boardings: list[list[tuple[int, int]]] = [[] for _ in range(n_stops)]
    for p in range(tt.n_patterns):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p] : tt.pattern_stop_ptr[p + 1]]
        for i in range(len(stops) - 1):
            boardings[int(stops[i])].append((p, i))

    can_alight = (np.asarray(stop_node) >= 0) | bool(unsnapped_transfers)
    return _Walks(access, direct, transfers, egress, boardings, can_alight)


# --------------------------------------------------------------------------- #
# The state Dijkstra
# --------------------------------------------------------------------------- #

State = tuple[int, int, int]  # (stop, rides_used, phase)


@dataclass
class _Result:
    arrival: np.ndarray  # (n_d,) earliest arrival at each dest (inf: none), trip limit applied
    label: dict[State, float]
    pred: dict[State, tuple[State | None, tuple[Any, ...]]]
    last: list[State | None]  # per dest: AFTER_RIDE state egressed from (None: walk-only)


def _run(
    tt: Timetable, walks: _Walks, oi: int, dep_s: int, max_rides: int, max_trip_s: float
) -> _Result:
    label: dict[State, float] = {}
    pred: dict[State, tuple[State | None, tuple[Any, ...]]] = {}
    heap: list[tuple[float, State]] = []

    def push(t: float, state: State, prev: State | None, leg: tuple[Any, ...]) -> None:
        if t < label.get(state, INF):
            label[state] = t
            pred[state] = (prev, leg)
            heapq.heappush(heap, (t, state))

    for s, w in walks.access[oi]:
        push(dep_s + w, (s, 0, AFTER_WALK), None, ("access", s, w))

    settled: set[State] = set()
    while heap:
        tau, state = heapq.heappop(heap)
        if state in settled or tau > label[state]:
            continue
        settled.add(state)
        s, k, phase = state
        if phase == AFTER_WALK:
            if k >= max_rides:
                continue
            for p, i in walks.boardings[s]:
                p0, p1 = tt.pattern_stop_ptr[p], tt.pattern_stop_ptr[p + 1]
                stops = tt.pattern_stops[p0:p1]
                for trip in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
                    base = tt.trip_time_ptr[trip]
                    board_t = int(tt.departure_s[base + i])
                    if board_t < tau:
                        continue
                    for j in range(i + 1, len(stops)):
                        s2 = int(stops[j])
                        if walks.can_alight[s2]:
                            push(
                                float(tt.arrival_s[base + j]),
                                (s2, k + 1, AFTER_RIDE),
                                state,
                                ("ride", int(trip), i, j, board_t, int(tt.arrival_s[base + j])),
                            )
        else:
            for s2, w in walks.transfers[s]:
                push(tau + w, (s2, k, AFTER_WALK), state, ("transfer", s, s2, w))

    n_d = walks.direct.shape[1]
    arrival = dep_s + walks.direct[oi].copy()
    last: list[State | None] = [None] * n_d
    for state, t in label.items():
        s, _, phase = state
        if phase != AFTER_RIDE:
            continue
        cand = t + walks.egress[s]
        better = cand < arrival
        arrival[better] = cand[better]
        for di in np.flatnonzero(better):
            last[di] = state
    arrival[arrival - dep_s > max_trip_s] = INF
    return _Result(arrival, label, pred, last)


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def _check(
    stop_node: np.ndarray,
    tt: Timetable,
    streets: StreetNetwork,
    nodes: Iterable[np.ndarray],
    max_rides: int,
) -> None:
    if len(stop_node) != tt.n_stops:
        raise ValueError(f"stop_node has {len(stop_node)} entries for {tt.n_stops} stops")
    if np.any(stop_node >= streets.n_nodes) or np.any(stop_node < -1):
        raise ValueError("stop_node out of range")
    for a in nodes:
        if np.any(a < 0) or np.any(a >= streets.n_nodes):
            raise ValueError("origin/destination node out of range")
    if max_rides < 1:
        raise ValueError("max_rides must be >= 1")


def oracle_window_travel_times(
    tt: Timetable,
    streets: StreetNetwork,
    stop_node: Sequence[int] | np.ndarray,
    origin_nodes: Sequence[int] | np.ndarray,
    dest_nodes: Sequence[int] | np.ndarray,
    departures_s: Sequence[int] | np.ndarray,
    *,
    walk_speed_m_s: float,
    max_walk_s: float,
    max_transfer_walk_s: float,
    max_rides: int,
    max_trip_s: float,
    unsnapped_transfers: bool = False,
) -> np.ndarray:
    """Travel times (s) for each departure, float ``(n_dep, n_origins, n_dests)``.

    Unreachable is ``+inf`` here (not NaN), so the values sort as the window
    percentile needs.
    """
    stop_node = np.asarray(stop_node, dtype=np.int64)
    origins = np.asarray(origin_nodes, dtype=np.int64).reshape(-1)
    dests = np.asarray(dest_nodes, dtype=np.int64).reshape(-1)
    _check(stop_node, tt, streets, (origins, dests), max_rides)
    walks = _precompute(
        tt,
        streets,
        stop_node,
        origins,
        dests,
        walk_speed_m_s=walk_speed_m_s,
        max_walk_s=max_walk_s,
        max_transfer_walk_s=max_transfer_walk_s,
        unsnapped_transfers=unsnapped_transfers,
    )
    deps = [int(d) for d in np.asarray(departures_s).reshape(-1)]
    out = np.full((len(deps), len(origins), len(dests)), INF)
    for m, dep in enumerate(deps):
        for oi in range(len(origins)):
            out[m, oi] = _run(tt, walks, oi, dep, max_rides, max_trip_s).arrival - dep
    return out


def oracle_travel_times(
    tt: Timetable,
    streets: StreetNetwork,
    stop_node: Sequence[int] | np.ndarray,
    origin_nodes: Sequence[int] | np.ndarray,
    dest_nodes: Sequence[int] | np.ndarray,
    dep_s: int,
    *,
    walk_speed_m_s: float,
    max_walk_s: float,
    max_transfer_walk_s: float,
    max_rides: int,
    max_trip_s: float,
    unsnapped_transfers: bool = False,
) -> np.ndarray:
    """Travel time (s, float) from each origin to each dest leaving at ``dep_s``;
    NaN where unreachable. Shape ``(n_origins, n_dests)``."""
    tt_s = oracle_window_travel_times(
        tt,
        streets,
        stop_node,
        origin_nodes,
        dest_nodes,
        [dep_s],
        walk_speed_m_s=walk_speed_m_s,
        max_walk_s=max_walk_s,
        max_transfer_walk_s=max_transfer_walk_s,
        max_rides=max_rides,
        max_trip_s=max_trip_s,
        unsnapped_transfers=unsnapped_transfers,
    )[0]
    out: np.ndarray = np.where(np.isinf(tt_s), np.nan, tt_s)
    return out


def nearest_rank_index(p: float, n: int) -> int:
    """``ceil(p/100 * n) - 1`` clipped to ``[0, n-1]``, in exact arithmetic."""
    k = math.ceil(Fraction(p) * n / 100) - 1
    return min(max(k, 0), n - 1)


def oracle_percentiles(
    tt: Timetable,
    streets: StreetNetwork,
    stop_node: Sequence[int] | np.ndarray,
    origin_nodes: Sequence[int] | np.ndarray,
    dest_nodes: Sequence[int] | np.ndarray,
    t0_s: int,
    *,
    window_min: int,
    percentiles: Sequence[int],
    walk_speed_m_s: float,
    max_walk_s: float,
    max_transfer_walk_s: float,
    max_rides: int,
    max_trip_s: float,
    unsnapped_transfers: bool = False,
) -> dict[int, np.ndarray]:
    """Nearest-rank percentiles over departures ``t0_s + 60*m``, ``m < window_min``.

    Returns ``{p: float (n_origins, n_dests)}`` in seconds, NaN where the
    selected value is unreachable.
    """
    if window_min < 1:
        raise ValueError("window_min must be >= 1")
    deps = [int(t0_s) + 60 * m for m in range(window_min)]
    all_tt = oracle_window_travel_times(
        tt,
        streets,
        stop_node,
        origin_nodes,
        dest_nodes,
        deps,
        walk_speed_m_s=walk_speed_m_s,
        max_walk_s=max_walk_s,
        max_transfer_walk_s=max_transfer_walk_s,
        max_rides=max_rides,
        max_trip_s=max_trip_s,
        unsnapped_transfers=unsnapped_transfers,
    )
    ordered = np.sort(all_tt, axis=0)  # +inf sorts last
    out: dict[int, np.ndarray] = {}
    for p in percentiles:
        v = ordered[nearest_rank_index(p, window_min)].copy()
        v[np.isinf(v)] = np.nan
        out[p] = v
    return out


def oracle_journey(
    tt: Timetable,
    streets: StreetNetwork,
    stop_node: Sequence[int] | np.ndarray,
    origin_node: int,
    dest_node: int,
    dep_s: int,
    *,
    walk_speed_m_s: float,
    max_walk_s: float,
    max_transfer_walk_s: float,
    max_rides: int,
    max_trip_s: float,
    unsnapped_transfers: bool = False,
) -> list[tuple[Any, ...]] | None:
    """One earliest-arrival journey as a list of legs, for debugging mismatches.

    Legs: ``("walk", seconds)`` (walk-only), ``("access", stop, seconds)``,
    ``("ride", trip, board_pos, alight_pos, board_time, alight_time)``,
    ``("transfer", from_stop, to_stop, seconds)``, ``("egress", stop, seconds)``.
    ``None`` if unreachable.
    """
    stop_node = np.asarray(stop_node, dtype=np.int64)
    origins = np.asarray([origin_node], dtype=np.int64)
    dests = np.asarray([dest_node], dtype=np.int64)
    _check(stop_node, tt, streets, (origins, dests), max_rides)
    walks = _precompute(
        tt,
        streets,
        stop_node,
        origins,
        dests,
        walk_speed_m_s=walk_speed_m_s,
        max_walk_s=max_walk_s,
        max_transfer_walk_s=max_transfer_walk_s,
        unsnapped_transfers=unsnapped_transfers,
    )
    res = _run(tt, walks, 0, int(dep_s), max_rides, max_trip_s)
    if math.isinf(res.arrival[0]):
        return None
    state = res.last[0]
    if state is None:
        return [("walk", float(walks.direct[0, 0]))]
    legs: list[tuple[Any, ...]] = [("egress", state[0], float(walks.egress[state[0], 0]))]
    cur: State | None = state
    while cur is not None:
        prev, leg = res.pred[cur]
        legs.append(leg)
        cur = prev
    return legs[::-1]
