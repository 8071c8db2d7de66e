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


_HEAP_ARITY = 4
"""Children per node of the search heap: a 4-ary heap is shallower than a binary one."""


@nb.njit(cache=True, nogil=True)
def _heap_push(heap_key, heap_val, size, key, val):  # type: ignore[no-untyped-def]
    """Add ``(key, val)`` to the min-heap of ``size`` entries; returns the new size."""
    i = size
    while i > 0:
        parent = (i - 1) // _HEAP_ARITY
        if heap_key[parent] <= key:
            break
        heap_key[i] = heap_key[parent]
        heap_val[i] = heap_val[parent]
        i = parent
    heap_key[i] = key
    heap_val[i] = val
    return size + 1


@nb.njit(cache=True, nogil=True)
def _heap_pop(heap_key, heap_val, size):  # type: ignore[no-untyped-def]
    """Remove the smallest entry of the min-heap; returns ``(key, val, new size)``."""
    key = heap_key[0]
    val = heap_val[0]
    size -= 1
    last_key = heap_key[size]
    last_val = heap_val[size]
    i = 0
    while True:
        first = _HEAP_ARITY * i + 1
        if first >= size:
            break
        child = first
        child_key = heap_key[first]
        for c in range(first + 1, min(first + _HEAP_ARITY, size)):
            if heap_key[c] < child_key:
                child = c
                child_key = heap_key[c]
        if last_key <= child_key:
            break
        heap_key[i] = child_key
        heap_val[i] = heap_val[child]
        i = child
    heap_key[i] = last_key
    heap_val[i] = last_val
    return key, val, size


@nb.njit(cache=True, nogil=True)
def _seed(dist, touched, n_touched, heap_key, heap_val, size, node, d, limit_m):  # type: ignore[no-untyped-def]
    """Start the search at ``node`` with distance ``d`` (if within the limit and better)."""
    if node < 0 or d > limit_m or d >= dist[node]:
        return n_touched, size
    if dist[node] == _INF_M:
        touched[n_touched] = node
        n_touched += 1
    dist[node] = d
    size = _heap_push(heap_key, heap_val, size, d, node)
    return n_touched, size


@nb.njit(cache=True, nogil=True)
def _bounded_search(  # type: ignore[no-untyped-def]
    indptr, indices, length_m, node_a, along_a_m, node_b, along_b_m, limit_m, dist, touched,
    heap_key, heap_val,
):
    """Dijkstra from a split point up to ``limit_m``; fills ``dist``, returns the touched count.

    The search starts at the two ends of the point's segment: ``node_a`` at
    ``along_a_m`` and ``node_b`` at ``along_b_m`` (``node_b`` ``-1``: a point
    linked to ``node_a`` itself). ``dist`` must be all-inf on entry; the caller
    resets the touched entries. A negative limit (an unlinked source, or one
    whose off-street walk alone is too long) reaches nothing.
    """
    if limit_m < 0:
        return 0
    n_touched, size = _seed(dist, touched, 0, heap_key, heap_val, 0, node_a, along_a_m, limit_m)
    n_touched, size = _seed(dist, touched, n_touched, heap_key, heap_val, size, node_b,
                            along_b_m, limit_m)
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


@nb.njit(cache=True, nogil=True)
def _reach(best, out_target, i, n_out, t, d):  # type: ignore[no-untyped-def]
    """Record street distance ``d`` to target ``t`` for source ``i``; returns the new count."""
    if best[t] == _INF_M:
        out_target[i, n_out] = t
        n_out += 1
    if d < best[t]:
        best[t] = d
    return n_out


@nb.njit(cache=True, nogil=True, parallel=True)
def walk_to_targets(  # type: ignore[no-untyped-def]
    indptr, indices, length_m,
    src_node_a, src_along_a_m, src_node_b, src_along_b_m, src_segment, limit_m,
    target_ptr, target_ids, target_along_m,
    seg_keys, seg_target_ids, seg_target_along_a_m,
    n_targets, max_out,
):
    """Street distances from each source's split point to the targets' split points.

    Parameters
    ----------
    indptr, indices, length_m
        The CSR street graph (metres).
    src_node_a, src_along_a_m, src_node_b, src_along_b_m
        Entry nodes of each source and the distances along its segment to
        them (see :class:`routes.streets.snapping.SnappedPoints`).
    src_segment
        Segment of each source (``-1``: linked to a node).
    limit_m
        Search limit of each source, metres, ``float64`` (negative: none).
    target_ptr, target_ids, target_along_m
        CSR from street node to the targets entered there, with the distance
        from that node along the target's segment to its split point.
    seg_keys, seg_target_ids, seg_target_along_a_m
        Targets linked to a segment, sorted by segment (``seg_keys``), with
        their distance along it from its ``node_a`` end: a source on the same
        segment walks along it directly.
    n_targets
        Number of targets.
    max_out
        Capacity per source of the output (at least the number of targets).

    Returns
    -------
    counts, out_target, out_dist_m
        ``counts[i]`` targets reached from source ``i``, listed in
        ``out_target[i, :counts[i]]`` with their street distances (split point
        to split point, shortest) in ``out_dist_m``. Some may exceed the limit
        by the distance along the target's segment; :func:`finish_legs` drops them.
    """
    n_nodes = len(indptr) - 1
    n_src = len(src_node_a)
    counts = np.zeros(n_src, dtype=np.int64)
    out_target = np.empty((n_src, max_out), dtype=np.int32)
    out_dist = np.empty((n_src, max_out), dtype=np.float64)
    n_edges = len(indices)
    n_chunks = min(n_src, 64)
    for c in nb.prange(n_chunks):
        # Buffers are allocated once per chunk and reset only where touched.
        dist = np.full(n_nodes, _INF_M)
        best = np.full(n_targets, _INF_M)
        touched = np.empty(n_nodes, dtype=np.int32)
        heap_key = np.empty(n_edges + 2, dtype=np.float64)
        heap_val = np.empty(n_edges + 2, dtype=np.int32)
        for i in range(c, n_src, n_chunks):
            n_touched = _bounded_search(
                indptr, indices, length_m, src_node_a[i], src_along_a_m[i], src_node_b[i],
                src_along_b_m[i], limit_m[i], dist, touched, heap_key, heap_val,
            )
            n_out = 0
            for j in range(n_touched):
                u = touched[j]
                du = dist[u]
                for q in range(target_ptr[u], target_ptr[u + 1]):
                    n_out = _reach(best, out_target, i, n_out, target_ids[q],
                                   du + target_along_m[q])
                dist[u] = _INF_M
            s = src_segment[i]
            if s >= 0 and limit_m[i] >= 0:
                # Targets on the source's own segment: straight along it.
                q = np.searchsorted(seg_keys, s)
                while q < len(seg_keys) and seg_keys[q] == s:
                    d = abs(src_along_a_m[i] - seg_target_along_a_m[q])
                    if d <= limit_m[i]:
                        n_out = _reach(best, out_target, i, n_out, seg_target_ids[q], d)
                    q += 1
            for k in range(n_out):
                t = out_target[i, k]
                out_dist[i, k] = best[t]
                best[t] = _INF_M
            counts[i] = n_out
    return counts, out_target, out_dist


@nb.njit(cache=True, nogil=True, parallel=True)
def finish_legs(  # type: ignore[no-untyped-def]
    counts, out_target, out_dist_m, source_snap_m, target_snap_m, max_distance_m
):
    """Turn :func:`walk_to_targets` output into CSR legs, off-street distances included.

    Parameters
    ----------
    counts, out_target, out_dist_m
        Output of :func:`walk_to_targets` (street distances, metres).
    source_snap_m, target_snap_m
        Off-street (straight-line) distance of each source and target, metres.
    max_distance_m
        Longest leg, metres, off-street distances included.

    Returns
    -------
    ptr, target, distance_m
        CSR legs: those of source ``i`` are ``ptr[i]:ptr[i + 1]``, sorted by
        distance, then by target.
    """
    n_src = len(counts)
    kept = np.zeros(n_src, dtype=np.int64)
    for i in nb.prange(n_src):
        snap = source_snap_m[i]
        n = 0
        for j in range(counts[i]):
            if out_dist_m[i, j] + snap + target_snap_m[out_target[i, j]] <= max_distance_m:
                n += 1
        kept[i] = n
    ptr = np.zeros(n_src + 1, dtype=np.int64)
    for i in range(n_src):
        ptr[i + 1] = ptr[i] + kept[i]
    target = np.empty(ptr[n_src], dtype=np.int32)
    distance_m = np.empty(ptr[n_src], dtype=np.float64)
    for i in nb.prange(n_src):
        snap = source_snap_m[i]
        t = np.empty(kept[i], dtype=np.int32)
        d = np.empty(kept[i], dtype=np.float64)
        n = 0
        for j in range(counts[i]):
            tj = out_target[i, j]
            # Same sum, in the same order, as the filter above.
            dj = out_dist_m[i, j] + snap + target_snap_m[tj]
            if dj <= max_distance_m:
                t[n] = tj
                d[n] = dj
                n += 1
        by_target = np.argsort(t)  # targets are distinct: any sort is stable here
        t = t[by_target]
        d = d[by_target]
        order = np.argsort(d, kind="mergesort")  # stable: ties stay by target
        target[ptr[i]:ptr[i + 1]] = t[order]
        distance_m[ptr[i]:ptr[i + 1]] = d[order]
    return ptr, target, distance_m


@nb.njit(cache=True, nogil=True)
def invert_legs(ptr, target, distance_m, n_targets):  # type: ignore[no-untyped-def]
    """Target-to-source CSR of source-to-target legs, each row sorted by distance, then source.

    Returns ``(ptr, source, distance_m)`` of the inverted legs.
    """
    n_src = len(ptr) - 1
    inv_ptr = np.zeros(n_targets + 1, dtype=np.int64)
    for e in range(len(target)):
        inv_ptr[target[e] + 1] += 1
    for t in range(n_targets):
        inv_ptr[t + 1] += inv_ptr[t]
    fill = inv_ptr[:-1].copy()
    source = np.empty(len(target), dtype=np.int32)
    inv_dist = np.empty(len(target), dtype=np.float64)
    for i in range(n_src):  # sources in order: rows come out sorted by source
        for e in range(ptr[i], ptr[i + 1]):
            slot = fill[target[e]]
            source[slot] = i
            inv_dist[slot] = distance_m[e]
            fill[target[e]] = slot + 1
    for t in range(n_targets):  # stable sort of each row by distance
        first = inv_ptr[t]
        end = inv_ptr[t + 1]
        if end - first > 32:
            order = np.argsort(inv_dist[first:end], kind="mergesort") + first
            source[first:end] = source[order]
            inv_dist[first:end] = inv_dist[order]
            continue
        for e in range(first + 1, end):  # insertion sort: short rows
            d = inv_dist[e]
            s = source[e]
            m = e
            while m > first and inv_dist[m - 1] > d:
                inv_dist[m] = inv_dist[m - 1]
                source[m] = source[m - 1]
                m -= 1
            inv_dist[m] = d
            source[m] = s
    return inv_ptr, source, inv_dist


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
def _lower(labels, k_first, k_end, s, v):  # type: ignore[no-untyped-def]
    """Lower ``labels[k, s]`` to ``v`` for ``k_first <= k < k_end``; True if the last row changed.

    Label rows are non-increasing in ``k`` (allowing more rides is never
    worse), so the first row already at or below ``v`` ends the update.
    """
    for k in range(k_first, k_end):
        if v < labels[k, s]:
            labels[k, s] = v
        else:
            return False
    return True


@nb.njit(cache=True, nogil=True)
def _legs_end(leg_s, first, end, budget_s):  # type: ignore[no-untyped-def]
    """End of the legs in ``[first, end)``, sorted by time, that take at most ``budget_s``."""
    while end > first and leg_s[end - 1] > budget_s:
        end -= 1
    return end


@nb.njit(cache=True, nogil=True)
def _queue_patterns(  # type: ignore[no-untyped-def]
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos, marked, marked_list, n_marked, first_pos, queue
):
    """Queue the patterns through the marked stops, each from its first marked position.

    Clears the marks; returns the queue length. ``first_pos`` is -1 for
    patterns not queued (and is reset by the scan).
    """
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
    return n_queue


@nb.njit(cache=True, nogil=True)
def _raptor_one_origin(  # type: ignore[no-untyped-def]
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos,
    transfer_ptr, transfer_stop, transfer_s,
    acc_stop, acc_s, egress_ptr, egress_dest, egress_s, direct_dest, direct_s,
    departures_s, max_rides, max_trip_s, times_out,
    ride, board, best_dest, marked, marked_list, ridden, ridden_list, dirty, dirty_list,
    first_pos, queue, improved,
):
    """Range-RAPTOR for one origin over all departures; fills ``times_out[minute, dest]``.

    Labels are kept from later to earlier departures (Rönkä/Delling range-RAPTOR
    as in R5): a journey found for a later departure is also available, by
    waiting, to an earlier one. ``ride[k, s]`` is the earliest arrival at stop
    ``s`` by vehicle using at most ``k`` rides; ``board[k, s]`` the earliest time
    one can be at ``s`` ready to board after at most ``k`` rides (after the access
    walk for ``k = 0``, or after alighting and at most one transfer walk). An
    improvement of row ``k`` is written at once to the rows above it, which
    keeps both non-increasing in ``k``. ``board`` has rows ``0 .. max_rides - 1``
    only: nothing boards after the last ride, so its transfers are skipped.

    The other arguments after ``times_out`` are work arrays shared by the
    origins of a batch: ``ride``, ``board`` and ``best_dest`` are reset here;
    the flags (``marked``, ``ridden``, ``dirty``) must be all False and are
    left so; ``first_pos`` must be all -1 and is left so; ``queue`` and
    ``improved`` are scratch.
    """
    ride[:] = UNREACHED
    board[:] = UNREACHED
    best_dest[:] = UNREACHED

    for w in range(len(departures_s) - 1, -1, -1):
        t0 = departures_s[w]
        # Round 0: access walks, and walk-only journeys.
        n_marked = 0
        for a in range(len(acc_stop)):
            s = acc_stop[a]
            v = t0 + acc_s[a]
            if v < board[0, s]:
                _lower(board, 0, max_rides, s, v)
                if not marked[s]:
                    marked[s] = True
                    marked_list[n_marked] = s
                    n_marked += 1
        for a in range(len(direct_dest)):
            v = t0 + direct_s[a]
            d = direct_dest[a]
            if v < best_dest[d]:
                best_dest[d] = v

        n_dirty = 0  # stops whose best arrival (ride[max_rides]) improved for this departure
        for k in range(1, max_rides + 1):
            if n_marked == 0:
                break
            n_queue = _queue_patterns(stop_occ_ptr, stop_occ_pattern, stop_occ_pos, marked,
                                      marked_list, n_marked, first_pos, queue)
            n_marked = 0
            # Ride each queued pattern with the earliest catchable trip, from its
            # first marked position on.
            n_ridden = 0
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
                            if _lower(ride, k, max_rides + 1, s, a) and not dirty[s]:
                                dirty[s] = True
                                dirty_list[n_dirty] = s
                                n_dirty += 1
                            if not ridden[s]:
                                ridden[s] = True
                                ridden_list[n_ridden] = s
                                n_ridden += 1
                    if i == n_pos - 1:
                        break
                    b = board[k - 1, s]
                    if b == UNREACHED:
                        continue
                    if trip < 0:
                        trip = _find_trip(dep_s, trip_time_ptr, t_first, t_last, i, b)
                    elif trip > t_first and b <= dep_s[trip_time_ptr[trip - 1] + i]:
                        # An earlier trip is catchable here (trips are sorted at every stop).
                        earlier = _find_trip(dep_s, trip_time_ptr, t_first, trip - 1, i, b)
                        trip = earlier if earlier >= 0 else trip - 1
            # Transfers (staying put included) from the stops just ridden to.
            for r in range(n_ridden):
                s = ridden_list[r]
                ridden[s] = False
                if k == max_rides:
                    continue
                v = ride[k, s]
                if v < board[k, s]:
                    _lower(board, k, max_rides, s, v)
                    if not marked[s]:
                        marked[s] = True
                        marked_list[n_marked] = s
                        n_marked += 1
                # Lower row k without branching, listing the stops it improved ...
                n_improved = 0
                first = transfer_ptr[s]
                for e in range(first, _legs_end(transfer_s, first, transfer_ptr[s + 1],
                                                t0 + max_trip_s - v)):
                    v2 = v + transfer_s[e]
                    s2 = transfer_stop[e]
                    before = board[k, s2]
                    board[k, s2] = min(before, v2)
                    improved[n_improved] = s2
                    n_improved += v2 < before
                # ... then the rows above it, and mark those stops for the next round.
                for m in range(n_improved):
                    s2 = improved[m]
                    _lower(board, k + 1, max_rides, s2, board[k, s2])
                    if not marked[s2]:
                        marked[s2] = True
                        marked_list[n_marked] = s2
                        n_marked += 1
        for m in range(n_marked):
            marked[marked_list[m]] = False
        # Egress walks from the stops whose best arrival improved.
        for r in range(n_dirty):
            s = dirty_list[r]
            dirty[s] = False
            v = ride[max_rides, s]
            first = egress_ptr[s]
            for e in range(first, _legs_end(egress_s, first, egress_ptr[s + 1],
                                            t0 + max_trip_s - v)):
                d = egress_dest[e]
                best_dest[d] = min(best_dest[d], v + egress_s[e])  # branch-free: faster
        for d in range(len(best_dest)):
            travel_s = best_dest[d] - t0
            times_out[w, d] = travel_s if travel_s <= max_trip_s else UNREACHED


@nb.njit(cache=True, nogil=True)
def _bucket_shift(max_trip_s):  # type: ignore[no-untyped-def]
    """``shift`` such that buckets of ``2**shift`` s cover ``0 .. max_trip_s`` in at most 127."""
    shift = 0
    while (max_trip_s >> shift) + 2 > 128:
        shift += 1
    return shift


@nb.njit(cache=True, nogil=True)
def _select_ranks(times_s, ranks, shift, counts, column, scratch, out):  # type: ignore[no-untyped-def]
    """``out[j, d]``: the ``ranks[j]``-th smallest of ``times_s[:, d]`` (``UNREACHED`` sorts last).

    Travel times are ``0 .. max_trip_s`` or ``UNREACHED``. A counting pass
    over buckets of ``2**shift`` s (``counts`` has one per bucket plus a last
    one for ``UNREACHED``) finds the bucket holding each rank; only the few
    times in that bucket are then sorted. ``column`` and ``scratch`` are work
    arrays of one entry per departure.
    """
    n_minutes, n_dests = times_s.shape
    unreached_bucket = len(counts) - 1
    for d in range(n_dests):
        counts[:] = 0
        for w in range(n_minutes):
            v = times_s[w, d]
            column[w] = v
            counts[min(v >> shift, unreached_bucket)] += 1
        for j in range(len(ranks)):
            r = ranks[j]
            b = 0
            below = 0
            while below + counts[b] <= r:
                below += counts[b]
                b += 1
            if b == unreached_bucket:
                out[j, d] = UNREACHED
                continue
            # Gather the times of bucket b without branching, then insertion-sort them.
            n_in = 0
            for w in range(n_minutes):
                v = column[w]
                scratch[n_in] = v
                n_in += (v >> shift) == b
            for i in range(1, n_in):
                v = scratch[i]
                m = i
                while m > 0 and scratch[m - 1] > v:
                    scratch[m] = scratch[m - 1]
                    m -= 1
                scratch[m] = v
            out[j, d] = scratch[r - below]


@nb.njit(cache=True, nogil=True)
def range_raptor(  # type: ignore[no-untyped-def]
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s,
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos,
    transfer_ptr, transfer_stop, transfer_s,
    access_ptr, access_stop, access_s, egress_ptr, egress_dest, egress_s,
    direct_ptr, direct_dest, direct_s,
    departures_s, max_rides, max_trip_s, n_dests, percentile_ranks,
):
    """Range-RAPTOR for a batch of origins.

    The GIL is released, so batches run in parallel from Python threads.

    Parameters
    ----------
    pattern_stop_ptr, pattern_stops, pattern_trip_ptr, trip_time_ptr, arr_s, dep_s
        The timetable (see :class:`routes.timetable.timetable.Timetable`).
    stop_occ_ptr, stop_occ_pattern, stop_occ_pos
        CSR from stop to its occurrences (pattern, position) in patterns.
    transfer_ptr, transfer_stop, transfer_s
        CSR of transfer walks between stops, seconds, each stop's legs sorted
        by walking time.
    access_ptr, access_stop, access_s
        CSR from origin (of this batch) to access stops, seconds.
    egress_ptr, egress_dest, egress_s
        CSR from stop to destinations, seconds, each stop's legs sorted by
        walking time.
    direct_ptr, direct_dest, direct_s
        CSR from origin to destinations reachable on foot only, seconds.
    departures_s
        Departure times, ascending, seconds after midnight.
    max_rides, max_trip_s
        Limits on boardings (at least 1) and on total travel time.
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

    Notes
    -----
    Index arrays may be any integer type (the wrapper passes ``uint16`` where
    the values fit, which keeps more of them in cache); numba compiles one
    specialisation per combination.
    """
    n_orig = len(access_ptr) - 1
    n_minutes = len(departures_s)
    n_stops = len(stop_occ_ptr) - 1
    n_patterns = len(pattern_stop_ptr) - 1
    out = np.empty((n_orig, len(percentile_ranks), n_dests), dtype=np.int32)
    times = np.empty((n_minutes, n_dests), dtype=np.int32)
    # Work arrays, allocated once per batch.
    ride = np.empty((max_rides + 1, n_stops), dtype=np.int32)
    board = np.empty((max(max_rides, 1), n_stops), dtype=np.int32)  # row 0 even for 0 rides
    best_dest = np.empty(n_dests, dtype=np.int32)
    marked = np.zeros(n_stops, dtype=np.bool_)
    marked_list = np.empty(n_stops, dtype=np.int32)
    ridden = np.zeros(n_stops, dtype=np.bool_)
    ridden_list = np.empty(n_stops, dtype=np.int32)
    dirty = np.zeros(n_stops, dtype=np.bool_)
    dirty_list = np.empty(n_stops, dtype=np.int32)
    first_pos = np.full(n_patterns, -1, dtype=np.int32)
    queue = np.empty(n_patterns, dtype=np.int32)
    longest_row = 0
    for s in range(n_stops):
        longest_row = max(longest_row, transfer_ptr[s + 1] - transfer_ptr[s])
    improved = np.empty(longest_row, dtype=np.int32)
    shift = _bucket_shift(max_trip_s)
    counts = np.empty((max_trip_s >> shift) + 2, dtype=np.int32)
    column = np.empty(n_minutes, dtype=np.int32)
    scratch = np.empty(n_minutes, dtype=np.int32)
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
            departures_s, max_rides, max_trip_s, times,
            ride, board, best_dest, marked, marked_list, ridden, ridden_list, dirty, dirty_list,
            first_pos, queue, improved,
        )
        if n_minutes == 1:
            for j in range(len(percentile_ranks)):
                out[o, j] = times[0]
        else:
            _select_ranks(times, percentile_ranks, shift, counts, column, scratch, out[o])
    return out
