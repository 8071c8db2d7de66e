"""Compiled hot loops of the walking searches: bounded Dijkstra on the CSR street graph.

Everything here takes and returns contiguous numpy arrays only; IDs, units and
validation live in the Python wrapper (:mod:`routes.streets.walking`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

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


