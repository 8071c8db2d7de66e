"""Choosing a local metric CRS (a UTM zone) for a study area, and projecting to it."""

from __future__ import annotations

import logging
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routes.errors import InputError

__all__ = ["local_metric_crs", "project_lonlat"]

logger = logging.getLogger(__name__)

_UTM_LAT_MIN = -80.0
_UTM_LAT_MAX = 84.0


def local_metric_crs(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> str:
    """Choose the WGS84 UTM zone that contains the centre of an extent.

    Parameters
    ----------
    lon_min, lat_min, lon_max, lat_max
        The extent in WGS84 degrees (west, south, east, north).

    Returns
    -------
    str
        An authority string: ``"EPSG:326zz"`` for a northern-hemisphere centre,
        ``"EPSG:327zz"`` for a southern one, where ``zz`` is the zone number.

    Raises
    ------
    InputError
        If a bound is not finite, the extent is inverted, or its centre lies
        outside the latitudes UTM covers (80° S to 84° N).

    Notes
    -----
    The zone is ``floor((lon + 180) / 6) + 1`` at the centre longitude, with
    the standard exceptions: zone 32 is widened over south-west Norway
    (56–64° N, 3–12° E) and Svalbard (72–84° N) uses zones 31, 33, 35 and 37.
    An extent that crosses the antimeridian must be split by the caller;
    ``lon_min > lon_max`` is rejected rather than guessed.

    Examples
    --------
    >>> local_metric_crs(-51.3, -30.2, -51.0, -29.9)  # Porto Alegre
    'EPSG:32722'
    >>> local_metric_crs(8.16, 49.33, 8.82, 49.64)  # Mannheim / Heidelberg
    'EPSG:32632'
    """
    bounds = (lon_min, lat_min, lon_max, lat_max)
    if not all(math.isfinite(b) for b in bounds):
        msg = (
            f"extent {bounds!r} has a non-finite bound; "
            "compute the extent from valid WGS84 coordinates"
        )
        raise InputError(msg)
    if lon_min > lon_max or lat_min > lat_max:
        msg = (
            f"extent {bounds!r} is inverted (expected west <= east and south <= north); "
            "pass (lon_min, lat_min, lon_max, lat_max) and split extents crossing the antimeridian"
        )
        raise InputError(msg)
    lon = (lon_min + lon_max) / 2.0
    lat = (lat_min + lat_max) / 2.0
    if not (-180.0 <= lon <= 180.0 and _UTM_LAT_MIN <= lat <= _UTM_LAT_MAX):
        msg = (
            f"extent centre (lon {lon:.4f}, lat {lat:.4f}) is outside the UTM zones "
            "(longitude -180..180, latitude -80..84); check that the coordinates are "
            "WGS84 degrees in lon/lat order"
        )
        raise InputError(msg)
    zone = _utm_zone(lon, lat)
    base = 32600 if lat >= 0.0 else 32700
    return f"EPSG:{base + zone}"


def _utm_zone(lon: float, lat: float) -> int:
    """Return the UTM zone number (1-60) of a point, with the Norway/Svalbard exceptions."""
    zone = min(int(math.floor((lon + 180.0) / 6.0)) + 1, 60)
    if 56.0 <= lat < 64.0 and 3.0 <= lon < 12.0:
        return 32
    if 72.0 <= lat <= 84.0 and 0.0 <= lon < 42.0:
        if lon < 9.0:
            return 31
        if lon < 21.0:
            return 33
        if lon < 33.0:
            return 35
        return 37
    return zone


def project_lonlat(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project WGS84 longitudes and latitudes to ``crs`` in one vectorised call.

    Parameters
    ----------
    lon, lat
        WGS84 coordinates, degrees, of equal shape.
    crs
        Target CRS as an authority string, e.g. ``"EPSG:32632"``.

    Returns
    -------
    tuple of numpy.ndarray
        Easting and northing in the units of ``crs`` (metres for UTM), ``float64``.
    """
    from pyproj import Transformer  # imported here: pyproj is slow to import

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
