"""Grouping trips into patterns (R5's ``TripPattern``) for :mod:`routes.timetable.timetable`.

A pattern is a sequence of stops served by trips that never overtake one
another, so that within a pattern trips are sorted at every stop.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from routes._csr import concat_ranges, offsets_from_counts, offsets_from_keys, owners


def _build_patterns(
    trip_route: NDArray[np.int64],
    trip_ptr: NDArray[np.int64],
    stops: NDArray[np.int64],
    arrival_s: NDArray[np.int64],
    departure_s: NDArray[np.int64],
    *,
    pickup_type: NDArray[np.uint8] | None = None,
    drop_off_type: NDArray[np.uint8] | None = None,
) -> tuple[NDArray[np.int64], ...]:
    """Group trips into non-overtaking patterns.

    Trips of a pattern share route, stops and (when given) the pickup and
    drop-off type at every stop.

    Returns
    -------
    tuple
        The trip order (trips grouped by pattern, each pattern's trips sorted),
        ``pattern_route``, ``pattern_stop_ptr``, ``pattern_stops`` and
        ``pattern_trip_ptr``.
    """
    n_trips = len(trip_route)
    lengths = np.diff(trip_ptr)
    group = np.zeros(n_trips, dtype=np.int64)  # same route and stop sequence
    rank = np.zeros(n_trips, dtype=np.int64)  # order by departures within a group
    sub = np.zeros(n_trips, dtype=np.int64)  # non-overtaking sub-pattern within a group
    next_group = 0
    for length in np.unique(lengths):  # one vectorised pass per distinct trip length
        trips = np.flatnonzero(lengths == length)
        cells = trip_ptr[trips][:, None] + np.arange(length)
        columns = [trip_route[trips][:, None], stops[cells]]
        columns += [t[cells].astype(np.int64) for t in (pickup_type, drop_off_type)
                    if t is not None and t.any()]
        key = np.column_stack(columns)
        _, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.ravel()
        dep, arr = departure_s[cells], arrival_s[cells]
        sort_keys = [arr[:, j] for j in range(length - 1, -1, -1)]
        sort_keys += [dep[:, j] for j in range(length - 1, -1, -1)]
        order = np.lexsort([*sort_keys, inv])
        inv, dep, arr, trips = inv[order], dep[order], arr[order], trips[order]
        same = inv[1:] == inv[:-1]
        sorted_ok = (dep[1:] >= dep[:-1]).all(axis=1) & (arr[1:] >= arr[:-1]).all(axis=1)
        for g in np.unique(inv[1:][same & ~sorted_ok]):
            members = np.flatnonzero(inv == g)
            sub[trips[members]] = _split_overtaking(dep[members], arr[members])
        group[trips] = inv + next_group
        rank[trips] = np.arange(len(trips))
        next_group += int(inv.max()) + 1 if len(inv) else 0

    trip_order = np.lexsort((rank, sub, group, trip_route))
    g, s = group[trip_order], sub[trip_order]
    first_trip = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (s[1:] != s[:-1])][:n_trips])
    pattern_trip_ptr = np.r_[first_trip, n_trips].astype(np.int64)
    rep = trip_order[first_trip]
    pattern_lengths = lengths[rep]
    pattern_stops = stops[concat_ranges(trip_ptr[rep], pattern_lengths)]
    pattern_stop_ptr = offsets_from_counts(pattern_lengths)
    return trip_order, trip_route[rep], pattern_stop_ptr, pattern_stops, pattern_trip_ptr


def _split_overtaking(dep: NDArray[np.int64], arr: NDArray[np.int64]) -> NDArray[np.int64]:
    """Greedily assign sorted trips to sub-patterns in which no trip overtakes another.

    Each trip goes to the first sub-pattern whose last trip it follows at every
    stop (departure and arrival), else to a new one. Only called for the rare
    groups where overtaking happens.
    """
    labels = np.zeros(len(dep), dtype=np.int64)
    last: list[int] = []
    for i in range(len(dep)):
        for label, j in enumerate(last):
            if (dep[i] >= dep[j]).all() and (arr[i] >= arr[j]).all():
                labels[i] = label
                last[label] = i
                break
        else:
            labels[i] = len(last)
            last.append(i)
    return labels


def _build_stop_patterns(
    pattern_stop_ptr: NDArray[np.int64], pattern_stops: NDArray[np.int64], n_stops: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """CSR from each stop to the patterns serving it (each pattern once, ascending)."""
    n_patterns = len(pattern_stop_ptr) - 1
    width = max(n_patterns, 1)
    pattern_of = owners(pattern_stop_ptr)
    pairs = np.unique(pattern_stops.astype(np.int64) * width + pattern_of)  # sorted by stop
    ptr = offsets_from_keys(pairs // width, n_stops)
    return ptr, pairs % width
