"""Linking points (zones, stops, destinations) to the nearest street segment, as R5 does.

A point joins the walk graph at the nearest point of the nearest street segment
(the straight piece of way between two consecutive OSM nodes), its *split
point*. It can then walk along the segment to either end, and the straight
line from the point to the split point, off the street, is walked too. This
is R5's linking (``StreetLayer.findSplit`` / ``Split.find``, and
``LinkedPointSet`` for origins and destinations); R5's transit stops also reuse
a segment end when the split point is within 5 m of it
(``StreetLayer.getOrCreateVertexNear``), see ``endpoint_snap_m``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes._crs import project_lonlat
from routes._csr import owners
from routes.errors import InputError
from routes.streets.graph import StreetNetwork

if TYPE_CHECKING:
    import shapely

__all__ = [
    "R5_ENDPOINT_SNAP_M",
    "R5_LINK_RADIUS_M",
    "EdgeIndex",
    "SnappedPoints",
    "build_edge_index",
    "compute_linkable_segments",
    "compute_street_segments",
    "snap_points",
    "snap_points_xy",
]

logger = logging.getLogger(__name__)

R5_LINK_RADIUS_M = 1600.0
"""R5's ``StreetLayer.LINK_RADIUS_METERS``: how far from a street R5 links a transit stop."""

R5_ENDPOINT_SNAP_M = 5.0
"""R5's ``StreetLayer.SNAP_RADIUS_MM`` (5 m): a stop whose split point is nearer than this
to a segment end is linked to that end (street node) instead."""

_N_EXAMPLES = 5
_TIE_M = 1e-9  # segments this much farther than the nearest one count as equidistant


@dataclass(frozen=True, slots=True)
class SnappedPoints:
    """Where each point joins the street network.

    A point linked to a segment can enter the graph at either end of it
    (``node_a`` after walking ``along_a_m`` along the segment, or ``node_b``
    after ``along_b_m``); a point linked to a node (``node_b == -1``) enters
    at ``node_a`` only. Either way ``offstreet_m``, the straight line from
    the point to where it joins the street, is walked as well.

    Attributes
    ----------
    node_a
        First entry node, ``int32``: the segment's first end, or the node a
        point is linked to; ``-1`` where the point is farther than the linking
        limit from every street (dropped).
    node_b
        Second entry node (the segment's other end), ``int32``; ``-1`` for a
        point linked to a node, or dropped.
    along_a_m, along_b_m
        Distance along the segment from ``node_a`` / ``node_b`` to the split
        point, metres, ``float64``; they add up to the segment's length.
        ``0`` / ``inf`` where there is no second node.
    segment
        Index of the segment in :func:`compute_street_segments` order,
        ``int64``; ``-1`` for a point linked to a node, or dropped. Two points
        on one segment can walk along it directly.
    offstreet_m
        Straight-line distance from the point to its split point (or node) in
        the network's metric CRS, metres, ``float64``; NaN where dropped.
    """

    node_a: NDArray[np.int32]
    node_b: NDArray[np.int32]
    along_a_m: NDArray[np.float64]
    along_b_m: NDArray[np.float64]
    segment: NDArray[np.int64]
    offstreet_m: NDArray[np.float64]

    @property
    def n_points(self) -> int:
        """Number of points, dropped ones included."""
        return len(self.node_a)

    @property
    def n_dropped(self) -> int:
        """Number of points farther than the linking limit from every street."""
        return int(np.count_nonzero(self.node_a < 0))

    @property
    def snapped(self) -> NDArray[np.bool_]:
        """Mask of the points that are linked to the street network."""
        return self.node_a >= 0

    @property
    def offstreet_or_zero_m(self) -> NDArray[np.float64]:
        """``offstreet_m`` with ``0`` instead of NaN for dropped points (for sums)."""
        return np.where(self.snapped, self.offstreet_m, 0.0)

    @classmethod
    def at_nodes(
        cls, node: ArrayLike, offstreet_m: ArrayLike | None = None
    ) -> SnappedPoints:
        """Points linked to given street nodes (``-1``: dropped).

        Parameters
        ----------
        node
            Street node of each point, ``-1`` for a dropped point.
        offstreet_m
            Distance walked from each point to its node, metres (default 0).

        Returns
        -------
        SnappedPoints
            Node links: ``node_b`` is ``-1`` and ``segment`` is ``-1`` throughout.
        """
        node_a = np.asarray(node, dtype=np.int32).reshape(-1)
        n = len(node_a)
        off = (np.zeros(n) if offstreet_m is None
               else np.asarray(offstreet_m, dtype=np.float64).reshape(-1))
        if len(off) != n:
            msg = f"offstreet_m has {len(off)} entries for {n} nodes; give one per node"
            raise InputError(msg)
        ok = node_a >= 0
        return cls(
            node_a=node_a,
            node_b=np.full(n, -1, dtype=np.int32),
            along_a_m=np.zeros(n),
            along_b_m=np.full(n, np.inf),
            segment=np.full(n, -1, dtype=np.int64),
            offstreet_m=np.where(ok, off, np.nan),
        )

    def take(self, index: ArrayLike) -> SnappedPoints:
        """Return the links of the points at ``index``, in that order."""
        i = np.asarray(index, dtype=np.int64)
        return SnappedPoints(self.node_a[i], self.node_b[i], self.along_a_m[i],
                             self.along_b_m[i], self.segment[i], self.offstreet_m[i])

    def concat(self, other: SnappedPoints) -> SnappedPoints:
        """Return these points followed by ``other``'s."""
        return SnappedPoints(
            *(np.concatenate([getattr(self, name), getattr(other, name)])
              for name in ("node_a", "node_b", "along_a_m", "along_b_m", "segment",
                           "offstreet_m"))
        )

    def with_offstreet_m(self, offstreet_m: ArrayLike) -> SnappedPoints:
        """Return the same links with other off-street distances (NaN for dropped points)."""
        off = np.broadcast_to(np.asarray(offstreet_m, dtype=np.float64), self.node_a.shape)
        return SnappedPoints(self.node_a, self.node_b, self.along_a_m, self.along_b_m,
                             self.segment, np.where(self.snapped, off, np.nan))


def compute_street_segments(
    network: StreetNetwork,
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.float64]]:
    """Return the network's street segments, each once: ends ``a < b`` and length.

    Returns
    -------
    seg_a, seg_b, seg_length_m
        Node indexes of the two ends (``int32``) and the edge length in metres
        of every undirected segment, in CSR order of ``(a, b)``. A segment's
        index in these arrays is :attr:`SnappedPoints.segment`.
    """
    rows = owners(network.indptr, dtype=np.int32)
    first = rows < network.indices
    return rows[first], network.indices[first], network.length_m[first]


@dataclass(frozen=True, slots=True)
class EdgeIndex:
    """A spatial index over a network's street segments, built once for many snaps.

    Attributes
    ----------
    crs
        The metric CRS of the segment coordinates (the network's ``crs``).
    n_nodes, n_edges
        Size of the network indexed, to check the index matches a network.
    seg_a, seg_b, seg_length_m
        The segments (:func:`compute_street_segments`).
    tree
        A ``shapely.STRtree`` over the *linkable* segments as straight lines in
        ``crs`` (see ``StreetNetwork.edge_linkable``).
    tree_segment
        Index of the segment of each line of ``tree``, ``int64``.
    """

    crs: str
    n_nodes: int
    n_edges: int
    seg_a: NDArray[np.int32]
    seg_b: NDArray[np.int32]
    seg_length_m: NDArray[np.float64]
    tree: shapely.STRtree
    tree_segment: NDArray[np.int64]


def build_edge_index(network: StreetNetwork) -> EdgeIndex:
    """Build the R-tree used to link points to ``network``'s street segments.

    Parameters
    ----------
    network
        The street network; must have at least one segment.

    Returns
    -------
    EdgeIndex
        Pass it to :func:`snap_points` to link several point sets (zones,
        stops, destinations) without rebuilding the tree.

    Raises
    ------
    InputError
        If the network has no linkable street segments.

    Notes
    -----
    Only linkable segments are indexed, so no point or stop links to a tunnel,
    a covered way or a motorway (R5's ``Split.find`` skips edges without the
    ``LINKABLE`` flag); walks still use them.
    """
    import shapely  # imported here: shapely is slow to import

    seg_a, seg_b, seg_length_m = compute_street_segments(network)
    linkable = np.flatnonzero(compute_linkable_segments(network))
    if len(linkable) == 0:
        msg = ("cannot link points to a street network without linkable streets (every way is "
               "a tunnel, covered or a motorway, or there are none); check the OSM extract")
        raise InputError(msg)
    x, y = network.node_x_m, network.node_y_m
    a, b = seg_a[linkable], seg_b[linkable]
    coords = np.stack([np.column_stack([x[a], y[a]]), np.column_stack([x[b], y[b]])], axis=1)
    lines = shapely.linestrings(coords)
    return EdgeIndex(network.crs, network.n_nodes, network.n_edges, seg_a, seg_b,
                     seg_length_m, shapely.STRtree(lines), linkable.astype(np.int64))


def compute_linkable_segments(network: StreetNetwork) -> NDArray[np.bool_]:
    """Whether points may link to each segment (:func:`compute_street_segments` order)."""
    rows = owners(network.indptr, dtype=np.int32)
    first = rows < network.indices
    if network.edge_linkable is None:
        return np.ones(int(first.sum()), dtype=bool)
    return np.asarray(network.edge_linkable[first], dtype=bool)


def snap_points(
    network: StreetNetwork,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    max_snap_m: float = 500.0,
    endpoint_snap_m: float = 0.0,
    index: EdgeIndex | None = None,
) -> SnappedPoints:
    """Link WGS84 points to the nearest point of their nearest street segment.

    All points are projected to the network's CRS and looked up in one R-tree
    query. Points farther than ``max_snap_m`` from every segment are dropped
    (``node_a`` ``-1``); this function does not warn about them, so callers
    should report ``n_dropped`` with a ``RoutesWarning`` naming what was dropped.

    Parameters
    ----------
    network
        The street network to link to.
    lon, lat
        WGS84 longitudes and latitudes of the points, degrees; 1-d, equal length.
    max_snap_m
        Largest straight-line distance to a street, metres; positive (``inf``
        keeps every point).
    endpoint_snap_m
        Link a point to a segment end instead when its split point is nearer
        than this to that end, metres (R5 does so for transit stops,
        :data:`R5_ENDPOINT_SNAP_M`); the off-street distance is then the
        straight line to that node. ``0`` (default, as R5 links origins and
        destinations) always splits.
    index
        A prebuilt :func:`build_edge_index` of ``network``; built here if omitted.

    Returns
    -------
    SnappedPoints
        The link of each point, in input order.

    Raises
    ------
    InputError
        If ``max_snap_m`` is not positive or ``endpoint_snap_m`` is negative,
        the coordinate arrays are not 1-d of equal length, a coordinate is not
        finite or outside -180..180 / -90..90, or ``index`` was built for
        another network.

    Notes
    -----
    With the split point at fraction ``t`` (clamped to 0..1) of the straight
    segment from ``a`` to ``b`` in the metric CRS, ``along_a_m = t · L`` and
    ``along_b_m = L − along_a_m``, where ``L`` is the segment's (geodesic)
    length, so a split never changes a path's length. Of equidistant segments
    (within a nanometre) the one with the lowest index is chosen (R5 breaks ties
    by edge id too).
    """
    lon_deg, lat_deg = _check_coordinates(lon, lat)
    x_m, y_m = project_lonlat(lon_deg, lat_deg, network.crs)
    return snap_points_xy(network, x_m, y_m, max_snap_m=max_snap_m,
                          endpoint_snap_m=endpoint_snap_m, index=index)


def snap_points_xy(
    network: StreetNetwork,
    x_m: ArrayLike,
    y_m: ArrayLike,
    *,
    max_snap_m: float = 500.0,
    endpoint_snap_m: float = 0.0,
    index: EdgeIndex | None = None,
) -> SnappedPoints:
    """Link points given in the network's metric CRS, as :func:`snap_points` does.

    Parameters
    ----------
    network
        The street network to link to.
    x_m, y_m
        Coordinates of the points in ``network.crs``, metres; 1-d, equal length.
    max_snap_m, endpoint_snap_m, index
        As for :func:`snap_points`.

    Returns
    -------
    SnappedPoints
        The link of each point, in input order.

    Raises
    ------
    InputError
        If a limit is out of range, the coordinates are not finite 1-d arrays
        of equal length, or ``index`` was built for another network.
    """
    if not (max_snap_m > 0):  # also rejects NaN
        msg = f"max_snap_m must be a positive number of metres, got {max_snap_m!r}"
        raise InputError(msg)
    if not (endpoint_snap_m >= 0):
        msg = f"endpoint_snap_m must be 0 or a positive number of metres, got {endpoint_snap_m!r}"
        raise InputError(msg)
    px = np.asarray(x_m, dtype=np.float64)
    py = np.asarray(y_m, dtype=np.float64)
    if px.ndim != 1 or px.shape != py.shape or not (np.isfinite(px).all()
                                                    and np.isfinite(py).all()):
        msg = (
            f"x_m and y_m must be finite 1-d arrays of equal length, got shapes {px.shape} "
            f"and {py.shape}"
        )
        raise InputError(msg)
    if index is None:
        index = build_edge_index(network)
    elif (index.crs, index.n_nodes, index.n_edges) != (network.crs, network.n_nodes,
                                                       network.n_edges):
        msg = (
            f"the edge index ({index.n_nodes:,} nodes, {index.n_edges:,} edges, {index.crs}) "
            f"was built for another network than this one ({network.n_nodes:,} nodes, "
            f"{network.n_edges:,} edges, {network.crs}); rebuild it with build_edge_index(network)"
        )
        raise InputError(msg)
    import shapely

    n = len(px)
    segment = np.full(n, -1, dtype=np.int64)
    if n:
        # The R-tree's nearest segment (a max_distance makes GEOS's search several times
        # slower, so the limit is applied below) ...
        which, seg = index.tree.query_nearest(shapely.points(px, py), all_matches=True)
        seg = index.tree_segment[seg]
        _, d_nearest = _project(network, index, seg, px[which], py[which])
        near_m = np.zeros(n)
        np.maximum.at(near_m, which, d_nearest)
        # ... then every segment whose box reaches a hair beyond it, measured here: of
        # equidistant segments (overlapping ways) the lowest index wins, whatever GEOS's
        # own rounding says.
        found = np.flatnonzero(near_m <= max_snap_m + _TIE_M)
        r = near_m[found] + 2 * _TIE_M
        boxes = shapely.box(px[found] - r, py[found] - r, px[found] + r, py[found] + r)
        which, seg = index.tree.query(boxes)
        which, seg = found[which], index.tree_segment[seg]
        _, d = _project(network, index, seg, px[which], py[which])
        best = np.full(n, np.inf)
        np.minimum.at(best, which, d)
        tied = d <= best[which] + _TIE_M
        which, seg = which[tied], seg[tied]
        order = np.lexsort((seg, which))
        which, seg = which[order], seg[order]
        first = np.r_[True, which[1:] != which[:-1]] if len(which) else np.zeros(0, bool)
        segment[which[first]] = seg[first]
    ok = segment >= 0
    s = np.where(ok, segment, 0)
    a, b = index.seg_a[s], index.seg_b[s]
    t, offstreet = _project(network, index, s, px, py)
    ok &= offstreet <= max_snap_m
    length = index.seg_length_m[s]
    along_a = t * length
    along_b = length - along_a

    node_a = np.where(ok, a, -1).astype(np.int32)
    node_b = np.where(ok, b, -1).astype(np.int32)
    segment = np.where(ok, segment, -1)
    if endpoint_snap_m > 0:
        near = ok & (np.minimum(along_a, along_b) < endpoint_snap_m)
        end = np.where(along_a <= along_b, a, b)
        node_a = np.where(near, end, node_a).astype(np.int32)
        node_b = np.where(near, -1, node_b).astype(np.int32)
        segment = np.where(near, -1, segment)
        offstreet = np.where(near, np.hypot(px - network.node_x_m[end],
                                            py - network.node_y_m[end]), offstreet)
        along_a = np.where(near, 0.0, along_a)
        along_b = np.where(near, np.inf, along_b)
    snapped = SnappedPoints(
        node_a=node_a,
        node_b=node_b,
        along_a_m=np.where(ok, along_a, 0.0),
        along_b_m=np.where(ok, along_b, np.inf),
        segment=segment.astype(np.int64),
        offstreet_m=np.where(ok, offstreet, np.nan).astype(np.float64),
    )
    logger.debug("linked %d of %d points to a street within %.0f m",
                 n - snapped.n_dropped, n, max_snap_m)
    return snapped


def _project(
    network: StreetNetwork, index: EdgeIndex, segment: NDArray[np.integer],
    px: NDArray[np.float64], py: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Clamped fraction along each segment of the point's foot, and the distance to it, m."""
    a, b = index.seg_a[segment], index.seg_b[segment]
    x0, y0 = network.node_x_m[a], network.node_y_m[a]
    dx, dy = network.node_x_m[b] - x0, network.node_y_m[b] - y0
    d2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(d2 > 0, ((px - x0) * dx + (py - y0) * dy) / d2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return t, np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))


def _check_coordinates(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return lon/lat as 1-d float64 arrays, or raise InputError naming the bad points."""
    lon_deg = np.asarray(lon, dtype=np.float64)
    lat_deg = np.asarray(lat, dtype=np.float64)
    if lon_deg.ndim != 1 or lon_deg.shape != lat_deg.shape:
        msg = (
            f"lon and lat must be 1-d arrays of equal length, got shapes {lon_deg.shape} "
            f"and {lat_deg.shape}"
        )
        raise InputError(msg)
    bad = ~(
        np.isfinite(lon_deg)
        & np.isfinite(lat_deg)
        & (np.abs(lon_deg) <= 180.0)
        & (np.abs(lat_deg) <= 90.0)
    )
    if bad.any():
        where = np.flatnonzero(bad)
        examples = ", ".join(
            f"#{i} ({lon_deg[i].item()!r}, {lat_deg[i].item()!r})"
            for i in where[:_N_EXAMPLES].tolist()
        )
        msg = (
            f"{len(where):,} points have missing or out-of-range WGS84 coordinates "
            f"(e.g. {examples}); fix or drop them before snapping, and check the "
            "coordinates are longitude/latitude degrees"
        )
        raise InputError(msg)
    return lon_deg, lat_deg
