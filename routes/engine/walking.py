"""Walking legs on the street graph: access, egress, transfers and walk-only trips."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes.engine import _kernels
from routes.streets import StreetNetwork

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
        Walking distance of each leg, metres: the street-network distance plus
        the straight-line snapping distances at both ends.
    """

    ptr: NDArray[np.int64]
    target: NDArray[np.int32]
    distance_m: NDArray[np.float64]

    def walk_s(self, walk_speed_m_s: float) -> NDArray[np.int32]:
        """Return the walking time of each leg, whole seconds (rounded half to even)."""
        return np.rint(self.distance_m / walk_speed_m_s).astype(np.int32)


def compute_walk_legs(
    streets: StreetNetwork,
    source_nodes: NDArray[np.int32],
    source_snap_m: NDArray[np.float64],
    target_nodes: NDArray[np.int32],
    target_snap_m: NDArray[np.float64],
    max_distance_m: float,
) -> WalkLegs:
    """Find every target within a walking distance of each source.

    Parameters
    ----------
    streets
        The walk graph.
    source_nodes, target_nodes
        Street node of each source and target, ``int32``; ``-1`` marks an
        unsnapped point, which gets no legs.
    source_snap_m, target_snap_m
        Straight-line distance from each point to its street node, metres.
    max_distance_m
        Longest walk, metres, snapping distances included.

    Returns
    -------
    WalkLegs
        Legs sorted by source, then by distance.
    """
    n_nodes = streets.n_nodes
    ok_target = target_nodes >= 0
    target_idx = np.flatnonzero(ok_target).astype(np.int32)
    order = np.argsort(target_nodes[target_idx], kind="stable")
    target_idx = target_idx[order]
    node_count = np.bincount(target_nodes[target_idx], minlength=n_nodes)
    target_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(node_count, out=target_ptr[1:])

    n_src = len(source_nodes)
    ptrs: list[NDArray[np.int64]] = [np.zeros(1, dtype=np.int64)]
    targets: list[NDArray[np.int32]] = []
    dists: list[NDArray[np.float64]] = []
    max_out = max(len(target_idx), 1)
    snap_m = np.asarray(source_snap_m, dtype=np.float64)
    target_snap = np.asarray(target_snap_m, dtype=np.float64)
    for start in range(0, n_src, _SOURCE_BATCH):
        stop = min(start + _SOURCE_BATCH, n_src)
        nodes = source_nodes[start:stop]
        ok = nodes >= 0
        limit = np.where(ok, max_distance_m - snap_m[start:stop], -1.0)
        counts, out_t, out_d = _kernels.walk_to_targets(
            streets.indptr, streets.indices, streets.length_m,
            np.where(ok, nodes, 0).astype(np.int32), limit.astype(np.float64),
            target_ptr, target_idx, max_out,
        )
        ptr, target, dist = _kernels.finish_legs(counts, out_t, out_d, snap_m[start:stop],
                                                 target_snap, float(max_distance_m))
        ptrs.append(ptr[1:] + ptrs[-1][-1])
        targets.append(target)
        dists.append(dist)
    if targets:
        return WalkLegs(np.concatenate(ptrs), np.concatenate(targets), np.concatenate(dists))
    return WalkLegs(np.zeros(n_src + 1, np.int64), np.empty(0, np.int32), np.empty(0, np.float64))


def invert_legs(legs: WalkLegs, n_targets: int) -> WalkLegs:
    """Turn source-to-target legs into target-to-source legs (walking is symmetric).

    Each target's legs come sorted by distance, then by source.
    """
    ptr, source, distance_m = _kernels.invert_legs(legs.ptr, legs.target, legs.distance_m,
                                                   n_targets)
    return WalkLegs(ptr, source, distance_m)
