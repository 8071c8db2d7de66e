"""The range-RAPTOR engine against the brute-force oracle, and its invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _raptor_compare import assert_same, run_engine, run_oracle
from _tiny_networks import (
    CROSSING_QUERY,
    LINE_QUERY,
    OVERTAKING_QUERY,
    RANDOM_QUERY,
    Network,
    crossing_network,
    line_network,
    overtaking_network,
    random_network,
    random_placed_network,
    street_network_from_edges,
    timetable_from_trips,
)

from routes.engine import _raptor_kernels, raptor
from routes.engine.raptor import percentile_ranks
from routes.streets.walking import WalkLegs, invert_legs

HAND_MADE = [
    pytest.param(line_network, LINE_QUERY, id="line"),
    pytest.param(crossing_network, CROSSING_QUERY, id="crossing"),
    pytest.param(overtaking_network, OVERTAKING_QUERY, id="overtaking"),
]


#: No slack with every transfer walk; R5's slack with its closest-stop-per-pattern rule.
CONVENTION_CASES = [
    pytest.param(dict(board_slack_s=0, transfers="all"), id="slack0-all"),
    pytest.param(dict(board_slack_s=60, transfers="closest_per_pattern"), id="r5"),
]


@pytest.mark.parametrize(("build", "query"), HAND_MADE)
@pytest.mark.parametrize("dep_s", [28_500, 28_501, 28_698, 28_900, 29_100])
@pytest.mark.parametrize(("window_min", "percentiles"), [(1, (50,)), (25, (5, 50, 95))])
@pytest.mark.parametrize("conventions", CONVENTION_CASES)
def test_hand_made_networks_equal_oracle(build, query, dep_s, window_min, percentiles,
                                         conventions):
    net = build()
    assert_same(run_engine(net, query, dep_s, window_min, percentiles, **conventions),
                 run_oracle(net, query, dep_s, window_min, percentiles, **conventions))


@pytest.mark.parametrize(("dep_s", "slack_s", "to_n5_s", "to_n2_s"), [
    # Walk n0 -> s0 300 s; T0 leaves s0 08:00:00 (28,800), T1 08:10:00; s3 -> n5 250 s
    # (250.5 rounded half to even); n0 -> n2 on foot 1,100 s (1,375 m at 1.25 m/s).
    # At s0 08:00:00: T0 leaves 0 s later, not *more* than the slack: T1, s3 at 08:25:00,
    # n5 at 08:29:10 = 2,050 s; n2 (s1) by T1 at 08:15:00 is 1,200 s, on foot 1,100 s.
    (28_500, 0, 2_050, 1_100),
    (28_500, 60, 2_050, 1_100),
    # At s0 07:58:59: T0 leaves 61 s later (> 60): s3 08:15:00, n5 at 08:19:10 = 1,511 s;
    # n2 (s1) at 08:05:00 = 661 s.
    (28_439, 60, 1_511, 661),
    # At s0 07:59:00: T0 leaves exactly 60 s later, not more: T1, n5 at 08:29:10 = 2,110 s.
    (28_440, 60, 2_110, 1_100),
    # Without slack T0 is caught from 07:59:59 at s0 (it leaves 1 s later).
    (28_499, 0, 1_451, 601),
])
def test_line_network_board_slack_hand_derived(dep_s, slack_s, to_n5_s, to_n2_s):
    seconds = run_engine(line_network(), LINE_QUERY, dep_s, 1, (50,), board_slack_s=slack_s)
    assert seconds[0, 0, 0] == to_n5_s
    assert seconds[0, 0, 1] == to_n2_s
    assert_same(seconds, run_oracle(line_network(), LINE_QUERY, dep_s, 1, (50,),
                                  board_slack_s=slack_s))


def _connection_network(second_leg: tuple[int, int] | None,
                        walk_leg: tuple[int, int] | None) -> Network:
    """A ride A -> B, then on from B (same stop) or from C (a 150-m walk) to D.

    ::

        A (n0) ----5000 m---- B (n1) --150 m-- C (n2) ----5000 m---- D (n3)

    Walk speed 1 m/s, walks of at most 600 s (transfers 300 s), so D is reached
    only by transit. X: A 07:00:00 -> B 07:10:00. W: B 07:30:00 -> D 07:50:00
    (the fall-back). ``second_leg = (leave B, reach D)``, ``walk_leg = (leave C,
    reach D)``. The origin is at A (no access walk); the destination at D.
    """
    h7 = 7 * 3600
    streets = street_network_from_edges(
        4, [(0, 1, 5000.0), (1, 2, 150.0), (2, 3, 5000.0)],
        xy=[(0, 0), (5000, 0), (5150, 0), (10_150, 0)],
    )
    trips = [("X", [(0, h7, h7), (1, h7 + 600, h7 + 600)]),
             ("W", [(1, h7 + 1800, h7 + 1800), (3, h7 + 3000, h7 + 3000)])]
    if second_leg is not None:
        trips.append(("Y", [(1, second_leg[0], second_leg[0]), (3, second_leg[1], second_leg[1])]))
    if walk_leg is not None:
        trips.append(("Z", [(2, walk_leg[0], walk_leg[0]), (3, walk_leg[1], walk_leg[1])]))
    tt = timetable_from_trips(trips, n_stops=4)
    node = np.arange(4, dtype=np.int32)
    return Network(tt, streets, node, np.asarray([0], np.int32), np.asarray([3], np.int32))


CONNECTION_QUERY = dict(walk_speed_m_s=1.0, max_walk_s=600, max_transfer_walk_s=300,
                        max_rides=3, max_trip_s=7200)
H7 = 7 * 3600


@pytest.mark.parametrize(("slack_s", "second_leg", "walk_leg", "expected_s"), [
    # Leaving A at 06:58:00 (X leaves 120 s later). Alighting at B at 07:10:00:
    # same stop, the next trip must leave more than 60 s later.
    (60, (H7 + 660, H7 + 1860), None, 3120),  # 07:11:00 missed: W, D at 07:50:00
    (60, (H7 + 661, H7 + 1861), None, 1981),  # 07:11:01 made: D at 07:31:01
    (0, (H7 + 600, H7 + 1800), None, 3120),  # no slack: 07:10:00 still missed (not later)
    (0, (H7 + 601, H7 + 1801), None, 1921),  # 07:10:01 made: D at 07:30:01
    # Walking B -> C (150 s), at C at 07:12:30.
    (60, None, (H7 + 810, H7 + 2010), 3120),  # 07:13:30 missed
    (60, None, (H7 + 811, H7 + 2011), 2131),  # 07:13:31 made: D at 07:33:31
])
def test_boarding_slack_after_alighting_and_after_a_transfer_walk(slack_s, second_leg, walk_leg,
                                                                 expected_s):
    net = _connection_network(second_leg, walk_leg)
    ours = run_engine(net, CONNECTION_QUERY, H7 - 120, 1, (50,), board_slack_s=slack_s)
    assert ours[0, 0, 0] == expected_s
    assert_same(ours, run_oracle(net, CONNECTION_QUERY, H7 - 120, 1, (50,),
                                 board_slack_s=slack_s))


# --------------------------------------------------------------------------- pickup, drop-off


def test_drop_off_type_1_forces_alighting_elsewhere():
    # The line network leaving n0 at 28,439 (07:53:59): at s0 07:58:59, T0 (08:00:00).
    # T0 reaches s2 (n3) at 08:10:00 = 961 s. With no drop-off at s2 the best is to
    # alight at s1 (n2) at 08:05:00 and walk 1,000 m (800 s): 29,900 - 28,439 = 1,461 s
    # (alighting at s3 at 08:15:00 and walking back is 2,061 s); n5 is unchanged.
    net = line_network()
    assert run_engine(net, LINE_QUERY, 28_439, 1, (50,))[0, 0, 2] == 961
    blocked = net._replace(tt=dataclasses.replace(
        net.tt, pattern_drop_off_type=np.array([0, 0, 1, 0], np.uint8)))
    ours = run_engine(blocked, LINE_QUERY, 28_439, 1, (50,))
    assert ours[0, 0, 2] == 1_461 and ours[0, 0, 0] == 1_511
    assert_same(ours, run_oracle(blocked, LINE_QUERY, 28_439, 1, (50,)))


def _with_random_types(net: Network, seed: int) -> Network:
    """Pickup and drop-off types drawn per pattern stop: 1 (none) one time in four."""
    rng = np.random.default_rng(seed)
    n = len(net.tt.pattern_stops)
    types = [rng.choice([0, 1, 2, 3], size=n, p=[0.45, 0.25, 0.15, 0.15]).astype(np.uint8)
             for _ in range(2)]
    return net._replace(tt=dataclasses.replace(net.tt, pattern_pickup_type=types[0],
                                               pattern_drop_off_type=types[1]))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("conventions", CONVENTION_CASES)
def test_random_pickup_and_drop_off_types_equal_oracle(seed, conventions):
    net = _with_random_types(random_network(seed), seed)
    pcts = (5, 50, 95)
    assert_same(run_engine(net, RANDOM_QUERY, 7 * 3600, 30, pcts, **conventions),
                run_oracle(net, RANDOM_QUERY, 7 * 3600, 30, pcts, **conventions))


def _trips(tt) -> list:
    out = []
    for p in range(tt.n_patterns):
        stops = tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]]
        for t in range(tt.pattern_trip_ptr[p], tt.pattern_trip_ptr[p + 1]):
            a = tt.arrival_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
            d = tt.departure_s[tt.trip_time_ptr[t]:tt.trip_time_ptr[t + 1]]
            out.append((int(tt.pattern_route[p]), list(zip(stops.tolist(), a.tolist(),
                                                            d.tolist(), strict=True))))
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("placed", [False, True])
@pytest.mark.parametrize("conventions", CONVENTION_CASES)
def test_a_trip_nobody_may_board_changes_nothing(seed, placed, conventions):
    """Acceptance (#17): a trip whose every stop is pickup_type 1 gives exactly the
    travel times of the same timetable without it (and the oracle agrees).

    (Boardable, the same trip changes some travel time in 11 of these 12 networks.)
    """
    net = random_placed_network(seed) if placed else random_network(seed)
    rng = np.random.default_rng(seed)
    trips = _trips(net.tt)
    _, calls = trips[rng.integers(len(trips))]
    shift = int(rng.integers(-600, 600))
    ghost = ("ghost", [(s, a + shift, d + shift) for s, a, d in calls])
    tt = timetable_from_trips([*trips, ghost], n_stops=net.tt.n_stops)
    ghost_pattern = int(np.flatnonzero(tt.route_ids == "t:ghost")[0])
    (p,) = np.flatnonzero(tt.pattern_route == ghost_pattern)
    pickup = np.zeros(len(tt.pattern_stops), np.uint8)
    pickup[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]] = 1
    with_ghost = net._replace(tt=dataclasses.replace(tt, pattern_pickup_type=pickup))
    pcts = (5, 50, 95)
    before = run_engine(net, RANDOM_QUERY, 7 * 3600, 45, pcts, **conventions)
    after = run_engine(with_ghost, RANDOM_QUERY, 7 * 3600, 45, pcts, **conventions)
    assert_same(after, before)
    assert_same(after, run_oracle(with_ghost, RANDOM_QUERY, 7 * 3600, 45, pcts, **conventions))


# --------------------------------------------------------------------------- transfers


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("transfers", ["closest_per_pattern", "all"])
def test_r5_transfer_rule_equals_oracle(seed, transfers):
    # Walks of up to 900 s at 1.3 m/s (1,170 m): R5's 1,000-m cap on transfers binds.
    net = random_network(seed, n_nodes=49)
    query = {**RANDOM_QUERY, "max_walk_s": 900, "max_transfer_walk_s": None}
    pcts = (5, 50, 95)
    assert_same(run_engine(net, query, 7 * 3600, 30, pcts, transfers=transfers),
                run_oracle(net, query, 7 * 3600, 30, pcts, transfers=transfers))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("max_rides", [1, 2, 3])
@pytest.mark.parametrize("conventions", CONVENTION_CASES)
def test_random_networks_window_equal_oracle(seed, max_rides, conventions):
    net = random_network(seed)
    pcts = (5, 25, 50, 75, 95)
    assert_same(run_engine(net, RANDOM_QUERY, 7 * 3600, 45, pcts, max_rides=max_rides,
                         **conventions),
                 run_oracle(net, RANDOM_QUERY, 7 * 3600, 45, pcts, max_rides=max_rides,
                         **conventions))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("max_rides", [1, 3])
def test_random_networks_with_placed_points_equal_oracle(seed, max_rides):
    # Stops and points off the nodes: mid-segment, near and beyond segment ends, on
    # nodes, out of reach; several on one segment. The oracle links them with its own
    # brute-force projection and walks on the street graph with them inserted.
    net = random_placed_network(seed)
    pcts = (5, 50, 95)
    assert_same(run_engine(net, RANDOM_QUERY, 7 * 3600, 30, pcts, max_rides=max_rides),
                 run_oracle(net, RANDOM_QUERY, 7 * 3600, 30, pcts, max_rides=max_rides))


@pytest.mark.parametrize("seed", range(100, 106))
def test_larger_random_networks_with_unsnapped_stops_equal_oracle(seed):
    net = random_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_unsnapped=2, n_origins=6)
    assert_same(run_engine(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95)),
                 run_oracle(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("placed", [False, True])
def test_same_results_with_one_or_two_threads_and_on_repeat(seed, placed):
    net = (random_placed_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_origins=40)
           if placed else random_network(seed, n_nodes=60, n_patterns=8, n_trips=40,
                                         n_origins=40))
    one = run_engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=1)
    two = run_engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=2)
    again = run_engine(net, RANDOM_QUERY, 7 * 3600, 30, (50,), n_threads=2)
    assert_same(one, two)
    assert_same(two, again)


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
    before = run_engine(net, RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95))
    after = run_engine(net._replace(tt=more), RANDOM_QUERY, 7 * 3600, 60, (5, 50, 95))
    became_unreachable = np.isnan(after) & ~np.isnan(before)
    assert not became_unreachable.any()
    both = ~np.isnan(before) & ~np.isnan(after)
    assert (after[both] <= before[both]).all()


def _tied_departures_network() -> Network:
    """Two trips of one pattern leave stop s1 at the same second; the earlier one is faster after.

    ::

        s0 (n1) --180 m-- o (n0) --480 m-- s1 (n2) ---------5000 m--------- s2 (n3)

    Walk speed 1 m/s, boarding slack 60 s. Trip K: s0 08:00, s1 08:10, s2 08:20.
    Trip D: s0 08:05, s1 08:10, s2 08:30 (D never overtakes K, so one pattern,
    K first). Leaving o at 08:00: at s0 at 08:03 (only D, leaving 120 s later,
    is catchable there) and at s1 at 08:08, where K, leaving 120 s later, is
    catchable too: s2 (the destination's node) at 08:20, i.e. 1,200 s, not D's
    1,800 s.
    """
    h8 = 8 * 3600
    streets = street_network_from_edges(
        4, [(0, 1, 180.0), (0, 2, 480.0), (2, 3, 5000.0)],
        xy=[(0, 0), (-180, 0), (480, 0), (5480, 0)],
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
    ours = run_engine(net, TIED_QUERY, 8 * 3600, 1, (50,))
    assert ours[0, 0, 0] == 1200
    assert_same(ours, run_oracle(net, TIED_QUERY, 8 * 3600, 1, (50,)))


@pytest.mark.parametrize("seed", range(3))
def test_wide_leg_dtypes_give_the_same_results(seed, monkeypatch):
    # The wrapper passes uint16 legs when they fit; force the int32 specialisation.
    net = random_network(seed, n_nodes=60, n_patterns=8, n_trips=40, n_origins=10)
    narrow = run_engine(net, RANDOM_QUERY, 7 * 3600, 30, (5, 50, 95))
    monkeypatch.setattr(raptor, "smallest_uint", lambda values, bound: values.astype(np.int32))
    assert_same(run_engine(net, RANDOM_QUERY, 7 * 3600, 30, (5, 50, 95)), narrow)


def test_zero_rides_gives_walk_only_times():
    # Walks from the diagram of line_network: n0-n2 1,100 s, n3-n5 1,050 s, n3-n2
    # 800 s; n0-n3 (1,900 s) and n0-n5 exceed the 1,200 s walking limit.
    seconds = run_engine(line_network(), LINE_QUERY, 28_500, 3, (50,), max_rides=0)
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
