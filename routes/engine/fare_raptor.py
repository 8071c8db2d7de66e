"""Fare-aware travel times: the fastest journey costing at most a budget, per budget.

The Python side of fare-aware range-RAPTOR (the kernels, their method and
its proof are in :mod:`routes.engine._fare_kernels`). It takes the inputs of
the plain engine (:mod:`routes.engine.raptor`, whose prepared stops, walking
legs and batching it reuses), a :class:`~routes.fares.compiled.CompiledFares`
and a list of fare budgets, and returns, for every origin, budget,
percentile and destination, the travel time of "the fastest journey costing
at most the budget" over the departure window, with the plain engine's
conventions (board slack, pickup/drop-off, transfers, ``max_rides``,
``max_trip_min``).

**Unlimited budget.** :data:`UNLIMITED_BUDGET` asks for the fastest journey
whatever it costs, which is the plain engine's answer at the same
``max_trip_min``: it is computed by :mod:`routes.engine.raptor`, and the fare
search prunes labels dearer than the largest finite budget.

**Horizon.** Journeys longer than ``request.routing.max_trip_min`` are not
searched, as in the plain engine; it is also the fare search's horizon, so
pass the largest cutoff the results will be compared with (for example 45
minutes for a 45-minute job cutoff) to make it faster: every time at or
below it is exact.

Frequency entries drawn with random phases (``frequency_phase = "random"``)
are not supported: the fare engine needs timetabled trips
(``frequency_phase = "fixed"``), and says so.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from routes._progress import ProgressCallback, no_progress
from routes.engine import _fare_kernels
from routes.engine._raptor_kernels import UNREACHED
from routes.engine.raptor import (
    _prepared_network,
    _prepared_walks,
    compute_snapped_travel_times,
    link_points,
    percentile_ranks,
    same_places_on_streets,
)
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.fares.compiled import CompiledFares
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork
from routes.streets.snapping import SnappedPoints

__all__ = ["UNLIMITED_BUDGET", "compute_fare_travel_time_array",
           "compute_snapped_fare_travel_times", "kernel_fares"]

logger = logging.getLogger(__name__)

UNLIMITED_BUDGET = int(np.iinfo(np.int32).max)
"""A budget no fare reaches (minor units): the fastest journey whatever it costs."""

_STOP_CAP = 8
_ROUTE_CAP = 32


def kernel_fares(fares: CompiledFares, n_patterns: int) -> tuple[NDArray[np.integer], ...]:
    """Return the fare rules as the kernel reads them (see ``fare_range_raptor``).

    Raises
    ------
    ValueError
        If ``fares`` was compiled for another number of patterns.
    """
    if len(fares.pattern_group) != n_patterns:
        raise ValueError(f"the fares cover {len(fares.pattern_group)} patterns, the timetable "
                         f"has {n_patterns}: compile them against this timetable")
    i32 = np.int32
    xfer_price = np.ascontiguousarray(fares.transfer_price, dtype=i32)
    xfer_counts = np.ascontiguousarray(fares.transfer_counts, dtype=np.uint8)
    max_xfer = fares.group_max_transfers.astype(i32)
    max_xfer[max_xfer < 0] = _fare_kernels.UNLIMITED
    cap = fares.group_day_cap.astype(i32)
    capped = cap >= 0
    cap_slot = np.full(len(cap), -1, dtype=i32)
    cap_slot[capped] = np.arange(int(capped.sum()), dtype=i32)
    uncounted = ((xfer_price >= 0) & (xfer_counts == 0)).any(axis=1).astype(np.uint8)
    return (fares.pattern_group.astype(i32), np.ascontiguousarray(fares.pattern_price, dtype=i32),
            fares.regime_bounds_s.astype(i32), xfer_price, xfer_counts,
            fares.group_window_s.astype(i32), max_xfer, cap_slot, cap, uncounted)


def _budgets(budgets_minor: Sequence[int]) -> tuple[NDArray[np.int32], NDArray[np.intp]]:
    """Budgets sorted ascending for the kernel, and where each given budget went."""
    given = np.asarray(budgets_minor, dtype=np.int64)
    if given.ndim != 1 or len(given) == 0:
        raise ValueError("give at least one fare budget")
    if (given < 0).any() or (given > UNLIMITED_BUDGET).any():
        raise ValueError(f"fare budgets must be 0 .. {UNLIMITED_BUDGET} minor units, got "
                         f"{given.tolist()}")
    order = np.argsort(given, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return given[order].astype(np.int32), inverse


def compute_snapped_fare_travel_times(
    network: TransitNetwork,
    origins: SnappedPoints,
    destinations: SnappedPoints,
    request: TravelTimeRequest,
    fares: CompiledFares,
    budgets_minor: Sequence[int],
    *,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Fare-limited travel times between points linked to the streets, minutes.

    Parameters
    ----------
    network, origins, destinations, request, progress, n_threads
        As for :func:`routes.engine.raptor.compute_snapped_travel_times`.
    fares
        The fare rules compiled against ``network.timetable``'s patterns.
    budgets_minor
        Fare budgets, minor units (pence); :data:`UNLIMITED_BUDGET` for none.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_budgets, n_percentiles, n_destinations)``, the
        budgets in the order given; NaN where unreachable within the budget.

    Raises
    ------
    InputError
        With random-phase frequency entries (use ``frequency_phase = "fixed"``).
    """
    routing = request.routing
    progress = progress or no_progress
    started = time.perf_counter()
    prep = _prepared_network(network, routing)
    if prep.ktt.frequencies.n_entries > 0:
        raise InputError("fare-aware routing needs timetabled trips: the timetable has "
                          "frequencies.txt entries drawn with random phases; set "
                          "[routing] frequency_phase = \"fixed\"")
    walks = _prepared_walks(network, prep, origins, destinations, routing)
    access, direct, egress = walks.access, walks.direct, walks.egress
    kfares = kernel_fares(fares, len(prep.ktt.pattern_stop_ptr) - 1)
    budgets, inverse = _budgets(budgets_minor)
    n_unlimited = int((budgets == UNLIMITED_BUDGET).sum())
    budgets = budgets[:len(budgets) - n_unlimited]  # the plain engine answers those
    ranks = percentile_ranks(request.percentiles, request.window_min)
    departures = request.departures_s
    n_orig, n_dest = origins.n_points, destinations.n_points
    transfer_k = prep.transfer_k
    transfer_arrays = (transfer_k.ptr, transfer_k.target, transfer_k.walk_s)
    egress_arrays = (walks.egress_k.ptr, walks.egress_k.target, walks.egress_k.walk_s)
    access_s, direct_s = walks.access_s, walks.direct_s
    out = np.empty((n_orig, len(budgets), len(ranks), n_dest), dtype=np.int32)
    caps = [(_STOP_CAP, _ROUTE_CAP)]
    batch = 8
    max_trip_s = int(routing.max_trip_min * 60)
    del egress

    def run_batch(b0: int) -> int:
        b1 = min(b0 + batch, n_orig)
        a_sl = slice(access.ptr[b0], access.ptr[b1])
        w_sl = slice(direct.ptr[b0], direct.ptr[b1])
        stop_cap, route_cap = caps[-1]
        while True:
            ok, res = _fare_kernels.fare_range_raptor(
                prep.tt_arrays, kfares, transfer_arrays,
                (access.ptr[b0:b1 + 1] - access.ptr[b0], access.target[a_sl], access_s[a_sl]),
                egress_arrays,
                (direct.ptr[b0:b1 + 1] - direct.ptr[b0], direct.target[w_sl], direct_s[w_sl]),
                departures, routing.max_rides, max_trip_s, n_dest, ranks, budgets, stop_cap,
                route_cap,
            )
            if ok:
                break
            stop_cap, route_cap = 2 * stop_cap, 2 * route_cap
            logger.debug("fare bags full: origins %d-%d again with %d labels a stop", b0, b1,
                         stop_cap)
            caps.append((stop_cap, route_cap))  # later batches start there
        out[b0:b1] = res
        return b1 - b0

    n_workers = n_threads or os.cpu_count() or 1
    done = 0
    if len(budgets):
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for finished in pool.map(run_batch, range(0, n_orig, batch)):
                done += finished
                progress(done, n_orig)
    minutes = np.where(out == UNREACHED, np.nan, out / 60.0)
    if n_unlimited:
        plain = compute_snapped_travel_times(network, origins, destinations, request,
                                             n_threads=n_threads)
        minutes = np.concatenate([minutes] + [plain[:, None]] * n_unlimited, axis=1)
        progress(n_orig, n_orig)
    logger.info("fare-aware travel times: %s origins x %s destinations, %d departures, "
                "%d budgets; %.1f s", f"{n_orig:,}", f"{n_dest:,}", request.window_min,
                len(inverse), time.perf_counter() - started)
    return minutes[:, inverse]


def compute_fare_travel_time_array(
    network: TransitNetwork,
    origins: Points,
    destinations: Points | None,
    request: TravelTimeRequest,
    fares: CompiledFares,
    budgets_minor: Sequence[int],
    *,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Fare-limited travel times between points, minutes (NaN where unreachable).

    As :func:`routes.engine.raptor.compute_travel_time_array` (a point to
    itself takes 0 minutes, for free), per budget: shape ``(n_origins,
    n_budgets, n_percentiles, n_destinations)``.
    """
    linked_origins, linked_dests = link_points(network, origins, destinations, request.routing)
    minutes = compute_snapped_fare_travel_times(network, linked_origins, linked_dests, request,
                                                fares, budgets_minor, progress=progress,
                                                n_threads=n_threads)
    o, d = same_places_on_streets(origins, destinations, linked_origins)
    minutes[o, :, :, d] = 0.0
    return minutes
