"""The map's content: zone cells, isochrones and GeoJSON features with escaped tooltips.

Every user-supplied string (route, stop, zone, space and proposal names)
reaches a feature HTML-escaped inside its properties, never spliced into HTML
or JavaScript source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from routes._crs import local_metric_crs
from routes._format import format_number
from routes.inputs.destinations import Destinations
from routes.proposal.model import Proposal, ProposalRoute
from routes.proposal.stops import compute_route_stops
from routes.render.html import escape
from routes.render.svg import (
    ClassBreaks,
)
from routes.timetable.gtfs_time import format_clock

__all__ = ["PROPOSAL_COMPARISON", "Comparison", "compute_zone_cells", "inert"]

_COORD_DIGITS = 5  # about 1 m


@dataclass(frozen=True, slots=True)
class Comparison:
    """What the two sides of a change are called in the map's tooltips and layer names.

    Attributes
    ----------
    before, after
        ``"today"`` and ``"with the proposal"`` for a proposal; ``"on
        2023-06-13"`` and ``"on 2024-03-05"`` for two timetables compared by
        ``routes monitor``.
    """

    before: str = "today"
    after: str = "with the proposal"


PROPOSAL_COMPARISON = Comparison()
"""A proposal against today's timetable: the default of every map."""


# --------------------------------------------------------------------------- geometry


def compute_zone_cells(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Areas to colour for each zone: its polygon, or a cell around its point.

    Point zones (e.g. hexagon centres in a CSV) get the Voronoi cell of their
    point, clipped to a disc of 0.6 × the median nearest-neighbour distance,
    which gives close to hexagonal cells on a regular grid.

    Parameters
    ----------
    geometry
        Zone polygons or points, any CRS, indexed by zone id.

    Returns
    -------
    geopandas.GeoSeries
        Polygons, EPSG:4326, same index.
    """
    wgs = geometry.to_crs("EPSG:4326")
    is_point = wgs.geom_type == "Point"
    if not bool(is_point.any()):
        return wgs
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in wgs.total_bounds)
    metric = wgs.to_crs(local_metric_crs(lon_min, lat_min, lon_max, lat_max))
    points = metric[is_point.to_numpy()]
    xy = shapely.get_coordinates(points.to_numpy())
    if len(xy) > 1:
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(xy).query(xy, k=2)
        radius = 0.6 * float(np.median(dist[:, 1]))
    else:
        radius = 200.0
    discs = shapely.buffer(points.to_numpy(), radius, quad_segs=8)
    if len(xy) > 2:
        voronoi = shapely.voronoi_polygons(shapely.MultiPoint(xy),
                                           extend_to=shapely.box(*metric.total_bounds)
                                           .buffer(radius * 4))
        cells = np.asarray(shapely.get_parts(voronoi), dtype=object)
        # Voronoi parts come in no particular order: match each to its point.
        owner = shapely.STRtree(cells).query(shapely.points(xy), predicate="intersects")
        cell_of = np.empty(len(xy), dtype=object)
        cell_of[owner[0]] = cells[owner[1]]
        discs = shapely.intersection(discs, cell_of)
    out = metric.copy()
    out[is_point.to_numpy()] = discs
    return gpd.GeoSeries(out, index=geometry.index, crs=metric.crs).to_crs("EPSG:4326")


# --------------------------------------------------------------------------- features


def _round_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.set_precision(geom, 10.0 ** -_COORD_DIGITS)


_TEMPLATE_START = re.compile(r"\{(?=[{%#])")


def inert(text: str) -> str:
    """Keep HTML text from running as a jinja2 template inside the map's script.

    folium compiles the map's script a second time (branca's ``Element``), so a
    ``{{``, ``{%`` or ``{#`` typed in a name would run as template code there.
    Each ``{`` that starts one becomes the entity ``&#123;``, which the
    browser shows as ``{`` (tooltips and layer names are HTML).

    >>> inert("{{ 7*7 }} {x} {%")
    '&#123;{ 7*7 }} {x} &#123;%'
    """
    return _TEMPLATE_START.sub("&#123;", text)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geom: shapely.Geometry, tooltip: str, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(_round_geometry(geom)),
            "properties": {"tooltip": inert(tooltip), **props}}


def _zone_label(changes: pd.DataFrame, zone_id: str) -> str:
    name = changes["name"].get(zone_id) if "name" in changes else None
    if name is None or (isinstance(name, float) and math.isnan(name)) or str(name) == zone_id:
        return f"zone {zone_id}"
    return f"{name} ({zone_id})"


def _zone_header(changes: pd.DataFrame, zone_id: str) -> str:
    row = changes.loc[zone_id]
    lines = [f"<b>{escape(_zone_label(changes, zone_id))}</b>"]
    facts = []
    if "population" in changes and pd.notna(row["population"]):
        facts.append(f"{format_number(row['population'])} residents")
    if "deprivation_decile" in changes and pd.notna(row["deprivation_decile"]):
        facts.append(f"deprivation decile {int(row['deprivation_decile'])} of 10 "
                     "(1 = most deprived)")
    if facts:
        lines.append(escape(", ".join(facts)))
    return "<br>".join(lines)


def _change_sentence(before: float, after: float, what: str,
                     comparison: Comparison = PROPOSAL_COMPARISON) -> str:
    if not (math.isfinite(before) and math.isfinite(after)):
        return f"{what}: not reachable from this zone's streets"
    delta = after - before
    change = ("no change" if abs(delta) < 1e-9 else
              f"{format_number(delta, signed=True)}")
    return (f"{what}: {format_number(before)} {comparison.before}, {format_number(after)} "
            f"{comparison.after} ({change})")


def _change_features(changes: pd.DataFrame, cells: gpd.GeoSeries, metric: str, what: str,
                     breaks: ClassBreaks,
                     comparison: Comparison = PROPOSAL_COMPARISON) -> list[dict[str, Any]]:
    features = []
    for zone_id, geom in cells.items():
        if geom is None or geom.is_empty or zone_id not in changes.index:
            continue
        before = float(changes.at[zone_id, f"baseline_{metric}"])
        after = float(changes.at[zone_id, f"scenario_{metric}"])
        delta = float(changes.at[zone_id, f"delta_{metric}"])
        tip = (_zone_header(changes, str(zone_id)) + "<br>"
               + escape(_change_sentence(before, after, what, comparison)))
        features.append(_feature(geom, tip, fill=breaks.colour(delta)))
    return features


def _headway_text(route: ProposalRoute) -> str:
    parts = []
    for period in route.headways:
        parts.append(f"every {period.headway_s / 60:g} min "
                     f"{format_clock(period.start_s)}-{format_clock(period.end_s)}")
    return "; ".join(parts)


def _route_features(proposal: Proposal) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines, stops = [], []
    for route in proposal.routes:
        route_stops = compute_route_stops(route)
        length_km = route_stops[-1].distance_m / 1000 if route_stops else float("nan")
        tip = (f"<b>{escape(route.name)}</b><br>New bus route, "
               f"{escape(format_number(length_km))} km, {len(route_stops)} stops<br>"
               f"{escape(_headway_text(route))}")
        lines.append(_feature(shapely.LineString(route.coords_lonlat), tip))
        for i, stop in enumerate(route_stops, start=1):
            label = f"Stop {i} of {len(route_stops)} on {route.name}"
            if stop.name:
                label = f"{stop.name}: {label.lower()}"
            stops.append(_feature(shapely.Point(stop.lon, stop.lat), escape(label)))
    return lines, stops


def _destination_features(layer: Destinations, *, spaces: bool) -> list[dict[str, Any]]:
    table = layer.table
    features = []
    weights = table["weight"].to_numpy(dtype=float)
    biggest = float(np.nanmax(weights)) if len(weights) else 0.0
    for i, (dest_id, row) in enumerate(table.iterrows()):
        name = row.get("name")
        label = str(name) if isinstance(name, str) and name else str(dest_id)
        point = shapely.Point(layer.points.lon[i], layer.points.lat[i])
        if spaces:
            category = str(row.get("category") or "").replace("_", " ")
            detail = "shared community space" + (f" ({category})" if category and
                                                 category != "other" else "")
            tip = f"<b>{escape(label)}</b><br>{escape(detail)}"
            features.append(_feature(point, tip))
        elif weights[i] > 0:
            radius = 3.0 + 12.0 * math.sqrt(weights[i] / biggest) if biggest > 0 else 3.0
            tip = f"<b>{escape(format_number(weights[i]))} {escape(layer.name)}</b>"
            if isinstance(name, str) and name:
                tip += f"<br>{escape(name)}"
            features.append(_feature(point, tip, radius=round(radius, 1)))
    return features


def _isochrone_features(isochrones: gpd.GeoDataFrame, network: str, changes: pd.DataFrame,
                        when: str) -> list[dict[str, Any]]:
    """One outline per origin zone and cutoff: where its residents can get to."""
    rows = isochrones[isochrones["network"] == network].to_crs("EPSG:4326")
    features = []
    for (origin, cutoff), group in rows.groupby(["from_id", "cutoff_min"], sort=True):
        geom = shapely.simplify(shapely.union_all(group.geometry.to_numpy()),
                                10.0 ** -(_COORD_DIGITS - 1))
        if geom is None or geom.is_empty:
            continue
        label = (_zone_label(changes, str(origin)) if str(origin) in changes.index
                 else f"zone {origin}")
        tip = escape(f"Where people in {label} can get to within {cutoff:g} min by walking "
                     f"and bus {when}")
        features.append(_feature(geom, tip))
    return features


DEPRIVATION_COLOURS = ("#54278f", "#6a51a3", "#807dba", "#9e9ac8", "#bcbddc",
                       "#d9d9e8", "#e8e8f0", "#f0f0f5", "#f7f7fa", "#fcfcfd")
"""Fill of deprivation deciles 1 (most deprived, darkest) to 10."""


def _deprivation_features(changes: pd.DataFrame,
                          cells: gpd.GeoSeries) -> list[dict[str, Any]]:
    decile_column = changes.get("deprivation_decile")
    if decile_column is None or not bool(decile_column.notna().any()):
        return []
    features = []
    for zone_id, geom in cells.items():
        decile = changes["deprivation_decile"].get(zone_id)
        if decile is None or pd.isna(decile):
            continue
        features.append(_feature(geom, _zone_header(changes, str(zone_id)),
                                 fill=DEPRIVATION_COLOURS[int(decile) - 1]))
    return features


def _zone_name_features(changes: pd.DataFrame, cells: gpd.GeoSeries) -> list[dict[str, Any]]:
    """Place a point inside each named zone, its tooltip the name (a permanent label)."""
    features = []
    for zone_id, geom in cells.items():
        name = changes["name"].get(zone_id) if "name" in changes else None
        if not isinstance(name, str) or not name.strip():
            continue
        features.append(_feature(geom.representative_point(), escape(name)))
    return features


def _line_features(frame: gpd.GeoDataFrame, tip: Any) -> list[dict[str, Any]]:
    """Make one feature per row of a line layer, its tooltip ``tip(row)`` (escaped)."""
    features = []
    for _, row in frame.to_crs("EPSG:4326").iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        features.append(_feature(geom, escape(tip(row))))
    return features
