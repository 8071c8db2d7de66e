"""Queries of the ONS Open Geography Portal's ArcGIS feature services, page by page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from routes.errors import DownloadError
from routes.fetch.download import Downloads

__all__ = ["query_features", "query_records", "where_in"]

_CODES_PER_QUERY = 100  # keeps a `where ... IN (...)` address well under URL length limits


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


def _pages(
    downloads: Downloads, url: str, params: dict[str, str], *, what: str, page_size: int,
) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = downloads.json(
            url, what=what, problem=_error_of,
            params={**params, "resultOffset": str(offset), "resultRecordCount": str(page_size)},
        )
        features.extend(page["features"])
        exceeded = page.get("exceededTransferLimit") or page.get("properties", {}).get(
            "exceededTransferLimit")
        if not exceeded or not page["features"]:
            return features
        offset += len(page["features"])


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
        Attribute columns to return.
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
        The features in EPSG:4326, with the ``out_fields`` columns.

    Raises
    ------
    DownloadError
        If a request fails or the service reports an error.
    """
    params = {"outFields": ",".join(out_fields), "outSR": "4326", "f": "geojson"}
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
    return frame[[*out_fields, "geometry"]]


def query_records(
    downloads: Downloads, url: str, *, where: str, out_fields: Sequence[str], what: str,
    page_size: int = 2000,
) -> pd.DataFrame:
    """Attribute rows (no geometry) from an ArcGIS ``query`` endpoint, e.g. a lookup table.

    Raises
    ------
    DownloadError
        If a request fails, the service reports an error, or a field is missing.
    """
    params = {"where": where, "outFields": ",".join(out_fields), "returnGeometry": "false",
              "f": "json"}
    features = _pages(downloads, url, params, what=what, page_size=page_size)
    rows = [f.get("attributes", f.get("properties", {})) for f in features]
    frame = pd.DataFrame(rows, columns=list(out_fields), dtype=str)
    if rows and frame.isna().all().any():
        msg = f"{what}: the records lack {', '.join(frame.columns[frame.isna().all()])}; " \
              "check the address in --sources"
        raise DownloadError(msg)
    return frame
