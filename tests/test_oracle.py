"""Tests of the brute-force oracle (tests/_oracle.py) and the tiny networks.

The hand-derived numbers below are the reference the RAPTOR engine will be held
to (through the oracle), so every one is derived in a comment from the
timetables and street lengths drawn in tests/_tiny_networks.py.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from _oracle import (
    build_split_graph,
    nearest_rank_index,
    oracle_journey,
    oracle_percentiles,
    oracle_travel_times,
    oracle_window_travel_times,
    street_distances_m,
    walk_seconds,
)
from _tiny_networks import (
    CROSSING_QUERY,
    H8,
    LINE_QUERY,
    OVERTAKING_QUERY,
    RANDOM_QUERY,
    crossing_network,
    line_network,
    overtaking_network,
    random_network,
    split_network,
    street_network_from_edges,
    timetable_from_trips,
    validate_timetable,
)
from scipy.sparse.csgraph import csgraph_from_dense, dijkstra

NAN = np.nan


def tts(net, dep, origins=None, dests=None, **overrides):
    q = {**overrides.pop("query"), **overrides}
    o = net.origins if origins is None else origins
    d = net.dests if dests is None else dests
    return oracle_travel_times(net.tt, net.streets, net.stop_node, o, d, dep, **q)


# --------------------------------------------------------------------------- #
# Building blocks
# --------------------------------------------------------------------------- #


def test_walk_rounding_is_half_to_even():
    assert walk_seconds(313.125, 1.25) == 250  # 250.5 -> 250
    assert walk_seconds(1313.125, 1.25) == 1050  # 1050.5 -> 1050
    assert walk_seconds(152.25, 1.5) == 102  # 101.5 -> 102
    assert walk_seconds(100.0, 1.3) == 77  # 76.92 -> 77
    assert math.isinf(walk_seconds(math.inf, 1.3))


def test_nearest_rank_index():
    assert [nearest_rank_index(p, 10) for p in (0, 1, 10, 11, 25, 50, 90, 100)] == [
        0,
        0,
        0,
        1,
        2,
        4,
        8,
        9,
    ]
    # Floating point, as R5 (TravelTimeReducer.findPercentileIndex) and the engine compute
    # it: 7 / 100 * 100 is 7.000000000000001, whose ceiling is 8 -> index 7 (6 in exact
    # arithmetic).
    assert 7 / 100 * 100 > 7 and nearest_rank_index(7, 100) == 7
    assert nearest_rank_index(50, 1) == 0 and nearest_rank_index(50, 3) == 1


@pytest.mark.parametrize("seed", range(5))
def test_street_distances_match_scipy(seed):
    net = random_network(seed)
    s = net.streets
    dense = np.full((s.n_nodes, s.n_nodes), np.inf)
    for u in range(s.n_nodes):
        for e in range(s.indptr[u], s.indptr[u + 1]):
            dense[u, s.indices[e]] = min(dense[u, s.indices[e]], s.length_m[e])
    ref = dijkstra(csgraph_from_dense(dense, null_value=np.inf), directed=False)
    for u in range(s.n_nodes):
        np.testing.assert_array_equal(street_distances_m(s, u), ref[u])


def test_split_graph_by_hand():
    # Hand-derived in tests/streets/test_walking.py from the diagram of split_network.
    streets, places = split_network()
    names = ["P", "Q", "R", "E", "S", "R"]
    graph, node, linked = build_split_graph(
        streets, [places[n] for n in names], [50.0] * 6, [0, 0, 0, 0, 5.0, 5.0])
    assert linked.all()
    assert graph.n_nodes == 4 + 6 + 5  # a split node for each place but R as a stop (n1)
    d = street_distances_m(graph, int(node[0]))
    assert [d[node[k]] for k in range(1, 6)] == [88.0, 113.0, 186.0, 136.0, 117.0]
    assert street_distances_m(graph, int(node[5]))[node[4]] == 221.0
    assert not build_split_graph(streets, [(500.0, 500.0)], [50.0], [0.0])[2][0]


def test_tiny_networks_are_valid():
    for net in (line_network(), crossing_network(), overtaking_network()):
        validate_timetable(net.tt)
        assert net.streets.n_edges == 2 * (net.streets.n_nodes - 1)  # all three are trees
    for seed in range(20):
        net = random_network(seed, n_unsnapped=2 if seed % 2 else 0)
        validate_timetable(net.tt)
        assert net.tt.n_patterns >= 4
        assert np.sum(net.stop_node < 0) == (2 if seed % 2 else 0)


def test_timetable_from_trips_grouping():
    trips = [
        ("X", [(0, 100, 100), (1, 200, 210), (2, 300, 300)]),  # trip0
        ("X", [(0, 50, 50), (1, 150, 150), (2, 250, 250)]),  # trip1: same stops, earlier
        ("X", [(0, 60, 60), (1, 400, 400), (2, 500, 500)]),  # trip2: slower than trip0 -> overtaken
        ("X", [(0, 0, 0), (2, 100, 100)]),  # trip3: other stop sequence
        ("Y", [(2, 0, 0), (1, 10, 10), (3, 20, 20)]),  # trip4: other route
    ]
    tt = timetable_from_trips(trips, n_stops=5)
    validate_timetable(tt)
    assert tt.route_ids.tolist() == ["t:X", "t:Y"]
    assert tt.pattern_route.tolist() == [0, 0, 0, 1]
    # group (X, 0-1-2) sorted by first departure: trip1 (50), trip2 (60), trip0 (100);
    # trip2 doesn't overtake trip1 -> same pattern; trip0 leaves after trip2 but
    # arrives at stop 1 before it -> opens a second pattern.
    assert tt.trip_ids.tolist() == ["t:trip1", "t:trip2", "t:trip0", "t:trip3", "t:trip4"]
    assert tt.pattern_trip_ptr.tolist() == [0, 2, 3, 4, 5]
    assert tt.pattern_stop_ptr.tolist() == [0, 3, 6, 8, 11]
    assert tt.pattern_stops.tolist() == [0, 1, 2, 0, 1, 2, 0, 2, 2, 1, 3]
    assert tt.arrival_s[tt.trip_time_ptr[2] : tt.trip_time_ptr[3]].tolist() == [100, 200, 300]
    assert tt.departure_s[tt.trip_time_ptr[2] : tt.trip_time_ptr[3]].tolist() == [100, 210, 300]
    assert tt.stop_pattern_ptr.tolist() == [0, 3, 6, 10, 11, 11]
    assert tt.stop_patterns.tolist() == [0, 1, 2, 0, 1, 3, 0, 1, 2, 3, 3]
    with pytest.raises(ValueError):
        timetable_from_trips([("X", [(0, 100, 100), (1, 90, 90)])])


# --------------------------------------------------------------------------- #
# (a) the line
# --------------------------------------------------------------------------- #
# origins [n0, n3], dests [n5, n2, n3, n0]; walk 1.25 m/s, max_walk 1200 s.
# Walks: n0->s0 300 s; n0->s1 (n2) 1375 m = 1100 s; n0->n3 1900 s (> 1200);
# s3->n5 250.5 -> 250 s; s2/n3->n5 1050.5 -> 1050 s; n3->n2 800 s; n3->n0 1900 s.


def test_line_departure_0755():
    dep = H8 - 300  # 07:55:00 = 28 500
    got = tts(line_network(), dep, query=LINE_QUERY)
    # n0 -> n5: at s0 at 08:00:00 = T0's departure (boarding at equality is allowed);
    #   alight s3 08:15:00 (29 700) + egress 250 = 29 950 -> 1 450.
    #   (alighting at s2 at 29 400 + 1 050 = 30 450 is worse; walk-only 2 950 s > limit)
    # n0 -> n2: T0 arrives s1 29 100 -> 600 (walking would take 1 100).
    # n0 -> n3: T0 arrives s2 29 400, egress 0 (stop on the node) -> 900.
    # n0 -> n0: 0.
    # n3 -> n5: walk 1 050; T0 from s2 (29 400) reaches n5 at 29 950 -> 1 450; walk wins.
    # n3 -> n2: walk 1 000 m = 800 (no trip runs backwards).
    # n3 -> n3: 0.   n3 -> n0: walk 1 900 s > 1 200 and no trip -> unreachable.
    np.testing.assert_array_equal(got, [[1450, 600, 900, 0], [1050, 800, 0, NAN]])


def test_line_departure_0755_01():
    dep = H8 - 299  # one second later: at s0 at 28 801, T0 (28 800) is missed
    got = tts(line_network(), dep, origins=[0], query=LINE_QUERY)
    # n0 -> n5: T1 leaves s0 29 400, reaches s3 30 300, + 250 = 30 550 -> 2 049.
    # n0 -> n2: T1 reaches s1 at 29 700 -> 1 199, but walking takes 1 100 -> 1 100.
    # n0 -> n3: T1 reaches s2 at 30 000 -> 1 499.
    np.testing.assert_array_equal(got, [[2049, 1100, 1499, 0]])


def test_line_trip_and_walk_limits():
    dep = H8 - 300
    net = line_network()
    # max_trip_s is inclusive: 1 450 passes at 1 450, not at 1 449.
    assert tts(net, dep, [0], [5], query=LINE_QUERY, max_trip_s=1450)[0, 0] == 1450
    assert np.isnan(tts(net, dep, [0], [5], query=LINE_QUERY, max_trip_s=1449)[0, 0])
    # max_walk_s 249 forbids the 250 s egress at s3; the next best egress (s2, 1 050 s)
    # is forbidden too -> n5 unreachable. n0 -> s0 (300 s) also fails at 249, so no
    # access at all; only the 0 s walk to itself remains.
    np.testing.assert_array_equal(
        tts(net, dep, [0], query=LINE_QUERY, max_walk_s=249), [[NAN, NAN, NAN, 0]]
    )
    # max_walk_s 300 allows access (300) and the egress 250 but not n0 -> n2 on foot.
    np.testing.assert_array_equal(
        tts(net, dep + 1, [0], query=LINE_QUERY, max_walk_s=300), [[2049, 1199, 1499, 0]]
    )


def test_line_window_percentiles():
    net = line_network()
    t0 = H8 - 300  # departures 07:55, 07:56, ..., 08:04 (W = 10)
    # n0 -> n5: minute 0 catches T0 -> 1 450; minutes m = 1..9 (at s0 at 28 800 + 60m)
    #   take T1 and arrive 30 550 -> 30 550 - (28 500 + 60m) = 2 050 - 60m.
    #   sorted: 1450 1510 1570 1630 1690 1750 1810 1870 1930 1990
    # n0 -> n2: m = 0: 600 (T0); m >= 1: min(walk 1 100, T1 at s1 29 700 -> 1 200 - 60m)
    #   = 1100 1080 1020 960 900 840 780 720 660 -> sorted 600 660 ... 1080 1100
    # n3 -> n5: min(walk 1 050, T0 from s2: 29 950 - dep = 1 450 - 60m)
    #   = 1050 x7, 1030, 970, 910 -> sorted 910 970 1030 1050 ...
    per_minute = oracle_window_travel_times(
        net.tt,
        net.streets,
        net.stop_node,
        net.origins,
        net.dests,
        [t0 + 60 * m for m in range(10)],
        **LINE_QUERY,
    )
    m = np.arange(10)
    np.testing.assert_array_equal(per_minute[:, 0, 0], np.where(m == 0, 1450, 2050 - 60 * m))
    np.testing.assert_array_equal(
        per_minute[:, 0, 1], np.where(m == 0, 600, np.minimum(1100, 1200 - 60 * m))
    )
    np.testing.assert_array_equal(per_minute[:, 1, 0], np.minimum(1050, 1450 - 60 * m))
    assert np.all(np.isinf(per_minute[:, 1, 3]))

    pct = oracle_percentiles(
        net.tt,
        net.streets,
        net.stop_node,
        net.origins,
        net.dests,
        t0,
        window_min=10,
        percentiles=[10, 25, 50, 90, 100],
        **LINE_QUERY,
    )
    # nearest rank over W = 10: p10 -> idx 0, p25 -> ceil(2.5)-1 = 2, p50 -> 4, p90 -> 8, p100 -> 9
    assert sorted(pct) == [10, 25, 50, 90, 100]
    # n0 -> n3: m = 0: 900 (T0); m >= 1: T1 at s2 30 000 -> 1 500 - 60m = 1440 ... 960
    #   sorted 900 960 1020 1080 1140 1200 1260 1320 1380 1440
    # n3 -> n2, n3 -> n3, n0 -> n0 are walks (800, 0, 0) every minute; n3 -> n0 never.
    expect = {  # p: (n0->n5, n0->n2, n0->n3, n3->n5)
        10: (1450, 600, 900, 910),
        25: (1570, 720, 1020, 1030),
        50: (1690, 840, 1140, 1050),
        90: (1930, 1080, 1380, 1050),
        100: (1990, 1100, 1440, 1050),
    }
    for p, (a, b, c, d) in expect.items():
        np.testing.assert_array_equal(pct[p], [[a, b, c, 0], [d, 800, 0, NAN]])

    # With max_trip_s = 1 700, n0 -> n5 minutes with 1 750 .. 1 990 become +inf:
    # sorted 1450 1510 1570 1630 1690 inf x5 -> p50 (idx 4) = 1 690, p60 (idx 5) = NaN.
    pct = oracle_percentiles(
        net.tt,
        net.streets,
        net.stop_node,
        [0],
        [5],
        t0,
        window_min=10,
        percentiles=[50, 60],
        **{**LINE_QUERY, "max_trip_s": 1700},
    )
    assert pct[50][0, 0] == 1690 and np.isnan(pct[60][0, 0])


# --------------------------------------------------------------------------- #
# (b) the crossing lines
# --------------------------------------------------------------------------- #
# origin o; dests [b2, d, c1]. Walk 1.5 m/s: o->A0 101.5 -> 102 s; A1->B1 100 s;
# A1->b2 500 s; B1->b2 400 s; B3->d 200 s. Leave o at 07:58:18 = 28 698:
# at A0 28 800 = A's departure -> A1 at 29 400.
#   b2: egress A1->b2 500 s (<= 900) -> 29 900 -> 1 202.
#       By bus: A1->B1 100 s -> 29 500; B's 29 460 trip has left; 29 700 trip ->
#       B2 30 000 -> 1 302. Walking is faster than the bus.
#   d:  A, walk to B1, B (29 700) -> B3 30 400, + 200 -> 30 600 -> 1 902 (2 rides).
#   c1: ..., B to B2 at 30 000, 0 s transfer to C0 (other stop, same node, no min
#       transfer time), C leaves 30 000 -> C1 30 720 (egress 0) -> 2 022 (3 rides).
DEP_B = H8 - 102  # 28 698


def test_crossing_rides():
    net = crossing_network()
    np.testing.assert_array_equal(tts(net, DEP_B, query=CROSSING_QUERY), [[1202, 1902, 2022]])
    # max_rides 2: c1 needs A + B + C; A then a 500 s walk to C0 is over the 300 s
    # transfer limit -> unreachable. max_rides 1: only A, then walk: d unreachable too.
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_rides=2), [[1202, 1902, NAN]]
    )
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_rides=1), [[1202, NAN, NAN]]
    )


def test_crossing_transfer_limit_is_per_leg():
    net = crossing_network()
    # max_transfer_walk_s 99 < the 100 s A1->B1 walk: no transfer -> d, c1 unreachable.
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_transfer_walk_s=99), [[1202, NAN, NAN]]
    )
    # max_rides 2 and max_transfer_walk_s 400: A1->B1 (100) and B1->C0 (400) are each
    # allowed, but they can't be chained; the single leg A1->C0 is 500 s -> c1 unreachable.
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_rides=2, max_transfer_walk_s=400),
        [[1202, 1902, NAN]],
    )
    # With max_transfer_walk_s 500 that single leg is allowed: at C0 at 29 900,
    # C leaves 30 000 -> C1 30 720 -> 2 022 with two rides.
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_rides=2, max_transfer_walk_s=500),
        [[1202, 1902, 2022]],
    )


def test_crossing_egress_limit_and_no_transfer_then_egress():
    net = crossing_network()
    # max_walk_s 499: the 500 s egress A1->b2 is not allowed, and neither is chaining
    # transfer A1->B1 (100) + egress B1->b2 (400). So b2 is by bus: 1 302.
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_walk_s=499), [[1302, 1902, 2022]]
    )


def test_crossing_no_access_then_transfer():
    net = crossing_network()
    # From b1 (node 5) at 08:10:00 (29 400) to c1, one ride allowed.
    # C0 is 400 s away on foot: with max_walk_s 399 it can't be the access leg, and
    # access to B1 (0 s) + transfer B1->C0 (400 s <= 400) is a forbidden chain;
    # B then C would be 2 rides. -> unreachable.
    q = {**CROSSING_QUERY, "max_rides": 1, "max_transfer_walk_s": 400}
    assert np.isnan(tts(net, 29400, [5], [9], query=q, max_walk_s=399)[0, 0])
    # With max_walk_s 400: at C0 29 800, C leaves 30 000, C1 30 720 -> 1 320.
    assert tts(net, 29400, [5], [9], query=q, max_walk_s=400)[0, 0] == 1320


def test_crossing_missed_by_one_second():
    # Leave at 28 699: at A0 at 28 801, the 08:00 A is gone; the 09:00 A reaches A1 at
    # 33 000, + 500 -> 33 500 -> 4 801 to b2. No B or C trip runs that late.
    net = crossing_network()
    np.testing.assert_array_equal(tts(net, DEP_B + 1, query=CROSSING_QUERY), [[4801, NAN, NAN]])


def test_crossing_trip_limit():
    net = crossing_network()
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_trip_s=1902), [[1202, 1902, NAN]]
    )
    np.testing.assert_array_equal(
        tts(net, DEP_B, query=CROSSING_QUERY, max_trip_s=1901), [[1202, NAN, NAN]]
    )


def test_crossing_journey_explained():
    net = crossing_network()
    legs = oracle_journey(net.tt, net.streets, net.stop_node, 0, 9, DEP_B, **CROSSING_QUERY)
    kinds = [leg[0] for leg in legs]
    assert kinds == ["access", "ride", "transfer", "ride", "transfer", "ride", "egress"]
    assert legs[4] == ("transfer", 5, 7, 0.0)  # B2 -> C0, same street node
    assert (
        oracle_journey(
            net.tt, net.streets, net.stop_node, 0, 9, DEP_B, **{**CROSSING_QUERY, "max_rides": 2}
        )
        is None
    )
    assert oracle_journey(net.tt, net.streets, net.stop_node, 0, 0, DEP_B, **CROSSING_QUERY) == [
        ("walk", 0.0)
    ]


# --------------------------------------------------------------------------- #
# (c) overtaking
# --------------------------------------------------------------------------- #


def test_overtaking_patterns_split():
    net = overtaking_network()
    tt = net.tt
    assert tt.n_patterns == 2 and tt.pattern_route.tolist() == [0, 0]
    assert tt.trip_ids.tolist() == ["t:local1", "t:local2", "t:express"]
    assert tt.pattern_trip_ptr.tolist() == [0, 2, 3]


def test_overtaking_travel_times():
    net = overtaking_network()
    # Leave s0 at 07:58:20 (28 700): local1 (28 800) reaches s1 first, 29 100 -> 400;
    # the express (leaves 29 000) reaches s2 29 450 -> 750 and s3 29 650 -> 950,
    # ahead of local1 (29 700, 30 000) although it left later.
    np.testing.assert_array_equal(tts(net, H8 - 100, query=OVERTAKING_QUERY), [[400, 750, 950]])
    # Leave 28 900: local1 is gone; express: s1 29 250 (350), s2 550, s3 750.
    np.testing.assert_array_equal(tts(net, H8 + 100, query=OVERTAKING_QUERY), [[350, 550, 750]])
    # Leave 29 100: only local2 (29 400): s1 29 700 (600), s2 30 300 (1 200), s3 1 500.
    np.testing.assert_array_equal(tts(net, H8 + 300, query=OVERTAKING_QUERY), [[600, 1200, 1500]])


def test_oracle_does_not_rely_on_non_overtaking():
    # Merge the two patterns of (c) into one whose trips overtake (this breaks the
    # Timetable contract on purpose): the oracle tries every trip, so nothing changes.
    net = overtaking_network()
    one = np.zeros(1, np.int32)
    merged = dataclasses.replace(
        net.tt,
        pattern_route=one,
        pattern_stop_ptr=np.array([0, 4], np.int32),
        pattern_stops=np.arange(4, dtype=np.int32),
        pattern_trip_ptr=np.array([0, 3], np.int32),  # local1, local2, express
        stop_pattern_ptr=np.arange(5, dtype=np.int32),
        stop_patterns=np.zeros(4, np.int32),
    )
    with pytest.raises(AssertionError, match="overtakes"):
        validate_timetable(merged)
    got = tts(net._replace(tt=merged), H8 - 100, query=OVERTAKING_QUERY)
    np.testing.assert_array_equal(got, [[400, 750, 950]])


# --------------------------------------------------------------------------- #
# Unsnapped stops
# --------------------------------------------------------------------------- #


def test_unsnapped_stop_semantics():
    # nodes 0 - 1 - 2 - 3 (1000 m each, 1 m/s); stops s0@0, s1 unsnapped, s2@2, s3@3.
    # X: s0 -> s1 -> s2 ; Y: s1 -> s3.
    streets = street_network_from_edges(4, [(0, 1, 1000.0), (1, 2, 1000.0), (2, 3, 1000.0)])
    tt = timetable_from_trips(
        [
            ("X", [(0, 100, 100), (1, 200, 200), (2, 300, 300)]),
            ("Y", [(1, 250, 250), (3, 400, 400)]),
        ]
    )
    q = dict(
        walk_speed_m_s=1.0, max_walk_s=100, max_transfer_walk_s=100, max_rides=2, max_trip_s=3600
    )
    args = (tt, streets, [0, -1, 2, 3], [0], [2, 3], 0)
    # Riding through s1 is fine (-> s2 at 300); changing at s1 is not, by default.
    np.testing.assert_array_equal(oracle_travel_times(*args, **q), [[300, NAN]])
    np.testing.assert_array_equal(
        oracle_travel_times(*args, **q, unsnapped_transfers=True), [[300, 400]]
    )


# --------------------------------------------------------------------------- #
# Random networks: the oracle against plain journey enumeration, and properties
# --------------------------------------------------------------------------- #


def enumerate_travel_times(
    tt,
    streets,
    stop_node,
    origins,
    dests,
    dep,
    *,
    walk_speed_m_s,
    max_walk_s,
    max_transfer_walk_s,
    max_rides,
    max_trip_s,
):
    """Every journey, literally: all sequences of (trip, board pos, alight pos) rides.

    Distances from scipy (all pairs), no dominance pruning except memoising the
    identical (alight stop, time, rides) situation.
    """
    n = streets.n_nodes
    dense = np.full((n, n), np.inf)
    for u in range(n):
        for e in range(streets.indptr[u], streets.indptr[u + 1]):
            v = streets.indices[e]
            dense[u, v] = min(dense[u, v], streets.length_m[e])
    dist = dijkstra(csgraph_from_dense(dense, null_value=np.inf), directed=False)

    def walk(u, v):
        return int(np.rint(dist[u, v] / walk_speed_m_s))

    rides = []  # (board stop, board time, alight stop, alight time)
    for p in range(tt.n_patterns):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p] : tt.pattern_stop_ptr[p + 1]]
        for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
            b = tt.trip_time_ptr[t]
            for i in range(len(stops)):
                for j in range(i + 1, len(stops)):
                    if stop_node[stops[i]] >= 0 and stop_node[stops[j]] >= 0:
                        rides.append(
                            (
                                int(stops[i]),
                                int(tt.departure_s[b + i]),
                                int(stops[j]),
                                int(tt.arrival_s[b + j]),
                            )
                        )

    def after_alight(stop, t, k, best, seen):
        """Alighted at ``stop`` at ``t`` after ``k`` rides: egress, or transfer and ride on."""
        if (stop, t, k) in seen:
            return
        seen.add((stop, t, k))
        for di, d in enumerate(dests):
            w = walk(stop_node[stop], d)
            if w <= max_walk_s:
                best[di] = min(best[di], t + w)
        if k == max_rides:
            return
        for bs, bt, as_, at in rides:
            w = 0 if bs == stop else walk(stop_node[stop], stop_node[bs])
            if w <= max_transfer_walk_s and t + w <= bt:
                after_alight(as_, at, k + 1, best, seen)

    out = np.full((len(origins), len(dests)), np.nan)
    for oi, o in enumerate(origins):
        best = np.full(len(dests), np.inf)
        for di, d in enumerate(dests):
            if walk(o, d) <= max_walk_s:
                best[di] = dep + walk(o, d)
        seen = set()
        for bs, bt, as_, at in rides:
            if walk(o, stop_node[bs]) <= max_walk_s and dep + walk(o, stop_node[bs]) <= bt:
                after_alight(as_, at, 1, best, seen)
        best[best - dep > max_trip_s] = np.inf
        out[oi] = np.where(np.isinf(best), np.nan, best - dep)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_oracle_matches_enumeration(seed):
    net = random_network(seed, n_trips=10, n_origins=3)
    for dep, max_rides, max_trip_s in ((25500, 2, 5400), (26700, 3, 1800), (27300, 1, 5400)):
        q = {**RANDOM_QUERY, "max_rides": max_rides, "max_trip_s": max_trip_s}
        expected = enumerate_travel_times(
            net.tt, net.streets, net.stop_node, net.origins, net.dests, dep, **q
        )
        got = tts(net, dep, query=q)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(4))
def test_random_properties(seed):
    net = random_network(seed)
    q = {**RANDOM_QUERY, "max_trip_s": 10**6}

    def arrive(dep, **kw):
        x = tts(net, dep, query={**q, **kw})
        return np.where(np.isnan(x), np.inf, x + dep)

    base = arrive(26000)
    # more allowance never hurts
    assert np.all(arrive(26000, max_rides=1) >= arrive(26000, max_rides=2))
    assert np.all(arrive(26000, max_rides=2) >= base)
    assert np.all(arrive(26000, max_rides=4) <= base)
    assert np.all(arrive(26000, max_walk_s=400) >= base)
    assert np.all(arrive(26000, max_transfer_walk_s=100) >= base)
    # FIFO: leaving later never arrives earlier
    prev = arrive(25800)
    for dep in (25860, 25920, 26100, 27000):
        cur = arrive(dep)
        assert np.all(cur >= prev)
        prev = cur
    # origin == dest -> 0
    tt0 = tts(net, 26000, dests=net.origins, query=q)
    np.testing.assert_array_equal(np.diag(tt0), 0)


def test_random_percentiles_match_per_minute():
    net = random_network(3)
    t0, w = 25800, 7
    per_minute = oracle_window_travel_times(
        net.tt,
        net.streets,
        net.stop_node,
        net.origins,
        net.dests,
        [t0 + 60 * m for m in range(w)],
        **RANDOM_QUERY,
    )
    pct = oracle_percentiles(
        net.tt,
        net.streets,
        net.stop_node,
        net.origins,
        net.dests,
        t0,
        window_min=w,
        percentiles=[5, 50, 95],
        **RANDOM_QUERY,
    )
    for p, k in ((5, 0), (50, 3), (95, 6)):  # ceil(.35)-1=0, ceil(3.5)-1=3, ceil(6.65)-1=6
        expect = np.sort(per_minute, axis=0)[k]
        np.testing.assert_array_equal(pct[p], np.where(np.isinf(expect), np.nan, expect))
