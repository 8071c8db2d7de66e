"""Travel-time matrices by range-RAPTOR: the Python side of the built-in engine.

This wrapper snaps points, finds walking legs, calls the compiled kernels in
batches of origins (reporting progress between batches) and turns their
``int32`` seconds into a long table of minutes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._csr import offsets_from_counts, offsets_from_keys, owners
from routes._progress import ProgressCallback, no_progress
from routes.config.study_area import RoutingParams
from routes.engine import _raptor_kernels
from routes.engine.frequencies import (
    KernelTimetable,
    frequency_offsets,
    iterations_per_minute,
    kernel_timetable,
)
from routes.engine.request import TravelTimeRequest
from routes.engine.table import travel_time_table
from routes.errors import RoutesWarning
from routes.inputs.points import Points
from routes.network.transit import (
    TransitNetwork,
    closest_stops_on_patterns,
    transfer_search_m,
)
from routes.streets.graph import StreetNetwork
from routes.streets.snapping import EdgeIndex, SnappedPoints, build_edge_index, snap_points
from routes.streets.walking import WalkLegs, compute_walk_legs, invert_legs

__all__ = [
    "PreparedNetwork",
    "PreparedWalks",
    "StopOccurrences",
    "compute_snapped_travel_times",
    "compute_travel_time_array",
    "compute_travel_times",
    "link_points",
    "percentile_ranks",
    "prepared_network",
    "prepared_walks",
    "same_places_on_streets",
    "smallest_uint",
    "stop_occurrences",
]

logger = logging.getLogger(__name__)


def percentile_ranks(percentiles: Sequence[int], n_departures: int) -> NDArray[np.int64]:
    """0-based nearest-rank index of each percentile among ``n_departures`` sorted times.

    Notes
    -----
    Rank of percentile *p* among *n* ascending values: ``ceil(p / 100 · n) − 1``,
    clipped to ``[0, n − 1]`` (the nearest-rank definition). Unreachable
    departures sort last, so a percentile is unreachable when more than
    ``100 − p`` per cent of departures cannot reach the destination.
    """
    ranks = [min(max(math.ceil(p / 100 * n_departures) - 1, 0), n_departures - 1)
             for p in percentiles]
    return np.asarray(ranks, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class StopOccurrences:
    """Where one may board at each stop: rows ``ptr[s]:ptr[s + 1]`` of ``pattern``, ``position``."""

    ptr: NDArray[np.int64]
    pattern: NDArray[np.int32]
    position: NDArray[np.int32]


def stop_occurrences(pattern_stop_ptr: NDArray[np.integer], pattern_stops: NDArray[np.int32],
                      can_board: NDArray[np.uint8], n_stops: int) -> StopOccurrences:
    """Where each stop occurs in the patterns, at the positions one may board at."""
    lengths = np.diff(pattern_stop_ptr)
    pattern = owners(pattern_stop_ptr, dtype=np.int32)
    position = (np.arange(len(pattern_stops)) -
                np.repeat(pattern_stop_ptr[:-1], lengths)).astype(np.int32)
    last = np.zeros(len(pattern_stops), dtype=bool)
    last[pattern_stop_ptr[1:][lengths > 0] - 1] = True
    usable = np.flatnonzero((can_board != 0) & ~last)
    order = usable[np.argsort(pattern_stops[usable], kind="stable")]
    ptr = offsets_from_keys(pattern_stops[usable], n_stops)
    return StopOccurrences(ptr, pattern[order], position[order])


def _stop_order(pattern_stops: NDArray[np.int32], n_stops: int) -> NDArray[np.int64]:
    """Old index of each stop in the kernel's numbering.

    Stops are numbered in order of first appearance along the patterns (stops
    served by none last), so that a pattern scan and the walks between nearby
    stops mostly touch neighbouring label entries (about 5 % faster than the
    feed's order on the Porto Alegre sample). The numbering is internal: it
    changes no result.
    """
    first_seen = np.full(n_stops, len(pattern_stops), dtype=np.int64)
    np.minimum.at(first_seen, pattern_stops, np.arange(len(pattern_stops)))
    return np.argsort(first_seen, kind="stable")


def _renumber_sources(legs: WalkLegs, old_of_new: NDArray[np.int64],
                      new_of_old: NDArray[np.int64]) -> WalkLegs:
    """Legs between stops, with rows and targets in a new stop numbering."""
    lengths = np.diff(legs.ptr)[old_of_new]
    ptr = offsets_from_counts(lengths)
    rows = np.repeat(legs.ptr[old_of_new] - ptr[:-1], lengths) + np.arange(ptr[-1])
    return WalkLegs(ptr, new_of_old[legs.target[rows]].astype(np.int32), legs.distance_m[rows])


def _snap(network: TransitNetwork, points: Points, routing: RoutingParams, what: str,
          index: EdgeIndex | None = None) -> SnappedPoints:
    snapped = snap_points(network.streets, points.lon, points.lat, max_snap_m=routing.max_snap_m,
                          index=index)
    if snapped.n_dropped:
        msg = (
            f"{snapped.n_dropped:,} of {snapped.n_points:,} {what} are more than "
            f"{routing.max_snap_m:.0f} m from the street network and get no travel times; "
            "check their coordinates or extend the OSM extract"
        )
        warnings.warn(msg, RoutesWarning, stacklevel=4)
    return snapped


def _split_legs(legs: WalkLegs, n_stops: int) -> tuple[WalkLegs, WalkLegs]:
    """Split legs to (stops, then destinations) into legs to stops and legs to destinations."""
    n_src = len(legs.ptr) - 1
    src = owners(legs.ptr)
    parts = []
    for mask, shift in ((legs.target < n_stops, 0), (legs.target >= n_stops, n_stops)):
        ptr = offsets_from_keys(src[mask], n_src)
        parts.append(WalkLegs(ptr, (legs.target[mask] - shift).astype(np.int32),
                              legs.distance_m[mask]))
    return parts[0], parts[1]


def _legs_within(legs: WalkLegs, walk_s: NDArray[np.int32], limit_s: float,
                 limit_m: float = math.inf) -> WalkLegs:
    """Keep the legs whose rounded walking time is within ``limit_s`` (and length ``limit_m``)."""
    keep = (walk_s <= limit_s) & (legs.distance_m <= limit_m)
    n_src = len(legs.ptr) - 1
    ptr = offsets_from_keys(owners(legs.ptr)[keep], n_src)
    return WalkLegs(ptr, legs.target[keep], legs.distance_m[keep])


@dataclass(frozen=True, slots=True)
class _KernelLegs:
    """Walking legs as the kernel takes them: CSR rows sorted by time, compact dtypes."""

    ptr: NDArray[np.int64]
    target: NDArray[np.integer]
    walk_s: NDArray[np.integer]


def smallest_uint(values: NDArray[np.integer], bound: int) -> NDArray[np.integer]:
    """``values`` (all ``< bound``) as ``uint16`` when ``bound`` allows it, else ``int32``.

    Narrow legs keep more of the kernel's working set in cache.
    """
    dtype = np.uint16 if bound <= np.iinfo(np.uint16).max + 1 else np.int32
    return values.astype(dtype)


def _kernel_legs(legs: WalkLegs, walk_s: NDArray[np.int32], n_targets: int,
                 max_walk_s: float) -> _KernelLegs:
    """Legs for the kernel, each row sorted by walking time (it stops at the first too long)."""
    src = owners(legs.ptr)
    if len(walk_s) > 1 and ((np.diff(walk_s) < 0) & (src[1:] == src[:-1])).any():
        order = np.lexsort((walk_s, src))
        legs = WalkLegs(legs.ptr, legs.target[order], legs.distance_m[order])
        walk_s = walk_s[order]
    return _KernelLegs(legs.ptr, smallest_uint(legs.target, n_targets),
                       smallest_uint(walk_s, int(max_walk_s) + 1))


@dataclass(frozen=True, slots=True)
class PreparedNetwork:
    """What the kernel reads of a network for given routing parameters (stops renumbered)."""

    network: TransitNetwork
    key: tuple[object, ...]
    ktt: KernelTimetable
    old_of_new: NDArray[np.int64]
    stops: SnappedPoints
    transfer_k: _KernelLegs
    tt_arrays: tuple[Any, ...]
    freq_arrays: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class PreparedWalks:
    """Access, walk-only and egress legs of given origins and destinations on a network."""

    streets: StreetNetwork
    key: tuple[object, ...]
    stops: SnappedPoints
    access: WalkLegs
    direct: WalkLegs
    egress: WalkLegs
    access_s: NDArray[np.int32]
    direct_s: NDArray[np.int32]
    egress_k: _KernelLegs


_MEMO_SIZE = 2
"""Prepared networks and walks kept for the next call (a baseline and its scenario)."""
_memo_lock = threading.Lock()
_network_memo: list[PreparedNetwork] = []
_walks_memo: list[PreparedWalks] = []


def _remember(memo: list[Any], entry: Any) -> None:
    with _memo_lock:
        memo.insert(0, entry)
        del memo[_MEMO_SIZE:]


def prepared_network(network: TransitNetwork, routing: RoutingParams) -> PreparedNetwork:
    """Kernel timetable, stop numbering, filtered transfers and stop occurrences, memoised.

    Repeated calls on the same network object with the same transfer and
    boarding parameters (a window after a single departure, the percentiles of
    a matrix, a scenario after its baseline) reuse them: the closest-stop
    transfer rule alone takes about a quarter of a second on Porto Alegre.
    """
    key = (routing.frequency_phase, routing.walk_speed_m_s, routing.max_transfer_s,
           routing.max_transfer_m, routing.transfers, routing.board_slack_s)
    with _memo_lock:
        for entry in _network_memo:
            if entry.network is network and entry.key == key:
                return entry
    tt = network.timetable
    links = network.links
    speed = routing.walk_speed_m_s
    ktt = kernel_timetable(tt, routing.frequency_phase)
    freq = ktt.frequencies
    # From here on stops are in the kernel's numbering (see _stop_order).
    old_of_new = _stop_order(np.r_[ktt.pattern_stops, freq.stops].astype(np.int32), tt.n_stops)
    new_of_old = np.empty_like(old_of_new)
    new_of_old[old_of_new] = np.arange(tt.n_stops)
    pattern_stops = new_of_old[ktt.pattern_stops].astype(np.int32)
    transfers = _legs_within(links.transfers, links.transfers.walk_s(speed),
                             routing.max_transfer_s, routing.max_transfer_m)
    if routing.transfers == "closest_per_pattern":
        transfers = closest_stops_on_patterns(transfers, tt)
    transfers = _renumber_sources(transfers, old_of_new, new_of_old)
    transfer_k = _kernel_legs(transfers, transfers.walk_s(speed), tt.n_stops,
                              routing.max_transfer_s)
    occ = stop_occurrences(ktt.pattern_stop_ptr, pattern_stops, ktt.can_board, tt.n_stops)
    # R5 boards a timetabled trip leaving more than the slack after one is at the
    # stop, a frequency vehicle one leaving at least the slack after.
    tt_arrays = (ktt.pattern_stop_ptr, pattern_stops, ktt.pattern_trip_ptr, ktt.trip_time_ptr,
                 ktt.arrival_s, ktt.departure_s, ktt.can_board, ktt.can_alight,
                 routing.board_slack_s + 1, occ.ptr, occ.pattern, occ.position)
    freq_arrays = (freq.stop_ptr, new_of_old[freq.stops].astype(np.int32), freq.can_board,
                   freq.can_alight, freq.arrival_rel_s, freq.departure_rel_s, freq.start_s,
                   freq.end_s, freq.headway_s, routing.board_slack_s)
    entry = PreparedNetwork(network, key, ktt, old_of_new, links.stops.take(old_of_new),
                             transfer_k, tt_arrays, freq_arrays)
    _remember(_network_memo, entry)
    return entry


def _points_key(points: SnappedPoints) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for array in (points.node_a, points.node_b, points.along_a_m, points.along_b_m,
                  points.segment, points.offstreet_m):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def prepared_walks(network: TransitNetwork, prep: PreparedNetwork, origins: SnappedPoints,
                    destinations: SnappedPoints, routing: RoutingParams) -> PreparedWalks:
    """Access, walk-only and egress legs, memoised for the same streets, stops and points.

    The street searches are most of a single departure's set-up; a second
    query with the same points on the same streets and stops (another window,
    other percentiles, a scenario's affected origins with its baseline's
    stops) reuses them. The key is the content of the linked points, so
    equal points given as new objects hit too.
    """
    speed = routing.walk_speed_m_s
    max_walk_s = routing.max_walk_min * 60.0
    key = (_points_key(prep.stops), _points_key(origins),
           "same" if destinations is origins else _points_key(destinations), speed, max_walk_s)
    with _memo_lock:
        for entry in _walks_memo:
            if entry.streets is network.streets and entry.key == key:
                return entry
    n_stops = prep.stops.n_points
    # Search a little past the limit, then keep legs whose *rounded* time is within it.
    search_m = (max_walk_s + 0.5) * speed
    legs = compute_walk_legs(network.streets, origins, prep.stops.concat(destinations), search_m)
    legs = _legs_within(legs, legs.walk_s(speed), max_walk_s)
    access, direct = _split_legs(legs, n_stops)
    if destinations is origins:
        dest_to_stop = access
    else:
        dest_to_stop = compute_walk_legs(network.streets, destinations, prep.stops, search_m)
        dest_to_stop = _legs_within(dest_to_stop, dest_to_stop.walk_s(speed), max_walk_s)
    egress = invert_legs(dest_to_stop, n_stops)
    egress_k = _kernel_legs(egress, egress.walk_s(speed), destinations.n_points, max_walk_s)
    entry = PreparedWalks(network.streets, key, prep.stops, access, direct, egress,
                           access.walk_s(speed), direct.walk_s(speed), egress_k)
    _remember(_walks_memo, entry)
    return entry


def compute_travel_time_array(
    network: TransitNetwork,
    origins: Points,
    destinations: Points | None,
    request: TravelTimeRequest,
    *,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Travel times as a dense array, minutes (NaN where unreachable).

    Parameters are as for :func:`compute_travel_times`. From a point to a
    point at the same place (the same coordinates to 1e-7 degrees, about a
    centimetre) the time is 0, as in R5, when the point is on the street network.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_percentiles, n_destinations)``.

    Warns
    -----
    RoutesWarning
        When points cannot be snapped to the street network.
    """
    linked_origins, linked_dests = link_points(network, origins, destinations, request.routing)
    minutes = compute_snapped_travel_times(network, linked_origins, linked_dests, request,
                                           progress=progress, n_threads=n_threads)
    o, d = same_places_on_streets(origins, destinations, linked_origins)
    minutes[o, :, d] = 0.0
    return minutes


def link_points(network: TransitNetwork, origins: Points, destinations: Points | None,
                routing: RoutingParams) -> tuple[SnappedPoints, SnappedPoints]:
    """Link origins and destinations to the streets (``None`` or the same object: once).

    Warns
    -----
    RoutesWarning
        When points cannot be snapped to the street network.
    """
    index = network.edge_index
    if index is None:
        index = build_edge_index(network.streets)
    linked_origins = _snap(network, origins, routing, "origins", index)
    if destinations is None or destinations is origins:
        return linked_origins, linked_origins
    return linked_origins, _snap(network, destinations, routing, "destinations", index)


def same_places_on_streets(origins: Points, destinations: Points | None,
                           linked_origins: SnappedPoints,
                           ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Origin and destination indices at the same place, the origin on the streets.

    A point's trip to itself takes 0 minutes (as in R5), not twice its walk to
    the street; an origin off the streets reaches nothing, itself included.
    """
    o, d = _same_places(origins, origins if destinations is None else destinations)
    on_streets = linked_origins.snapped[o]
    return o[on_streets], d[on_streets]


def _same_places(a: Points, b: Points) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Index pairs of the points of ``a`` and ``b`` at the same place (to 1e-7 degrees)."""
    left = pd.DataFrame({"lon": np.round(a.lon, 7), "lat": np.round(a.lat, 7),
                         "i": np.arange(len(a))})
    right = pd.DataFrame({"lon": np.round(b.lon, 7), "lat": np.round(b.lat, 7),
                          "j": np.arange(len(b))})
    same = left.merge(right, on=["lon", "lat"])
    return same["i"].to_numpy(np.intp), same["j"].to_numpy(np.intp)


def compute_snapped_travel_times(
    network: TransitNetwork,
    origins: SnappedPoints,
    destinations: SnappedPoints,
    request: TravelTimeRequest,
    *,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Travel times between points already linked to the streets, minutes.

    Parameters
    ----------
    network
        Streets, timetable and stop links.
    origins, destinations
        Where the origins and destinations join ``network.streets``
        (:func:`routes.streets.snapping.snap_points`); dropped points are unreachable.
        Pass the same object twice for an all-to-all matrix (its walks are
        then searched once).
    request, progress, n_threads
        As for :func:`compute_travel_times`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_percentiles, n_destinations)``, NaN where unreachable.
    """
    routing = request.routing
    n_minutes = request.window_min
    pcts = request.percentiles
    progress = progress or no_progress
    links = network.links
    if transfer_search_m(routing) > links.max_transfer_m + 1e-6:
        logger.info(
            "transfer walks were built up to %.0f m; longer ones are not used",
            links.max_transfer_m,
        )
    started = time.perf_counter()
    prep = prepared_network(network, routing)
    freq = prep.ktt.frequencies
    walks = prepared_walks(network, prep, origins, destinations, routing)
    access, direct, egress = walks.access, walks.direct, walks.egress
    logger.debug("walk legs: %d access, %d direct, %d egress; %.2f s", len(access.target),
                 len(direct.target), len(egress.target), time.perf_counter() - started)

    departures = request.departures_s
    draws = iterations_per_minute(n_minutes, routing.frequency_draws, freq.n_entries > 0)
    ranks = percentile_ranks(pcts, n_minutes * draws)
    offsets = frequency_offsets(freq.keys, freq.headway_s, max(n_minutes * draws, 1),
                                routing.frequency_seed)
    n_orig, n_dest = origins.n_points, destinations.n_points
    access_s, direct_s = walks.access_s, walks.direct_s
    egress_k = walks.egress_k
    tt_arrays, freq_arrays = prep.tt_arrays, prep.freq_arrays
    transfer_k = prep.transfer_k
    transfer_arrays = (transfer_k.ptr, transfer_k.target, transfer_k.walk_s)
    egress_arrays = (egress_k.ptr, egress_k.target, egress_k.walk_s)
    out = np.empty((n_orig, len(ranks), n_dest), dtype=np.int32)
    n_workers = n_threads or os.cpu_count() or 1
    batch = 8

    def run_batch(b0: int) -> int:
        b1 = min(b0 + batch, n_orig)
        a_sl = slice(access.ptr[b0], access.ptr[b1])
        w_sl = slice(direct.ptr[b0], direct.ptr[b1])
        out[b0:b1] = _raptor_kernels.range_raptor(
            tt_arrays, freq_arrays, offsets, draws, transfer_arrays,
            (access.ptr[b0:b1 + 1] - access.ptr[b0], access.target[a_sl], access_s[a_sl]),
            egress_arrays,
            (direct.ptr[b0:b1 + 1] - direct.ptr[b0], direct.target[w_sl], direct_s[w_sl]),
            departures, routing.max_rides, int(routing.max_trip_min * 60), n_dest, ranks,
        )
        return b1 - b0

    # The kernel releases the GIL: threads pulling small batches balance the load.
    done = 0
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        for finished in pool.map(run_batch, range(0, n_orig, batch)):
            done += finished
            progress(done, n_orig)
    logger.info(
        "travel times: %s origins x %s destinations, %d departures; %.1f s",
        f"{n_orig:,}", f"{n_dest:,}", n_minutes, time.perf_counter() - started,
    )
    return np.where(out == _raptor_kernels.UNREACHED, np.nan, out / 60.0)


def compute_travel_times(
    network: TransitNetwork,
    origins: Points,
    destinations: Points | None,
    request: TravelTimeRequest,
    *,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Compute walk + public transport travel times between points (range-RAPTOR).

    For every minute of the departure window the earliest arrival at each
    destination is found; each origin–destination pair thus gets a
    distribution of travel times, reported at the chosen percentiles.

    Parameters
    ----------
    network
        Streets, timetable and stop links of the study area.
    origins
        Origin points.
    destinations
        Destination points; the origins when ``None``.
    request
        Departure window, percentiles, walking speed and limits
        (:meth:`TravelTimeRequest.from_routing` of the study area's ``[routing]``).
    progress
        Called as ``progress(done, total)`` with origins done.
    n_threads
        Worker threads (default: all cores).

    Returns
    -------
    pandas.DataFrame
        The long table of :func:`routes.engine.table.travel_time_table`:
        ``from_id``, ``to_id``, ``travel_time_pNN_min``.

    Warns
    -----
    RoutesWarning
        When points cannot be snapped to the street network.

    Notes
    -----
    Travel time for a departure at *t* is the earliest arrival minus *t*, so
    waiting at the first stop counts. Points and stops join the streets at the
    nearest point of their nearest street segment (R5's linking, see
    :mod:`routes.streets.snapping`); walks are shortest street paths between those
    split points plus the straight off-street distances at both ends.
    Percentiles use the nearest rank (:func:`percentile_ranks`).
    """
    destinations = origins if destinations is None else destinations
    minutes = compute_travel_time_array(network, origins, destinations, request,
                                        progress=progress, n_threads=n_threads)
    return travel_time_table(minutes, origins, destinations, request.percentiles)
