"""Snapping points (zones, stops, destinations) to the nearest street-network node."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes._crs import project_lonlat
from routes.errors import InputError
from routes.streets import StreetNetwork

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = ["NodeIndex", "SnappedPoints", "build_node_index", "snap_points"]

logger = logging.getLogger(__name__)

_N_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class SnappedPoints:
    """The street-network node each point was snapped to.

    Attributes
    ----------
    node
        Index of the nearest network node for each point, ``int32``; ``-1``
        where the nearest node is farther than the snapping limit (dropped).
    distance_m
        Straight-line distance from each point to its node in the network's
        metric CRS, metres, ``float64``; NaN where the point was dropped.
    """

    node: NDArray[np.int32]
    distance_m: NDArray[np.float64]

    @property
    def n_dropped(self) -> int:
        """Number of points farther than the snapping limit from every node."""
        return int(np.count_nonzero(self.node < 0))

    @property
    def snapped(self) -> NDArray[np.bool_]:
        """Mask of the points that were snapped to a node."""
        return self.node >= 0


@dataclass(frozen=True, slots=True)
class NodeIndex:
    """A spatial index over a network's nodes, built once and reused for many snaps.

    Attributes
    ----------
    crs
        The metric CRS the tree's coordinates are in (the network's ``crs``).
    n_nodes
        Number of nodes indexed, to check the index matches a network.
    tree
        A ``scipy.spatial.cKDTree`` over ``(node_x_m, node_y_m)``.
    """

    crs: str
    n_nodes: int
    tree: cKDTree


def build_node_index(network: StreetNetwork) -> NodeIndex:
    """Build the k-d tree used to snap points to ``network``'s nodes.

    Parameters
    ----------
    network
        The street network; must have at least one node.

    Returns
    -------
    NodeIndex
        Pass it to :func:`snap_points` to snap several point sets (zones,
        stops, destinations) without rebuilding the tree.

    Raises
    ------
    InputError
        If the network has no nodes.
    """
    from scipy.spatial import cKDTree  # imported here: scipy.spatial is slow to import

    if network.n_nodes == 0:
        msg = "cannot snap points to an empty street network; check the OSM extract"
        raise InputError(msg)
    coords = np.column_stack([network.node_x_m, network.node_y_m])
    return NodeIndex(crs=network.crs, n_nodes=network.n_nodes, tree=cKDTree(coords))


def snap_points(
    network: StreetNetwork,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    max_snap_m: float = 500.0,
    index: NodeIndex | None = None,
) -> SnappedPoints:
    """Snap WGS84 points to their nearest street-network node.

    All points are projected to the network's CRS and looked up in one k-d
    tree query. Points farther than ``max_snap_m`` from every node are dropped
    (node ``-1``); this function does not warn about them, so callers should
    report ``n_dropped`` with a ``RoutesWarning`` naming what was dropped.

    Parameters
    ----------
    network
        The street network to snap to.
    lon, lat
        WGS84 longitudes and latitudes of the points, degrees; 1-d, equal length.
    max_snap_m
        Largest straight-line distance to a node, metres; positive (``inf``
        keeps every point).
    index
        A prebuilt :func:`build_node_index` of ``network``; built here if omitted.

    Returns
    -------
    SnappedPoints
        Node index and distance for each point, in input order.

    Raises
    ------
    InputError
        If ``max_snap_m`` is not positive, the coordinate arrays are not 1-d of
        equal length, a coordinate is not finite or outside -180..180 / -90..90,
        or ``index`` was built for another network.

    """
    if not (max_snap_m > 0):  # also rejects NaN
        msg = f"max_snap_m must be a positive number of metres, got {max_snap_m!r}"
        raise InputError(msg)
    lon_deg, lat_deg = _check_coordinates(lon, lat)
    if index is None:
        index = build_node_index(network)
    elif index.crs != network.crs or index.n_nodes != network.n_nodes:
        msg = (
            f"the node index ({index.n_nodes:,} nodes, {index.crs}) was built for another "
            f"network than this one ({network.n_nodes:,} nodes, {network.crs}); "
            "rebuild it with build_node_index(network)"
        )
        raise InputError(msg)

    x_m, y_m = project_lonlat(lon_deg, lat_deg, network.crs)
    distance, node = index.tree.query(
        np.column_stack([x_m, y_m]), k=1, distance_upper_bound=max_snap_m
    )
    # cKDTree marks "nothing within the bound" by distance inf and index n_nodes.
    dropped = ~np.isfinite(distance)
    node = np.where(dropped, -1, node).astype(np.int32)
    distance_m = np.where(dropped, np.nan, distance).astype(np.float64)
    logger.debug(
        "snapped %d of %d points within %.0f m",
        len(node) - int(dropped.sum()),
        len(node),
        max_snap_m,
    )
    return SnappedPoints(node=node, distance_m=distance_m)


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
