"""The fare oracle and the independent fare function: hand-derived cases, and each other."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _fare_compare import random_fares, run_fare_oracle
from _fare_hand import CHAIN_QUERY, DEP, hand_cases, hm
from _fare_oracle import _query, enumerate_journeys, fare_oracle_window, journey_fare
from _raptor_compare import _oracle_query
from _raptor_compare import _query as with_conventions
from _tiny_networks import RANDOM_T_START, random_network

from routes.fares.compiled import CompiledFares


def _table(n_groups: int = 1, *, price: list[list[int]], group: list[int],
           regime_bounds_s: tuple[int, ...] = (), transfer_price: list[list[int]] | None = None,
           counts: list[list[bool]] | None = None, window_s: list[int] | None = None,
           max_transfers: list[int] | None = None, cap: list[int] | None = None
           ) -> CompiledFares:
    g = n_groups
    return CompiledFares(
        pattern_group=np.array(group, np.int16), pattern_price=np.array(price, np.int32),
        regime_bounds_s=np.array(regime_bounds_s, np.int32),
        transfer_price=np.array(transfer_price or [[-1] * g] * g, np.int32),
        transfer_counts=np.array(counts or [[True] * g] * g, np.bool_),
        group_window_s=np.array(window_s or [0] * g, np.int32),
        group_max_transfers=np.array(max_transfers or [1] * g, np.int16),
        group_day_cap=np.array(cap or [-1] * g, np.int32))


def test_journey_fare_two_companies_pay_twice() -> None:
    # Patterns 0 and 1 of groups 0 and 1, 300 each, no transfer: 300 + 300.
    fares = _table(2, price=[[300], [300]], group=[0, 1])
    assert journey_fare([(0, hm(8, 0)), (1, hm(8, 15))], fares) == 600
    assert journey_fare([(0, hm(8, 0))], fares) == 300
    assert journey_fare([], fares) == 0


@pytest.mark.parametrize(("second_s", "expected"), [(600, 300), (601, 600)])
def test_journey_fare_window_is_inclusive(second_s: int, expected: int) -> None:
    # Free change within 600 s of the first boarding: at 600 s 300 + 0, at 601 s 300 + 300.
    fares = _table(price=[[300]], group=[0], transfer_price=[[0]], window_s=[600])
    t = hm(8, 0)
    assert journey_fare([(0, t), (0, t + second_s)], fares) == expected


def test_journey_fare_changes_left_and_uncounted_changes() -> None:
    # One counted change: the third ride pays again (300 + 0 + 300); uncounted
    # changes need no change left (300 + 0 + 0); a discounted change costs 100.
    counted = _table(price=[[300]], group=[0], transfer_price=[[0]], window_s=[3600])
    t = hm(8, 0)
    rides = [(0, t), (0, t + 600), (0, t + 1200)]
    assert journey_fare(rides, counted) == 600
    uncounted = _table(price=[[300]], group=[0], transfer_price=[[0]], counts=[[False]],
                       window_s=[3600], max_transfers=[0])
    assert journey_fare(rides, uncounted) == 300
    discounted = _table(price=[[300]], group=[0], transfer_price=[[100]], window_s=[3600],
                        max_transfers=[-1])
    assert journey_fare(rides, discounted) == 500


def test_journey_fare_day_cap_binds() -> None:
    # Cap 500 on group 0, three singles of 300: 300 + 200 + 0.
    fares = _table(price=[[300]], group=[0], cap=[500])
    assert journey_fare([(0, hm(8, 0)), (0, hm(9, 0)), (0, hm(10, 0))], fares) == 500


def test_journey_fare_free_ride_passes_the_ticket_through() -> None:
    # Group 0 (300, free change within an hour), a free ride of group 1 between: 300 + 0 + 0;
    # a paid ride of group 1 instead (100) replaces the ticket: 300 + 100 + 300.
    free = _table(2, price=[[300], [0]], group=[0, 1], transfer_price=[[0, -1], [-1, -1]],
                  window_s=[3600, 3600])
    rides = [(0, hm(8, 0)), (1, hm(8, 15)), (0, hm(8, 30))]
    assert journey_fare(rides, free) == 300
    paid = _table(2, price=[[300], [100]], group=[0, 1], transfer_price=[[0, -1], [-1, -1]],
                  window_s=[3600, 3600])
    assert journey_fare(rides, paid) == 700


@pytest.mark.parametrize(("board_s", "expected"), [(hm(9, 29, 59), 300), (hm(9, 30), 0)])
def test_journey_fare_regime_of_the_boarding_time(board_s: int, expected: int) -> None:
    # 300 before 09:30, free from 09:30 (a concession): the boarding second decides.
    fares = _table(price=[[300, 0]], group=[0], regime_bounds_s=(hm(9, 30),))
    assert journey_fare([(0, board_s)], fares) == expected


def test_journey_fare_takes_the_cheapest_choice() -> None:
    # A through-ticket of group 0 accepts group 1 at 250 (dearer than group 1's 200 single):
    # buying is cheaper; with the through price at 50, using the ticket is.
    rides = [(0, hm(8, 0)), (1, hm(8, 20))]
    dear = _table(2, price=[[300], [200]], group=[0, 1], transfer_price=[[-1, 250], [-1, -1]],
                  window_s=[3600, 0])
    assert journey_fare(rides, dear) == 500
    cheap = _table(2, price=[[300], [200]], group=[0, 1], transfer_price=[[-1, 50], [-1, -1]],
                   window_s=[3600, 0])
    assert journey_fare(rides, cheap) == 350


@pytest.mark.parametrize("name", list(hand_cases()))
def test_fare_oracle_hand_cases(name: str) -> None:
    net, fares, dest, expected = hand_cases()[name]
    got = run_fare_oracle(net, CHAIN_QUERY, DEP, 1, (50,), fares, list(expected))
    np.testing.assert_array_equal(got[0, :, 0, dest], list(expected.values()))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fare_oracle_matches_enumeration(seed: int) -> None:
    """On tiny random networks the oracle's answer per budget is the best enumerated journey.

    Every journey (access, rides, transfers) is listed without any state, its
    fare taken by :func:`journey_fare`; the best arrival with fare <= B (plus
    egress, or walking only) must equal the oracle's.
    """
    rng = np.random.default_rng(seed)
    net = random_network(seed, n_nodes=12, n_patterns=3, n_trips=8, n_origins=1)
    fares = random_fares(rng, net.tt.n_patterns, regime_s=RANDOM_T_START + 1800)
    query = _oracle_query(with_conventions(dict(walk_speed_m_s=1.25, max_walk_s=300,
                                                max_transfer_walk_s=None, max_rides=3,
                                                max_trip_s=3600), {}))
    budgets = [0, 100, 200, 300, 450, 600, 10**6]
    dep = RANDOM_T_START + 600
    tt, streets, stop_node, origins, dests = net
    got = fare_oracle_window(tt, streets, stop_node, origins, dests, [dep], fares, budgets,
                             **query)[0, :, 0]
    q = _query(tt, streets, stop_node, origins, dests, query)
    journeys = enumerate_journeys(tt, streets, stop_node, int(origins[0]), dep, **query)
    assert journeys, "the network should offer some journey"
    expected = np.full((len(budgets), len(dests)), math.inf)
    expected[:] = dep + q.walks.direct[0]
    for last_stop, rides, arrival in journeys:
        fare = journey_fare(rides, fares)
        for b, budget in enumerate(budgets):
            if fare <= budget:
                expected[b] = np.minimum(expected[b], arrival + q.walks.egress[last_stop])
    expected[expected - dep > q.max_trip_s] = math.inf
    np.testing.assert_array_equal(got, expected - dep)
    assert (got[0] != got[-1]).any()  # the budget binds somewhere


def test_journey_fare_cap_counts_against_the_ride_group() -> None:
    # A group-0 ticket accepts group 1 at 100; group 1's cap is 50, group 0's none:
    # 300 + min(100, 50) = 350. The charge of the change counts against group 1.
    fares = _table(2, price=[[300], [300]], group=[0, 1], transfer_price=[[-1, 100], [-1, -1]],
                   window_s=[3600, 0], cap=[-1, 50])
    assert journey_fare([(0, hm(8, 0)), (1, hm(8, 20))], fares) == 350
