"""Ticket states within a budget (routes/fares/ticket_states.py), derived by hand.

The engine's answers with these states are checked against the fare oracle in
``tests/engine/test_fare_raptor.py``; here the automata themselves.
"""

from __future__ import annotations

import numpy as np
import pytest

from routes.fares.compiled import CompiledFares
from routes.fares.ticket_states import constant_regime, ticket_states


def _porto_alegre() -> CompiledFares:
    """Pattern 0 a bus (group 0, R$4.80), pattern 1 a train (group 1, R$4.50).

    r5r's vignette rules: a second bus within the hour +2.40 (one counted
    change), train to train free and not counted, bus and train integrated
    (+3.57 bus to train, +3.87 train to bus).
    """
    return CompiledFares(
        pattern_group=np.array([0, 1], np.int16),
        pattern_price=np.array([[480], [450]], np.int32),
        regime_bounds_s=np.zeros(0, np.int32),
        transfer_price=np.array([[240, 357], [387, 0]], np.int32),
        transfer_counts=np.array([[True, True], [True, False]]),
        group_window_s=np.array([3600, 3600], np.int32),
        group_max_transfers=np.array([1, 1], np.int16),
        group_day_cap=np.array([-1, -1], np.int32),
        currency="BRL",
    )


def test_one_fare_budget_allows_one_bus_or_trains_only() -> None:
    """R$4.80: start; after a bus nothing more (R$7.20 and more); after a train, trains free."""
    states = ticket_states(_porto_alegre(), budget=480, regime=0, max_rides=3)
    assert states is not None
    assert states.cost.tolist() == [0, 480, 450]
    # successors[state][kind]; kind 0 the bus, kind 1 the train.
    assert states.successors == (((1,), (2,)), ((), ()), ((), (2,)))
    assert states.pattern_kind.tolist() == [0, 1]
    assert states.n_pattern_copies == 3  # the bus from the start, the train from two states


def test_two_fare_budget_keeps_only_the_states_that_matter() -> None:
    """R$9.60, by hand:

    * bus (4.80) then a bus: 7.20 (change used) or 9.60 (new single): nothing
      more is affordable after either, so they are one state (the first made,
      9.60);
    * bus then a train: 8.37 (integrated, nothing more) or 9.30 (a train
      single, then trains free): the second can do all the first can, so only
      it is kept;
    * train (4.50) then a train: free (still 4.50) or 9.00 (a new single, trains
      only): the free change can do more, so only it is kept;
    * train then a bus: 8.37 (integrated; the train ticket still rides trains free,
      as those changes do not count) or 9.30 (a bus single, nothing more): only
      the first is kept, and it is the "trains only" state (9.30, made first).
    """
    states = ticket_states(_porto_alegre(), budget=960, regime=0, max_rides=3)
    assert states is not None
    assert states.cost.tolist() == [0, 480, 450, 960, 930]
    assert states.successors == (
        ((1,), (2,)),  # start: bus, train
        ((3,), (4,)),  # after a bus: a bus ends it; a train buys a train single
        ((4,), (2,)),  # after a train: a bus leaves trains only; trains are free
        ((), ()),  # nothing more
        ((), (4,)),  # trains only, free
    )
    assert states.n_pattern_copies == 7


def test_a_budget_above_every_fare_is_one_state() -> None:
    """Each group charges at most 4.50 a journey (day caps), so 9.00 affords everything: every
    state can do what the start can, and they merge into it."""
    fares = _porto_alegre()
    capped = CompiledFares(fares.pattern_group, fares.pattern_price, fares.regime_bounds_s,
                           fares.transfer_price, fares.transfer_counts, fares.group_window_s,
                           fares.group_max_transfers, np.array([450, 450], np.int32))
    states = ticket_states(capped, budget=900, regime=0, max_rides=3)
    assert states is not None
    assert states.cost.tolist() == [0]
    assert states.successors == (((0,), (0,)),)


def test_below_every_fare_only_free_rides() -> None:
    fares = _porto_alegre()
    free_train = CompiledFares(fares.pattern_group, np.array([[480], [0]], np.int32),
                               fares.regime_bounds_s, fares.transfer_price,
                               fares.transfer_counts, fares.group_window_s,
                               fares.group_max_transfers, fares.group_day_cap)
    states = ticket_states(free_train, budget=100, regime=0, max_rides=3)
    assert states is not None
    assert states.cost.tolist() == [0]
    assert states.successors == (((), (0,)),)


@pytest.mark.parametrize(("first", "last", "expected"), [
    (9 * 3600, 9 * 3600 + 1799, 0),  # before 09:30
    (9 * 3600 + 1800, 11 * 3600, 1),  # from 09:30 on (a bound at the first second)
    (9 * 3600, 10 * 3600, None),  # 09:30 falls inside
])
def test_constant_regime(first: int, last: int, expected: int | None) -> None:
    fares = CompiledFares(np.zeros(1, np.int16), np.array([[300, 0]], np.int32),
                          np.array([9 * 3600 + 1800], np.int32), np.full((1, 1), -1, np.int32),
                          np.ones((1, 1), bool), np.zeros(1, np.int32), np.zeros(1, np.int16),
                          np.full(1, -1, np.int32))
    assert constant_regime(fares, first, last) == expected
