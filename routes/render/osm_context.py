"""Map context from the study area's own OSM extract: main roads, water, railways, centre.

So that the maps read offline (no tiles), they draw the town from the same
extract the street network comes from: main roads (with their names),
rivers and canals, railways, and a label for the centre (a ``place=city``,
``town`` or ``village`` node, or else the junction where most main roads
meet).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from routes.inputs.osm_file import check_osm_path, is_graphml_path, iter_osm

__all__ = ["MAIN_ROADS", "MapContext", "load_map_context"]

MAIN_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary",
                        "motorway_link", "trunk_link", "primary_link", "secondary_link"})
"""``highway=*`` values drawn as main roads."""
_WATERWAYS = frozenset({"river", "canal", "stream"})
_PLACES = ("city", "town", "village")


@dataclass(frozen=True, slots=True)
class MapContext:
    """What the maps draw under the data, all EPSG:4326.

    Attributes
    ----------
    roads
        Main roads: ``highway``, ``name`` (``""`` when none), line geometry.
    water
        Rivers, canals and streams (lines) and water areas (polygons): ``kind``, ``name``.
    railways
        ``railway=rail`` lines.
    centre_name, centre_lon, centre_lat
        The centre's label and position (``None`` name: no centre found).
    """

    roads: gpd.GeoDataFrame
    water: gpd.GeoDataFrame
    railways: gpd.GeoDataFrame
    centre_name: str | None
    centre_lon: float
    centre_lat: float


def _frame(rows: list[dict[str, object]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns},
                                geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def load_map_context(osm_path: Path, *, fallback_name: str = "Town centre") -> MapContext:
    """Read the main roads, water, railways and centre of an OSM extract.

    Parameters
    ----------
    osm_path
        The study area's OSM extract (``.osm``, ``.osm.pbf``, ...). A GraphML
        network has no such tags: the context is then empty.
    fallback_name
        The centre's label when the extract has no ``place`` node.

    Raises
    ------
    OsmError
        If the extract cannot be read.
    """
    import osmium

    empty = _frame([], ("highway", "name"))
    if is_graphml_path(osm_path):
        return MapContext(empty, _frame([], ("kind", "name")), _frame([], ("kind",)), None,
                          0.0, 0.0)
    fmt = check_osm_path(osm_path)
    processor = (osmium.FileProcessor(osmium.io.File(str(osm_path), fmt),
                                      osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations()
                 .with_filter(osmium.filter.KeyFilter("highway", "waterway", "natural",
                                                      "railway", "place")))
    roads: list[dict[str, object]] = []
    water: list[dict[str, object]] = []
    rails: list[dict[str, object]] = []
    place: tuple[str, float, float, int] | None = None
    junctions: Counter[tuple[float, float]] = Counter()
    for obj in iter_osm(processor, osm_path):
        tags = obj.tags
        if obj.is_node():
            kind = tags.get("place")
            if kind in _PLACES and tags.get("name"):
                rank = _PLACES.index(kind)
                if place is None or rank < place[3]:
                    place = (str(tags.get("name")), obj.location.lon, obj.location.lat, rank)
            continue
        if not obj.is_way():
            continue
        try:
            coords = [(n.lon, n.lat) for n in obj.nodes]
        except osmium.InvalidLocationError:
            continue
        if len(coords) < 2:
            continue
        line = shapely.LineString(coords)
        name = str(tags.get("name") or "")
        highway = tags.get("highway")
        if highway in MAIN_ROADS:
            roads.append({"highway": highway, "name": name, "geometry": line})
            for end in (coords[0], coords[-1]):
                junctions[(round(end[0], 6), round(end[1], 6))] += 1
        elif tags.get("waterway") in _WATERWAYS:
            water.append({"kind": tags.get("waterway"), "name": name, "geometry": line})
        elif tags.get("natural") == "water" and len(coords) >= 4 and coords[0] == coords[-1]:
            water.append({"kind": "water", "name": name, "geometry": shapely.Polygon(coords)})
        elif tags.get("railway") == "rail":
            rails.append({"kind": "rail", "geometry": line})
    if place is not None:
        centre: tuple[str | None, float, float] = place[:3]
    elif junctions:
        (lon, lat), _ = junctions.most_common(1)[0]
        centre = (fallback_name, lon, lat)
    else:
        centre = (None, 0.0, 0.0)
    return MapContext(_frame(roads, ("highway", "name")), _frame(water, ("kind", "name")),
                      _frame(rails, ("kind",)), *centre)
