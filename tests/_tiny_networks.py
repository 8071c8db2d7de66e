"""Small hand-made transit + street networks for testing the routing engine.

Every builder returns a :class:`Network` (a ``NamedTuple`` that unpacks as
``tt, streets, stop_node, origins, dests``) and every hand-made network has a
matching ``*_QUERY`` dict with the query parameters its hand-derived numbers
(in ``tests/test_oracle.py``) assume.

Street lengths are chosen so that every path distance is an exact binary
fraction (integers, quarters, eighths): the sum of edge lengths along a path is
then the same whatever order it is added in, and the walk-time rounding cannot
differ between the engine and the oracle because of float summation order.

Helpers
-------
timetable_from_trips
    Build a valid :class:`Timetable` from a plain list of trips, grouping them
    into patterns (same route and same stop sequence, split where trips
    overtake).
street_network_from_edges
    Build a :class:`StreetNetwork` (CSR, both directions) from an edge list.
validate_timetable
    Check every structural invariant of a :class:`Timetable` (raises
    ``AssertionError``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from routes.streets.graph import StreetNetwork
from routes.timetable.timetable import Timetable

FEED = "t"
SERVICE_DATE = dt.date(2024, 3, 4)  # any date (a Monday)

#: ``(route, [(stop, arrival_s, departure_s), ...])``
TripSpec = tuple[Any, Sequence[tuple[int, int, int]]]


class Network(NamedTuple):
    tt: Timetable
    streets: StreetNetwork
    stop_node: np.ndarray  # int32[n_stops], -1 = unsnapped
    origins: np.ndarray  # int32 street nodes
    dests: np.ndarray  # int32 street nodes


class PlacedNetwork(NamedTuple):
    """A network whose stops, origins and destinations are positions, linked R5-style."""

    tt: Timetable
    streets: StreetNetwork
    stop_xy: np.ndarray  # float (n_stops, 2), metres in the streets' CRS
    origin_xy: np.ndarray  # float (n_origins, 2)
    dest_xy: np.ndarray  # float (n_dests, 2)


# --------------------------------------------------------------------------- #
# Generic builders
# --------------------------------------------------------------------------- #


def _i32(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.int32)


def _obj(items: Sequence[str]) -> np.ndarray:
    a = np.empty(len(items), dtype=object)
    a[:] = list(items)
    return a


def timetable_from_trips(
    trips: Sequence[TripSpec],
    n_stops: int | None = None,
    *,
    feed: str = FEED,
    service_date: dt.date = SERVICE_DATE,
    stop_lon: Sequence[float] | None = None,
    stop_lat: Sequence[float] | None = None,
    trip_names: Sequence[str] | None = None,
) -> Timetable:
    """Build a :class:`Timetable` from ``[(route, [(stop, arr, dep), ...]), ...]``.

    ``route`` is any hashable label (str or int); routes are numbered in order of
    first appearance and get ids ``"<feed>:<route>"``. Stops are integers
    ``0 .. n_stops-1`` (``n_stops`` defaults to ``max stop + 1``) with ids
    ``"<feed>:s<i>"``. Trip ``k`` of the input gets id ``"<feed>:trip<k>"``
    (or ``"<feed>:<trip_names[k]>"``), whatever position it ends up in.

    Grouping: trips with the same route and the same stop sequence form a
    group (groups numbered in order of first appearance). Within a group the
    trips are sorted by (departure at the first stop, then all their times)
    and dealt greedily into patterns: a trip joins the first pattern of its
    group whose last trip it does not overtake (arrival and departure at every
    stop ``>=`` that trip's), otherwise it opens a new pattern. So within each
    pattern, trips are sorted at every stop, by both arrival and departure.
    """
    if len(trips) == 0:
        raise ValueError("need at least one trip")
    route_index: dict[Any, int] = {}
    groups: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for k, (route, stop_times) in enumerate(trips):
        if len(stop_times) < 2:
            raise ValueError(f"trip {k} has fewer than 2 stops")
        prev_dep = None
        for stop, arr, dep in stop_times:
            if not arr <= dep:
                raise ValueError(f"trip {k}: arrival {arr} after departure {dep} at stop {stop}")
            if prev_dep is not None and not prev_dep <= arr:
                raise ValueError(f"trip {k}: times go backwards at stop {stop}")
            prev_dep = dep
        r = route_index.setdefault(route, len(route_index))
        key = (r, tuple(int(s) for s, _, _ in stop_times))
        groups.setdefault(key, []).append(k)

    def times(k: int) -> tuple[int, ...]:
        return tuple(int(v) for _, a, d in trips[k][1] for v in (a, d))

    pattern_route: list[int] = []
    pattern_stops: list[tuple[int, ...]] = []
    pattern_trips: list[list[int]] = []
    for (r, stops), members in groups.items():
        members = sorted(members, key=lambda k: (int(trips[k][1][0][2]), times(k), k))
        mine: list[list[int]] = []  # patterns of this group
        for k in members:
            tk = times(k)
            for pat in mine:
                last = times(pat[-1])
                if all(a >= b for a, b in zip(tk, last, strict=True)):
                    pat.append(k)
                    break
            else:
                mine.append([k])
        for pat in mine:
            pattern_route.append(r)
            pattern_stops.append(stops)
            pattern_trips.append(pat)

    max_stop = max(max(p) for p in pattern_stops)
    if n_stops is None:
        n_stops = max_stop + 1
    if max_stop >= n_stops or min(min(p) for p in pattern_stops) < 0:
        raise ValueError("stop index out of range")

    stop_ptr = np.cumsum([0] + [len(s) for s in pattern_stops])
    trip_ptr = np.cumsum([0] + [len(t) for t in pattern_trips])
    order = [k for pat in pattern_trips for k in pat]  # input index of each output trip
    time_ptr = np.cumsum([0] + [len(trips[k][1]) for k in order])
    arrival = [int(a) for k in order for _, a, _ in trips[k][1]]
    departure = [int(d) for k in order for _, _, d in trips[k][1]]

    serving: list[list[int]] = [[] for _ in range(n_stops)]
    for p, stops in enumerate(pattern_stops):
        for s in sorted(set(stops)):
            serving[s].append(p)
    sp_ptr = np.cumsum([0] + [len(x) for x in serving])

    routes = list(route_index)
    names = list(trip_names) if trip_names is not None else [f"trip{k}" for k in range(len(trips))]
    return Timetable(
        service_date=service_date,
        feed_names=(feed,),
        stop_ids=_obj([f"{feed}:s{i}" for i in range(n_stops)]),
        stop_names=_obj([f"Stop {i}" for i in range(n_stops)]),
        stop_lon=np.asarray(stop_lon if stop_lon is not None else np.zeros(n_stops), np.float64),
        stop_lat=np.asarray(stop_lat if stop_lat is not None else np.zeros(n_stops), np.float64),
        route_ids=_obj([f"{feed}:{r}" for r in routes]),
        route_short_names=_obj([str(r) for r in routes]),
        route_types=np.full(len(routes), 3, dtype=np.int16),
        pattern_route=_i32(pattern_route),
        pattern_stop_ptr=_i32(stop_ptr),
        pattern_stops=_i32([s for stops in pattern_stops for s in stops]),
        pattern_trip_ptr=_i32(trip_ptr),
        trip_ids=_obj([f"{feed}:{names[k]}" for k in order]),
        trip_time_ptr=_i32(time_ptr),
        arrival_s=_i32(arrival),
        departure_s=_i32(departure),
        stop_pattern_ptr=_i32(sp_ptr),
        stop_patterns=_i32([p for x in serving for p in x]),
    )


def street_network_from_edges(
    n_nodes: int,
    edges: Sequence[tuple[int, int, float]],
    xy: Sequence[tuple[float, float]] | None = None,
) -> StreetNetwork:
    """Build an undirected :class:`StreetNetwork` from ``[(u, v, length_m), ...]``.

    Each edge is stored in both directions; CSR rows are sorted by neighbour.
    ``xy`` (metres) defaults to all zeros; lon/lat are a crude metres-to-degrees
    scaling of it (only for display).
    """
    rows: list[list[tuple[int, float]]] = [[] for _ in range(n_nodes)]
    for u, v, length in edges:
        if not (0 <= u < n_nodes and 0 <= v < n_nodes) or length < 0:
            raise ValueError(f"bad edge {(u, v, length)}")
        rows[u].append((v, float(length)))
        rows[v].append((u, float(length)))
    for r in rows:
        r.sort()
    xy_a = np.zeros((n_nodes, 2)) if xy is None else np.asarray(xy, dtype=np.float64)
    return StreetNetwork(
        crs="EPSG:32722",
        node_osm_ids=np.arange(1000, 1000 + n_nodes, dtype=np.int64),
        node_lon=-51.2 + xy_a[:, 0] / 100_000.0,
        node_lat=-30.0 + xy_a[:, 1] / 111_000.0,
        node_x_m=xy_a[:, 0].copy(),
        node_y_m=xy_a[:, 1].copy(),
        indptr=_i32(np.cumsum([0] + [len(r) for r in rows])),
        indices=_i32([v for r in rows for v, _ in r]),
        length_m=np.asarray([w for r in rows for _, w in r], dtype=np.float64),
    )


def validate_timetable(tt: Timetable) -> None:
    """Assert every structural invariant of the Timetable contract."""
    n_p, n_t, n_s = tt.n_patterns, tt.n_trips, tt.n_stops
    for name in (
        "pattern_route",
        "pattern_stop_ptr",
        "pattern_stops",
        "pattern_trip_ptr",
        "trip_time_ptr",
        "arrival_s",
        "departure_s",
        "stop_pattern_ptr",
        "stop_patterns",
    ):
        assert getattr(tt, name).dtype == np.int32, name
    assert tt.route_types.dtype == np.int16
    assert len(tt.pattern_stop_ptr) == n_p + 1 and len(tt.pattern_trip_ptr) == n_p + 1
    assert len(tt.trip_time_ptr) == n_t + 1 and len(tt.stop_pattern_ptr) == n_s + 1
    for ptr, arr in (
        (tt.pattern_stop_ptr, tt.pattern_stops),
        (tt.trip_time_ptr, tt.arrival_s),
        (tt.stop_pattern_ptr, tt.stop_patterns),
    ):
        assert ptr[0] == 0 and ptr[-1] == len(arr) and np.all(np.diff(ptr) >= 0)
    assert tt.pattern_trip_ptr[0] == 0 and tt.pattern_trip_ptr[-1] == n_t
    assert np.all(np.diff(tt.pattern_trip_ptr) >= 1), "empty pattern"
    assert len(tt.departure_s) == len(tt.arrival_s)
    assert np.all((tt.pattern_route >= 0) & (tt.pattern_route < len(tt.route_ids)))
    assert np.all((tt.pattern_stops >= 0) & (tt.pattern_stops < n_s))
    assert len(tt.stop_ids) == len(tt.stop_names) == len(tt.stop_lon) == len(tt.stop_lat) == n_s
    assert len(tt.trip_ids) == len(set(tt.trip_ids)) and len(tt.stop_ids) == len(set(tt.stop_ids))
    serving: list[set[int]] = [set() for _ in range(n_s)]
    for p in range(n_p):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p] : tt.pattern_stop_ptr[p + 1]]
        assert len(stops) >= 2, f"pattern {p} has < 2 stops"
        for s in stops:
            serving[s].add(p)
        t_first, t_end = int(tt.pattern_trip_ptr[p]), int(tt.pattern_trip_ptr[p + 1])
        for t in range(t_first, t_end):
            a = tt.arrival_s[tt.trip_time_ptr[t] : tt.trip_time_ptr[t + 1]]
            d = tt.departure_s[tt.trip_time_ptr[t] : tt.trip_time_ptr[t + 1]]
            assert len(a) == len(stops), f"trip {t}: {len(a)} times for {len(stops)} stops"
            assert np.all(a <= d), f"trip {t}: arrival after departure"
            assert np.all(d[:-1] <= a[1:]), f"trip {t}: times decrease along the trip"
            if t > t_first:
                prev_a = tt.arrival_s[tt.trip_time_ptr[t - 1] : tt.trip_time_ptr[t]]
                prev_d = tt.departure_s[tt.trip_time_ptr[t - 1] : tt.trip_time_ptr[t]]
                assert np.all(a >= prev_a) and np.all(d >= prev_d), f"trip {t} overtakes"
    for s in range(n_s):
        got = tt.stop_patterns[tt.stop_pattern_ptr[s] : tt.stop_pattern_ptr[s + 1]]
        assert sorted(got.tolist()) == sorted(serving[s]), f"stop_patterns wrong for stop {s}"
        assert len(set(got.tolist())) == len(got)


# --------------------------------------------------------------------------- #
# (a) A straight line: 4 stops, 3 trips
# --------------------------------------------------------------------------- #
#
#   node:   n0 ----- n1 ------ n2 ------ n3 ------ n4 ------- n5
#   metres:    375      1000      1000      1000     313.125
#   stop:           s0(A)     s1(B)     s2(C)     s3(D)
#
#   Route "L" runs s0 -> s1 -> s2 -> s3 (one direction only):
#
#              s0 dep   s1 arr/dep      s2 arr/dep   s3 arr
#     T0       08:00:00 08:05:00/05:30  08:10:00     08:15:00
#     T1       08:10:00 08:15:00/15:30  08:20:00     08:25:00
#     T2       08:20:00 08:25:00/25:30  08:30:00     08:35:00
#
#   walk speed 1.25 m/s, so: n0-n1 375 m = 300 s; n4-n5 313.125 m = 250.5 s
#   -> rounds half-to-even to 250 s; n3-n5 1313.125 m = 1050.5 s -> 1050 s;
#   n0-n2 1375 m = 1100 s; n0-n3 2375 m = 1900 s; n2-n3 1000 m = 800 s.

LINE_QUERY = dict(
    walk_speed_m_s=1.25,
    max_walk_s=1200,
    max_transfer_walk_s=300,
    max_rides=3,
    max_trip_s=7200,
)

H8 = 8 * 3600  # 28_800 s = 08:00:00


def line_network() -> Network:
    """(a) One route, 4 stops, 3 trips; origins n0, n3; dests n5, n2, n3, n0."""
    streets = street_network_from_edges(
        6,
        [(0, 1, 375.0), (1, 2, 1000.0), (2, 3, 1000.0), (3, 4, 1000.0), (4, 5, 313.125)],
        xy=[(0, 0), (375, 0), (1375, 0), (2375, 0), (3375, 0), (3688.125, 0)],
    )

    def trip(start: int) -> TripSpec:
        return (
            "L",
            [
                (0, start, start),
                (1, start + 300, start + 330),
                (2, start + 600, start + 600),
                (3, start + 900, start + 900),
            ],
        )

    tt = timetable_from_trips([trip(H8), trip(H8 + 600), trip(H8 + 1200)], n_stops=4)
    return Network(tt, streets, _i32([1, 2, 3, 4]), _i32([0, 3]), _i32([5, 2, 3, 0]))


# --------------------------------------------------------------------------- #
# (b) Two crossing lines + a third line from the same street node as B2
# --------------------------------------------------------------------------- #
#
#                         b0 (s3 = B0)
#                          |  3000
#   o ---- a0 ---------- a1 ---------- a2
#   152.25 (s0=A0) 3000 (s1=A1) 3000 (s2=A2)
#                          | 150         <- the only link between the two lines
#                         b1 (s4 = B1)
#                          |  600
#                         b2 (s5 = B2 and s7 = C0: two stops, one street node)
#                        /   \
#                  3000 /     \ 4000
#          (s6 = B3)  b3       c1 (s8 = C1)
#                  300 |
#                      d
#
#   node numbers: o=0 a0=1 a1=2 a2=3 b0=4 b1=5 b2=6 b3=7 d=8 c1=9
#   walk speed 1.5 m/s: o-a0 152.25 m = 101.5 s -> rounds half-to-even to 102 s;
#   a1-b1 150 m = 100 s; a1-b2 750 m = 500 s; b1-b2 600 m = 400 s; b3-d 300 m = 200 s.
#
#   Route A  (s0 -> s1 -> s2):   A0 08:00:00, A1 08:10:00, A2 08:16:40
#                                A0 09:00:00, A1 09:10:00, A2 09:16:40
#   Route B  (s3 -> s4 -> s5 -> s6):
#                       B0 08:01:00, B1 08:11:00, B2 08:16:00, B3 08:22:40
#                       B0 08:05:00, B1 08:15:00, B2 08:20:00, B3 08:26:40
#   Route C  (s7 -> s8):   C0 08:20:00, C1 08:32:00

CROSSING_QUERY = dict(
    walk_speed_m_s=1.5,
    max_walk_s=900,
    max_transfer_walk_s=300,
    max_rides=3,
    max_trip_s=7200,
)


def crossing_network() -> Network:
    """(b) Lines A and B crossing via a 150 m walk; line C from B2's node. Origin o;
    dests b2, d, c1 (nodes 6, 8, 9)."""
    streets = street_network_from_edges(
        10,
        [
            (0, 1, 152.25),
            (1, 2, 3000.0),
            (2, 3, 3000.0),
            (4, 2, 3000.0),
            (2, 5, 150.0),
            (5, 6, 600.0),
            (6, 7, 3000.0),
            (7, 8, 300.0),
            (6, 9, 4000.0),
        ],
        xy=[
            (-152.25, 0),
            (0, 0),
            (3000, 0),
            (6000, 0),
            (3000, 3000),
            (3000, -150),
            (3000, -750),
            (3000, -3750),
            (3000, -4050),
            (7000, -750),
        ],
    )
    a = [(0, 0, 0), (1, 600, 600), (2, 1000, 1000)]
    b = [(3, 0, 0), (4, 600, 600), (5, 900, 900), (6, 1300, 1300)]

    def at(start: int, pattern: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        return [(s, start + x, start + y) for s, x, y in pattern]

    tt = timetable_from_trips(
        [
            ("A", at(H8, a)),
            ("A", at(H8 + 3600, a)),
            ("B", at(H8 + 60, b)),
            ("B", at(H8 + 300, b)),
            ("C", [(7, H8 + 1200, H8 + 1200), (8, H8 + 1920, H8 + 1920)]),
        ],
        n_stops=9,
    )
    stop_node = _i32([1, 2, 3, 4, 5, 6, 7, 6, 9])
    return Network(tt, streets, stop_node, _i32([0]), _i32([6, 8, 9]))


# --------------------------------------------------------------------------- #
# (c) Express overtakes local on the same route and stops
# --------------------------------------------------------------------------- #
#
#   node/stop:  n0=s0 --2000-- n1=s1 --2000-- n2=s2 --2000-- n3=s3
#
#   route "R", stops s0 s1 s2 s3 for every trip (times at each stop, arr = dep):
#     local1   08:00:00  08:05:00  08:15:00  08:20:00
#     express  08:03:20  08:07:30  08:10:50  08:14:10   <- overtakes local1 between s1 and s2
#     local2   08:10:00  08:15:00  08:25:00  08:30:00
#   -> two patterns of route R: [local1, local2] and [express].
#   walk speed 1.0 m/s (2000 m = 2000 s; everything beyond walking range).

OVERTAKING_QUERY = dict(
    walk_speed_m_s=1.0,
    max_walk_s=600,
    max_transfer_walk_s=300,
    max_rides=2,
    max_trip_s=7200,
)


def overtaking_network() -> Network:
    """(c) Express overtakes local (same route and stops -> 2 patterns). Origin n0;
    dests n1, n2, n3."""
    streets = street_network_from_edges(
        4,
        [(0, 1, 2000.0), (1, 2, 2000.0), (2, 3, 2000.0)],
        xy=[(0, 0), (2000, 0), (4000, 0), (6000, 0)],
    )

    def trip(times: list[int]) -> TripSpec:
        return ("R", [(s, H8 + t, H8 + t) for s, t in enumerate(times)])

    tt = timetable_from_trips(
        [trip([0, 300, 900, 1200]), trip([200, 450, 650, 850]), trip([600, 900, 1500, 1800])],
        n_stops=4,
        trip_names=["local1", "express", "local2"],
    )
    return Network(tt, streets, _i32([0, 1, 2, 3]), _i32([0]), _i32([1, 2, 3]))


# --------------------------------------------------------------------------- #
# (d) Seeded random networks for property tests
# --------------------------------------------------------------------------- #

#: With these, roughly half the OD pairs of a random network are faster by transit
#: than on foot and multi-ride journeys matter (checked over seeds 0..9).
RANDOM_QUERY = dict(
    walk_speed_m_s=1.3,
    max_walk_s=600,
    max_transfer_walk_s=300,
    max_rides=3,
    max_trip_s=5400,
)

#: First departure from the first stop of any trip of :func:`random_network`.
RANDOM_T_START = 7 * 3600
#: All first departures are before this (trips then run at most ~1 h more).
RANDOM_T_END = 8 * 3600


def random_network(
    seed: int,
    n_nodes: int = 30,
    n_patterns: int = 4,
    n_trips: int = 15,
    *,
    n_stops: int | None = None,
    n_unsnapped: int = 0,
    n_origins: int = 4,
) -> Network:
    """A random but valid network, reproducible from ``seed``.

    Streets: a ``rows x cols`` grid (``rows * cols >= n_nodes``, nearly square,
    truncated to ``n_nodes`` nodes, row-major) with integer edge lengths
    150..450 m (exact sums), plus a few random diagonal shortcuts; always
    connected.

    Stops: ``n_stops`` (default ``n_nodes // 2``) stops on random nodes, drawn
    with replacement so some street nodes hold two stops (0 s transfers);
    then ``n_unsnapped`` random stops get ``stop_node = -1`` (default none,
    because the oracle's strict reading of "unusable" is a semantic choice the
    engine has to share before such networks are compared).

    Transit: ``n_patterns`` routes, each a random sequence of 3..6 stops
    (occasionally revisiting a stop, i.e. a loop) — and ``n_trips`` trips spread
    over them, first departures uniform in [07:00, 08:00), hop times 60..600 s
    drawn per trip (so trips do overtake and get split into extra patterns by
    :func:`timetable_from_trips`), dwell 0..60 s. ``tt.n_patterns`` is therefore
    >= the number of routes used.

    Origins: ``n_origins`` distinct random nodes. Dests: every node.
    """
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(n_nodes)))
    edges: list[tuple[int, int, float]] = []
    for v in range(n_nodes):
        r, c = divmod(v, cols)
        if c + 1 < cols and v + 1 < n_nodes:
            edges.append((v, v + 1, float(rng.integers(150, 451))))
        if v + cols < n_nodes:
            edges.append((v, v + cols, float(rng.integers(150, 451))))
    for _ in range(max(1, n_nodes // 10)):
        u, w = (int(x) for x in rng.choice(n_nodes, size=2, replace=False))
        edges.append((u, w, float(rng.integers(200, 700))))
    xy = [(float(c * 300), float(-r * 300)) for r, c in (divmod(v, cols) for v in range(n_nodes))]
    streets = street_network_from_edges(n_nodes, edges, xy=xy)

    n_stops = n_nodes // 2 if n_stops is None else n_stops
    stop_node = rng.integers(0, n_nodes, size=n_stops).astype(np.int32)

    routes: list[list[int]] = []
    for _ in range(n_patterns):
        length = int(rng.integers(3, 7))
        seq = [int(x) for x in rng.choice(n_stops, size=length, replace=False)]
        if rng.random() < 0.15:  # a loop: come back to the first stop
            seq.append(seq[0])
        routes.append(seq)
    trips: list[TripSpec] = []
    for k in range(n_trips):
        r = k % n_patterns if k < n_patterns else int(rng.integers(n_patterns))
        t = int(rng.integers(RANDOM_T_START, RANDOM_T_END))
        st: list[tuple[int, int, int]] = []
        for i, s in enumerate(routes[r]):
            if i > 0:
                t += int(rng.integers(60, 601))
            dwell = int(rng.integers(0, 61)) if 0 < i < len(routes[r]) - 1 else 0
            st.append((s, t, t + dwell))
            t += dwell
        trips.append((f"r{r}", st))
    if n_unsnapped:
        unsnapped = rng.choice(n_stops, size=min(n_unsnapped, n_stops), replace=False)
        stop_node[unsnapped] = -1
    tt = timetable_from_trips(trips, n_stops=n_stops)
    origins = rng.choice(n_nodes, size=min(n_origins, n_nodes), replace=False).astype(np.int32)
    return Network(tt, streets, stop_node, origins, np.arange(n_nodes, dtype=np.int32))


# --------------------------------------------------------------------------- #
# Places off the street nodes (linked to street segments)
# --------------------------------------------------------------------------- #

PLACED_STOP_LINK_M = 120.0
"""Link radius of the stops of :func:`random_placed_network`, metres."""
PLACED_POINT_LINK_M = 100.0
"""Link radius of its origins and destinations, metres."""
PLACED_ENDPOINT_SNAP_M = 5.0
"""Stops whose foot is nearer than this to a segment end link to that end (R5)."""


def _segments(streets: StreetNetwork) -> list[tuple[int, int]]:
    return [(u, int(streets.indices[e])) for u in range(streets.n_nodes)
            for e in range(int(streets.indptr[u]), int(streets.indptr[u + 1]))
            if u < int(streets.indices[e])]


def _random_places(rng: np.random.Generator, streets: StreetNetwork, n: int) -> np.ndarray:
    """``n`` positions: mid-segment off the street, near a segment end (within a few
    metres), beyond a segment end, on a node, and a few out of every link radius."""
    segs = _segments(streets)
    x, y = streets.node_x_m, streets.node_y_m
    out = np.empty((n, 2))
    for k in range(n):
        a, b = segs[int(rng.integers(len(segs)))]
        p0 = np.array([x[a], y[a]])
        d = np.array([x[b], y[b]]) - p0
        normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
        kind = rng.choice(["mid", "mid", "mid", "near_end", "beyond_end", "node", "far"])
        if kind == "mid":
            t, off = rng.uniform(0.05, 0.95), rng.uniform(-60.0, 60.0)
        elif kind == "near_end":
            t, off = rng.uniform(0.0, 0.012), rng.uniform(-8.0, 8.0)
        elif kind == "beyond_end":
            t, off = rng.uniform(1.01, 1.15), rng.uniform(-10.0, 10.0)
        elif kind == "node":
            t, off = 0.0, 0.0
        else:
            t, off = rng.uniform(0.0, 1.0), rng.choice([-1.0, 1.0]) * rng.uniform(400.0, 600.0)
        out[k] = p0 + t * d + off * normal
    return out


def random_placed_network(
    seed: int,
    n_nodes: int = 30,
    n_patterns: int = 4,
    n_trips: int = 15,
    *,
    n_origins: int = 5,
    n_dests: int = 24,
) -> PlacedNetwork:
    """:func:`random_network`'s streets and timetable with stops and points off the nodes.

    Stops, origins and destinations are random positions of every kind
    :func:`_random_places` makes; a third of the destinations lie on the
    segments of the origins (two points on one segment walk along it). Link
    radii: :data:`PLACED_STOP_LINK_M` for stops (with
    :data:`PLACED_ENDPOINT_SNAP_M`), :data:`PLACED_POINT_LINK_M` for points.
    The grid's edge lengths are not its geometric lengths; a split divides an
    edge's length in proportion to the foot's position along its straight line.
    """
    base = random_network(seed, n_nodes, n_patterns, n_trips, n_origins=n_origins)
    rng = np.random.default_rng(10_000 + seed)
    streets = base.streets
    stop_xy = _random_places(rng, streets, base.tt.n_stops)
    origin_xy = _random_places(rng, streets, n_origins)
    dest_xy = _random_places(rng, streets, n_dests)
    # Destinations on an origin's own segment, somewhere else along it.
    for k in range(0, n_dests, 3):
        o = origin_xy[int(rng.integers(n_origins))]
        dest_xy[k] = o + rng.uniform(-40.0, 40.0, size=2)
    return PlacedNetwork(base.tt, streets, stop_xy, origin_xy, dest_xy)


def split_network() -> tuple[StreetNetwork, dict[str, tuple[float, float]]]:
    """A hand-drawn street graph and places linked to it (walk speed 1 m/s in its tests).

    ::

        n3 (0,128)
         |
         |        S = stop (-24, 64): foot (0, 64) on n0-n3, 24 m off the street,
         S - - +      64 m from n0 and from n3
         |
         |        P (32, 16)    Q (96, -8)  R (125, 4)         E (200, 6)
         |           :            :           :  (as a stop: 3 m from n1, so it
         n0 ---------+------------+-----------+-- n1 -------------- n2  links to n1)
        (0,0)      x=32         x=96       x=125 (128,0)         (192,0)   beyond n2:
                                                                        foot clamped to n2

    Segments (CSR order): 0 = n0-n1 (128 m), 1 = n0-n3 (128 m), 2 = n1-n2 (64 m).

    * P: on segment 0, 32 m from n0, 96 m from n1, 16 m off the street.
    * Q: on segment 0, 96 m from n0, 32 m from n1, 8 m off (same segment as P).
    * R as a point: on segment 0, 125 m from n0, 3 m from n1, 4 m off. As a stop
      (R5's 5-m rule): linked to n1, off-street sqrt(3² + 4²) = 5 m.
    * E: beyond the end of segment 2, foot clamped to n2 (64 m from n1),
      sqrt(8² + 6²) = 10 m off.
    * S (a stop): on segment 1, 64 m from n0 and n3, 24 m off.
    """
    streets = street_network_from_edges(
        4, [(0, 1, 128.0), (1, 2, 64.0), (0, 3, 128.0)],
        xy=[(0.0, 0.0), (128.0, 0.0), (192.0, 0.0), (0.0, 128.0)],
    )
    places = {"P": (32.0, 16.0), "Q": (96.0, -8.0), "R": (125.0, 4.0), "E": (200.0, 6.0),
              "S": (-24.0, 64.0)}
    return streets, places
