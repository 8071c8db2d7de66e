"""Compiled hot loops of the routing engine: bounded walking searches and range-RAPTOR.

Everything here takes and returns contiguous numpy arrays only; IDs, units,
validation and the sentinel-to-NaN conversion live in the Python wrappers
(:mod:`routes.engine.walking` and :mod:`routes.engine.raptor`).

Times are ``int32`` seconds after service-day midnight; ``UNREACHED`` marks a
label that has not been reached.
"""

from __future__ import annotations

import numba as nb
import numpy as np

UNREACHED = np.int32(2**31 - 1)
"""Sentinel for an unreached time label (int32 max)."""

_INF_M = np.inf


# --------------------------------------------------------------------------------------
# Bounded walking searches (Dijkstra on the CSR street graph)
# --------------------------------------------------------------------------------------


@nb.njit(cache=True, nogil=True)
def _heap_push(heap_key, heap_val, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    heap_key[i] = key
    heap_val[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if heap_key[parent] <= heap_key[i]:
            break
        heap_key[parent], heap_key[i] = heap_key[i], heap_key[parent]
        heap_val[parent], heap_val[i] = heap_val[i], heap_val[parent]
        i = parent
    return size + 1


@nb.njit(cache=True, nogil=True)
def _heap_pop(heap_key, heap_val, size):  # type: ignore[no-untyped-def]
    key = heap_key[0]
    val = heap_val[0]
    size -= 1
    heap_key[0] = heap_key[size]
    heap_val[0] = heap_val[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_key[left + 1] < heap_key[left]:
            child = left + 1
        if heap_key[i] <= heap_key[child]:
            break
        heap_key[child], heap_key[i] = heap_key[i], heap_key[child]
        heap_val[child], heap_val[i] = heap_val[i], heap_val[child]
        i = child
    return key, val, size


@nb.njit(cache=True, nogil=True)
def _bounded_search(
    indptr, indices, length_m, source, limit_m, dist, touched, heap_key, heap_val
):  # type: ignore[no-untyped-def]
    """Dijkstra from ``source`` up to ``limit_m``; fills ``dist`` and returns touched count.

    ``dist`` must be all-inf on entry; the caller resets the touched entries.
    A negative limit (an unsnapped source) reaches nothing.
    """
    if limit_m < 0:
        return 0
    n_touched = 0
    size = 0
    dist[source] = 0.0
    touched[n_touched] = source
    n_touched += 1
    size = _heap_push(heap_key, heap_val, size, 0.0, source)
    while size > 0:
        d, u, size = _heap_pop(heap_key, heap_val, size)
        if d > dist[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + length_m[e]
            if nd <= limit_m and nd < dist[v]:
                if dist[v] == _INF_M:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                size = _heap_push(heap_key, heap_val, size, nd, v)
    return n_touched


@nb.njit(cache=True, nogil=True, parallel=True)
def walk_to_targets(
    indptr, indices, length_m, source_nodes, limit_m, target_ptr, target_ids, max_out
):  # type: ignore[no-untyped-def]
    """Network distances from each source node to the targets within a limit.

    Parameters
    ----------
    indptr, indices, length_m
        The CSR street graph (metres).
    source_nodes
        Street node of each source, ``int32``.
    limit_m
        Search limit of each source, metres, ``float64``.
    target_ptr, target_ids
        CSR from street node to the target ids located at that node.
    max_out
        Capacity per source of the output (at least the number of targets).

    Returns
    -------
    counts, out_target, out_dist_m
        ``counts[i]`` targets reached from source ``i``, listed in
        ``out_target[i, :counts[i]]`` with their distances in ``out_dist_m``.
    """
    n_nodes = len(indptr) - 1
    n_src = len(source_nodes)
    counts = np.zeros(n_src, dtype=np.int64)
    out_target = np.empty((n_src, max_out), dtype=np.int32)
    out_dist = np.empty((n_src, max_out), dtype=np.float64)
    n_edges = len(indices)
    n_chunks = min(n_src, 64)
    for c in nb.prange(n_chunks):
        # Buffers are allocated once per chunk and reset only where touched.
        dist = np.full(n_nodes, _INF_M)
        touched = np.empty(n_nodes, dtype=np.int32)
        heap_key = np.empty(n_edges + 1, dtype=np.float64)
        heap_val = np.empty(n_edges + 1, dtype=np.int32)
        for i in range(c, n_src, n_chunks):
            n_touched = _bounded_search(
                indptr, indices, length_m, source_nodes[i], limit_m[i], dist, touched,
                heap_key, heap_val,
            )
            n_out = 0
            for j in range(n_touched):
                u = touched[j]
                for q in range(target_ptr[u], target_ptr[u + 1]):
                    out_target[i, n_out] = target_ids[q]
                    out_dist[i, n_out] = dist[u]
                    n_out += 1
                dist[u] = _INF_M
            counts[i] = n_out
    return counts, out_target, out_dist


# --------------------------------------------------------------------------------------
# Range-RAPTOR
# --------------------------------------------------------------------------------------


@nb.njit(cache=True, nogil=True)
def _find_trip(dep_s, trip_time_ptr, first_trip, last_trip, pos, earliest):  # type: ignore[no-untyped-def]
    """Index of the first trip in [first_trip, last_trip) leaving ``pos`` at or after ``earliest``.

    Trips of a pattern never overtake one another, so their departures at any
    position are sorted; a binary search suffices. Returns -1 if none.
    """
    lo = first_trip
    hi = last_trip
    while lo < hi:
        mid = (lo + hi) >> 1
        if dep_s[trip_time_ptr[mid] + pos] < earliest:
            lo = mid + 1
        else:
            hi = mid
    if lo < last_trip:
        return lo
    return -1


@nb.njit(cache=True, nogil=True)
def _raptor_one_origin(
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos,
    transfer_ptr, transfer_stop, transfer_s,
    acc_stop, acc_s, egress_ptr, egress_dest, egress_s, direct_dest, direct_s,
    departures_s, max_rides, max_trip_s, n_dests, times_out,
):  # type: ignore[no-untyped-def]
    """Range-RAPTOR for one origin over all departures; fills ``times_out[dest, minute]``.

    Labels are kept from later to earlier departures (Rönkä/Delling range-RAPTOR
    as in R5): a journey found for a later departure is also available, by
    waiting, to an earlier one. ``ride[k, s]`` is the earliest arrival at stop
    ``s`` by vehicle using at most ``k`` rides; ``board[k, s]`` the earliest time
    one can be at ``s`` ready to board after at most ``k`` rides (after the access
    walk for ``k = 0``, or after alighting and at most one transfer walk).
    """
    n_stops = len(stop_occ_ptr) - 1
    n_patterns = len(pattern_stop_ptr) - 1
    K = max_rides
    ride = np.full((K + 1, n_stops), UNREACHED, dtype=np.int32)
    board = np.full((K + 1, n_stops), UNREACHED, dtype=np.int32)
    ride_best = np.full(n_stops, UNREACHED, dtype=np.int32)
    best_dest = np.full(n_dests, UNREACHED, dtype=np.int32)

    marked = np.zeros(n_stops, dtype=np.bool_)
    marked_list = np.empty(n_stops, dtype=np.int32)
    n_marked = 0
    ride_marked = np.zeros(n_stops, dtype=np.bool_)
    ride_list = np.empty(n_stops, dtype=np.int32)
    dirty = np.zeros(n_stops, dtype=np.bool_)
    dirty_list = np.empty(n_stops, dtype=np.int32)
    changed = np.zeros(n_stops, dtype=np.bool_)
    changed_list = np.empty(n_stops, dtype=np.int32)
    first_pos = np.full(n_patterns, -1, dtype=np.int32)
    queue = np.empty(n_patterns, dtype=np.int32)

    n_minutes = len(departures_s)
    for w in range(n_minutes - 1, -1, -1):
        t0 = departures_s[w]
        n_dirty = 0
        # Round 0: access walks.
        n_marked = 0
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            v = t0 + acc_s[a]
            if v < board[0, s]:
                board[0, s] = v
                if not marked[s]:
                    marked[s] = True
                    marked_list[n_marked] = s
                    n_marked += 1
        # Walk-only journeys.
        for a in range(len(direct_dest)):
            v = t0 + direct_s[a]
            d = direct_dest[a]
            if v < best_dest[d]:
                best_dest[d] = v

        # Every stop whose label changed in any round during this departure; only
        # these can break "at most k rides is no worse than at most k - 1".
        n_changed = 0
        for m in range(n_marked):
            s = marked_list[m]
            changed[s] = True
            changed_list[n_changed] = s
            n_changed += 1

        for k in range(1, K + 1):
            # Labels with at most k rides are no worse than those with k - 1.
            for m in range(n_changed):
                s = changed_list[m]
                if ride[k - 1, s] < ride[k, s]:
                    ride[k, s] = ride[k - 1, s]
                if board[k - 1, s] < board[k, s]:
                    board[k, s] = board[k - 1, s]
            if n_marked == 0:
                continue
            # Patterns through stops whose boarding label improved last round.
            n_queue = 0
            for m in range(n_marked):
                s = marked_list[m]
                marked[s] = False
                for q in range(stop_occ_ptr[s], stop_occ_ptr[s + 1]):
                    p = stop_occ_pattern[q]
                    pos = stop_occ_pos[q]
                    if first_pos[p] < 0:
                        first_pos[p] = pos
                        queue[n_queue] = p
                        n_queue += 1
                    elif pos < first_pos[p]:
                        first_pos[p] = pos
            n_marked = 0
            n_ride = 0
            for qi in range(n_queue):
                p = queue[qi]
                start = first_pos[p]
                first_pos[p] = -1
                ps = pattern_stop_ptr[p]
                n_pos = pattern_stop_ptr[p + 1] - ps
                t_first = pattern_trip_ptr[p]
                t_last = pattern_trip_ptr[p + 1]
                trip = -1
                for i in range(start, n_pos):
                    s = pattern_stops[ps + i]
                    if trip >= 0:
                        a = arr_s[trip_time_ptr[trip] + i]
                        if a < ride[k, s] and a - t0 <= max_trip_s:
                            ride[k, s] = a
                            if not ride_marked[s]:
                                ride_marked[s] = True
                                ride_list[n_ride] = s
                                n_ride += 1
                    if i == n_pos - 1:
                        break
                    b = board[k - 1, s]
                    if b == UNREACHED:
                        continue
                    if trip < 0:
                        trip = _find_trip(dep_s, trip_time_ptr, t_first, t_last, i, b)
                    elif b < dep_s[trip_time_ptr[trip] + i]:
                        earlier = _find_trip(dep_s, trip_time_ptr, t_first, trip, i, b)
                        if earlier >= 0:
                            trip = earlier
            # Transfers from stops reached by a ride this round.
            for r in range(n_ride):
                s = ride_list[r]
                ride_marked[s] = False
                if not changed[s]:
                    changed[s] = True
                    changed_list[n_changed] = s
                    n_changed += 1
                v = ride[k, s]
                if v < ride_best[s]:
                    ride_best[s] = v
                    if not dirty[s]:
                        dirty[s] = True
                        dirty_list[n_dirty] = s
                        n_dirty += 1
                if v < board[k, s]:
                    board[k, s] = v
                    if not marked[s]:
                        marked[s] = True
                        marked_list[n_marked] = s
                        n_marked += 1
                for e in range(transfer_ptr[s], transfer_ptr[s + 1]):
                    s2 = transfer_stop[e]
                    v2 = v + transfer_s[e]
                    if v2 < board[k, s2] and v2 - t0 <= max_trip_s:
                        board[k, s2] = v2
                        if not changed[s2]:
                            changed[s2] = True
                            changed_list[n_changed] = s2
                            n_changed += 1
                        if not marked[s2]:
                            marked[s2] = True
                            marked_list[n_marked] = s2
                            n_marked += 1
        for m in range(n_marked):
            marked[marked_list[m]] = False
        for m in range(n_changed):
            changed[changed_list[m]] = False
        # Egress from stops whose best arrival improved for this departure.
        for r in range(n_dirty):
            s = dirty_list[r]
            dirty[s] = False
            v = ride_best[s]
            for e in range(egress_ptr[s], egress_ptr[s + 1]):
                d = egress_dest[e]
                v2 = v + egress_s[e]
                if v2 < best_dest[d]:
                    best_dest[d] = v2
        for d in range(n_dests):
            v = best_dest[d]
            if v != UNREACHED and v - t0 <= max_trip_s:
                times_out[d, w] = v - t0
            else:
                times_out[d, w] = UNREACHED


@nb.njit(cache=True, nogil=True)
def range_raptor(
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos,
    transfer_ptr, transfer_stop, transfer_s,
    access_ptr, access_stop, access_s, egress_ptr, egress_dest, egress_s,
    direct_ptr, direct_dest, direct_s,
    departures_s, max_rides, max_trip_s, n_dests, percentile_ranks,
):  # type: ignore[no-untyped-def]
    """Range-RAPTOR for a batch of origins.

    The GIL is released, so batches run in parallel from Python threads.

    Parameters
    ----------
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s
        The timetable (see :class:`routes.timetable.Timetable`).
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos
        CSR from stop to its occurrences (pattern, position) in patterns.
    transfer_ptr, transfer_stop, transfer_s
        CSR of transfer walks between stops, seconds.
    access_ptr, access_stop, access_s
        CSR from origin (of this batch) to access stops, seconds.
    egress_ptr, egress_dest, egress_s
        CSR from stop to destinations, seconds.
    direct_ptr, direct_dest, direct_s
        CSR from origin to destinations reachable on foot only, seconds.
    departures_s
        Departure times, ascending, seconds after midnight.
    max_rides, max_trip_s
        Limits on boardings and on total travel time.
    n_dests
        Number of destinations.
    percentile_ranks
        0-based rank, in the ascending list of per-departure travel times, of
        each requested percentile.

    Returns
    -------
    numpy.ndarray
        ``int32`` travel times in seconds, shape ``(n_origins, n_percentiles,
        n_dests)``; ``UNREACHED`` where the ranked time is unreachable.
    """
    n_orig = len(access_ptr) - 1
    n_minutes = len(departures_s)
    n_pct = len(percentile_ranks)
    out = np.empty((n_orig, n_pct, n_dests), dtype=np.int32)
    times = np.empty((n_dests, n_minutes), dtype=np.int32)
    for o in range(n_orig):
        a0 = access_ptr[o]
        a1 = access_ptr[o + 1]
        d0 = direct_ptr[o]
        d1 = direct_ptr[o + 1]
        _raptor_one_origin(
            pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
            stop_occ_ptr, stop_occ_pattern, stop_occ_pos,
            transfer_ptr, transfer_stop, transfer_s,
            access_stop[a0:a1], access_s[a0:a1], egress_ptr, egress_dest, egress_s,
            direct_dest[d0:d1], direct_s[d0:d1],
            departures_s, max_rides, max_trip_s, n_dests, times,
        )
        if n_minutes == 1:
            for j in range(n_pct):
                for d in range(n_dests):
                    out[o, j, d] = times[d, 0]
        else:
            for d in range(n_dests):
                row = np.sort(times[d])
                for j in range(n_pct):
                    out[o, j, d] = row[percentile_ranks[j]]
    return out
