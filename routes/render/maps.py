"""The interactive map of a run: ``map.html``, one self-contained folium page.

Layers: where people in chosen zones can get to today and with the proposal
(isochrones), the change in jobs (and in cross-community reach) per zone, the
proposed routes and stops, shared community spaces and jobs; with
``[[periods]]``, the change in jobs of every departure window, one at a time
(:mod:`routes.render.map_periods`). Leaflet's
JavaScript and CSS are written into the page from this package's own copy
(:mod:`routes.render._leaflet`), so the map opens with no internet; only the
background tiles need it.

Every user-supplied string (route, stop, zone, space and proposal names)
reaches the page HTML-escaped inside JSON data, never spliced into HTML or
JavaScript source, and inert as a jinja2 template (:func:`routes.render.map_layers.inert`: folium
compiles the page's script twice); the title, style and legend are macros of
``templates/map_parts.html``, rendered with autoescape on.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2
import pandas as pd

from routes._optional import import_optional_dependency
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.inputs.destinations import Destinations
from routes.proposal.model import Proposal
from routes.render._leaflet import leaflet_script, leaflet_style
from routes.render.html import escape, render_macro
from routes.render.map_layers import (
    PROPOSAL_COMPARISON,
    Comparison,
    _change_features,
    _collection,
    _deprivation_features,
    _destination_features,
    _isochrone_features,
    _line_features,
    _route_features,
    _zone_label,
    _zone_name_features,
    compute_zone_cells,
    inert,
)
from routes.render.map_periods import (
    BASELAYER_TO_BACK,
    MapPeriod,
    period_class_breaks,
    period_layer_features,
    present_periods,
)
from routes.render.osm_context import MapContext
from routes.render.svg import (
    AFTER_COLOUR,
    ROUTE_COLOUR,
    ClassBreaks,
    compute_class_breaks,
)

__all__ = ["MapFare", "MapLayers", "render_map", "write_map"]

logger = logging.getLogger(__name__)

SPACE_COLOUR = "#1b9e77"
EXISTING_BUS_COLOUR = "#7b3294"
JOBS_COLOUR = "#8c6d31"
STOP_FILL = "#ffffff"
_STYLE_ZONE = {"color": "#9e9e9e", "weight": 0.4, "fillOpacity": 0.7}
_STYLE_ISO_BASELINE = {"color": "#424242", "weight": 2.5, "dashArray": "6 4", "fill": False}
_STYLE_ISO_SCENARIO = {"color": AFTER_COLOUR, "weight": 3, "fill": False}
_STYLE_DEPRIVATION = {"color": "#9e9e9e", "weight": 0.4, "fillOpacity": 0.75}
_STYLE_ROAD = {"color": "#5f5f5f", "weight": 2, "opacity": 0.55}
_STYLE_WATER = {"color": "#4a90c2", "weight": 3, "opacity": 0.8, "fillColor": "#a6cee3",
                "fillOpacity": 0.6}
_STYLE_RAIL = {"color": "#333333", "weight": 2, "dashArray": "8 4", "opacity": 0.8}
_STYLE_BUS = {"color": EXISTING_BUS_COLOUR, "weight": 2.5, "opacity": 0.75}
_STYLE_REMOVED = {"color": "#1a1a1a", "weight": 4, "dashArray": "10 6", "opacity": 0.9}
_STYLE_ROUTE = {"color": ROUTE_COLOUR, "weight": 5, "opacity": 0.9}
_STYLE_STOP = {"radius": 4, "color": ROUTE_COLOUR, "weight": 2, "fill": True,
               "fillColor": STOP_FILL,
               "fillOpacity": 1.0}
_STYLE_SPACE = {"radius": 6, "color": "#ffffff", "weight": 1.5, "fill": True,
                "fillColor": SPACE_COLOUR,
                "fillOpacity": 0.95}
_STYLE_JOBS = {"color": JOBS_COLOUR, "weight": 0.5, "fill": True, "fillColor": JOBS_COLOUR,
               "fillOpacity": 0.35}
# max-content: a tooltip is as wide as its text up to 320 px (its pane has no width, so
# without it the text wraps at every word).
_TOOLTIP_STYLE = "font-size:13px;width:max-content;max-width:320px;white-space:normal;"


@dataclass(frozen=True, slots=True)
class MapFare:
    """The fare budget whose fare-limited change in jobs the map draws.

    Attributes
    ----------
    budget_minor
        The budget, minor units (``[scoring] fare_budget``): names the
        ``<layer>_within_<T>min_fare<B>p`` columns to draw.
    words
        The budget in words, for the layer's name (``"one £3.00 fare"``).
    """

    budget_minor: int
    words: str


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
    def for_scoring(cls, scoring: ScoringParams,
                    comparison: Comparison = PROPOSAL_COMPARISON) -> MapLayers:
        """Layer names for the cutoffs of a study area."""
        t, r = f"{scoring.job_cutoff_min:g}", f"{scoring.space_cutoff_min:g}"
        return cls(
            baseline_isochrones=f"Reachable {comparison.before} within {t} min",
            scenario_isochrones=f"Reachable {comparison.after} within {t} min",
            change_jobs=f"Change in jobs within {t} min",
            change_reach=f"Change in people of other groups within {r} min",
            routes="Proposed routes",
            stops="Proposed stops",
            spaces="Shared community spaces",
            jobs="Jobs",
        )


@dataclass(frozen=True, slots=True)
class LegendSymbol:
    """One symbol of the map's legend: its shape (a CSS class), style and label (plain text)."""

    shape: str
    style: str
    label: str


def _legend_html(layers: MapLayers, breaks: ClassBreaks, title: str,
                 isochrone_note: str | None, *, context: bool = False, buses: bool = False,
                 removed: bool = False, new_routes: bool = True,
                 periods: Sequence[MapPeriod] = ()) -> str:
    symbols = [
        *([LegendSymbol("ln", f"border-color:{ROUTE_COLOUR}", layers.routes),
           LegendSymbol("dot", f"background:{STOP_FILL};border-color:{ROUTE_COLOUR}",
                        layers.stops)] if new_routes else []),
        *([LegendSymbol("ln", f"border-color:{EXISTING_BUS_COLOUR};border-top-width:3px",
                        "Bus routes today")] if buses else []),
        *([LegendSymbol("ln", "border-color:#1a1a1a;border-top-style:dashed",
                        "Routes withdrawn or changed")] if removed else []),
        *([LegendSymbol("ln", "border-color:#5f5f5f;border-top-width:2px", "Main roads"),
           LegendSymbol("ln", "border-color:#4a90c2;border-top-width:3px",
                        "Rivers and water")] if context else []),
        LegendSymbol("dot", f"background:{SPACE_COLOUR};border-color:#fff", layers.spaces),
        LegendSymbol("dot big", f"background:{JOBS_COLOUR};opacity:.5",
                     f"{layers.jobs} (bigger circle = more jobs)"),
    ]
    if isochrone_note is not None:
        symbols[:0] = [
            LegendSymbol("sw", "background:transparent;border:2px dashed #424242",
                         layers.baseline_isochrones),
            LegendSymbol("sw", f"background:transparent;border:2px solid {AFTER_COLOUR}",
                         layers.scenario_isochrones),
        ]
    period_note = None
    if periods:
        period_note = ("One departure window at a time: "
                       + "; ".join(p.label for p in periods)
                       + ". Switch in the list of layers; the colours mean the same in each.")
    return render_macro("map_parts.html", "legend", title, layers.change_jobs,
                        breaks.legend(), symbols, isochrone_note, period_note)


def _verbatim(folium: Any, html: str) -> Any:
    """Wrap ``html`` in a folium element that writes it as it is.

    ``folium.Element(html)`` would compile ``html`` as a jinja2 template, so a name
    holding ``{{ ... }}`` would run as template code; here ``html`` is only a value.
    """
    element = folium.Element("{{ this.verbatim_html }}")
    element.verbatim_html = html
    return element


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def _stable_ids(page: str) -> str:
    """Replace folium's random element ids by counters, so equal maps are equal bytes."""
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids) + 1:032d}"), page)


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
    context: MapContext | None = None,
    route_lines: gpd.GeoDataFrame | None = None,
    periods: Sequence[MapPeriod] = (),
    comparison: Comparison = PROPOSAL_COMPARISON,
    fare: MapFare | None = None,
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
    context
        Main roads, water, railways and the centre from the study area's OSM
        extract (:func:`routes.render.osm_context.load_map_context`), drawn so
        the map reads without tiles; ``None``: not drawn.
    route_lines
        The existing bus routes as lines, indexed by namespaced route id
        (:func:`routes.render.bus_lines.compute_route_lines`); the routes the
        proposal withdraws or changes are drawn dashed.
    periods
        The departure windows whose change in jobs to draw, one at a time
        (:func:`routes.render.map_periods.map_periods`); empty (no
        ``[[periods]]``): one layer of the change in jobs, as before periods.
    comparison
        What the two sides are called in tooltips and layer names (default
        "today" and "with the proposal").
    fare
        With ``[fares]``: also draw the change in jobs reachable within the
        cutoff for at most this budget (its columns in ``changes``), shown on
        opening instead of the time-only change when only it changes (a
        proposal that changes fares only).

    Returns
    -------
    str
        The HTML page.
    """
    folium = import_optional_dependency("folium", extra="maps", purpose="to write map.html")
    scoring = scoring or ScoringParams()
    names = MapLayers.for_scoring(scoring, comparison)
    cells = compute_zone_cells(zone_geometry)
    job_layer = next((d for d in destinations if d.name not in space_layers), None)
    job_name = job_layer.name if job_layer is not None else "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job_name, cutoff_min=scoring.job_cutoff_min)
    reach_metric = column_name(ColumnKind.REACH_OTHER_GROUPS, cutoff_min=scoring.space_cutoff_min)

    lon_min, lat_min, lon_max, lat_max = (float(v) for v in cells.total_bounds)
    fmap = folium.Map(location=[(lat_min + lat_max) / 2, (lon_min + lon_max) / 2],
                      tiles=None, control_scale=True, zoom_start=12)
    # Only Leaflet itself is needed (no icon fonts, Bootstrap or jQuery), and it is written
    # into the page below rather than linked.
    fmap.default_js = []
    fmap.default_css = []
    folium.TileLayer("OpenStreetMap", name="Street map tiles (need the internet)",
                     control=True, overlay=True, show=False).add_to(fmap)

    def tooltip() -> Any:
        return folium.GeoJsonTooltip(fields=["tooltip"], labels=False, style=_TOOLTIP_STYLE)

    def add(features: list[dict[str, Any]], name: str, style: Mapping[str, Any], *,
            show: bool = True, marker: Any = None, per_feature: str | None = None,
            overlay: bool = True) -> None:
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

        folium.GeoJson(_collection(features), name=inert(escape(name)), show=show, marker=marker,
                       style_function=style_function, tooltip=tooltip(),
                       highlight_function=None, overlay=overlay).add_to(fmap)

    job_what = f"{job_name.capitalize()} within {scoring.job_cutoff_min:g} min"
    periods = present_periods(changes, job_metric, periods)
    if periods:
        # One window at a time (base layers: radio buttons), on the same class breaks.
        breaks = period_class_breaks(changes, job_metric, periods)
        for k, (period, features) in enumerate(period_layer_features(
                changes, cells, job_metric, job_what, job_name, periods, breaks, comparison)):
            add(features, f"{names.change_jobs}, {period.label}", _STYLE_ZONE,
                show=k == 0, per_feature="fill", overlay=False)
    fare_metric = None if fare is None else column_name(
        ColumnKind.WITHIN_FARE, layer=job_name, cutoff_min=scoring.job_cutoff_min,
        budget_minor=fare.budget_minor)
    if fare_metric is not None and f"delta_{fare_metric}" not in changes:
        fare_metric = None
    time_delta = changes.get(f"delta_{job_metric}")
    fares_only = fare_metric is not None and bool(
        (changes[f"delta_{fare_metric}"].abs() > 1e-9).any()) and (
        time_delta is None or not bool((time_delta.abs() > 1e-9).any()))
    if not periods:
        # One set of classes for the time-only and the fare-limited changes.
        deltas = [changes[f"delta_{m}"] for m in (job_metric, fare_metric)
                  if m is not None and f"delta_{m}" in changes]
        breaks = compute_class_breaks(pd.concat(deltas) if deltas else [])
    if time_delta is not None and not periods:
        add(_change_features(changes, cells, job_metric, job_what, breaks, comparison),
            names.change_jobs, _STYLE_ZONE, per_feature="fill", show=not fares_only)
    if fare is not None and fare_metric is not None:
        add(_change_features(changes, cells, fare_metric, f"{job_what} for {fare.words}",
                             breaks, comparison),
            f"{names.change_jobs} for {fare.words}", _STYLE_ZONE, per_feature="fill",
            show=fares_only)
    if f"delta_{reach_metric}" in changes:
        reach_breaks = compute_class_breaks(changes[f"delta_{reach_metric}"])
        add(_change_features(changes, cells, reach_metric,
                             f"People of other community groups within "
                             f"{scoring.space_cutoff_min:g} min", reach_breaks, comparison),
            names.change_reach, _STYLE_ZONE, show=False, per_feature="fill")
    add(_deprivation_features(changes, cells), "Deprivation (decile 1 = most deprived)",
        _STYLE_DEPRIVATION, show=False, per_feature="fill")
    if context is not None:
        add(_line_features(context.water, lambda r: r["name"] or str(r["kind"]).capitalize()),
            "Rivers and water", _STYLE_WATER)
        add(_line_features(context.roads, lambda r: r["name"] or "Main road"),
            "Main roads", _STYLE_ROAD)
        add(_line_features(context.railways, lambda r: "Railway"), "Railways", _STYLE_RAIL)
    removed = {m.gtfs_route_id: m for m in proposal.modifications}
    if route_lines is not None and len(route_lines):
        add(_line_features(route_lines, lambda r: f"Bus {r['short_name']} (today)"),
            "Bus routes today", _STYLE_BUS)
        changed = route_lines[route_lines.index.isin(list(removed))]
        def what(row: pd.Series) -> str:
            headway = removed[str(row.name)].headway_s
            change = "withdrawn" if headway is None else f"a bus every {headway / 60:g} min"
            return f"Bus {row['short_name']}: {change} with the proposal"

        add(_line_features(changed, what),
            "Routes withdrawn or changed", _STYLE_REMOVED)
    isochrone_note = None
    if isochrones is not None and len(isochrones):
        from routes.render.report_figures import headline_zone

        ids = list(dict.fromkeys(isochrones["from_id"].astype(str)))
        first = headline_zone(changes, f"delta_{job_metric}", isochrones)
        ids.sort(key=lambda z: z != first)  # the headline zone first, the others after
        origin = {z: _zone_label(changes, z) if z in changes.index else z for z in ids}
        for z in ids:
            mine = isochrones[isochrones["from_id"].astype(str) == z]
            add(_isochrone_features(mine, "baseline", changes, comparison.before),
                f"{names.baseline_isochrones}, from {origin[z]}", _STYLE_ISO_BASELINE,
                show=z == first)
            add(_isochrone_features(mine, "scenario", changes, comparison.after),
                f"{names.scenario_isochrones}, from {origin[z]}", _STYLE_ISO_SCENARIO,
                show=z == first)
        isochrone_note = f"Reachable areas are drawn from: {origin[ids[0]]}" + (
            "; switch on the others in the list of layers: "
            + "; ".join(origin[z] for z in ids[1:]) + "." if len(ids) > 1 else ".")
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
    labels = [(f["geometry"]["coordinates"], f["properties"]["tooltip"], "routes-label")
              for f in _zone_name_features(changes, cells)]
    zone_names = {str(t).casefold() for _, t, _ in labels}
    if context is not None and context.centre_name is not None \
            and inert(escape(context.centre_name)).casefold() not in zone_names:
        labels.append(((context.centre_lon, context.centre_lat),
                       inert(escape(context.centre_name)),
                       "routes-label centre"))
    if labels:
        group = folium.FeatureGroup(name="Names of places", show=True)
        for (lon, lat), text, class_name in labels:
            # The text is already HTML-escaped: no "<" can reach the page's script.
            folium.Marker([lat, lon], icon=folium.DivIcon(
                html=f'<span class="{class_name}">{text}</span>', icon_size=(0, 0),
                class_name="routes-label-icon")).add_to(group)
        group.add_to(fmap)
    # Collapsed (a button), so that the list of layers does not hide the town.
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    if periods:  # after the map's layers, so that the map exists when this runs
        switch = folium.MacroElement()
        switch._template = jinja2.Template(
            "{% macro script(this, kwargs) %}" + BASELAYER_TO_BACK + "{% endmacro %}")
        switch.add_to(fmap)
    fmap.fit_bounds([[lat_min, lon_min], [lat_max, lon_max]])

    title = f"{proposal.name}: what the proposal changes"
    if study_name:
        title += f" ({study_name})"
    root = fmap.get_root()
    root.header.add_child(_verbatim(folium, render_macro("map_parts.html", "title", title)),
                          name="title")
    root.header.add_child(_verbatim(folium, render_macro("map_parts.html", "style")),
                          name="routes_css")
    # Leaflet itself, before the map's script (which folium writes at the end of the body).
    root.header.add_child(_verbatim(folium, f"<script>{leaflet_script()}</script>"),
                          name="leaflet")
    root.header.add_child(_verbatim(folium, f"<style>{leaflet_style()}</style>"),
                          name="leaflet_css")
    if fares_only and fare is not None:
        # The colours are those of the fare-limited layer, shown on opening.
        names = dataclasses.replace(names, change_jobs=f"{names.change_jobs} for {fare.words}")
        if isochrone_note is not None:
            isochrone_note += " Reachable areas are by journey time, whatever the fare."
    root.html.add_child(_verbatim(folium, _legend_html(
        names, breaks, title, isochrone_note, context=context is not None,
        buses=route_lines is not None and len(route_lines) > 0,
        removed=route_lines is not None and bool(route_lines.index.isin(list(removed)).any()),
        new_routes=bool(proposal.routes), periods=periods)),
        name="routes_legend")
    page = _stable_ids(root.render())
    linked = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)=', page)
    if linked:  # pragma: no cover - folium elements that need files are not used
        msg = (f"map.html would load {len(linked)} files from outside the page; only "
               "Leaflet is written into it")
        raise RuntimeError(msg)
    return page


def write_map(path: Path, proposal: Proposal, changes: pd.DataFrame,
              zone_geometry: gpd.GeoSeries, **options: Any) -> Path:
    """Write :func:`render_map`'s page to ``path`` (UTF-8) and return the path."""
    page = render_map(proposal, changes, zone_geometry, **options)
    Path(path).write_text(page, encoding="utf-8")
    logger.info("map: %s (%.1f MB)", path, len(page.encode("utf-8")) / 1e6)
    return Path(path)
