"""Hand-made chain networks for fare tests (the hand-derived numbers are in the tests).

Stops ``s0 .. s{n-1}`` sit on street nodes ``0 .. n-1`` 5 km apart, so with
``CHAIN_QUERY`` (1 m/s, walks up to 600 s) nobody walks between stops: every
journey is rides between stops on the same node (0 s access, transfer and
egress). The origin is node 0; the destinations are every node. Board slack
0: a trip is caught if it leaves after one is at the stop (``dep > t``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from _tiny_networks import Network, TripSpec, street_network_from_edges, timetable_from_trips

from routes.fares.compiled import CompiledFares

CHAIN_QUERY = dict(walk_speed_m_s=1.0, max_walk_s=600, max_transfer_walk_s=300, max_rides=3,
                   max_trip_s=7200, board_slack_s=0, transfers="all")

H8 = 8 * 3600
DEP = H8 - 60  # 07:59:00, the departure of every hand case


def hm(h: int, m: int, s: int = 0) -> int:
    """Seconds after midnight."""
    return h * 3600 + m * 60 + s


def chain(trips: Sequence[TripSpec], n_stops: int) -> Network:
    """Stops on nodes ``0 .. n_stops - 1`` in a line, 5,000 m apart; origin node 0."""
    streets = street_network_from_edges(
        n_stops, [(i, i + 1, 5000.0) for i in range(n_stops - 1)],
        xy=[(5000.0 * i, 0.0) for i in range(n_stops)])
    tt = timetable_from_trips(trips, n_stops=n_stops)
    return Network(tt, streets, np.arange(n_stops, dtype=np.int32), np.array([0], np.int32),
                   np.arange(n_stops, dtype=np.int32))


def ride(route: str, a: int, b: int, dep: int, arr: int) -> TripSpec:
    """A trip of ``route`` from stop ``a`` at ``dep`` to stop ``b`` at ``arr``."""
    return (route, [(a, dep, dep), (b, arr, arr)])


def fares_by_route(net: Network, group: Mapping[str, int], price: Mapping[str, Sequence[int]],
                   *, n_groups: int, regime_bounds_s: Sequence[int] = (),
                   transfer_price: Sequence[Sequence[int]] | None = None,
                   transfer_counts: Sequence[Sequence[bool]] | None = None,
                   window_s: Sequence[int] | None = None,
                   max_transfers: Sequence[int] | None = None,
                   day_cap: Sequence[int] | None = None) -> CompiledFares:
    """A fare table given per route label (every pattern of a route alike)."""
    tt = net.tt
    routes = [str(r).split(":", 1)[1] for r in tt.route_ids[tt.pattern_route]]
    g = n_groups
    return CompiledFares(
        pattern_group=np.array([group[r] for r in routes], np.int16),
        pattern_price=np.array([list(price[r]) for r in routes], np.int32).reshape(
            len(routes), len(regime_bounds_s) + 1),
        regime_bounds_s=np.array(regime_bounds_s, np.int32),
        transfer_price=np.array(transfer_price if transfer_price is not None
                                else np.full((g, g), -1), np.int32),
        transfer_counts=np.array(transfer_counts if transfer_counts is not None
                                 else np.ones((g, g)), np.bool_),
        group_window_s=np.array(window_s if window_s is not None else [0] * g, np.int32),
        group_max_transfers=np.array(max_transfers if max_transfers is not None else [1] * g,
                                     np.int16),
        group_day_cap=np.array(day_cap if day_cap is not None else [-1] * g, np.int32),
    )


def hand_cases() -> dict[str, tuple[Network, CompiledFares, int, dict[int, float]]]:
    """``{name: (network, fares, destination node, {budget: expected seconds or NaN})}``.

    Every case leaves node 0 at 07:59:00 (``DEP`` = 28,740 s), one minute window.

    * ``two_companies``: A s0->s1 08:00->08:10 (group 0, 300), B s1->s2
      08:15->08:25 (group 1, 300), C s0->s2 08:00->08:50 (group 0, 300), no
      transfers. A+B reaches s2 at 08:25 (1,560 s) for 600; C at 08:50
      (3,060 s) for 300. Budget 0: unreachable; 300 and 599: 3,060; 600: 1,560.
    * ``window_inside`` / ``window_outside``: A then B both group 0 at 300,
      the change free (transfer price 0) within the window; A boards 08:00:00,
      B 08:15:00, 900 s later. Window 900: 300 + 0 = 300, so budget 300
      reaches s2 at 1,560 s; window 899: 300 + 300 = 600, budget 300
      unreachable, 600 at 1,560 s.
    * ``day_cap``: A, B and E (s2->s3 08:30->08:40) all group 0 at 300, no
      transfers, day cap 450: 300 + min(300, 150) + min(300, 0) = 450. s3
      (08:40, 2,460 s) within 450, not within 449.
    * ``free_ride``: A (group 0, 300), F s1->s2 (group 1, free), E (group 0,
      300), group 0's change free within 3,600 s: 300 + 0 + 0 = 300 (the
      ticket passes through the free ride; 600 if F replaced it). s3 at
      2,460 s within 300, not within 299.
    * ``regime``: D s0->s1 at 09:29 (->09:39) and at 09:30 (->09:40), 300
      before 09:30 and free from 09:30. Budget 0: wait for the free bus, s1 at
      09:40 (6,060 s); budget 300: 09:39 (6,000 s).
    * ``later_bus``: A s0->s1 at 08:00 (->08:10) and 08:20 (->08:30), B s1->s2
      at 08:40 (->08:50), group 0, 300, change free within 1,800 s. From the
      08:00 A, B boards 2,400 s later: 600; from the 08:20 A, 1,200 s later:
      300; both arrive 08:50 (3,060 s). Budget 300: 3,060 s (the later bus).
    * ``a_b_a``: A (group 0), B (group 1), A2 s2->s3 08:30->08:40 (group 0),
      all 300; group 0's change free within 3,600 s; no change between
      groups. One ticket at a time: B's single replaces A's ticket, so A2
      pays again: 900. s3 at 2,460 s within 900, not within 899.
    """
    nan = float("nan")
    bus_a = ride("A", 0, 1, hm(8, 0), hm(8, 10))
    bus_b = ride("B", 1, 2, hm(8, 15), hm(8, 25))
    bus_e = ride("E", 2, 3, hm(8, 30), hm(8, 40))
    cases: dict[str, tuple[Network, CompiledFares, int, dict[int, float]]] = {}

    net = chain([bus_a, bus_b, ride("C", 0, 2, hm(8, 0), hm(8, 50))], 3)
    fares = fares_by_route(net, {"A": 0, "B": 1, "C": 0}, {"A": [300], "B": [300], "C": [300]},
                           n_groups=2)
    cases["two_companies"] = (net, fares, 2, {0: nan, 300: 3060, 599: 3060, 600: 1560})

    net = chain([bus_a, bus_b], 3)
    for name, window, expected in (("window_inside", 900, {299: nan, 300: 1560}),
                                   ("window_outside", 899, {300: nan, 599: nan, 600: 1560})):
        fares = fares_by_route(net, {"A": 0, "B": 0}, {"A": [300], "B": [300]}, n_groups=1,
                               transfer_price=[[0]], window_s=[window])
        cases[name] = (net, fares, 2, expected)

    net = chain([bus_a, bus_b, bus_e], 4)
    fares = fares_by_route(net, {"A": 0, "B": 0, "E": 0}, {r: [300] for r in "ABE"}, n_groups=1,
                           day_cap=[450])
    cases["day_cap"] = (net, fares, 3, {449: nan, 450: 2460})

    net = chain([bus_a, ride("F", 1, 2, hm(8, 15), hm(8, 25)), bus_e], 4)
    fares = fares_by_route(net, {"A": 0, "F": 1, "E": 0}, {"A": [300], "F": [0], "E": [300]},
                           n_groups=2, transfer_price=[[0, -1], [-1, -1]], window_s=[3600, 0])
    cases["free_ride"] = (net, fares, 3, {299: nan, 300: 2460})

    net = chain([ride("D", 0, 1, hm(9, 29), hm(9, 39)), ride("D", 0, 1, hm(9, 30), hm(9, 40))], 2)
    fares = fares_by_route(net, {"D": 0}, {"D": [300, 0]}, n_groups=1,
                           regime_bounds_s=[hm(9, 30)])
    cases["regime"] = (net, fares, 1, {0: 6060, 300: 6000})

    net = chain([bus_a, ride("A", 0, 1, hm(8, 20), hm(8, 30)),
                 ride("B", 1, 2, hm(8, 40), hm(8, 50))], 3)
    fares = fares_by_route(net, {"A": 0, "B": 0}, {"A": [300], "B": [300]}, n_groups=1,
                           transfer_price=[[0]], window_s=[1800])
    cases["later_bus"] = (net, fares, 2, {299: nan, 300: 3060})

    net = chain([bus_a, bus_b, ride("A2", 2, 3, hm(8, 30), hm(8, 40))], 4)
    fares = fares_by_route(net, {"A": 0, "B": 1, "A2": 0}, {r: [300] for r in ("A", "B", "A2")},
                           n_groups=2, transfer_price=[[0, -1], [-1, -1]], window_s=[3600, 3600])
    cases["a_b_a"] = (net, fares, 3, {899: nan, 900: 2460})
    return cases
