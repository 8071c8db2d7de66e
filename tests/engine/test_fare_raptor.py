"""Fare-aware range-RAPTOR against the fare oracle, and its invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _fare_compare import (
    UNLIMITED_BUDGET,
    random_fares,
    run_fare_engine,
    run_fare_oracle,
    run_plain_engine,
)
from _fare_hand import CHAIN_QUERY, DEP, hand_cases
from _tiny_networks import RANDOM_T_START, random_network

from routes.engine import fare_raptor
from routes.engine.fare_raptor import kernel_fares
from routes.errors import InputError
from routes.fares.compiled import CompiledFares
from tests.engine.test_frequencies import H7, _random_frequencies

BUDGETS = [0, 100, 150, 300, 450, 600, UNLIMITED_BUDGET]
PCTS = (5, 50, 95)


def _random_case(seed: int, *, max_walk_s: int = 240, n_trips: int = 40,
                 ) -> tuple[object, dict, int, CompiledFares]:
    """A random network, query (max_rides 1-4), departure and fare table for ``seed``."""
    rng = np.random.default_rng(seed)
    net = random_network(seed, n_patterns=5, n_trips=n_trips)
    query = dict(walk_speed_m_s=1.25, max_walk_s=max_walk_s, max_transfer_walk_s=None,
                 max_rides=int(rng.integers(1, 5)), max_trip_s=3600)
    regime = RANDOM_T_START + 1800 + int(rng.integers(0, 1800))
    fares = random_fares(rng, net.tt.n_patterns, regime_s=regime if rng.random() < 0.7 else None)
    dep = RANDOM_T_START + int(rng.integers(0, 1800))
    return net, query, dep, fares


def _same(ours: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.nan_to_num(ours), np.nan_to_num(ref))


def _at_least(slow: np.ndarray, fast: np.ndarray) -> None:
    """``slow >= fast`` elementwise, unreachable (NaN) being the slowest."""
    assert (np.nan_to_num(slow, nan=np.inf) >= np.nan_to_num(fast, nan=np.inf)).all()


@pytest.mark.parametrize("seed", range(10))
def test_fare_engine_matches_oracle_on_random_networks(seed: int) -> None:
    """Every origin, budget (0 .. unlimited), percentile and destination, to the second.

    The tables have 1-3 groups, prices 0-300, transfer allowances, windows of
    0-30 min under a 60-min horizon, 0, 1, 2 or unlimited changes, day caps of
    250 or 400, and mostly a price regime starting inside the window.
    """
    net, query, dep, fares = _random_case(seed)
    ours = run_fare_engine(net, query, dep, 6, PCTS, fares, BUDGETS, method="bags")
    ref = run_fare_oracle(net, query, dep, 6, PCTS, fares, BUDGETS)
    _same(ours, ref)
    assert (np.nan_to_num(ref[:, 0], nan=-1) != np.nan_to_num(ref[:, -1], nan=-1)).any()


def _long_tickets(fares: CompiledFares, seed: int) -> CompiledFares:
    """``fares`` with tickets lasting the 60-min horizon and one price regime over the window.

    Odd seeds keep the second regime's prices, starting before the window
    (``RANDOM_T_START - 600``); even seeds have one regime all day.
    """
    window = np.full(fares.n_groups, 3600, np.int32)
    if seed % 2:
        price = np.c_[fares.pattern_price[:, -1], fares.pattern_price[:, -1]]
        return dataclasses.replace(fares, group_window_s=window, pattern_price=price,
                                   regime_bounds_s=np.array([RANDOM_T_START - 600], np.int32))
    return dataclasses.replace(fares, group_window_s=window, regime_bounds_s=np.zeros(0, np.int32),
                               pattern_price=np.ascontiguousarray(fares.pattern_price[:, :1]))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 7, 9, 11, 16, 17, 21])
def test_ticket_states_match_oracle_on_random_networks(seed: int) -> None:
    """The ticket-state method (tickets outlast the horizon, one regime) is exact, and
    ``method="auto"`` chooses it (same answers as the label bags).

    The seeds are those whose every budget has few enough raw ticket states (2 to 115
    states after reduction); with more, the engine falls back to the bags.
    """
    net, query, dep, fares = _random_case(seed)
    fares = _long_tickets(fares, seed)
    ours = run_fare_engine(net, query, dep, 6, PCTS, fares, BUDGETS, method="states")
    _same(ours, run_fare_oracle(net, query, dep, 6, PCTS, fares, BUDGETS))
    _same(run_fare_engine(net, query, dep, 6, PCTS, fares, BUDGETS, method="bags"), ours)
    _same(run_fare_engine(net, query, dep, 6, PCTS, fares, BUDGETS), ours)


def test_auto_takes_bags_for_many_budgets_or_too_many_copies(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    net, query, dep, fares = _random_case(0)
    fares = _long_tickets(fares, 0)
    with caplog.at_level("INFO", logger="routes.engine.fare_raptor"):
        chosen = run_fare_engine(net, query, dep, 2, PCTS, fares, BUDGETS)
        with monkeypatch.context() as m:
            m.setattr(fare_raptor, "_MAX_COPIES_PER_PATTERN", 0)
            _same(run_fare_engine(net, query, dep, 2, PCTS, fares, BUDGETS), chosen)
        with monkeypatch.context() as m:
            m.setattr(fare_raptor, "_MAX_STATE_BUDGETS", len(BUDGETS) - 2)  # 6 finite ones
            _same(run_fare_engine(net, query, dep, 2, PCTS, fares, BUDGETS), chosen)
            m.setattr(fare_raptor, "_MAX_STATE_BUDGETS", len(BUDGETS) - 1)
            _same(run_fare_engine(net, query, dep, 2, PCTS, fares, BUDGETS), chosen)
    methods = [r.getMessage().split("(")[1].split(")")[0] for r in caplog.records
               if r.getMessage().startswith("fare-aware travel times")]
    assert methods == ["ticket states", "label bags", "label bags", "ticket states"]


def test_ticket_states_refused_where_a_ticket_expires_or_the_regime_changes() -> None:
    net, query, dep, fares = _random_case(0)
    long = _long_tickets(fares, 0)
    short = dataclasses.replace(long, group_window_s=np.full(fares.n_groups, 3599, np.int32),
                                transfer_price=np.zeros((fares.n_groups,) * 2, np.int32))
    regime = dataclasses.replace(_long_tickets(fares, 1),
                                 regime_bounds_s=np.array([dep + 3600], np.int32))
    for refused in (short, regime):
        with pytest.raises(ValueError, match="ticket states do not serve here"):
            run_fare_engine(net, query, dep, 1, PCTS, refused, BUDGETS, method="states")
        _same(run_fare_engine(net, query, dep, 1, PCTS, refused, BUDGETS),
              run_fare_engine(net, query, dep, 1, PCTS, refused, BUDGETS, method="bags"))


@pytest.mark.parametrize("seed", [100, 101, 102])
def test_fare_engine_matches_oracle_on_frequent_trips(seed: int) -> None:
    """More trips per pattern: later buses whose tickets last longer are boarded too."""
    net, query, dep, fares = _random_case(seed, n_trips=80)
    fares = dataclasses.replace(fares, group_window_s=np.full(fares.n_groups, 600, np.int32),
                                transfer_price=np.zeros((fares.n_groups,) * 2, np.int32))
    _same(run_fare_engine(net, query, dep, 5, PCTS, fares, BUDGETS),
          run_fare_oracle(net, query, dep, 5, PCTS, fares, BUDGETS))


@pytest.mark.parametrize("name", list(hand_cases()))
def test_fare_engine_hand_cases(name: str) -> None:
    net, fares, dest, expected = hand_cases()[name]
    got = run_fare_engine(net, CHAIN_QUERY, DEP, 1, (50,), fares, list(expected))
    np.testing.assert_array_equal(got[0, :, 0, dest], list(expected.values()))


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_fare_limited_times_bound_the_plain_times(seed: int) -> None:
    """Never faster than the plain engine; slower as the budget shrinks; equal when unlimited."""
    net, query, dep, fares = _random_case(seed, max_walk_s=600)
    plain = run_plain_engine(net, query, dep, 8, PCTS)
    ours = run_fare_engine(net, query, dep, 8, PCTS, fares, BUDGETS)
    for b in range(len(BUDGETS)):
        _at_least(ours[:, b], plain)
    for b in range(1, len(BUDGETS)):
        _at_least(ours[:, b - 1], ours[:, b])
    _same(ours[:, -1], plain)


@pytest.mark.parametrize("seed", [6, 7])
def test_free_fares_give_the_plain_times(seed: int) -> None:
    net, query, dep, fares = _random_case(seed)
    free = dataclasses.replace(fares, pattern_price=np.zeros_like(fares.pattern_price))
    plain = run_plain_engine(net, query, dep, 8, PCTS)
    ours = run_fare_engine(net, query, dep, 8, PCTS, free, [0, 300])
    _same(ours[:, 0], plain)
    _same(ours[:, 1], plain)


def test_budgets_come_back_in_the_order_given() -> None:
    net, query, dep, fares = _random_case(0)
    forward = run_fare_engine(net, query, dep, 4, PCTS, fares, [0, 300, UNLIMITED_BUDGET])
    backward = run_fare_engine(net, query, dep, 4, PCTS, fares, [UNLIMITED_BUDGET, 300, 0])
    _same(forward, backward[:, ::-1])


def test_full_bags_are_grown_and_the_batch_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    net, query, dep, fares = _random_case(1)
    normal = run_fare_engine(net, query, dep, 4, PCTS, fares, BUDGETS)
    monkeypatch.setattr(fare_raptor, "_STOP_CAP", 1)
    monkeypatch.setattr(fare_raptor, "_ROUTE_CAP", 1)
    _same(run_fare_engine(net, query, dep, 4, PCTS, fares, BUDGETS, method="bags"), normal)


def test_kernel_fares_checks_the_pattern_count() -> None:
    fares = CompiledFares.flat(n_patterns=3, single_minor=300)
    with pytest.raises(ValueError, match="cover 3 patterns, the timetable has 4"):
        kernel_fares(fares, 4)


def test_budgets_are_checked() -> None:
    net, query, dep, fares = _random_case(0)
    with pytest.raises(ValueError, match="fare budgets must be"):
        run_fare_engine(net, query, dep, 1, PCTS, fares, [-1])


def test_frequencies_run_as_their_fixed_expansion_only() -> None:
    """Random-phase frequency entries are refused; their fixed expansion matches the oracle."""
    net = _random_frequencies(2)
    fares = random_fares(np.random.default_rng(2), net.tt.n_patterns)
    query = dict(walk_speed_m_s=1.25, max_walk_s=240, max_transfer_walk_s=None, max_rides=3,
                 max_trip_s=3600)
    with pytest.raises(InputError, match='frequency_phase = "fixed"'):
        run_fare_engine(net, query, H7, 2, PCTS, fares, BUDGETS)
    fixed = {**query, "frequency_phase": "fixed"}
    _same(run_fare_engine(net, fixed, H7, 5, PCTS, fares, BUDGETS),
          run_fare_oracle(net, fixed, H7, 5, PCTS, fares, BUDGETS))


@pytest.mark.parametrize("seed", [3, 8])
def test_a_budget_no_journey_reaches_gives_the_plain_times(seed: int) -> None:
    """The fare search itself (not the plain engine answering ``UNLIMITED_BUDGET``) at a
    finite budget above every fare the network allows matches the plain engine."""
    net, query, dep, fares = _random_case(seed, max_walk_s=600)
    plain = run_plain_engine(net, query, dep, 8, PCTS)
    ours = run_fare_engine(net, query, dep, 8, PCTS, fares, [0, 300, 10**6])
    _same(ours[:, -1], plain)
    _same(run_fare_engine(net, query, dep, 8, PCTS, fares, [UNLIMITED_BUDGET, 0, 300]),
          ours[:, [2, 0, 1]])
