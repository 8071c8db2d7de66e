"""Queries of the ONS Open Geography Portal's ArcGIS feature services, page by page.

Paging follows Esri's query documentation: a page may hold fewer features than
asked for, even none, while ``exceededTransferLimit`` is still true (the
services filter each page through a spatial index), so pages are requested
until that flag is gone, not until a page comes back short or empty. Every
query is ordered (``orderByFields``) on a field that identifies a feature, so
that pages do not shift between requests; features seen twice are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from routes.errors import DownloadError
from routes.fetch.download import Downloads

__all__ = ["query_features", "query_records", "where_in"]

_CODES_PER_QUERY = 100  # keeps a `where ... IN (...)` address well under URL length limits
_MAX_EMPTY_PAGES = 1000  # consecutive empty pages with the flag still set: a broken service


def where_in(column: str, values: Sequence[str]) -> list[str]:
    """``where`` clauses selecting ``column IN (values)``, a hundred values each.

    Single quotes in the values are doubled, as SQL requires.
    """
    clauses = []
    for start in range(0, len(values), _CODES_PER_QUERY):
        chunk = values[start:start + _CODES_PER_QUERY]
        quoted = ",".join("'" + v.replace("'", "''") + "'" for v in chunk)
        clauses.append(f"{column} IN ({quoted})")
    return clauses


def _error_of(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return f"expected a JSON object, got {type(payload).__name__}"
    if "error" in payload:
        error = payload["error"]
        return str(error.get("message", error)) if isinstance(error, dict) else str(error)
    if not isinstance(payload.get("features"), list):
        return "the answer has no 'features' list"
    return None


def _exceeded(page: dict[str, Any]) -> bool:
    """Read the transfer-limit flag: top level in Esri JSON, under ``properties`` in GeoJSON."""
    properties = page.get("properties")
    nested = properties.get("exceededTransferLimit") if isinstance(properties, dict) else None
    return bool(page.get("exceededTransferLimit") or nested)


def _pages(
    downloads: Downloads, url: str, params: dict[str, str], *, what: str, page_size: int,
) -> list[dict[str, Any]]:
    """Every feature of a query, following ``exceededTransferLimit`` from page to page.

    A page with features moves the offset on by the number received (a service
    that caps pages below ``page_size`` loses nothing); an empty page with the
    flag set moves it on by ``page_size``.
    """
    features: list[dict[str, Any]] = []
    offset = empty_run = 0
    while True:
        page = downloads.json(
            url, what=what, problem=_error_of,
            params={**params, "resultOffset": str(offset), "resultRecordCount": str(page_size)},
        )
        features.extend(page["features"])
        if not _exceeded(page):
            return features
        if page["features"]:
            empty_run = 0
            offset += len(page["features"])
            continue
        empty_run += 1
        if empty_run >= _MAX_EMPTY_PAGES:
            msg = (f"{what}: the service answered {empty_run} empty pages in a row and still "
                   "says there are more; check the address in --sources, or try again later")
            raise DownloadError(msg)
        offset += page_size


def query_features(
    downloads: Downloads,
    url: str,
    *,
    where: Sequence[str] = ("1=1",),
    out_fields: Sequence[str],
    bbox: tuple[float, float, float, float] | None = None,
    what: str,
    page_size: int = 2000,
) -> gpd.GeoDataFrame:
    """Features with geometry (WGS84) from an ArcGIS ``query`` endpoint.

    Parameters
    ----------
    downloads
        Where the answers are kept.
    url
        The layer's ``…/FeatureServer/0/query`` address.
    where
        SQL ``where`` clauses; each is queried separately and the results joined.
    out_fields
        Attribute columns to return; the first identifies a feature (the
        results are ordered on it, and a feature is kept once).
    bbox
        Only features intersecting this WGS84 box ``(min_lon, min_lat, max_lon,
        max_lat)``.
    what
        What the features are, for messages.
    page_size
        Features per request.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in EPSG:4326, with the ``out_fields`` columns, one row per
        value of the first field.

    Raises
    ------
    DownloadError
        If a request fails or the service reports an error.
    """
    params = {"outFields": ",".join(out_fields), "orderByFields": out_fields[0],
              "outSR": "4326", "f": "geojson"}
    if bbox is not None:
        params.update({
            "geometry": ",".join(f"{v:.6f}" for v in bbox),
            "geometryType": "esriGeometryEnvelope", "inSR": "4326",
            "spatialRel": "esriSpatialRelIntersects",
        })
    features = [
        feature
        for clause in where
        for feature in _pages(downloads, url, {**params, "where": clause}, what=what,
                              page_size=page_size)
    ]
    if not features:
        return gpd.GeoDataFrame({c: pd.Series(dtype=str) for c in out_fields},
                                geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"{what}: the service sent features that are not GeoJSON ({exc}); check the " \
              "address in --sources"
        raise DownloadError(msg) from exc
    missing = [c for c in out_fields if c not in frame.columns]
    if missing:
        msg = f"{what}: the features have no {', '.join(missing)} attribute; check the " \
              "address in --sources (a different edition of the layer?)"
        raise DownloadError(msg)
    frame = frame.drop_duplicates(out_fields[0]).reset_index(drop=True)
    return frame[[*out_fields, "geometry"]]


def query_records(
    downloads: Downloads, url: str, *, where: Sequence[str] = ("1=1",),
    out_fields: Sequence[str], what: str, page_size: int = 2000,
) -> pd.DataFrame:
    """Attribute rows (no geometry) from an ArcGIS ``query`` endpoint, e.g. a lookup table.

    The rows are ordered on, and unique in, the first of ``out_fields``.

    Raises
    ------
    DownloadError
        If a request fails, the service reports an error, or a field is missing.
    """
    params = {"outFields": ",".join(out_fields), "orderByFields": out_fields[0],
              "returnGeometry": "false", "f": "json"}
    features = [
        feature
        for clause in where
        for feature in _pages(downloads, url, {**params, "where": clause}, what=what,
                              page_size=page_size)
    ]
    rows = [f.get("attributes", f.get("properties", {})) for f in features]
    frame = pd.DataFrame(rows, columns=list(out_fields), dtype=str)
    if rows and frame.isna().all().any():
        msg = f"{what}: the records lack {', '.join(frame.columns[frame.isna().all()])}; " \
              "check the address in --sources"
        raise DownloadError(msg)
    return frame.drop_duplicates(out_fields[0]).reset_index(drop=True)
