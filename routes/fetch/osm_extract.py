"""The OpenStreetMap extract of a study area: the smallest Geofabrik extract, clipped.

The clip keeps every node inside the area and, with
:class:`osmium.ForwardReferenceWriter`, every way and relation that uses one of
them, completed with their nodes outside, so streets that cross the edge of the
area stay whole.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from routes._progress import ProgressCallback, no_progress
from routes.errors import DownloadError, OsmError
from routes.io import atomic_path

__all__ = ["GeofabrikExtract", "choose_geofabrik_extract", "restrict_osm_to_area"]

logger = logging.getLogger(__name__)

_REPORT_EVERY = 1_000_000


@dataclass(frozen=True, slots=True)
class GeofabrikExtract:
    """One downloadable extract of Geofabrik's index.

    Attributes
    ----------
    id
        Geofabrik's identifier, e.g. ``"lancashire"``.
    name
        Its display name.
    pbf_url
        Address of the ``.osm.pbf`` file (its MD5 is at the same address plus ``.md5``).
    """

    id: str
    name: str
    pbf_url: str


def choose_geofabrik_extract(index: Mapping[str, Any], area: BaseGeometry) -> GeofabrikExtract:
    """Pick the smallest extract in Geofabrik's ``index-v1.json`` that covers ``area``.

    Parameters
    ----------
    index
        The parsed index: a GeoJSON FeatureCollection whose features have
        ``properties.id``, ``properties.name``, ``properties.urls.pbf`` and the
        extract's polygon (made valid before it is compared).
    area
        The study area with its buffer, WGS84.

    Returns
    -------
    GeofabrikExtract
        The covering extract with the smallest polygon.

    Raises
    ------
    DownloadError
        If the index is not in that shape or no extract covers the area.
    """
    features = index.get("features") if isinstance(index, Mapping) else None
    if not isinstance(features, list):
        msg = "Geofabrik index: no 'features' list; check the geofabrik_index address"
        raise DownloadError(msg)
    best: tuple[float, GeofabrikExtract] | None = None
    for feature in features:
        props = feature.get("properties") or {}
        pbf = (props.get("urls") or {}).get("pbf")
        if not feature.get("geometry") or not pbf:
            continue
        # Geofabrik's polygons are drawn by hand and some are not valid (rings that
        # touch or cross); GEOS predicates on them can be wrong or fail
        polygon = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
        if polygon.covers(area) and (best is None or polygon.area < best[0]):
            best = (polygon.area, GeofabrikExtract(str(props.get("id")),
                                                   str(props.get("name", props.get("id"))),
                                                   str(pbf)))
    if best is None:
        minx, miny, maxx, maxy = area.bounds
        msg = (
            f"no Geofabrik extract covers the study area ({minx:.3f}, {miny:.3f}) to "
            f"({maxx:.3f}, {maxy:.3f}) with its buffer; try a smaller --buffer-km"
        )
        raise DownloadError(msg)
    logger.info("OpenStreetMap: the smallest Geofabrik extract covering the area is %s",
                best[1].id)
    return best[1]


def restrict_osm_to_area(
    source: Path, area: BaseGeometry, dest: Path, *, progress: ProgressCallback | None = None,
) -> Path:
    """Write the part of an OSM extract inside ``area`` (with whole ways) to ``dest``.

    Parameters
    ----------
    source
        An ``.osm.pbf`` (or ``.osm``) extract.
    area
        WGS84 polygon to keep.
    dest
        The clipped file to write, ``.osm.pbf``; written beside itself and
        renamed into place.
    progress
        Called as ``progress(nodes_read, 0)`` every million nodes (the total is
        not known in advance).

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    OsmError
        If the source cannot be read or no node lies inside the area.
    """
    progress = progress or no_progress
    shapely.prepare(area)
    with atomic_path(dest, overwrite=True) as tmp:
        kept, read = _write_nodes_inside(source, area, tmp, progress)
    return _log_kept(dest, kept, read)


def _write_nodes_inside(source: Path, area: BaseGeometry, tmp: Path,
                        progress: ProgressCallback) -> tuple[int, int]:
    """Write the nodes of ``source`` inside ``area``, with the ways using them, to ``tmp``."""
    import osmium

    minx, miny, maxx, maxy = area.bounds
    kept = read = 0
    try:
        with osmium.ForwardReferenceWriter(str(tmp), str(source), overwrite=True) as writer:
            for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
                read += 1
                if read % _REPORT_EVERY == 0:
                    progress(read, 0)
                if not isinstance(node, osmium.osm.Node):
                    continue
                loc = node.location
                if not loc.valid():
                    continue
                lon, lat = loc.lon, loc.lat
                if minx <= lon <= maxx and miny <= lat <= maxy and shapely.contains_xy(
                        area, lon, lat):
                    writer.add_node(node)
                    kept += 1
    except RuntimeError as exc:
        msg = f"{source.name}: cannot read the OpenStreetMap extract ({exc}); run routes " \
              "fetch again with --refresh to download it again"
        raise OsmError(msg) from exc
    if kept == 0:
        msg = f"{source.name}: no node of the extract lies inside the study area; the " \
              "Geofabrik extract chosen does not cover it"
        raise OsmError(msg)
    progress(read, read)
    return kept, read


def _log_kept(dest: Path, kept: int, read: int) -> Path:
    logger.info("OpenStreetMap: kept %s of %s nodes (and the ways using them) in %s",
                f"{kept:,}", f"{read:,}", dest.name)
    return dest
