"""The range-RAPTOR engine against the brute-force oracle, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import build_split_graph, oracle_percentiles
from _tiny_networks import (
    CROSSING_QUERY,
    LINE_QUERY,
    OVERTAKING_QUERY,
    PLACED_ENDPOINT_SNAP_M,
    PLACED_POINT_LINK_M,
    PLACED_STOP_LINK_M,
    RANDOM_QUERY,
    Network,
    PlacedNetwork,
    crossing_network,
    line_network,
    overtaking_network,
    random_network,
    random_placed_network,
    street_network_from_edges,
    timetable_from_trips,
)

from routes.config.study_area import RoutingParams
from routes.engine import _raptor_kernels, raptor
from routes.engine.raptor import compute_snapped_travel_times, percentile_ranks
from routes.engine.request import TravelTimeRequest
from routes.network.transit import StopLinks, TransitNetwork, compute_transfers
from routes.streets.snapping import SnappedPoints, snap_points_xy
from routes.streets.walking import WalkLegs, invert_legs


def _links(net: Network | PlacedNetwork) -> tuple[SnappedPoints, SnappedPoints, SnappedPoints]:
    """Stops, origins and destinations linked by the engine's own code."""
    if isinstance(net, Network):
        return (SnappedPoints.at_nodes(net.stop_node), SnappedPoints.at_nodes(net.origins),
                SnappedPoints.at_nodes(net.dests))
    s = net.streets
    stops = snap_points_xy(s, net.stop_xy[:, 0], net.stop_xy[:, 1], max_snap_m=PLACED_STOP_LINK_M,
                           endpoint_snap_m=PLACED_ENDPOINT_SNAP_M)
    o = snap_points_xy(s, net.origin_xy[:, 0], net.origin_xy[:, 1], max_snap_m=PLACED_POINT_LINK_M)
    d = snap_points_xy(s, net.dest_xy[:, 0], net.dest_xy[:, 1], max_snap_m=PLACED_POINT_LINK_M)
    return stops, o, d


def _transit(net: Network | PlacedNetwork, stops: SnappedPoints, max_transfer_walk_s: float,
             walk_speed_m_s: float) -> TransitNetwork:
    max_m = (max_transfer_walk_s + 0.5) * walk_speed_m_s
    links = StopLinks(stops, compute_transfers(net.streets, stops, max_m), max_m)
    return TransitNetwork(net.streets, net.tt, links)


def _engine(net: Network | PlacedNetwork, query: dict, dep_s: int, window_min: int, percentiles,
            **kw):
    q = {**query, **kw}
    routing = RoutingParams(
        walk_speed_kmh=q["walk_speed_m_s"] * 3.6,
        max_walk_min=q["max_walk_s"] / 60,
        max_transfer_walk_min=q["max_transfer_walk_s"] / 60,
        max_rides=q["max_rides"],
        max_trip_min=q["max_trip_s"] / 60,
    )
    stops, o, d = _links(net)
    network = _transit(net, stops, q["max_transfer_walk_s"], q["walk_speed_m_s"])
    request = TravelTimeRequest.from_routing(routing, departure_s=dep_s, window_min=window_min,
                                             percentiles=percentiles)
    minutes = compute_snapped_travel_times(network, o, d, request, n_threads=kw.get("n_threads"))
    return minutes * 60.0


def _oracle(net: Network | PlacedNetwork, query: dict, dep_s: int, window_min: int, percentiles,
            **kw):
    q = {**query, **kw}
    q.pop("n_threads", None)
    if isinstance(net, Network):
        tt, streets, stop_node, o, d = net
        out = oracle_percentiles(tt, streets, stop_node, o, d, dep_s, window_min=window_min,
                                 percentiles=percentiles, unsnapped_transfers=True, **q)
        return np.stack([out[p] for p in percentiles], axis=1)
    # Places: the oracle inserts them into the street graph itself (tests/_oracle.py).
    n_s, n_o = len(net.stop_xy), len(net.origin_xy)
    xy = np.concatenate([net.stop_xy, net.origin_xy, net.dest_xy])
    radius = np.r_[np.full(n_s, PLACED_STOP_LINK_M), np.full(len(xy) - n_s, PLACED_POINT_LINK_M)]
    endpoint = np.r_[np.full(n_s, PLACED_ENDPOINT_SNAP_M), np.zeros(len(xy) - n_s)]
    graph, node, linked = build_split_graph(net.streets, [tuple(p) for p in xy], radius, endpoint)
    stop_node = np.where(linked[:n_s], node[:n_s], -1)
    o, d = node[n_s:n_s + n_o], node[n_s + n_o:]
    out = oracle_percentiles(net.tt, graph, stop_node, o, d, dep_s, window_min=window_min,
                             percentiles=percentiles, unsnapped_transfers=True, **q)
    res = np.stack([out[p] for p in percentiles], axis=1)
    res[~linked[n_s:n_s + n_o]] = np.nan
    res[:, :, ~linked[n_s + n_o:]] = np.nan
    return res


def _assert_same(ours: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(np.nan_to_num(ours), np.nan_to_num(ref), atol=1e-6)


HAND_MADE = [
    pytest.param(line_network, LINE_QUERY, id="line"),
    pytest.param(crossing_network, CROSSING_QUERY, id="crossing"),
    pytest.param(overtaking_network, OVERTAKING_QUERY, id="overtaking"),
]


@pytest.mark.parametrize(("build", "query"), HAND_MADE)
@pytest.mark.parametrize("dep_s", [28_500, 28_501, 28_698, 28_900, 29_100])
@pytest.mark.parametrize(("window_min", "percentiles"), [(1, (50,)), (25, (5, 50, 95))])
def test_hand_made_networks_equal_oracle(build, query, dep_s, window_min, percentiles):
    net = build()
    _assert_same(_engine(net, query, dep_s, window_min, percentiles),
                 _oracle(net, query, dep_s, window_min, percentiles))


def test_line_network_hand_derived():
    # Derivation in tests/test_oracle.py: leaving n0 at 28,500 reaches n5 in 1,450 s
    # (walk 300 s, ride 08:00 -> 08:15, walk 250.5 s rounded to 250 s).
    minutes = _engine(line_network(), LINE_QUERY, 28_500, 1, (50,))
    assert minutes[0, 0, 0] == 1450
    assert minutes[0, 0, 1] == 600


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("max_rides", [1, 2, 3])
def test_random_networks_window_equal_oracle(seed, max_rides):
    net = random_network(seed)
    pcts = (5, 25, 50, 75, 95)
    _assert_same(_engine(net, RANDOM_QUERY, 7 * 3600, 45, pcts, max_rides=max_rides),
                 _oracle(net, RANDOM_QUERY, 7 * 3600, 45, pcts, max_rides=max_rides))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("max_rides", [1, 3])
def test_random_networks_with_placed_points_equal_oracle(seed, max_rides):
    # Stops and points off the nodes: mid-segment, near and beyond segment ends, on
    # nodes, out of reach; several on one segment. The oracle links them with its own
    # brute-force projection and walks on the street graph with them inserted.
    net = random_placed_network(seed)
    pcts = (5, 50, 95)
    _assert_same(_engine(net, RANDOM_QUERY, 7 * 3600, 30, pcts, max_rides=max_rides),
                 _oracle(net, RANDOM_QUERY, 7 * 3600, 30, pcts, max_rides=max_rides))


@pytest.mark.parametrize("seed", range(100, 106))
def test_larger_random_networks_with_unsnapped_stops_equal_oracle(seed):
    net = random_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_unsnapped=2, n_origins=6)
    _assert_same(_engine(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95)),
                 _oracle(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("placed", [False, True])
def test_same_results_with_one_or_two_threads_and_on_repeat(seed, placed):
    net = (random_placed_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_origins=40)
           if placed else random_network(seed, n_nodes=60, n_patterns=8, n_trips=40,
                                         n_origins=40))
    one = _engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=1)
    two = _engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=2)
    again = _engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=2)
    _assert_same(one, two)
    _assert_same(two, again)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("placed", [False, True])
def test_adding_a_trip_never_increases_travel_times(seed, placed):
    net = random_placed_network(seed) if placed else random_network(seed)
    tt = net.tt
    rng = np.random.default_rng(seed)
    trips = []
    for p in range(tt.n_patterns):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]]
        for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
            a = tt.arrival_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
            d = tt.departure_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
            calls = zip(stops.tolist(), a.tolist(), d.tolist(), strict=True)
            trips.append((int(tt.pattern_route[p]), list(calls)))
    route, calls = trips[rng.integers(len(trips))]
    shift = int(rng.integers(-900, 900))
    extra = (route, [(s, a + shift, d + shift) for s, a, d in calls])
    more = timetable_from_trips([*trips, extra], n_stops=tt.n_stops)
    before = _engine(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95))
    after = _engine(net._replace(tt=more), RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95))
    became_unreachable = np.isnan(after) & ~np.isnan(before)
    assert not became_unreachable.any()
    both = ~np.isnan(before) & ~np.isnan(after)
    assert (after[both] <= before[both]).all()


def _tied_departures_network() -> Network:
    """Two trips of one pattern leave stop s1 at the same second; the earlier one is faster after.

    ::

        s0 (n1) --180 m-- o (n0) --600 m-- s1 (n2) ---------5000 m--------- s2 (n3)

    Walk speed 1 m/s. Trip K: s0 08:00, s1 08:10, s2 08:20. Trip D: s0 08:05,
    s1 08:10, s2 08:30 (D never overtakes K, so one pattern, K first).
    Leaving o at 08:00: at s0 at 08:03 (only D is catchable there) and at s1
    at 08:10, where K is catchable too: s2 (the destination's node) at 08:20,
    i.e. 1,200 s, not D's 1,800 s.
    """
    h8 = 8 * 3600
    streets = street_network_from_edges(
        4, [(0, 1, 180.0), (0, 2, 600.0), (2, 3, 5000.0)],
        xy=[(0, 0), (-180, 0), (600, 0), (5600, 0)],
    )
    k = ("L", [(0, h8, h8), (1, h8 + 600, h8 + 600), (2, h8 + 1200, h8 + 1200)])
    d = ("L", [(0, h8 + 300, h8 + 300), (1, h8 + 600, h8 + 600), (2, h8 + 1800, h8 + 1800)])
    tt = timetable_from_trips([k, d], n_stops=3)
    assert tt.n_patterns == 1
    node = np.asarray([1, 2, 3], np.int32)
    return Network(tt, streets, node, np.asarray([0], np.int32), np.asarray([3], np.int32))


TIED_QUERY = dict(walk_speed_m_s=1.0, max_walk_s=600, max_transfer_walk_s=300, max_rides=1,
                  max_trip_s=7200)


def test_trip_leaving_at_the_same_second_as_the_current_one_is_boarded():
    net = _tied_departures_network()
    ours = _engine(net, TIED_QUERY, 8 * 3600, 1, (50,))
    assert ours[0, 0, 0] == 1200
    _assert_same(ours, _oracle(net, TIED_QUERY, 8 * 3600, 1, (50,)))


@pytest.mark.parametrize("seed", range(3))
def test_wide_leg_dtypes_give_the_same_results(seed, monkeypatch):
    # The wrapper passes uint16 legs when they fit; force the int32 specialisation.
    net = random_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_origins=10)
    narrow = _engine(net, RANDOM_QUERY, 7 * 3600, 30, (5, 50, 95))
    monkeypatch.setattr(raptor, "_smallest_uint", lambda values, bound: values.astype(np.int32))
    _assert_same(_engine(net, RANDOM_QUERY, 7 * 3600, 30, (5, 50, 95)), narrow)


def test_zero_rides_gives_walk_only_times():
    # Walks from the diagram of line_network: n0-n2 1,100 s, n3-n5 1,050 s, n3-n2
    # 800 s; n0-n3 (1,900 s) and n0-n5 exceed the 1,200 s walking limit.
    seconds = _engine(line_network(), LINE_QUERY, 28_500, 3, (50,), max_rides=0)
    np.testing.assert_array_equal(seconds[:, 0, :], [[np.nan, 1100, np.nan, 0],
                                                     [1050, 800, 0, np.nan]])


@pytest.mark.parametrize("max_trip_s", [59, 5400, 7200, 86_400])
@pytest.mark.parametrize("n_minutes", [2, 7, 60, 121])
def test_rank_selection_equals_sorting(max_trip_s, n_minutes):
    rng = np.random.default_rng(max_trip_s + n_minutes)
    n_dests = 300
    # Decreasing runs of step 60 s, like travel times over consecutive departures,
    # plus ties, exact bucket edges and unreachable entries.
    times = rng.integers(0, max_trip_s + 1, size=(n_minutes, n_dests))
    times[1::2] = np.maximum(times[::2][: n_minutes // 2] - 60, 0)
    times[:, ::7] = times[0, ::7]
    times[:, 5::11] = max_trip_s
    times[rng.random(times.shape) < 0.2] = _raptor_kernels.UNREACHED
    times[:, ::13] = _raptor_kernels.UNREACHED
    times = times.astype(np.int32)
    ranks = percentile_ranks((95, 5, 50, 25, 75, 1), n_minutes)
    shift = _raptor_kernels._bucket_shift(max_trip_s)
    out = np.empty((len(ranks), n_dests), np.int32)
    _raptor_kernels._select_ranks(times, ranks, shift,
                                  np.empty((max_trip_s >> shift) + 2, np.int32),
                                  np.empty(n_minutes, np.int32), np.empty(n_minutes, np.int32),
                                  out)
    np.testing.assert_array_equal(out, np.sort(times, axis=0)[ranks])


def test_inverted_legs_are_sorted_by_distance_then_source():
    rng = np.random.default_rng(7)
    n_src, n_targets = 60, 40  # rows of 26-38 legs: both sorting paths (<= 32 and > 32)
    ptr = np.r_[0, np.cumsum(rng.integers(0, 40, n_src))].astype(np.int64)
    target = np.concatenate([rng.choice(n_targets, ptr[i + 1] - ptr[i], replace=False)
                             for i in range(n_src)]).astype(np.int32)
    distance_m = rng.integers(0, 20, len(target)).astype(np.float64)  # many ties
    inv = invert_legs(WalkLegs(ptr, target, distance_m), n_targets)
    source = np.repeat(np.arange(n_src), np.diff(ptr))
    order = np.lexsort((source, distance_m, target))
    per_target = np.bincount(target, minlength=n_targets)
    np.testing.assert_array_equal(inv.ptr, np.r_[0, np.cumsum(per_target)])
    np.testing.assert_array_equal(inv.target, source[order])
    np.testing.assert_array_equal(inv.distance_m, distance_m[order])


@pytest.mark.parametrize(("percentiles", "n", "expected"), [
    ((50,), 1, [0]),
    ((5, 50, 95), 60, [2, 29, 56]),
    ((1, 100 - 1), 10, [0, 9]),
])
def test_percentile_ranks_are_nearest_rank(percentiles, n, expected):
    assert percentile_ranks(percentiles, n).tolist() == expected
