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

**Two methods.** When the price regime is the same for every boarding of
the window and no ticket accepting changes expires within the horizon,
what a rider can still do depends only on a finite ticket state
(:mod:`routes.fares.ticket_states`), and each budget is answered by the
plain kernel over stops x ticket states (:mod:`routes.engine.fare_states`):
no label bags. Otherwise the kernel of :mod:`routes.engine._fare_kernels`
keeps bags of (time, fare, ticket) labels; it is also used for many budgets
at once (as the fare of the fastest journey may ask on a rich fare table) and
for states that would copy the patterns too often (``_MAX_STATE_BUDGETS``,
``_MAX_COPIES_PER_PATTERN``). Both are exact; ``method`` chooses one for
tests and benchmarks.

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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from routes._progress import ProgressCallback, no_progress
from routes.engine import _fare_kernels, _raptor_kernels
from routes.engine._raptor_kernels import UNREACHED
from routes.engine.fare_states import StateNetwork, state_network
from routes.engine.raptor import (
    PreparedNetwork,
    PreparedWalks,
    compute_snapped_travel_times,
    link_points,
    percentile_ranks,
    prepared_network,
    prepared_walks,
    same_places_on_streets,
)
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.fares.compiled import CompiledFares
from routes.fares.ticket_states import TicketStates, constant_regime, ticket_states
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
_BATCH = 8
"""Origins per kernel call (threads pull batches, which balances the load)."""

Method = Literal["auto", "states", "bags"]
_MAX_STATE_BUDGETS = 8
_MAX_COPIES_PER_PATTERN = 64
"""``method="auto"`` uses label bags for more than ``_MAX_STATE_BUDGETS`` finite budgets,
or when one budget's states copy the patterns more than ``_MAX_COPIES_PER_PATTERN``
times each: the states answer budget by budget, the bags all at once.
``benchmarks/bench_fare_methods.py`` (Porto Alegre, 246 x 1,227, horizon 45 min):
states 1.3-1.5 s with 2 budgets, 6.6-6.8 s with 7, 16-20 s with 12; bags 12.8-17 s
whatever the budgets. Newport, 2 budgets: states faster (0.51 s vs 1.93 s; 2.15 s vs
2.87 s with 42 copies per pattern for the £6 budget); see benchmarks/README.md."""


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


def _chosen_states(fares: CompiledFares, budgets: NDArray[np.int32],
                   departures: NDArray[np.int32], max_trip_s: int, max_rides: int,
                   method: Method) -> list[TicketStates] | None:
    """Return the ticket states of each budget, or None for the label bags (module docstring)."""
    if method == "bags" or not len(budgets):
        return None
    regime = constant_regime(fares, int(departures[0]), int(departures[-1]) + max_trip_s)
    accepts = (fares.transfer_price >= 0).any(axis=1)
    states: list[TicketStates] | None = None
    if regime is not None and (fares.group_window_s[accepts] >= max_trip_s).all():
        found = [ticket_states(fares, int(b), regime, max_rides) for b in budgets]
        states = [st for st in found if st is not None]
        if len(states) < len(found):
            states = None
    if method == "states" and states is None:
        raise ValueError("ticket states do not serve here: a price regime changes within the "
                         "window, a ticket expires within max_trip_min, or a budget allows too "
                         "many ticket states")
    if method == "auto" and states is not None and (
            len(states) > _MAX_STATE_BUDGETS
            or max(st.n_pattern_copies for st in states)
            > _MAX_COPIES_PER_PATTERN * len(fares.pattern_group)):
        return None
    return states


@dataclass(frozen=True, slots=True)
class _FareRun:
    """One fare-aware query, ready for the kernels; fills ``out[origin, budget]``."""

    prep: PreparedNetwork
    walks: PreparedWalks
    departures: NDArray[np.int32]
    max_rides: int
    max_trip_s: int
    ranks: NDArray[np.int64]
    out: NDArray[np.int32]
    n_threads: int | None
    progress: ProgressCallback

    def _origins(self, b0: int, b1: int) -> tuple[tuple[NDArray[np.integer], ...], ...]:
        """Access and walk-only legs of origins ``b0 .. b1 - 1``, as the kernels read them."""
        access, direct, w = self.walks.access, self.walks.direct, self.walks
        a_sl = slice(access.ptr[b0], access.ptr[b1])
        d_sl = slice(direct.ptr[b0], direct.ptr[b1])
        return ((access.ptr[b0:b1 + 1] - access.ptr[b0], access.target[a_sl], w.access_s[a_sl]),
                (direct.ptr[b0:b1 + 1] - direct.ptr[b0], direct.target[d_sl], w.direct_s[d_sl]))

    def _batches(self, run_batch: Callable[[int, int], None], done: int, total: int) -> int:
        """Run ``run_batch(b0, b1)`` over batches of origins on threads; return origins done."""
        n_orig = int(self.out.shape[0])

        def one(b0: int) -> int:
            b1 = min(b0 + _BATCH, n_orig)
            run_batch(b0, b1)
            return b1 - b0

        with ThreadPoolExecutor(max_workers=self.n_threads or os.cpu_count() or 1) as pool:
            for finished in pool.map(one, range(0, n_orig, _BATCH)):
                done += finished
                self.progress(done, total)
        return done

    def by_states(self, states: list[TicketStates]) -> None:
        """Answer budget ``i`` by the plain kernel over stops x ``states[i]``."""
        transfer_k, egress_k = self.prep.transfer_k, self.walks.egress_k
        no_frequencies = np.zeros((1, 0), dtype=np.int32)
        done = 0
        for i, st in enumerate(states):
            sn = state_network(self.prep.tt_arrays,
                               (transfer_k.ptr, transfer_k.target, transfer_k.walk_s),
                               (egress_k.ptr, egress_k.target, egress_k.walk_s), st)

            def run(b0: int, b1: int, sn: StateNetwork = sn, i: int = i) -> None:
                access, walk_only = self._origins(b0, b1)
                self.out[b0:b1, i] = _raptor_kernels.range_raptor(
                    sn.tt_arrays, self.prep.freq_arrays, no_frequencies, 1, sn.transfers,
                    access, sn.egress, walk_only, self.departures, self.max_rides,
                    self.max_trip_s, self.out.shape[3], self.ranks)

            done = self._batches(run, done, self.out.shape[0] * len(states))

    def by_bags(self, kfares: tuple[NDArray[np.integer], ...], budgets: NDArray[np.int32]) -> None:
        """Answer every budget at once with the label-bag kernel."""
        transfer_k, egress_k = self.prep.transfer_k, self.walks.egress_k
        transfers = (transfer_k.ptr, transfer_k.target, transfer_k.walk_s)
        egress = (egress_k.ptr, egress_k.target, egress_k.walk_s)
        caps = [(_STOP_CAP, _ROUTE_CAP)]

        def run(b0: int, b1: int) -> None:
            access, walk_only = self._origins(b0, b1)
            stop_cap, route_cap = caps[-1]
            while True:
                ok, res = _fare_kernels.fare_range_raptor(
                    self.prep.tt_arrays, kfares, transfers, access, egress, walk_only,
                    self.departures, self.max_rides, self.max_trip_s, self.out.shape[3],
                    self.ranks, budgets, stop_cap, route_cap)
                if ok:
                    break
                stop_cap, route_cap = 2 * stop_cap, 2 * route_cap
                logger.debug("fare bags full: origins %d-%d again with %d labels a stop", b0, b1,
                             stop_cap)
                caps.append((stop_cap, route_cap))  # later batches start there
            self.out[b0:b1] = res

        self._batches(run, 0, self.out.shape[0])


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
    method: Method = "auto",
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
    method
        ``"auto"``: ticket states where they are exact, else label bags
        (module docstring); ``"states"`` or ``"bags"`` to choose (the same
        answers; for tests and benchmarks).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_budgets, n_percentiles, n_destinations)``, the
        budgets in the order given; NaN where unreachable within the budget.

    Raises
    ------
    InputError
        With random-phase frequency entries (use ``frequency_phase = "fixed"``).
    ValueError
        With ``method="states"`` where ticket states are not exact.
    """
    routing = request.routing
    progress = progress or no_progress
    started = time.perf_counter()
    prep = prepared_network(network, routing)
    if prep.ktt.frequencies.n_entries > 0:
        raise InputError("fare-aware routing needs timetabled trips: the timetable has "
                          "frequencies.txt entries drawn with random phases; set "
                          "[routing] frequency_phase = \"fixed\"")
    walks = prepared_walks(network, prep, origins, destinations, routing)
    kfares = kernel_fares(fares, len(prep.ktt.pattern_stop_ptr) - 1)
    budgets, inverse = _budgets(budgets_minor)
    n_unlimited = int((budgets == UNLIMITED_BUDGET).sum())
    budgets = budgets[:len(budgets) - n_unlimited]  # the plain engine answers those
    ranks = percentile_ranks(request.percentiles, request.window_min)
    departures = request.departures_s
    n_orig, n_dest = origins.n_points, destinations.n_points
    max_trip_s = int(routing.max_trip_min * 60)
    states = _chosen_states(fares, budgets, departures, max_trip_s, routing.max_rides, method)
    out = np.empty((n_orig, len(budgets), len(ranks), n_dest), dtype=np.int32)
    run = _FareRun(prep, walks, departures, routing.max_rides, max_trip_s, ranks, out, n_threads,
                   progress)
    if states is not None:
        run.by_states(states)
    elif len(budgets):
        run.by_bags(kfares, budgets)
    minutes = np.where(out == UNREACHED, np.nan, out / 60.0)
    if n_unlimited:
        plain = compute_snapped_travel_times(network, origins, destinations, request,
                                             n_threads=n_threads)
        minutes = np.concatenate([minutes] + [plain[:, None]] * n_unlimited, axis=1)
        progress(n_orig, n_orig)
    logger.info("fare-aware travel times (%s): %s origins x %s destinations, %d departures, "
                "%d budgets; %.1f s", "ticket states" if states is not None else "label bags",
                f"{n_orig:,}", f"{n_dest:,}", request.window_min, len(inverse),
                time.perf_counter() - started)
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
    method: Method = "auto",
) -> NDArray[np.float64]:
    """Fare-limited travel times between points, minutes (NaN where unreachable).

    As :func:`routes.engine.raptor.compute_travel_time_array` (a point to
    itself takes 0 minutes, for free), per budget: shape ``(n_origins,
    n_budgets, n_percentiles, n_destinations)``; ``method`` as for
    :func:`compute_snapped_fare_travel_times`.
    """
    linked_origins, linked_dests = link_points(network, origins, destinations, request.routing)
    minutes = compute_snapped_fare_travel_times(network, linked_origins, linked_dests, request,
                                                fares, budgets_minor, progress=progress,
                                                n_threads=n_threads, method=method)
    o, d = same_places_on_streets(origins, destinations, linked_origins)
    minutes[o, :, :, d] = 0.0
    return minutes
