"""journey_fare: fares of explicit journeys under CompiledFares' semantics, derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from routes.fares.compiled import CompiledFares
from routes.fares.journey import Ride, journey_fare

H = 3600


def make(prices: list[list[int]], groups: list[int], transfer: list[list[int]], *,
         window_s: list[int], max_transfers: list[int], day_cap: list[int] | None = None,
         bounds: list[int] | None = None, counts: list[list[bool]] | None = None
         ) -> CompiledFares:
    n = len(window_s)
    return CompiledFares(
        pattern_group=np.array(groups, np.int16),
        pattern_price=np.array(prices, np.int32),
        regime_bounds_s=np.array(bounds or [], np.int32),
        transfer_price=np.array(transfer, np.int32),
        transfer_counts=np.array(counts or [[True] * n] * n, np.bool_),
        group_window_s=np.array(window_s, np.int32),
        group_max_transfers=np.array(max_transfers, np.int16),
        group_day_cap=np.array(day_cap or [-1] * n, np.int32))


def test_no_ride_costs_nothing_and_flat_fares_add_up() -> None:
    fares = CompiledFares.flat(n_patterns=3, single_minor=300)
    assert journey_fare([], fares) == 0
    assert journey_fare([(0, 8 * H), (1, 8 * H + 600), (2, 8 * H + 1200)], fares) == 900


def test_max_transfers_counts_changes() -> None:
    # one group, changes free for an hour, at most one change per ticket
    fares = make([[300]] * 3, [0, 0, 0], [[0]], window_s=[H], max_transfers=[1])
    # buy (300), change (0), third ride: the ticket has no change left: buy again (300)
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], fares) == 600
    unlimited = make([[300]] * 3, [0, 0, 0], [[0]], window_s=[H], max_transfers=[-1])
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], unlimited) == 300
    free_changes = make([[300]] * 3, [0, 0, 0], [[0]], window_s=[H], max_transfers=[1],
                        counts=[[False]])  # a change that does not count
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], free_changes) == 300


def test_window_is_from_the_boarding_that_bought_the_ticket() -> None:
    fares = make([[300]] * 2, [0, 0], [[0]], window_s=[H], max_transfers=[-1])
    assert journey_fare([(0, 0), (1, H)], fares) == 300  # the window's end is included
    assert journey_fare([(0, 0), (1, H + 1)], fares) == 600


def test_buying_may_beat_using_the_ticket() -> None:
    # group 0 at 300, group 1 at 100; a group-0 ticket is accepted on group 1 for 200
    fares = make([[300], [100]], [0, 1], [[-1, 200], [-1, -1]], window_s=[H, 0],
                 max_transfers=[1, 0])
    assert journey_fare([(0, 0), (1, 600)], fares) == 400  # 300 + min(200, 100)


def test_using_the_ticket_later_beats_using_it_now() -> None:
    # group 0 ticket: one change, accepted on groups 0 (at 250) and 1 (at 0); A, B=group 0, C=1
    fares = make([[300], [300], [300]], [0, 0, 1], [[250, 0], [-1, -1]],
                 window_s=[H, 0], max_transfers=[1, 0])
    # greedy would change onto B for 250 then buy C (300); best: buy B (new ticket), change to C
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], fares) == 600


def test_a_free_ride_passes_the_ticket_through() -> None:
    # pattern 1 is a free shuttle of group 1; group 0's ticket still serves pattern 2
    fares = make([[300], [0], [300]], [0, 1, 0], [[0, -1], [-1, -1]], window_s=[H, 0],
                 max_transfers=[-1, 0])
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], fares) == 300


def test_day_cap_limits_what_one_group_charges() -> None:
    fares = make([[300]] * 3, [0, 0, 0], [[-1]], window_s=[0], max_transfers=[0],
                 day_cap=[500])
    assert journey_fare([(0, 0), (1, 600), (2, 1200)], fares) == 500  # 300 + 200 + 0


def test_price_of_the_boarding_regime() -> None:
    # free from 09:30 (ENCTS-like) on pattern 0; pattern 1 always 300
    fares = make([[300, 0], [300, 300]], [0, 0], [[-1]], window_s=[0], max_transfers=[0],
                 bounds=[9 * H + 1800])
    assert journey_fare([Ride(0, 9 * H + 1799)], fares) == 300
    assert journey_fare([Ride(0, 9 * H + 1800), Ride(1, 10 * H)], fares) == 300


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_enumerating_every_choice(seed: int) -> None:
    """Against an independent enumeration over bit masks of 'use the ticket' choices."""
    rng = np.random.default_rng(seed)
    n_groups, n_patterns, n_rides = 2, 4, 4
    fares = make(
        rng.choice([0, 100, 300], size=(n_patterns, 1)).tolist(),
        rng.integers(0, n_groups, n_patterns).tolist(),
        rng.choice([-1, 0, 50], size=(n_groups, n_groups)).tolist(),
        window_s=rng.choice([600, 3600], n_groups).tolist(),
        max_transfers=rng.choice([-1, 0, 1], n_groups).tolist(),
        day_cap=rng.choice([-1, 400], n_groups).tolist())
    rides = [(int(rng.integers(0, n_patterns)), 300 * k) for k in range(n_rides)]
    assert journey_fare(rides, fares) == _enumerate(rides, fares)


def _enumerate(rides: list[tuple[int, int]], fares: CompiledFares) -> int:
    best = None
    for mask in range(2 ** len(rides)):
        total, ticket, paid, ok = 0, None, [0] * fares.n_groups, True
        for k, (p, t) in enumerate(rides):
            g, price = int(fares.pattern_group[p]), int(fares.pattern_price[p, 0])
            if price == 0:
                continue
            if mask >> k & 1:  # use the ticket
                if ticket is None:
                    ok = False
                    break
                tg, bought, left = ticket
                amount = int(fares.transfer_price[tg, g])
                if amount < 0 or t > bought + fares.group_window_s[tg] or left == 0:
                    ok = False
                    break
                ticket = (tg, bought, left - 1 if left > 0 else left)
            else:
                amount = price
                ticket = (g, t, int(fares.group_max_transfers[g]))
            cap = int(fares.group_day_cap[g])
            charge = amount if cap < 0 else max(0, min(amount, cap - paid[g]))
            paid[g] += charge
            total += charge
        if ok:
            best = total if best is None else min(best, total)
    assert best is not None
    return best
