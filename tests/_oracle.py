"""Brute-force reference ("oracle") travel times for testing the RAPTOR engine.

Slow and simple on purpose; plain Python + ``heapq``. It shares no code with
the engine but one function, the generator of the random phases of frequency
trips (:func:`routes.engine.frequencies.frequency_offsets`: the oracle must
draw the same schedules to compare exactly). It does not use the
``stop_patterns`` CSR or the non-overtaking order of trips (it reads
``pattern_stops``, ``pattern_trip_ptr``, ``trip_time_ptr``, ``arrival_s``,
``departure_s``, the pickup/drop-off types and the frequency arrays), so it
stays correct on a timetable whose trips overtake inside a pattern. Street
distances and linking are in ``tests/_oracle_streets.py``.

Journey semantics
=================
Inputs: timetable ``tt``, street network ``streets``, ``stop_node`` (street node
of each stop, ``-1`` = unsnapped), origin node ``o``, destination nodes,
departure time ``dep_s`` and the limits ``walk_speed_m_s``, ``max_walk_s``,
``max_transfer_walk_s``, ``max_rides`` (>= 1), ``max_trip_s``; and the
conventions ``board_slack_s``, ``max_transfer_m``, ``transfers``,
``frequency_phase``, ``frequency_draws``, ``frequency_seed``.

* **Walk legs.** The walk time of a leg between street nodes ``u`` and ``v`` is
  ``int(np.rint(d / walk_speed_m_s))`` seconds, where ``d`` is the shortest
  street-path distance in metres; one rounding per leg, round-half-to-even
  (like Python's ``round``: 250.5 s -> 250 s, 101.5 s -> 102 s). A leg is
  allowed iff this *rounded* time is ``<=`` the leg's limit. Two stops on the
  same street node are 0 s apart; a stop on the origin's node costs 0 s.
* **Places off the street nodes.** Stops, origins and destinations given as
  positions are inserted into the street graph by :func:`build_split_graph`
  (R5's linking, brute force, never to a segment whose ``edge_linkable`` is
  false): the legs above then run between their nodes in that split graph,
  off-street links included.
* **Walk-only journey.** ``o -> dest`` directly, allowed iff walk time
  ``<= max_walk_s``; arrival ``dep_s + walk``.
* **Transit journey.** Access walk ``o -> s1`` (``<= max_walk_s``); board a run
  (a trip, or a vehicle of a frequency entry) at a position ``i`` whose stop is
  ``s1`` where boarding is allowed (``pickup_type`` not 1), if it departs
  there late enough after the time ``tau`` one is at ``s1``:

  - ``board_slack_s=None``: ``departure >= tau`` (no slack; the semantics the
    hand-derived tests of ``tests/test_oracle.py`` were written for);
  - an integer (R5's rules): a timetabled trip if ``departure > tau +
    board_slack_s``, a frequency vehicle if ``departure >= tau +
    board_slack_s``.

  Ride to any later position ``j > i`` where alighting is allowed
  (``drop_off_type`` not 1) and alight at its arrival. At the alighting stop
  either walk the egress leg to ``dest`` (``<= max_walk_s``), or walk one
  transfer leg to a stop ``s2`` (``<= max_transfer_walk_s`` and ``<=
  max_transfer_m`` metres; staying at the same stop is a 0 s transfer) and
  board again as above. With ``transfers="closest_per_pattern"`` a transfer
  leg from ``s`` to ``s2 != s`` is allowed only if, among the stops allowed
  from ``s``, ``s2`` is the nearest (ties: lowest index) of some pattern
  that can be boarded at ``s2`` (not its last stop, ``pickup_type`` not 1;
  R5's ``TransferFinder`` rule, restricted to boardable stops). At most ``max_rides`` boardings.
  Consequences spelled out: the access, each transfer and the egress are
  *single* legs, each checked against its own limit (two transfer walks can
  never be chained without a ride between them, and the access walk cannot be
  followed by a transfer walk before the first ride); after an access or
  transfer walk one may only board, after alighting one may only transfer or
  egress.
* **Unsnapped stops** (``stop_node == -1``) are unusable: no boarding or
  alighting there (riding *through* them is fine). With
  ``unsnapped_transfers=True`` one may instead alight at an unsnapped stop and
  re-board at that same stop (0 s transfer), but never walk to or from it.
* **Trip limit.** A journey (walk-only included) counts only if
  ``arrival - dep_s <= max_trip_s``.
* **Travel time** for ``dep_s`` = earliest arrival at ``dest`` - ``dep_s`` (the
  wait at the first stop counts); unreachable -> NaN.
* **Frequencies.** With ``frequency_phase="fixed"`` every trip of the
  timetable is a timetabled run. With ``"random"``, the trips expanded from a
  ``frequencies.txt`` entry (``tt.trip_frequency >= 0``) are replaced, in each
  *iteration*, by the entry's vehicles: the template (any of those trips) with
  its times minus its first arrival, reaching its first stop at ``start +
  offset + j * headway`` for ``j = 0 .. (end - start - offset) // headway``
  (only ``j = 0`` when that is negative), ``offset`` being the iteration's
  phase of the entry from ``frequency_offsets``.
* **Window.** For departures ``t0, t0+60, ..., t0+60*(W-1)`` (``W = window_min``)
  and ``D`` draws each (``D = ceil(frequency_draws / W)`` when random-phase
  entries exist, else 1; iteration ``m * D + d``), each OD pair gets ``W * D``
  travel times (unreachable = +inf). Percentile ``p``: sort ascending and take
  index ``ceil(p/100 * n) - 1`` clipped to ``[0, n-1]`` (nearest rank, in
  floating point as R5's ``TravelTimeReducer.findPercentileIndex``:
  7 % of 100 is 7.000000000000001, so index 7); +inf -> NaN.

Method
======
A Dijkstra (earliest time first) over states ``(stop, rides_used, phase)``,
``phase`` in {``AFTER_WALK`` (reached by an access/transfer walk: may only
board), ``AFTER_RIDE`` (just alighted: may transfer or egress)}, each labelled
with the earliest time it can be reached. Relaxation is exhaustive: from
``(s, k, AFTER_WALK)`` at time ``tau`` with ``k < max_rides``, *every* run
through ``s`` (at every position where it visits ``s``) departing late enough
is tried, with *every* later alighting position.
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
from typing import Any

import numpy as np
from _oracle_streets import SplitGraph, build_split_graph, street_distances_m, walk_seconds

from routes.engine.frequencies import frequency_offsets
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


@dataclass(frozen=True)
class Conventions:
    """The conventions of a query besides its limits (see the module docstring)."""

    board_slack_s: int | None = None
    max_transfer_m: float = INF
    transfers: str = "all"
    frequency_phase: str = "random"
    frequency_draws: int = 60
    frequency_seed: int = 0


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
    can_alight: np.ndarray  # bool[n_stops]


def _closest_per_pattern(tt: Timetable, allowed: list[tuple[int, float, float]]) -> set[int]:
    """Stops that are the nearest (distance, then index) of some pattern boardable there."""
    keep: set[int] = set()
    for p in range(tt.n_patterns):
        p0, p1 = int(tt.pattern_stop_ptr[p]), int(tt.pattern_stop_ptr[p + 1])
        pickup = tt.pattern_pickup_type
        on = {int(tt.pattern_stops[i]) for i in range(p0, p1 - 1)  # not the last stop
              if pickup is None or int(pickup[i]) != 1}
        candidates = [(d, s2) for s2, _, d in allowed if s2 in on]
        if candidates:
            keep.add(min(candidates)[1])
    return keep


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
    conv: Conventions,
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
        allowed = []
        for s2 in snapped:
            if s2 != s:
                d = float(dist_from(int(stop_node[s]))[int(stop_node[s2])])
                w = walk_seconds(d, walk_speed_m_s)
                if w <= max_transfer_walk_s and d <= conv.max_transfer_m:
                    allowed.append((s2, w, d))
        if conv.transfers == "closest_per_pattern":
            keep = _closest_per_pattern(tt, allowed)
            allowed = [a for a in allowed if a[0] in keep]
        transfers[s] += [(s2, w) for s2, w, _ in allowed]
        for di, d in enumerate(dest_nodes):
            w = leg(int(stop_node[s]), int(d))
            if w <= max_walk_s:
                egress[s, di] = w

    can_alight = (np.asarray(stop_node) >= 0) | bool(unsnapped_transfers)
    return _Walks(access, direct, transfers, egress, can_alight)


# --------------------------------------------------------------------------- #
# Runs: timetabled trips, and frequency vehicles of one iteration
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class _Run:
    """One vehicle's journey along a pattern."""

    stops: tuple[int, ...]
    arrival: tuple[int, ...]
    departure: tuple[int, ...]
    board: tuple[bool, ...]  # pickup_type != 1
    alight: tuple[bool, ...]  # drop_off_type != 1
    frequency: bool  # a frequency vehicle (boards at >= tau + slack)
    label: Any  # the trip index, or ("frequency", entry, first-stop arrival)


def _types(tt: Timetable, p: int, which: str) -> tuple[bool, ...]:
    values = getattr(tt, which)
    p0, p1 = int(tt.pattern_stop_ptr[p]), int(tt.pattern_stop_ptr[p + 1])
    if values is None:
        return (True,) * (p1 - p0)
    return tuple(int(v) != 1 for v in values[p0:p1])


def _timetabled_runs(tt: Timetable, conv: Conventions) -> tuple[list[_Run], dict[int, _Run]]:
    """Timetabled runs; and, in random-phase mode, one template run per frequency entry."""
    runs: list[_Run] = []
    templates: dict[int, _Run] = {}
    for p in range(tt.n_patterns):
        stops = tuple(int(x) for x in tt.pattern_stops[tt.pattern_stop_ptr[p]:
                                                       tt.pattern_stop_ptr[p + 1]])
        board, alight = _types(tt, p, "pattern_pickup_type"), _types(tt, p, "pattern_drop_off_type")
        for t in range(int(tt.pattern_trip_ptr[p]), int(tt.pattern_trip_ptr[p + 1])):
            base = int(tt.trip_time_ptr[t])
            arr = tuple(int(x) for x in tt.arrival_s[base:base + len(stops)])
            dep = tuple(int(x) for x in tt.departure_s[base:base + len(stops)])
            entry = -1 if tt.trip_frequency is None else int(tt.trip_frequency[t])
            if entry >= 0 and conv.frequency_phase == "random":
                if entry not in templates:
                    rel_a = tuple(a - arr[0] for a in arr)
                    rel_d = tuple(d - arr[0] for d in dep)
                    templates[entry] = _Run(stops, rel_a, rel_d, board, alight, True, None)
                continue
            runs.append(_Run(stops, arr, dep, board, alight, False, t))
    return runs, templates


def _frequency_runs(tt: Timetable, templates: dict[int, _Run],
                    offsets: dict[int, int]) -> list[_Run]:
    """The vehicles of every entry for one iteration's phases."""
    assert tt.frequency_start_s is not None and tt.frequency_end_s is not None
    assert tt.frequency_headway_s is not None
    runs = []
    for e, tpl in templates.items():
        start = int(tt.frequency_start_s[e]) + offsets[e]
        h = int(tt.frequency_headway_s[e])
        end = int(tt.frequency_end_s[e])
        n = (end - start) // h + 1 if end >= start else 1
        for j in range(n):
            first = start + j * h
            runs.append(_Run(tpl.stops, tuple(first + a for a in tpl.arrival),
                             tuple(first + d for d in tpl.departure), tpl.board, tpl.alight,
                             True, ("frequency", e, first)))
    return runs


def _boardings(runs: list[_Run], n_stops: int) -> list[list[tuple[_Run, int]]]:
    out: list[list[tuple[_Run, int]]] = [[] for _ in range(n_stops)]
    for run in runs:
        for i in range(len(run.stops) - 1):
            if run.board[i]:
                out[run.stops[i]].append((run, i))
    return out


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


def _catchable(run: _Run, i: int, tau: float, slack: int | None) -> bool:
    dep = run.departure[i]
    if slack is None:
        return dep >= tau
    return dep >= tau + slack if run.frequency else dep > tau + slack


def _run(
    walks: _Walks, boardings: list[list[tuple[_Run, int]]], oi: int, dep_s: int,
    max_rides: int, max_trip_s: float, slack: int | None,
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
            for run, i in boardings[s]:
                if not _catchable(run, i, tau, slack):
                    continue
                for j in range(i + 1, len(run.stops)):
                    s2 = run.stops[j]
                    if walks.can_alight[s2] and run.alight[j]:
                        push(float(run.arrival[j]), (s2, k + 1, AFTER_RIDE), state,
                             ("ride", run.label, i, j, run.departure[i], run.arrival[j]))
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
    streets: StreetNetwork | SplitGraph,
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


class _Query:
    """Everything of one query that does not depend on the departure time."""

    def __init__(self, tt: Timetable, streets: Any, stop_node: Any, origin_nodes: Any,
                 dest_nodes: Any, *, walk_speed_m_s: float, max_walk_s: float,
                 max_transfer_walk_s: float, max_rides: int, max_trip_s: float,
                 conv: Conventions, unsnapped_transfers: bool = False) -> None:
        stop_node = np.asarray(stop_node, dtype=np.int64)
        self.origins = np.asarray(origin_nodes, dtype=np.int64).reshape(-1)
        self.dests = np.asarray(dest_nodes, dtype=np.int64).reshape(-1)
        _check(stop_node, tt, streets, (self.origins, self.dests), max_rides)
        self.tt, self.conv = tt, conv
        self.max_rides, self.max_trip_s = max_rides, max_trip_s
        self.walks = _precompute(
            tt, streets, stop_node, self.origins, self.dests, walk_speed_m_s=walk_speed_m_s,
            max_walk_s=max_walk_s, max_transfer_walk_s=max_transfer_walk_s,
            unsnapped_transfers=unsnapped_transfers, conv=conv,
        )
        self.runs, self.templates = _timetabled_runs(tt, conv)
        self.scheduled_boardings = _boardings(self.runs, tt.n_stops)

    def draws(self, n_departures: int) -> int:
        """Iterations per departure: ``ceil(frequency_draws / n)`` with random-phase entries."""
        if not self.templates:
            return 1
        return max(1, math.ceil(self.conv.frequency_draws / n_departures))

    def boardings(self, iteration: int, n_iterations: int) -> list[list[tuple[_Run, int]]]:
        if not self.templates:
            return self.scheduled_boardings
        tt = self.tt
        assert tt.frequency_keys is not None and tt.frequency_headway_s is not None
        entries = sorted(self.templates)
        phases = frequency_offsets([str(tt.frequency_keys[e]) for e in entries],
                                   tt.frequency_headway_s[entries], n_iterations,
                                   self.conv.frequency_seed)[iteration]
        offsets = {e: int(x) for e, x in zip(entries, phases, strict=True)}
        return _boardings(self.runs + _frequency_runs(tt, self.templates, offsets), tt.n_stops)

    def result(self, oi: int, dep_s: int, boardings: list[list[tuple[_Run, int]]]) -> _Result:
        return _run(self.walks, boardings, oi, dep_s, self.max_rides, self.max_trip_s,
                    self.conv.board_slack_s)


def oracle_window_travel_times(
    tt: Timetable,
    streets: StreetNetwork | SplitGraph,
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
    **conventions: Any,
) -> np.ndarray:
    """Travel times (s) for each iteration, float ``(n_dep * draws, n_origins, n_dests)``.

    Iteration ``m * draws + d`` is draw ``d`` of departure ``m`` (``draws`` is 1
    without random-phase frequency entries). Unreachable is ``+inf`` here (not
    NaN), so the values sort as the window percentile needs. ``conventions``
    are the fields of :class:`Conventions`.
    """
    q = _Query(tt, streets, stop_node, origin_nodes, dest_nodes, walk_speed_m_s=walk_speed_m_s,
               max_walk_s=max_walk_s, max_transfer_walk_s=max_transfer_walk_s,
               max_rides=max_rides, max_trip_s=max_trip_s,
               unsnapped_transfers=unsnapped_transfers, conv=Conventions(**conventions))
    deps = [int(d) for d in np.asarray(departures_s).reshape(-1)]
    draws = q.draws(len(deps))
    out = np.full((len(deps) * draws, len(q.origins), len(q.dests)), INF)
    for m, dep in enumerate(deps):
        for d in range(draws):
            it = m * draws + d
            boardings = q.boardings(it, len(deps) * draws)
            for oi in range(len(q.origins)):
                out[it, oi] = q.result(oi, dep, boardings).arrival - dep
    return out


def oracle_travel_times(
    tt: Timetable,
    streets: StreetNetwork | SplitGraph,
    stop_node: Sequence[int] | np.ndarray,
    origin_nodes: Sequence[int] | np.ndarray,
    dest_nodes: Sequence[int] | np.ndarray,
    dep_s: int,
    **query: Any,
) -> np.ndarray:
    """Travel time (s, float) from each origin to each dest leaving at ``dep_s``;
    NaN where unreachable. Shape ``(n_origins, n_dests)`` (the first draw, with
    random-phase frequency entries)."""
    tt_s = oracle_window_travel_times(tt, streets, stop_node, origin_nodes, dest_nodes,
                                      [dep_s], **query)[0]
    out: np.ndarray = np.where(np.isinf(tt_s), np.nan, tt_s)
    return out


def nearest_rank_index(p: float, n: int) -> int:
    """``ceil(p/100 * n) - 1`` clipped to ``[0, n-1]``, in floating point as R5 computes it."""
    k = math.ceil(p / 100 * n) - 1
    return min(max(k, 0), n - 1)


def oracle_percentiles(
    tt: Timetable,
    streets: StreetNetwork | SplitGraph,
    stop_node: Sequence[int] | np.ndarray,
    origin_nodes: Sequence[int] | np.ndarray,
    dest_nodes: Sequence[int] | np.ndarray,
    t0_s: int,
    *,
    window_min: int,
    percentiles: Sequence[int],
    **query: Any,
) -> dict[int, np.ndarray]:
    """Nearest-rank percentiles over departures ``t0_s + 60*m``, ``m < window_min``, and draws.

    Returns ``{p: float (n_origins, n_dests)}`` in seconds, NaN where the
    selected value is unreachable.
    """
    if window_min < 1:
        raise ValueError("window_min must be >= 1")
    deps = [int(t0_s) + 60 * m for m in range(window_min)]
    all_tt = oracle_window_travel_times(tt, streets, stop_node, origin_nodes, dest_nodes, deps,
                                        **query)
    ordered = np.sort(all_tt, axis=0)  # +inf sorts last
    out: dict[int, np.ndarray] = {}
    for p in percentiles:
        v = ordered[nearest_rank_index(p, len(all_tt))].copy()
        v[np.isinf(v)] = np.nan
        out[p] = v
    return out


def oracle_journey(
    tt: Timetable,
    streets: StreetNetwork | SplitGraph,
    stop_node: Sequence[int] | np.ndarray,
    origin_node: int,
    dest_node: int,
    dep_s: int,
    **query: Any,
) -> list[tuple[Any, ...]] | None:
    """One earliest-arrival journey as a list of legs, for debugging mismatches.

    Legs: ``("walk", seconds)`` (walk-only), ``("access", stop, seconds)``,
    ``("ride", trip, board_pos, alight_pos, board_time, alight_time)`` (``trip``
    is ``("frequency", entry, first-stop arrival)`` for a frequency vehicle),
    ``("transfer", from_stop, to_stop, seconds)``, ``("egress", stop, seconds)``.
    ``None`` if unreachable. With random-phase frequency entries, the first
    draw of a single departure.
    """
    conventions = {k: query.pop(k) for k in list(query) if k in Conventions.__dataclass_fields__}
    q = _Query(tt, streets, stop_node, [origin_node], [dest_node],
               conv=Conventions(**conventions), **query)
    res = q.result(0, int(dep_s), q.boardings(0, q.draws(1)))
    if math.isinf(res.arrival[0]):
        return None
    state = res.last[0]
    if state is None:
        return [("walk", float(q.walks.direct[0, 0]))]
    legs: list[tuple[Any, ...]] = [("egress", state[0], float(q.walks.egress[state[0], 0]))]
    cur: State | None = state
    while cur is not None:
        prev, leg = res.pred[cur]
        legs.append(leg)
        cur = prev
    return legs[::-1]
