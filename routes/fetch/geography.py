"""LSOA 2021 boundaries and population-weighted centroids from the ONS Open Geography Portal."""

from __future__ import annotations

import logging

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from routes.errors import DownloadError, join_problems
from routes.fetch.arcgis import query_features, where_in
from routes.fetch.deprivation import District
from routes.fetch.download import Downloads
from routes.fetch.sources import FetchSources

__all__ = ["download_centroids_in", "download_district_polygons"]

logger = logging.getLogger(__name__)

_CENTROIDS = "ONS LSOA 2021 population-weighted centroids"


def download_district_polygons(
    downloads: Downloads, sources: FetchSources, district: District,
) -> gpd.GeoDataFrame:
    """Download the district's LSOA polygons (WGS84), made valid, indexed by ``LSOA21CD``.

    Columns: ``LSOA21NM`` and the geometry, in the order of ``district.lsoas``.

    Raises
    ------
    DownloadError
        If a request fails or an LSOA of the district has no boundary.
    """
    codes = district.lsoas.index.tolist()
    polygons = query_features(
        downloads, sources.lsoa_boundaries, where=where_in("LSOA21CD", codes),
        out_fields=["LSOA21CD", "LSOA21NM"], what="ONS LSOA 2021 boundaries",
        page_size=sources.arcgis_page_size,
    ).set_index("LSOA21CD")
    missing = sorted(set(codes) - set(polygons.index))
    if missing:
        msg = (f"ONS LSOA 2021 boundaries: {len(missing)} of the district's {len(codes)} LSOAs "
               f"have no boundary (e.g. {', '.join(missing[:3])}); check the lsoa_boundaries "
               "address in --sources (it must be the December 2021 edition)")
        raise DownloadError(msg)
    polygons = polygons.loc[codes]
    polygons["geometry"] = shapely.make_valid(polygons.geometry.to_numpy())
    return polygons


def _centroids_from(
    downloads: Downloads, url: str, key: str, page_size: int, area: BaseGeometry,
    codes: list[str],
) -> gpd.GeoDataFrame:
    points = query_features(
        downloads, url, bbox=area.bounds, out_fields=["LSOA21CD"], what=_CENTROIDS,
        page_size=page_size,
    ).set_index("LSOA21CD")
    inside = points[shapely.contains(area, points.geometry.to_numpy())]
    missing = sorted(set(codes) - set(inside.index))
    if missing:
        msg = (f"{_CENTROIDS}: none for {len(missing)} of the district's LSOAs (e.g. "
               f"{', '.join(missing[:3])}) at the {key} address; check it in --sources")
        raise DownloadError(msg)
    return inside.sort_index()


def download_centroids_in(
    downloads: Downloads, sources: FetchSources, area: BaseGeometry, codes: list[str],
) -> gpd.GeoDataFrame:
    """Population-weighted centroids of every LSOA inside ``area``, the district's included.

    Asks ``sources.lsoa_centroids`` (the V4 release) first and, if that fails
    or lacks one of the district's LSOAs, ``sources.lsoa_centroids_fallback``
    (an older release), with a logged warning.

    Parameters
    ----------
    downloads, sources
        Where to download from.
    area
        The buffered study area, WGS84.
    codes
        The district's LSOA codes: each must have a centroid inside ``area``.

    Returns
    -------
    geopandas.GeoDataFrame
        Points (EPSG:4326) indexed by ``LSOA21CD``, sorted by code.

    Raises
    ------
    DownloadError
        If neither address gives a centroid for every LSOA of the district;
        the message names the problem with each.
    """
    problems: list[str] = []
    for key in ("lsoa_centroids", "lsoa_centroids_fallback"):
        url = str(getattr(sources, key))
        try:
            found = _centroids_from(downloads, url, key, sources.arcgis_page_size, area, codes)
        except DownloadError as exc:
            problems.append(str(exc))
            if key == "lsoa_centroids":
                logger.warning("%s; trying the older release at the lsoa_centroids_fallback "
                               "address", exc)
            continue
        if problems:
            logger.warning("%s: using the older release (lsoa_centroids_fallback)", _CENTROIDS)
        return found
    raise DownloadError(join_problems(problems))
