"""Isochrones: the area reachable from an origin within each travel-time cutoff."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from routes._csr import owners
from routes.engine.base import BuiltinEngine, TravelTimeEngine
from routes.engine.raptor import compute_snapped_travel_times
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork
from routes.streets.snapping import SnappedPoints, snap_points

__all__ = ["compute_isochrones"]

logger = logging.getLogger(__name__)

_SLACK_M = 1.0
_SLACK_S = 1.0  # with _SLACK_M, covers the half-second roundings of two walking legs


def compute_isochrones(
    network: TransitNetwork,
    origins: Points,
    origin_ids: Sequence[str],
    cutoffs_min: Sequence[float],
    request: TravelTimeRequest,
    *,
    grid_m: float | None = None,
    engine: TravelTimeEngine | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of the area reachable from chosen origins within each cutoff.

    Travel times are computed to every street node; the isochrone is the union
    of discs around the nodes reached within the cutoff, each as wide as the
    time left over allows on foot (at most the snapping limit plus the longest
    street segment at that node, since a point joins the streets anywhere
    along a segment).

    Parameters
    ----------
    network
        The transit network.
    origins
        Candidate origins; ``origin_ids`` picks from them.
    origin_ids
        IDs of the origins to draw.
    cutoffs_min
        Travel-time cutoffs, minutes.
    request
        Departure window and limits, as for
        :func:`routes.engine.raptor.compute_travel_times`; the isochrones are
        of its first percentile.
    grid_m
        Route to one street node per square of this size instead of to every
        node (much faster on large networks, for maps); the discs then grow by
        half the square's diagonal, so the polygons stay supersets.
    engine
        The engine that computes the travel times, opened on ``network``
        (:func:`routes.engine.backends.open_engine`; default: the built-in
        engine). The built-in engine routes to the street nodes themselves;
        another engine (R5) routes to points placed at them, each linked to the
        streets as that engine links points, in its own units (R5: whole minutes).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per origin and cutoff, EPSG:4326, with ``from_id`` (str),
        ``cutoff_min`` (minutes) and a valid (Multi)Polygon ``geometry``.
        Every point whose travel time is within a cutoff lies inside its polygon
        (without ``grid_m``; with it, approximately).

    Raises
    ------
    InputError
        If an ID is not among the origins, or a cutoff is not positive.
    """
    ids = [str(i) for i in origin_ids]
    index = {v: i for i, v in enumerate(origins.ids)}
    unknown = [i for i in ids if i not in index]
    if unknown:
        msg = f"zone {unknown[0]!r} is not among the {len(index):,} zones; check --zone"
        raise InputError(msg)
    if not cutoffs_min or min(cutoffs_min) <= 0:
        msg = f"cutoffs {list(cutoffs_min)!r} must be positive minutes"
        raise InputError(msg)
    routing = request.routing
    chosen = np.array([index[i] for i in ids])
    streets = network.streets
    nodes = np.arange(streets.n_nodes, dtype=np.int32)
    slack_m = _SLACK_M
    if grid_m is not None:
        cells = np.column_stack([np.floor(streets.node_x_m / grid_m),
                                 np.floor(streets.node_y_m / grid_m)])
        nodes = np.unique(cells, axis=0, return_index=True)[1].astype(np.int32)
        slack_m += grid_m * np.sqrt(2) / 2
    first = dataclasses.replace(request, percentiles=request.percentiles[:1])
    if engine is None or isinstance(engine, BuiltinEngine):
        snapped = snap_points(streets, origins.lon[chosen], origins.lat[chosen],
                              max_snap_m=routing.max_snap_m, index=network.edge_index)
        n_threads = engine.n_threads if engine is not None else None
        minutes = compute_snapped_travel_times(
            network, snapped, SnappedPoints.at_nodes(nodes), first, n_threads=n_threads)[:, 0, :]
    else:
        at_nodes = Points(ids=np.array([f"n{n}" for n in nodes], dtype=object),
                          lon=streets.node_lon[nodes], lat=streets.node_lat[nodes])
        chosen_points = Points(ids=origins.ids[chosen], lon=origins.lon[chosen],
                               lat=origins.lat[chosen])
        minutes = engine.compute_travel_time_array(chosen_points, at_nodes, first)[:, 0, :]
    speed = routing.walk_speed_m_s
    slack_m += _SLACK_S * speed
    longest_m = np.zeros(streets.n_nodes)
    rows_of_edges = owners(streets.indptr)
    np.maximum.at(longest_m, rows_of_edges, streets.length_m)
    cap_m = routing.max_snap_m + longest_m[nodes]
    rows = []
    for o, origin_id in enumerate(ids):
        for cutoff in sorted(cutoffs_min):
            reached = minutes[o] <= cutoff
            radius = np.minimum((cutoff - minutes[o][reached]) * 60 * speed, cap_m[reached])
            at = nodes[reached]
            discs = shapely.buffer(
                shapely.points(streets.node_x_m[at], streets.node_y_m[at]),
                radius + slack_m, quad_segs=4,
            )
            area = shapely.make_valid(shapely.union_all(discs)) if len(discs) else shapely.Polygon()
            rows.append({"from_id": origin_id, "cutoff_min": float(cutoff), "geometry": area})
    layer = gpd.GeoDataFrame(rows, geometry="geometry", crs=streets.crs).to_crs("EPSG:4326")
    logger.info("isochrones: %d origins x %d cutoffs", len(ids), len(cutoffs_min))
    return layer
