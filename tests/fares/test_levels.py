"""Fare levels and the one-operator table (routes/fares/levels.py), against brute force.

The fare of the fastest journey and "needs two operators" are read from the
fare engine's answers for a list of budgets (routes/access/fare_fastest.py).
Here they are checked against an independent answer: every journey of a tiny
random network is enumerated (``enumerate_journeys``, no state merging) and
priced by ``journey_fare`` (brute force over every use-or-buy choice); the
fastest fare of a destination is the cheapest fare among the journeys arriving
at the earliest time (walking only: 0), and a destination needs two operators
when no journey whose rides are all of one group arrives that early.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _fare_compare import random_fares, run_fare_engine
from _fare_hand import CHAIN_QUERY, DEP, chain, fares_by_route, ride
from _fare_oracle import _query, enumerate_journeys, journey_fare
from _raptor_compare import _oracle_query
from _raptor_compare import _query as with_conventions
from _tiny_networks import RANDOM_T_START, random_network

from routes.access.fare_fastest import fastest_fare_of_pairs
from routes.engine.fare_raptor import UNLIMITED_BUDGET
from routes.fares.compiled import CompiledFares
from routes.fares.levels import fare_levels, one_operator_fares, operators_running

QUERY = dict(walk_speed_m_s=1.25, max_walk_s=300, max_transfer_walk_s=None, max_rides=3,
             max_trip_s=3600)
LIMIT = 600


def _brute_force(net: object, fares: CompiledFares, dep: int, limit: int,
                 query: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per destination: fastest fare (inf above ``limit``, NaN unreached), needs two, time."""
    tt, streets, stop_node, origins, dests = net  # type: ignore[misc]
    q_args = _oracle_query(with_conventions(query, {}))
    q = _query(tt, streets, stop_node, origins, dests, q_args)
    best = (dep + q.walks.direct[0]).astype(float)
    cheapest = np.where(np.isfinite(best), 0.0, math.inf)
    one_group = best.copy()
    for last_stop, rides, arrival in enumerate_journeys(tt, streets, stop_node,
                                                        int(origins[0]), dep, **q_args):
        at = arrival + q.walks.egress[last_stop]
        fare = journey_fare(rides, fares)
        groups = {int(fares.pattern_group[p]) for p, _ in rides}
        faster = at < best
        tie = at == best
        cheapest = np.where(faster, fare, np.where(tie, np.minimum(cheapest, fare), cheapest))
        best = np.minimum(best, at)
        if len(groups) == 1:
            one_group = np.minimum(one_group, at)
    reached = (best - dep) <= q.max_trip_s
    fastest = np.where(reached, np.where(cheapest > limit, math.inf, cheapest), np.nan)
    two = reached & (one_group > best)
    return fastest, two, np.where(reached, best - dep, np.nan)


def _case(seed: int, family: str) -> tuple[object, CompiledFares, int, dict]:
    """A tiny random network, fare table, departure and query.

    ``random``: :func:`random_fares` (1-3 groups, prices 0-300, changes,
    windows, caps, a regime). ``two_groups``: every pattern in group 0 or 1 at
    200 or 300, free changes within group 0 and 50 p within group 1 for 15
    minutes, none between the groups, group 1 capped at 350; shorter walks, so
    that fastest journeys change buses, and operators.
    """
    rng = np.random.default_rng(100 + seed)
    if family == "random":
        net = random_network(seed, n_nodes=12, n_patterns=4, n_trips=10, n_origins=1)
        fares = random_fares(rng, net.tt.n_patterns, regime_s=RANDOM_T_START + 1800)
        query = QUERY
    else:
        net = random_network(seed, n_nodes=12, n_patterns=4, n_trips=16, n_origins=1)
        n = net.tt.n_patterns
        fares = CompiledFares(
            pattern_group=rng.integers(0, 2, size=n).astype(np.int16),
            pattern_price=rng.choice([200, 300], size=(n, 1)).astype(np.int32),
            regime_bounds_s=np.zeros(0, np.int32),
            transfer_price=np.array([[0, -1], [-1, 50]], np.int32),
            transfer_counts=np.ones((2, 2), np.bool_), group_window_s=np.full(2, 900, np.int32),
            group_max_transfers=np.ones(2, np.int16), group_day_cap=np.array([-1, 350], np.int32))
        query = dict(QUERY, max_walk_s=150)
    dep = RANDOM_T_START + int(rng.integers(0, 1200))
    return net, fares, dep, query


CASES = [(seed, family) for family in ("random", "two_groups") for seed in range(6)]


@pytest.mark.parametrize(("seed", "family"), CASES)
def test_the_fastest_fare_and_two_operators_match_enumeration(seed: int, family: str) -> None:
    net, fares, dep, query = _case(seed, family)
    expected, two, seconds = _brute_force(net, fares, dep, LIMIT, query)
    levels = fare_levels(fares, query["max_rides"], LIMIT, required_minor=(300,))
    assert levels.step_minor == 0 and 300 in levels.levels_minor
    budgets = [*levels.levels_minor, UNLIMITED_BUDGET]
    times = run_fare_engine(net, query, dep, 1, (50,), fares, budgets)[0, :, 0, :]
    np.testing.assert_array_equal(times[-1], seconds)  # the unlimited time is the fastest
    got = fastest_fare_of_pairs(np.asarray(budgets), times)
    np.testing.assert_array_equal(got, expected)
    one = run_fare_engine(net, query, dep, 1, (50,), one_operator_fares(fares), [1])[0, 0, 0]
    reached = ~np.isnan(seconds)
    np.testing.assert_array_equal(reached & ~(one == seconds), two)


def test_enumeration_finds_dear_fastest_journeys_and_two_operators() -> None:
    """The cases above are not vacuous: some fastest fares are over 300, some need two."""
    dear = needs_two = 0
    for seed, family in CASES:
        net, fares, dep, query = _case(seed, family)
        fastest, two, _ = _brute_force(net, fares, dep, LIMIT, query)
        dear += int((fastest > 300).sum())
        needs_two += int(two.sum())
    assert dear > 0 and needs_two > 0


@pytest.mark.parametrize(("seed", "family"), CASES[::3])
def test_rounded_levels_round_the_fastest_fare_up(seed: int, family: str) -> None:
    net, fares, dep, query = _case(seed, family)
    expected, _, _ = _brute_force(net, fares, dep, LIMIT, query)
    levels = fare_levels(fares, query["max_rides"], LIMIT, required_minor=(300,), max_levels=5)
    assert levels.step_minor > 0 and len(levels.levels_minor) <= 5
    budgets = [*levels.levels_minor, UNLIMITED_BUDGET]
    times = run_fare_engine(net, query, dep, 1, (50,), fares, budgets)[0, :, 0, :]
    got = fastest_fare_of_pairs(np.asarray(budgets), times)
    grid = np.asarray(levels.levels_minor, float)
    for fare, ours in zip(expected, got, strict=True):
        if math.isnan(fare) or math.isinf(fare):
            assert (math.isnan(fare) and math.isnan(ours)) or ours == fare
        else:  # the smallest level at or above the fare
            assert ours == grid[np.searchsorted(grid, fare)]


def test_levels_of_a_hand_table() -> None:
    # Singles 120 and 250, a change for 30, a cap of 400, two rides, limit 600:
    # 0; 30, 120, 250, 400 (one term); 60, 150, 240, 280, 370, 430, 500, 520
    # (two terms); 400 + anything is over 400 only with another term.
    fares = CompiledFares(
        pattern_group=np.zeros(2, np.int16), pattern_price=np.array([[120], [250]], np.int32),
        regime_bounds_s=np.zeros(0, np.int32), transfer_price=np.full((1, 1), 30, np.int32),
        transfer_counts=np.ones((1, 1), np.bool_), group_window_s=np.full(1, 900, np.int32),
        group_max_transfers=np.ones(1, np.int16), group_day_cap=np.full(1, 400, np.int32))
    levels = fare_levels(fares, max_rides=2, limit_minor=600, required_minor=(300, 700))
    expected = {0, 30, 120, 250, 400, 60, 150, 280, 240, 370, 500, 430, 520, 650, 800}
    expected = {v for v in expected if v <= 600} | {300, 600}
    assert levels.levels_minor == tuple(sorted(expected))
    assert levels.step_minor == 0
    assert fare_levels(fares, max_rides=0, limit_minor=600).levels_minor == (0, 600)


def test_one_operator_table_on_a_hand_chain() -> None:
    # A s0->s1 08:00->08:10 (group 0), B s1->s2 08:15->08:25 (group 1), C s0->s2
    # 08:00->08:50 (group 0). Fastest to s2: A+B at 08:25 (1,560 s from 07:59),
    # two groups; on one operator: C at 08:50 (3,060 s).
    net = chain([ride("A", 0, 1, 8 * 3600, 8 * 3600 + 600),
                 ride("B", 1, 2, 8 * 3600 + 900, 8 * 3600 + 1500),
                 ride("C", 0, 2, 8 * 3600, 8 * 3600 + 3000)], 3)
    fares = fares_by_route(net, {"A": 0, "B": 1, "C": 0}, {"A": [300], "B": [0], "C": [300]},
                           n_groups=2)
    assert operators_running(fares) == 2
    one = one_operator_fares(fares)
    assert one.pattern_price.tolist() == [[1]] * 3
    fast = run_fare_engine(net, CHAIN_QUERY, DEP, 1, (50,), fares, [UNLIMITED_BUDGET])
    single = run_fare_engine(net, CHAIN_QUERY, DEP, 1, (50,), one, [1])
    assert fast[0, 0, 0, 2] == 1560 and single[0, 0, 0, 2] == 3060
    assert fast[0, 0, 0, 1] == single[0, 0, 0, 1] == 660  # A alone: one operator
    # B is free in the real table: the fastest fare to s2 is still 300 (A), not 600.
    levels = fare_levels(fares, 3, 600, required_minor=(300,))
    budgets = [*levels.levels_minor, UNLIMITED_BUDGET]
    times = run_fare_engine(net, CHAIN_QUERY, DEP, 1, (50,), fares, budgets)[0, :, 0, :]
    assert fastest_fare_of_pairs(np.asarray(budgets), times)[1:].tolist() == [300.0, 300.0]
