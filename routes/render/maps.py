"""The interactive map of a run: ``map.html``, one self-contained folium page.

Layers: where people in chosen zones can get to today and with the proposal
(isochrones), the change in jobs (and in cross-community reach) per zone, the
proposed routes and stops, shared community spaces and jobs. Leaflet's
JavaScript and CSS are written into the page from the ``folium-offline``
package, so the map opens with no internet; only the background tiles need it.

Every user-supplied string (route, stop, zone, space and proposal names)
reaches the page HTML-escaped inside JSON data, never spliced into HTML or
JavaScript source.
"""

from __future__ import annotations

import ast
import copy
import functools
import logging
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from routes._crs import local_metric_crs
from routes._optional import check_optional_dependency, import_optional_dependency
from routes.columns import ColumnKind, column_name
from routes.config.study_area import RoutingParams, ScoringParams
from routes.inputs.destinations import Destinations
from routes.inputs.zones import Zones
from routes.network.transit import TransitNetwork
from routes.proposal.model import Proposal, ProposalRoute
from routes.proposal.stops import compute_route_stops
from routes.render.html import escape, format_number
from routes.render.svg import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    ROUTE_COLOUR,
    ClassBreaks,
    compute_class_breaks,
)
from routes.timetable.gtfs_time import format_clock

__all__ = [
    "MapLayers",
    "choose_isochrone_zones",
    "compute_map_isochrones",
    "compute_zone_cells",
    "render_map",
    "write_map",
]

logger = logging.getLogger(__name__)

SPACE_COLOUR = "#1b9e77"
JOBS_COLOUR = "#8c6d31"
STOP_FILL = "#ffffff"
_STYLE_ZONE = {"color": "#9e9e9e", "weight": 0.4, "fillOpacity": 0.7}
_STYLE_ISO_BASELINE = {"color": "#424242", "weight": 2, "dashArray": "6 4", "fill": True,
                       "fillColor": BEFORE_COLOUR, "fillOpacity": 0.15}
_STYLE_ISO_SCENARIO = {"color": AFTER_COLOUR, "weight": 2, "fill": True,
                       "fillColor": AFTER_COLOUR, "fillOpacity": 0.18}
_STYLE_ROUTE = {"color": ROUTE_COLOUR, "weight": 5, "opacity": 0.9}
_STYLE_STOP = {"radius": 4, "color": ROUTE_COLOUR, "weight": 2, "fill": True,
               "fillColor": STOP_FILL,
               "fillOpacity": 1.0}
_STYLE_SPACE = {"radius": 6, "color": "#ffffff", "weight": 1.5, "fill": True,
                "fillColor": SPACE_COLOUR,
                "fillOpacity": 0.95}
_STYLE_JOBS = {"color": JOBS_COLOUR, "weight": 0.5, "fill": True, "fillColor": JOBS_COLOUR,
               "fillOpacity": 0.35}
_TOOLTIP_STYLE = "font-size:13px;max-width:320px;white-space:normal;"
_COORD_DIGITS = 5  # about 1 m

# Leaflet from folium-offline, which stores folium's CDN files under their URLs.
_ASSET_PACKAGE = "offlinefolium"
_ASSET_FILE = "elements.py"
_LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
_LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
_LINKED = re.compile(
    r'<script src="(?P<js>[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>[^"]+)"\s*/?>')


_ISOCHRONE_GRID_M = 100.0  # route to one street node per 100 m square: fast enough for maps


@dataclass(frozen=True, slots=True)
class MapLayers:
    """The names of the map's layers, as listed in its layer control.

    Attributes
    ----------
    baseline_isochrones, scenario_isochrones
        Area reachable from the chosen zones, today and with the proposal.
    change_jobs
        Change in jobs within the job cutoff, per zone.
    change_reach
        Change in residents of other community groups within the reach cutoff.
    routes, stops
        The proposal's new routes and their stops.
    spaces
        Shared community spaces.
    jobs
        Where the jobs are.
    """

    baseline_isochrones: str
    scenario_isochrones: str
    change_jobs: str
    change_reach: str
    routes: str
    stops: str
    spaces: str
    jobs: str

    @classmethod
    def for_scoring(cls, scoring: ScoringParams) -> MapLayers:
        """Layer names for the cutoffs of a study area."""
        t, r = f"{scoring.job_cutoff_min:g}", f"{scoring.space_cutoff_min:g}"
        return cls(
            baseline_isochrones=f"Reachable today within {t} min",
            scenario_isochrones=f"Reachable with the proposal within {t} min",
            change_jobs=f"Change in jobs within {t} min",
            change_reach=f"Change in people of other groups within {r} min",
            routes="Proposed routes",
            stops="Proposed stops",
            spaces="Shared community spaces",
            jobs="Jobs",
        )


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


def choose_isochrone_zones(changes: pd.DataFrame, job_column: str, *, n: int = 3) -> list[str]:
    """Default origins for the isochrones: the most deprived zones that gain.

    Parameters
    ----------
    changes
        Per-zone table (``zones.csv``) with ``population``,
        ``deprivation_decile`` and ``baseline_``/``delta_`` job columns.
    job_column
        The job-access column, e.g. ``jobs_within_45min``.
    n
        How many zones.

    Returns
    -------
    list[str]
        Zone ids: among populated zones whose job access improves (all
        populated zones when none does), the most deprived (lowest decile),
        or where there are no deciles the lowest baseline job access; ties go
        to the bigger gain.
    """
    table = changes
    if "population" in table:
        table = table[table["population"].fillna(0) > 0]
    delta = f"delta_{job_column}"
    if delta in table and bool((table[delta] > 0).any()):
        table = table[table[delta] > 0]
    keys: list[pd.Series] = []
    decile = table.get("deprivation_decile")
    if decile is not None and bool(decile.notna().any()):
        keys.append(decile.astype("Float64").fillna(11.0).astype(float))
    elif f"baseline_{job_column}" in table:
        keys.append(table[f"baseline_{job_column}"].fillna(np.inf).astype(float))
    if delta in table:
        keys.append(-table[delta].fillna(0.0).astype(float))
    if not keys:
        return [str(i) for i in table.index[:n]]
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    return [str(i) for i in table.index.to_numpy()[order[:n]]]


def compute_map_isochrones(
    baseline: TransitNetwork, scenario: TransitNetwork, zones: Zones, zone_ids: Sequence[str],
    *, routing: RoutingParams, cutoff_min: float,
) -> gpd.GeoDataFrame:
    """Isochrones from chosen zones on the baseline and on the scenario network.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``network`` (``"baseline"`` or ``"scenario"``),
        ``from_id`` (zone id), ``cutoff_min`` (minutes) and ``geometry``.
    """
    from routes.engine.isochrones import compute_isochrones

    frames = []
    for name, network in (("baseline", baseline), ("scenario", scenario)):
        layer = compute_isochrones(network, zones.points, list(zone_ids), [cutoff_min],
                                   routing=routing, grid_m=_ISOCHRONE_GRID_M)
        frames.append(layer.assign(network=name))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out[["network", "from_id", "cutoff_min", "geometry"]],
                            geometry="geometry", crs="EPSG:4326")


# --------------------------------------------------------------------------- features


def _round_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.set_precision(geom, 10.0 ** -_COORD_DIGITS)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geom: shapely.Geometry, tooltip: str, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(_round_geometry(geom)),
            "properties": {"tooltip": tooltip, **props}}


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


def _change_sentence(before: float, after: float, what: str) -> str:
    if not (math.isfinite(before) and math.isfinite(after)):
        return f"{what}: not reachable from this zone's streets"
    delta = after - before
    change = ("no change" if abs(delta) < 1e-9 else
              f"{format_number(delta, signed=True)}")
    return (f"{what}: {format_number(before)} today, {format_number(after)} with the "
            f"proposal ({change})")


def _change_features(changes: pd.DataFrame, cells: gpd.GeoSeries, metric: str, what: str,
                     breaks: ClassBreaks) -> list[dict[str, Any]]:
    features = []
    for zone_id, geom in cells.items():
        if geom is None or geom.is_empty or zone_id not in changes.index:
            continue
        before = float(changes.at[zone_id, f"baseline_{metric}"])
        after = float(changes.at[zone_id, f"scenario_{metric}"])
        delta = float(changes.at[zone_id, f"delta_{metric}"])
        tip = (_zone_header(changes, str(zone_id)) + "<br>"
               + escape(_change_sentence(before, after, what)))
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
    """One (multi)polygon per cutoff: the union of the areas reachable from every origin."""
    rows = isochrones[isochrones["network"] == network].to_crs("EPSG:4326")
    features = []
    for cutoff, group in rows.groupby("cutoff_min", sort=True):
        geom = shapely.simplify(shapely.union_all(group.geometry.to_numpy()),
                                10.0 ** -(_COORD_DIGITS - 1))
        if geom is None or geom.is_empty:
            continue
        origins = [_zone_label(changes, z) if z in changes.index else f"zone {z}"
                   for z in dict.fromkeys(group["from_id"].astype(str))]
        tip = escape(f"Where people in {'; '.join(origins)} can get to within {cutoff:g} min "
                     f"by walking and bus {when}")
        features.append(_feature(geom, tip))
    return features


# --------------------------------------------------------------------------- page


@functools.cache
def _load_asset(url: str) -> str:
    import importlib.resources

    source = importlib.resources.files(_ASSET_PACKAGE).joinpath(_ASSET_FILE).read_text(
        encoding="utf-8")
    key = f"_res[{url!r}] = "
    start = source.find(key)
    if start < 0:
        msg = (f"folium-offline has no copy of {url}; install the folium-offline release "
               "matching the installed folium")
        raise RuntimeError(msg)
    match = re.compile(r"'''.*?'''", re.S).match(source, start + len(key))
    if match is None:
        msg = f"folium-offline's copy of {url} is not in the expected form"
        raise RuntimeError(msg)
    text = ast.literal_eval(match.group(0))
    if not isinstance(text, str):  # pragma: no cover - defensive
        msg = f"folium-offline's copy of {url} is not text"
        raise RuntimeError(msg)
    return text


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def _stable_ids(page: str) -> str:
    """Replace folium's random element ids by counters, so equal maps are equal bytes."""
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids) + 1:032d}"), page)


def inline_assets(page: str) -> str:
    """Replace every linked script and style sheet of a folium page with its content.

    Raises
    ------
    OptionalDependencyError
        If folium-offline is not installed.
    RuntimeError
        If a linked file has no offline copy (the page would need the internet).
    """
    check_optional_dependency(_ASSET_PACKAGE, extra="maps", purpose="to write map.html")

    def replace(match: re.Match[str]) -> str:
        if match.group("js"):
            code = _load_asset(match.group("js")).replace("</script", "<\\/script")
            return f"<script>{code}</script>"
        css = _load_asset(match.group("css")).replace("</style", "<\\/style")
        return f"<style>{css}</style>"

    return _LINKED.sub(replace, page)


def _legend_html(layers: MapLayers, breaks: ClassBreaks, title: str,
                 isochrone_note: str | None) -> str:
    swatches = "".join(
        f'<div class="row"><span class="sw" style="background:{colour}"></span>'
        f"{escape(label)}</div>" for colour, label in breaks.legend())
    symbols = [
        (f'<span class="ln" style="border-color:{ROUTE_COLOUR}"></span>', layers.routes),
        (f'<span class="dot" style="background:{STOP_FILL};border-color:{ROUTE_COLOUR}">'
         "</span>", layers.stops),
        (f'<span class="dot" style="background:{SPACE_COLOUR};border-color:#fff"></span>',
         layers.spaces),
        (f'<span class="dot big" style="background:{JOBS_COLOUR};opacity:.5"></span>',
         f"{layers.jobs} (bigger circle = more jobs)"),
    ]
    if isochrone_note is not None:
        symbols[:0] = [
            ('<span class="sw" style="background:rgba(158,158,158,.25);border:2px dashed '
             '#424242"></span>', layers.baseline_isochrones),
            (f'<span class="sw" style="background:rgba(33,102,172,.25);border:2px solid '
             f'{AFTER_COLOUR}"></span>', layers.scenario_isochrones),
        ]
    rows = "".join(f'<div class="row">{icon}{escape(label)}</div>' for icon, label in symbols)
    note = (f'<div class="note">{escape(isochrone_note)}</div>'
            if isochrone_note is not None else "")
    return (
        '<div id="routes-legend" class="routes-legend" role="region" aria-label="Legend">'
        f'<div class="title">{escape(title)}</div>'
        f'<div class="head">{escape(layers.change_jobs)} per neighbourhood</div>{swatches}'
        f'<div class="head">On the map</div>{rows}{note}'
        f'<div class="note">Journeys by walking and bus, leaving in the study\'s departure '
        f"window; the middle (median) journey time counts. Background map needs the internet."
        "</div></div>"
    )


_PAGE_CSS = """
.routes-legend{position:absolute;z-index:1000;left:10px;bottom:56px;background:#fff;
 padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);
 font:12px/1.35 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;max-width:290px;
 max-height:calc(100vh - 150px);overflow:auto}
.routes-legend .title{font-weight:700;font-size:14px;margin-bottom:4px}
.routes-legend .head{font-weight:600;margin:6px 0 2px}
.routes-legend .row{display:flex;align-items:center;gap:6px;margin:1px 0}
.routes-legend .sw{display:inline-block;width:18px;height:12px;border:1px solid #bbb;
 box-sizing:border-box;flex:none}
.routes-legend .ln{display:inline-block;width:18px;border-top:4px solid;flex:none}
.routes-legend .dot{display:inline-block;width:10px;height:10px;border-radius:50%;
 border:2px solid;flex:none;margin:0 4px}
.routes-legend .dot.big{width:14px;height:14px;margin:0 2px;border:none}
.routes-legend .note{color:#555;margin-top:6px}
.leaflet-control-layers-expanded{font:13px system-ui,-apple-system,'Segoe UI',Arial,sans-serif}
@media print{.routes-legend{max-height:none}}
"""


def render_map(
    proposal: Proposal,
    changes: pd.DataFrame,
    zone_geometry: gpd.GeoSeries,
    *,
    scoring: ScoringParams | None = None,
    destinations: Sequence[Destinations] = (),
    space_layers: Collection[str] = (),
    isochrones: gpd.GeoDataFrame | None = None,
    study_name: str = "",
) -> str:
    """Render the interactive map of one proposal as a self-contained HTML page.

    Parameters
    ----------
    proposal
        The proposal (its routes and stops are drawn).
    changes
        Per-zone table (``zones.csv``), indexed by zone id, with
        ``baseline_``/``scenario_``/``delta_`` columns of ``jobs_within_<T>min``
        and, when present, ``reach_other_groups_<T>min``.
    zone_geometry
        Zone polygons or points, indexed by zone id (any CRS; reprojected to
        EPSG:4326).
    scoring
        Cutoffs (default: DESIGN's).
    destinations
        Destination layers; those named in ``space_layers`` are drawn as shared
        community spaces, the first other one as jobs.
    space_layers
        Names of the shared-space layers.
    isochrones
        From :func:`compute_map_isochrones`, or ``None`` for no isochrone layers.
    study_name
        Shown in the title.

    Returns
    -------
    str
        The HTML page.
    """
    folium = import_optional_dependency("folium", extra="maps", purpose="to write map.html")
    scoring = scoring or ScoringParams()
    names = MapLayers.for_scoring(scoring)
    cells = compute_zone_cells(zone_geometry)
    job_layer = next((d for d in destinations if d.name not in space_layers), None)
    job_name = job_layer.name if job_layer is not None else "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job_name, cutoff_min=scoring.job_cutoff_min)
    reach_metric = column_name(ColumnKind.REACH_OTHER_GROUPS, cutoff_min=scoring.space_cutoff_min)

    lon_min, lat_min, lon_max, lat_max = (float(v) for v in cells.total_bounds)
    fmap = folium.Map(location=[(lat_min + lat_max) / 2, (lon_min + lon_max) / 2],
                      tiles=None, control_scale=True, zoom_start=12)
    # Only Leaflet itself is needed (no icon fonts, Bootstrap or jQuery).
    fmap.default_js = [("leaflet", _LEAFLET_JS)]
    fmap.default_css = [("leaflet_css", _LEAFLET_CSS)]
    folium.TileLayer("OpenStreetMap", name="Street map (needs the internet)",
                     control=True).add_to(fmap)

    def tooltip() -> Any:
        return folium.GeoJsonTooltip(fields=["tooltip"], labels=False, style=_TOOLTIP_STYLE)

    def add(features: list[dict[str, Any]], name: str, style: Mapping[str, Any], *,
            show: bool = True, marker: Any = None, per_feature: str | None = None) -> None:
        if not features:
            return
        base = copy.deepcopy(dict(style))

        def style_function(feature: dict[str, Any]) -> dict[str, Any]:
            out = dict(base)
            if per_feature == "fill":
                out["fillColor"] = feature["properties"]["fill"]
            elif per_feature == "radius":
                out["radius"] = feature["properties"]["radius"]
            return out

        folium.GeoJson(_collection(features), name=escape(name), show=show, marker=marker,
                       style_function=style_function, tooltip=tooltip(),
                       highlight_function=None).add_to(fmap)

    breaks = compute_class_breaks(changes[f"delta_{job_metric}"]) \
        if f"delta_{job_metric}" in changes else compute_class_breaks([])
    if f"delta_{job_metric}" in changes:
        add(_change_features(changes, cells, job_metric, f"{job_name.capitalize()} within "
                             f"{scoring.job_cutoff_min:g} min", breaks),
            names.change_jobs, _STYLE_ZONE, per_feature="fill")
    if f"delta_{reach_metric}" in changes:
        reach_breaks = compute_class_breaks(changes[f"delta_{reach_metric}"])
        add(_change_features(changes, cells, reach_metric,
                             f"People of other community groups within "
                             f"{scoring.space_cutoff_min:g} min", reach_breaks),
            names.change_reach, _STYLE_ZONE, show=False, per_feature="fill")
    isochrone_note = None
    if isochrones is not None and len(isochrones):
        add(_isochrone_features(isochrones, "baseline", changes, "today"),
            names.baseline_isochrones, _STYLE_ISO_BASELINE)
        add(_isochrone_features(isochrones, "scenario", changes, "with the proposal"),
            names.scenario_isochrones, _STYLE_ISO_SCENARIO)
        origins = [_zone_label(changes, str(z)) if str(z) in changes.index else str(z)
                   for z in dict.fromkeys(isochrones["from_id"].astype(str))]
        isochrone_note = "Reachable areas are drawn from: " + "; ".join(origins) + "."
    if job_layer is not None:
        add(_destination_features(job_layer, spaces=False), names.jobs, _STYLE_JOBS,
            show=False, marker=folium.CircleMarker(), per_feature="radius")
    for layer in destinations:
        if layer.name in space_layers:
            add(_destination_features(layer, spaces=True), names.spaces, _STYLE_SPACE,
                marker=folium.CircleMarker())
    lines, stops = _route_features(proposal)
    add(lines, names.routes, _STYLE_ROUTE)
    add(stops, names.stops, _STYLE_STOP, marker=folium.CircleMarker())
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    fmap.fit_bounds([[lat_min, lon_min], [lat_max, lon_max]])

    title = f"{proposal.name}: what the proposal changes"
    if study_name:
        title += f" ({study_name})"
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<title>{escape(title)}</title>"), name="title")
    root.header.add_child(folium.Element(f"<style>{_PAGE_CSS}</style>"), name="routes_css")
    root.html.add_child(folium.Element(
        _legend_html(names, breaks, title, isochrone_note)),
        name="routes_legend")
    page = inline_assets(_stable_ids(root.render()))
    leftover = re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', page)
    if leftover:  # pragma: no cover - guarded by inline_assets
        msg = f"map.html would still load {len(leftover)} files from the internet"
        raise RuntimeError(msg)
    return page


def write_map(path: Path, proposal: Proposal, changes: pd.DataFrame,
              zone_geometry: gpd.GeoSeries, **options: Any) -> Path:
    """Write :func:`render_map`'s page to ``path`` (UTF-8) and return the path."""
    page = render_map(proposal, changes, zone_geometry, **options)
    Path(path).write_text(page, encoding="utf-8")
    logger.info("map: %s (%.1f MB)", path, len(page.encode("utf-8")) / 1e6)
    return Path(path)
