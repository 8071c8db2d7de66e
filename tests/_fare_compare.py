"""Running the fare-aware engine and the fare oracle on the same tiny network and query.

The query and conventions are those of ``tests/_raptor_compare.py`` (the
engine's defaults); :func:`random_fares` draws a fare table for a timetable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from _fare_oracle import fare_oracle_percentiles
from _raptor_compare import _links, _oracle_query, _query, _routing, _transit
from _tiny_networks import Network

from routes.engine.fare_raptor import (
    UNLIMITED_BUDGET,
    Method,
    compute_snapped_fare_travel_times,
)
from routes.engine.raptor import compute_snapped_travel_times
from routes.engine.request import TravelTimeRequest
from routes.fares.compiled import CompiledFares

__all__ = ["UNLIMITED_BUDGET", "random_fares", "run_fare_engine", "run_fare_oracle",
           "run_plain_engine"]


def _request(net: Network, query: dict, dep_s: int, window_min: int,
             percentiles: Sequence[int]):  # type: ignore[no-untyped-def]
    routing = _routing(_query(query, {}))
    stops, o, d = _links(net)
    network = _transit(net, stops, routing)
    request = TravelTimeRequest.from_routing(routing, departure_s=dep_s, window_min=window_min,
                                             percentiles=tuple(percentiles))
    return network, o, d, request


def run_fare_engine(net: Network, query: dict, dep_s: int, window_min: int,
                    percentiles: Sequence[int], fares: CompiledFares,
                    budgets: Sequence[int], method: Method = "auto") -> np.ndarray:
    """Seconds ``(n_o, n_budgets, n_pct, n_d)``, NaN unreached."""
    network, o, d, request = _request(net, query, dep_s, window_min, percentiles)
    minutes = compute_snapped_fare_travel_times(network, o, d, request, fares, budgets,
                                                method=method)
    return np.rint(minutes * 60.0)  # whole seconds, as the kernel computes them


def run_plain_engine(net: Network, query: dict, dep_s: int, window_min: int,
                     percentiles: Sequence[int]) -> np.ndarray:
    """Seconds ``(n_o, n_pct, n_d)`` from the plain engine."""
    network, o, d, request = _request(net, query, dep_s, window_min, percentiles)
    return np.rint(compute_snapped_travel_times(network, o, d, request) * 60.0)


def run_fare_oracle(net: Network, query: dict, dep_s: int, window_min: int,
                    percentiles: Sequence[int], fares: CompiledFares,
                    budgets: Sequence[int]) -> np.ndarray:
    """Seconds ``(n_o, n_budgets, n_pct, n_d)``, NaN unreached."""
    q = _oracle_query(_query(query, {}))
    tt, streets, stop_node, o, d = net
    return fare_oracle_percentiles(tt, streets, stop_node, o, d, dep_s, fares, budgets,
                                   window_min=window_min, percentiles=percentiles, **q)


def random_fares(rng: np.random.Generator, n_patterns: int, *, n_groups: int | None = None,
                 regime_s: int | None = None) -> CompiledFares:
    """A random fare table: 1-3 groups, prices 0-300, transfers, windows, caps, regimes."""
    g = int(rng.integers(1, 4)) if n_groups is None else n_groups
    bounds = np.zeros(0, np.int32) if regime_s is None else np.array([regime_s], np.int32)
    n_reg = len(bounds) + 1
    price = rng.choice([0, 100, 200, 300], size=(n_patterns, n_reg), p=[0.15, 0.25, 0.3, 0.3])
    return CompiledFares(
        pattern_group=rng.integers(0, g, size=n_patterns).astype(np.int16),
        pattern_price=price.astype(np.int32),
        regime_bounds_s=bounds,
        transfer_price=rng.choice([-1, 0, 50, 100], size=(g, g)).astype(np.int32),
        transfer_counts=rng.random((g, g)) < 0.7,
        group_window_s=rng.choice([0, 300, 600, 1800], size=g).astype(np.int32),
        group_max_transfers=rng.choice([0, 1, 2, -1], size=g).astype(np.int16),
        group_day_cap=rng.choice([-1, 250, 400], size=g).astype(np.int32),
    )
