"""Where a proposed route's stops are: its length, generated or explicit stops.

Distances are measured in a local metric CRS: the UTM zone of the route's extent.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyproj
import shapely

from routes._crs import local_metric_crs
from routes.proposal.model import ProposalRoute, RouteStop

__all__ = ["compute_route_length_m", "compute_route_stops"]

# ------------------------------------------------------------------- geometry


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _route_line_m(route: ProposalRoute) -> tuple[shapely.LineString, pyproj.Transformer]:
    lon, lat = np.asarray(route.coords_lonlat, dtype=np.float64).T
    crs = local_metric_crs(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    to_metric = _transformer("EPSG:4326", crs)
    x, y = to_metric.transform(lon, lat)
    return shapely.linestrings(np.column_stack([x, y])), to_metric


def compute_route_length_m(route: ProposalRoute) -> float:
    """Length of the route line, metres (in the UTM zone of its extent).

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    float
        Length of the whole drawn line, metres.
    """
    line_m, _ = _route_line_m(route)
    return float(line_m.length)


def _spacing_positions_m(length_m: float, spacing_m: float) -> list[float]:
    positions = [k * spacing_m for k in range(math.floor(length_m / spacing_m) + 1)]
    positions = [p for p in positions if p < length_m]
    if len(positions) > 1 and length_m - positions[-1] < spacing_m / 2.0:
        positions.pop()
    positions.append(length_m)
    return positions


def compute_route_stops(route: ProposalRoute) -> tuple[RouteStop, ...]:
    """Place a route's stops and measure their distance along the line.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    tuple[RouteStop, ...]
        Stops in running order (forward direction).

    Notes
    -----
    Without explicit stops, stops are placed at both ends of the line and every
    ``stop_spacing_m`` from its start. The last gap may be shorter; when it is
    shorter than half the spacing, the stop before it is dropped, so the last gap
    is between 0.5 and 1.5 spacings (a 4,100 m line with 400 m spacing gets stops
    at 0, 400, ..., 3,600 and 4,100 m).

    Explicit stops keep the position they were drawn at; ``distance_m`` is their
    projection onto the line, and they are ordered by it.
    """
    line_m, to_metric = _route_line_m(route)
    if route.stops is not None:
        x, y = to_metric.transform([s.lon for s in route.stops], [s.lat for s in route.stops])
        along = shapely.line_locate_point(line_m, shapely.points(np.asarray(x), np.asarray(y)))
        order = np.argsort(along, kind="stable")
        return tuple(
            RouteStop(route.stops[i].lon, route.stops[i].lat, float(along[i]), route.stops[i].name)
            for i in order
        )
    positions = _spacing_positions_m(float(line_m.length), route.stop_spacing_m)
    points = shapely.line_interpolate_point(line_m, np.asarray(positions))
    x, y = shapely.get_x(points), shapely.get_y(points)
    lon, lat = to_metric.transform(x, y, direction=pyproj.enums.TransformDirection.INVERSE)
    return tuple(
        RouteStop(float(a), float(b), float(d)) for a, b, d in zip(lon, lat, positions, strict=True)
    )
