"""Incremental scenarios: route again only the origins a proposal can affect.

A proposal changes a timetable, not the streets. A journey from an origin can
change only if it can use a trip the proposal adds (or a trip it removes, in
the baseline), so an origin that cannot reach any stop of such a trip within
the trip-time limit keeps its baseline row exactly. This module finds those
origins (:func:`affected_origins`, the bound is proved there) and assembles a
scenario's travel times from the baseline's rows and the rows of the affected
origins routed on the scenario (:func:`incremental_travel_times`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from routes._csr import offsets_from_keys, owners
from routes._progress import ProgressCallback
from routes.config.study_area import RoutingParams
from routes.engine.base import TravelTimeEngine
from routes.engine.frequencies import iterations_per_minute
from routes.engine.request import TravelTimeRequest
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork, closest_stops_on_patterns
from routes.streets.snapping import SnappedPoints, build_edge_index, snap_points
from routes.streets.walking import WalkLegs, compute_walk_legs
from routes.timetable.timetable import Timetable

__all__ = [
    "ScenarioChange",
    "affected_linked_origins",
    "affected_origins",
    "reuse_baseline_rows",
    "incremental_travel_times",
    "scenario_change",
    "seconds_to_changes",
]

logger = logging.getLogger(__name__)

_EPSILON_S = 1e-6
"""Added to every edge of the lower-bound graph: scipy's sparse graphs drop zero weights."""


@dataclass(frozen=True, slots=True)
class ScenarioChange:
    """Where a scenario's timetable differs from its baseline's.

    Attributes
    ----------
    changed_stops
        Mask over the scenario's stops: the stops of every trip (or frequency
        entry) that is in one timetable and not the other, and the source stops
        of every transfer walk the engine uses in one network and not the other.
    comparable
        False when the scenario renumbers the baseline's stops (its stops are
        not the baseline's followed by new ones) or its random frequency
        draws per minute differ: every origin is then affected.
    """

    changed_stops: NDArray[np.bool_]
    comparable: bool

    @property
    def n_changed(self) -> int:
        """Number of changed stops."""
        return int(self.changed_stops.sum())


def _trip_keys(tt: Timetable) -> list[bytes]:
    """One key per trip: everything the engine reads of it (stops, times, flags, entry)."""
    pattern_of_trip = owners(tt.pattern_trip_ptr)
    can_board = tt.can_board.astype(np.uint8)
    can_alight = tt.can_alight.astype(np.uint8)
    freq = tt.trip_frequency
    keys = []
    for t in range(tt.n_trips):
        p = pattern_of_trip[t]
        ps, pe = tt.pattern_stop_ptr[p], tt.pattern_stop_ptr[p + 1]
        ts, te = tt.trip_time_ptr[t], tt.trip_time_ptr[t + 1]
        key = b"".join((tt.pattern_stops[ps:pe].tobytes(), tt.arrival_s[ts:te].tobytes(),
                        tt.departure_s[ts:te].tobytes(), can_board[ps:pe].tobytes(),
                        can_alight[ps:pe].tobytes()))
        if freq is not None and freq[t] >= 0:
            assert tt.frequency_keys is not None and tt.frequency_headway_s is not None
            assert tt.frequency_start_s is not None and tt.frequency_end_s is not None
            e = freq[t]
            key += repr((tt.frequency_keys[e], int(tt.frequency_start_s[e]),
                         int(tt.frequency_end_s[e]), int(tt.frequency_headway_s[e]))).encode()
        keys.append(key)
    return keys


def _trip_stops(tt: Timetable, trips: NDArray[np.intp]) -> NDArray[np.int32]:
    pattern_of_trip = owners(tt.pattern_trip_ptr)
    parts = [tt.pattern_stops[tt.pattern_stop_ptr[p]:tt.pattern_stop_ptr[p + 1]]
             for p in np.unique(pattern_of_trip[trips])]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def _used_transfers(network: TransitNetwork, routing: RoutingParams) -> WalkLegs:
    """Return the transfer walks the engine uses (as :mod:`routes.engine.raptor` filters them)."""
    legs = network.links.transfers
    walk_s = legs.walk_s(routing.walk_speed_m_s)
    keep = (walk_s <= routing.max_transfer_s) & (legs.distance_m <= routing.max_transfer_m)
    n_src = len(legs.ptr) - 1
    legs = WalkLegs(offsets_from_keys(owners(legs.ptr)[keep], n_src), legs.target[keep],
                    legs.distance_m[keep])
    if routing.transfers == "closest_per_pattern":
        legs = closest_stops_on_patterns(legs, network.timetable)
    return legs


def _transfer_codes(legs: WalkLegs, n_stops: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    codes = owners(legs.ptr).astype(np.int64) * n_stops + legs.target
    order = np.argsort(codes, kind="stable")
    return codes[order], legs.distance_m[order]


def scenario_change(baseline: TransitNetwork, scenario: TransitNetwork,
                    routing: RoutingParams, window_min: int) -> ScenarioChange:
    """Find the stops where the scenario's timetable or transfer walks differ from the baseline's.

    Parameters
    ----------
    baseline, scenario
        The networks (the scenario built on the baseline's streets,
        :func:`routes.network.scenario.build_scenario_network`).
    routing
        The routing parameters (transfer limits and rule, frequency draws).
    window_min
        Minutes of the departure window (the frequency draws per minute depend on it).

    Returns
    -------
    ScenarioChange
        The changed stops, in the scenario's numbering.
    """
    old, new = baseline.timetable, scenario.timetable
    n_old = old.n_stops
    changed = np.zeros(new.n_stops, dtype=bool)
    comparable = (new.n_stops >= n_old and np.array_equal(new.stop_ids[:n_old], old.stop_ids)
                  and scenario.streets.n_nodes == baseline.streets.n_nodes
                  and scenario.links.stops.n_points == new.n_stops)
    random = routing.frequency_phase == "random"
    draws = [iterations_per_minute(window_min, routing.frequency_draws,
                                   random and tt.n_frequency_entries > 0) for tt in (old, new)]
    if not comparable or draws[0] != draws[1]:
        return ScenarioChange(np.ones(new.n_stops, dtype=bool), False)
    # Trips: the multiset difference of their keys, both ways.
    old_keys = _trip_keys(old)
    counts: dict[bytes, int] = {}
    for key in old_keys:
        counts[key] = counts.get(key, 0) + 1
    new_keys = _trip_keys(new)
    added = []
    for t, key in enumerate(new_keys):
        if counts.get(key, 0) > 0:
            counts[key] -= 1
        else:
            added.append(t)
    removed_keys = {key for key, c in counts.items() if c > 0}
    removed = [t for t, key in enumerate(old_keys) if key in removed_keys]
    changed[_trip_stops(new, np.asarray(added, dtype=np.intp))] = True
    changed[_trip_stops(old, np.asarray(removed, dtype=np.intp))] = True
    # Transfer walks the engine uses in one network and not the other (or of another length).
    codes_old, dist_old = _transfer_codes(_used_transfers(baseline, routing), new.n_stops)
    codes_new, dist_new = _transfer_codes(_used_transfers(scenario, routing), new.n_stops)
    differ = np.setxor1d(codes_old, codes_new)
    common, i_old, i_new = np.intersect1d(codes_old, codes_new, return_indices=True)
    differ = np.r_[differ, common[dist_old[i_old] != dist_new[i_new]]]
    changed[(differ // new.n_stops).astype(np.intp)] = True
    return ScenarioChange(changed, True)


def _ride_edges(tt: Timetable) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(from stop, to stop, least ride time) of each hop between consecutive stops of a trip."""
    pattern_of_trip = owners(tt.pattern_trip_ptr)
    lengths = np.diff(tt.trip_time_ptr).astype(np.int64)
    starts = np.repeat(tt.pattern_stop_ptr[pattern_of_trip].astype(np.int64), lengths)
    position = np.arange(len(tt.arrival_s)) - np.repeat(tt.trip_time_ptr[:-1].astype(np.int64),
                                                          lengths)
    stop = tt.pattern_stops[starts + position].astype(np.int64)
    hop = np.ones(len(stop), dtype=bool)
    hop[tt.trip_time_ptr[1:][lengths > 0] - 1] = False  # no hop from a trip's last stop
    i = np.flatnonzero(hop)
    ride_s = np.maximum(tt.arrival_s[i + 1].astype(np.float64) - tt.departure_s[i], 0.0)
    return stop[i], stop[i + 1], ride_s


def seconds_to_changes(baseline: TransitNetwork, scenario: TransitNetwork,
                       change: ScenarioChange, routing: RoutingParams) -> NDArray[np.float64]:
    """Bound from below, per scenario stop, the seconds from being there to reaching a changed stop.

    The bound is the shortest path to any changed stop over riding (each hop
    between consecutive stops of a trip of either timetable, weighing the
    least ride time of any trip over it, waits and dwells left out) and
    transfer walks (of either network, before the closest-stop rule). Every
    journey of either network from the stop to a changed stop rides and walks
    along such a path and takes at least as long. ``inf`` where no changed
    stop can be reached.
    """
    n = scenario.timetable.n_stops
    parts = [_ride_edges(baseline.timetable), _ride_edges(scenario.timetable)]
    for net in (baseline, scenario):
        legs = net.links.transfers
        walk_s = legs.walk_s(routing.walk_speed_m_s)
        keep = (walk_s <= routing.max_transfer_s) & (legs.distance_m <= routing.max_transfer_m)
        parts.append((owners(legs.ptr)[keep].astype(np.int64), legs.target[keep].astype(np.int64),
                      walk_s[keep].astype(np.float64)))
    src = np.concatenate([p[0] for p in parts])
    dst = np.concatenate([p[1] for p in parts])
    weight = np.concatenate([p[2] for p in parts]) + _EPSILON_S
    # Keep the least weight of each (from, to): a sparse matrix would add duplicates up.
    code = src * n + dst
    order = np.lexsort((weight, code))
    least = order[np.r_[True, code[order][1:] != code[order][:-1]]]
    # Reversed edges: distances *from* the changed stops in this graph are *to* them in the other.
    graph = sp.csr_matrix((weight[least], (dst[least], src[least])), shape=(n, n))
    sources = np.flatnonzero(change.changed_stops)
    if len(sources) == 0:
        return np.full(n, np.inf)
    return np.asarray(dijkstra(graph, directed=True, indices=sources, min_only=True))


def affected_origins(baseline: TransitNetwork, scenario: TransitNetwork, origins: Points,
                     request: TravelTimeRequest) -> NDArray[np.bool_]:
    """Mask of the origins whose travel times in the scenario may differ from the baseline's.

    The origins are linked to the streets as the engine links them; see
    :func:`affected_linked_origins` for the bound and its proof.
    """
    routing = request.routing
    index = scenario.edge_index if scenario.edge_index is not None else build_edge_index(
        scenario.streets)
    snapped = snap_points(scenario.streets, origins.lon, origins.lat,
                          max_snap_m=routing.max_snap_m, index=index)
    return affected_linked_origins(baseline, scenario, snapped, request)


def affected_linked_origins(baseline: TransitNetwork, scenario: TransitNetwork,
                            origins: SnappedPoints,
                            request: TravelTimeRequest) -> NDArray[np.bool_]:
    """Mask of the (linked) origins whose travel times in the scenario may differ.

    Notes
    -----
    **Claim.** Let ``C`` be the changed stops (:func:`scenario_change`), ``W(o, s)``
    the access walk from origin ``o`` to stop ``s`` (whole seconds, as the
    engine rounds it), ``D(s)`` the bound of :func:`seconds_to_changes` and
    ``T`` the trip-time limit ``max_trip_min``. If ``min_s W(o, s) + D(s) > T``
    then every travel time from ``o``, for every departure minute, random draw
    and percentile, is the same on both networks.

    **Proof.** The engine's time from ``o`` to a destination for a departure
    ``t`` is the earliest arrival over the journeys (access walk, up to
    ``max_rides`` rides joined by transfer walks, egress walk; or a walk only)
    that arrive by ``t + T``. Range-RAPTOR's reuse of the labels of later
    departures does not change this: a label kept from departure ``t' > t`` is
    a journey that waits at the origin until ``t'``, so it is one of the
    journeys from ``t`` too, and every label is pruned against ``t + T`` of the
    departure being computed before it is written. Take a journey ``J`` that
    exists in one network only, or whose time differs. It must use a trip that
    is in one timetable only (all of whose stops are in ``C``) or a transfer
    walk used in one network only (whose source stop is in ``C``): walking legs
    between points and stops are the same in both networks (same streets, the
    baseline's stops keep their links; new stops are served only by added
    trips), and so are the trips common to both. Let ``c`` be the stop of
    ``J``'s *first* such element (where it boards the trip, or starts the
    walk). The part of ``J`` before ``c`` uses only elements common to both
    networks, so it reaches ``c`` no earlier than ``t + W(o, s) + D(s)`` for the
    stop ``s`` it walked to first: waits and dwells are non-negative, every ride
    between consecutive stops takes at least the least time of any trip over
    that hop, every walk is in the graph of :func:`seconds_to_changes`. So ``J``
    arrives after ``t + T`` and is not counted in either network. The journeys
    counted are then the same in both networks, with the same times, hence
    the same earliest arrivals for every departure. Frequency entries keep
    their random phases across networks (seeded by their keys,
    :func:`routes.engine.frequencies.frequency_offsets`) when the draws per
    minute are equal, which :func:`scenario_change` checks; otherwise, or when
    the scenario renumbers the baseline's stops, every origin counts as
    affected. Walk-only trips and the zero time from a point to the same place
    depend on the streets only. ∎

    Edges of the bound's graph carry an extra 1e-6 s each (scipy drops zero
    weights); origins within ``T + 0.5`` s count as affected, which covers it.
    """
    routing = request.routing
    change = scenario_change(baseline, scenario, routing, request.window_min)
    if not change.comparable:
        return np.ones(origins.n_points, dtype=bool)
    if change.n_changed == 0:
        return np.zeros(origins.n_points, dtype=bool)
    to_change_s = seconds_to_changes(baseline, scenario, change, routing)
    max_walk_s = routing.max_walk_min * 60.0
    speed = routing.walk_speed_m_s
    legs = compute_walk_legs(scenario.streets, origins, scenario.links.stops,
                             (max_walk_s + 0.5) * speed)
    walk_s = legs.walk_s(speed).astype(np.float64)
    via = np.where(walk_s <= max_walk_s, walk_s + to_change_s[legs.target], np.inf)
    bound = np.full(origins.n_points, np.inf)
    np.minimum.at(bound, owners(legs.ptr), via)
    return np.asarray(bound <= routing.max_trip_min * 60 + 0.5)


def incremental_travel_times(
    engine: TravelTimeEngine,
    baseline: TransitNetwork,
    scenario: TransitNetwork,
    origins: Points,
    destinations: Points,
    request: TravelTimeRequest,
    baseline_minutes: NDArray[np.floating],
    *,
    progress: ProgressCallback | None = None,
) -> NDArray[np.float64]:
    """Compute a scenario's travel times: baseline rows, the affected origins routed again.

    Parameters
    ----------
    engine
        Routes on ``scenario`` and gives the built-in engine's results (its
        ``cache_tag`` is empty).
    baseline, scenario
        The two networks.
    origins, destinations, request
        As for :meth:`~routes.engine.base.TravelTimeEngine.compute_travel_time_array`.
    baseline_minutes
        The engine's result for the same points and request on ``baseline``,
        shape ``(n_origins, n_percentiles, n_destinations)``.
    progress
        Called as ``progress(done, total)`` with origins done (of the affected ones).

    Returns
    -------
    numpy.ndarray
        Equal to routing every origin on ``scenario`` (:func:`affected_origins`).
    """
    started = time.perf_counter()
    affected = affected_origins(baseline, scenario, origins, request)
    which = np.flatnonzero(affected)
    minutes = np.array(baseline_minutes, dtype=np.float64)
    if len(which):
        subset = Points(origins.ids[which], origins.lon[which], origins.lat[which])
        minutes[which] = engine.compute_travel_time_array(subset, destinations, request,
                                                          progress=progress)
    logger.info("incremental scenario: %s of %s origins routed again; %.1f s",
                f"{len(which):,}", f"{len(origins):,}", time.perf_counter() - started)
    return minutes


def reuse_baseline_rows(
    engine: TravelTimeEngine,
    origins: Points,
    destinations: Points,
    request: TravelTimeRequest,
    baseline_minutes: NDArray[np.floating],
    *,
    progress: ProgressCallback | None = None,
) -> NDArray[np.float64] | None:
    """Compute the scenario's times by :func:`incremental_travel_times` if ``engine`` allows.

    ``engine`` must be a scenario's engine that knows its baseline network (a
    :class:`~routes.engine.base.BuiltinEngine` from
    :meth:`~routes.engine.base.BuiltinEngine.for_scenario`) and give the
    built-in engine's results; otherwise ``None`` (compute every origin).
    """
    baseline = getattr(engine, "baseline", None)
    scenario = getattr(engine, "network", None)
    if engine.cache_tag or not isinstance(baseline, TransitNetwork) or not isinstance(
            scenario, TransitNetwork):
        return None
    return incremental_travel_times(engine, baseline, scenario, origins, destinations, request,
                                    baseline_minutes, progress=progress)
