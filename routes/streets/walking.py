"""Walking legs on the street graph: access, egress, transfers and walk-only trips."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes._csr import offsets_from_keys
from routes.streets import _walk_kernels
from routes.streets.graph import StreetNetwork
from routes.streets.snapping import SnappedPoints

# Sources searched per kernel call: bounds the (sources x targets) output buffers.
_SOURCE_BATCH = 512


@dataclass(frozen=True, slots=True)
class WalkLegs:
    """Walking distances from sources to targets, as CSR arrays.

    Attributes
    ----------
    ptr
        CSR offsets, ``int64`` of length ``n_sources + 1``.
    target
        Target index of each leg, ``int32``.
    distance_m
        Walking distance of each leg, metres: the street distance between the
        two split points plus the straight-line off-street distances at both ends.
    """

    ptr: NDArray[np.int64]
    target: NDArray[np.int32]
    distance_m: NDArray[np.float64]

    def walk_s(self, walk_speed_m_s: float) -> NDArray[np.int32]:
        """Return the walking time of each leg, whole seconds (rounded half to even)."""
        return np.rint(self.distance_m / walk_speed_m_s).astype(np.int32)


def compute_walk_legs(
    streets: StreetNetwork,
    sources: SnappedPoints,
    targets: SnappedPoints,
    max_distance_m: float,
) -> WalkLegs:
    """Find every target within a walking distance of each source.

    A walk goes from the source to its split point (off the street), along
    the source's segment to one of its ends, by the shortest street path to an
    end of the target's segment, along it to the target's split point and off
    the street to the target. Two points on the same segment may also walk
    along it directly between their split points. This is the shortest path on
    the street graph with every split point inserted as a node.

    Parameters
    ----------
    streets
        The walk graph.
    sources, targets
        Where the sources and targets join ``streets``; dropped points get no legs.
    max_distance_m
        Longest walk, metres, off-street distances included.

    Returns
    -------
    WalkLegs
        Legs sorted by source, then by distance (then by target).
    """
    n_nodes = streets.n_nodes
    ok = targets.snapped
    idx = np.flatnonzero(ok).astype(np.int32)
    has_b = ok & (targets.node_b >= 0)
    idx_b = np.flatnonzero(has_b).astype(np.int32)
    entry_node = np.concatenate([targets.node_a[idx], targets.node_b[idx_b]])
    entry_id = np.concatenate([idx, idx_b])
    entry_along = np.concatenate([targets.along_a_m[idx], targets.along_b_m[idx_b]])
    order = np.argsort(entry_node, kind="stable")
    target_ptr = offsets_from_keys(entry_node, n_nodes)
    target_ids = np.ascontiguousarray(entry_id[order], dtype=np.int32)
    target_along = np.ascontiguousarray(entry_along[order], dtype=np.float64)
    on_seg = np.flatnonzero(ok & (targets.segment >= 0))
    seg_order = on_seg[np.argsort(targets.segment[on_seg], kind="stable")]
    seg_keys = np.ascontiguousarray(targets.segment[seg_order], dtype=np.int64)
    seg_ids = seg_order.astype(np.int32)
    seg_along = np.ascontiguousarray(targets.along_a_m[seg_order], dtype=np.float64)
    target_off = targets.offstreet_or_zero_m.astype(np.float64)
    source_off = sources.offstreet_or_zero_m.astype(np.float64)

    n_src = sources.n_points
    ptrs: list[NDArray[np.int64]] = [np.zeros(1, dtype=np.int64)]
    out_targets: list[NDArray[np.int32]] = []
    dists: list[NDArray[np.float64]] = []
    max_out = max(len(idx), 1)
    for start in range(0, n_src, _SOURCE_BATCH):
        stop = min(start + _SOURCE_BATCH, n_src)
        part = sources.take(np.arange(start, stop))
        limit = np.where(part.snapped, max_distance_m - source_off[start:stop], -1.0)
        counts, out_t, out_d = _walk_kernels.walk_to_targets(
            streets.indptr, streets.indices, streets.length_m,
            part.node_a, part.along_a_m, part.node_b, part.along_b_m, part.segment,
            limit.astype(np.float64),
            target_ptr, target_ids, target_along, seg_keys, seg_ids, seg_along,
            targets.n_points, max_out,
        )
        ptr, target, dist = _walk_kernels.finish_legs(counts, out_t, out_d, source_off[start:stop],
                                                 target_off, float(max_distance_m))
        ptrs.append(ptr[1:] + ptrs[-1][-1])
        out_targets.append(target)
        dists.append(dist)
    if out_targets:
        return WalkLegs(np.concatenate(ptrs), np.concatenate(out_targets), np.concatenate(dists))
    return WalkLegs(np.zeros(n_src + 1, np.int64), np.empty(0, np.int32), np.empty(0, np.float64))


def invert_legs(legs: WalkLegs, n_targets: int) -> WalkLegs:
    """Turn source-to-target legs into target-to-source legs (walking is symmetric).

    Each target's legs come sorted by distance, then by source.
    """
    ptr, source, distance_m = _walk_kernels.invert_legs(legs.ptr, legs.target, legs.distance_m,
                                                   n_targets)
    return WalkLegs(ptr, source, distance_m)
