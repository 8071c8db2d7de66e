"""The report's figures: the change map, the reach of the headline community, before→after.

Each figure comes with a caption that says over whom it is taken. The maps
are drawn offline by :mod:`routes.render.static_maps`; the chart by
:func:`routes.render.svg.render_dumbbell_chart`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely
from markupsafe import Markup

from routes._format import format_number
from routes.proposal.model import Proposal
from routes.render.report_summary import zone_label
from routes.render.static_maps import render_change_map, render_reach_map
from routes.render.svg import compute_class_breaks, render_dumbbell_chart

__all__ = ["Figure", "StoryFigures", "compute_story_figures", "headline_zone"]


@dataclass(frozen=True, slots=True)
class Figure:
    """A drawing (SVG Markup) with its heading and caption (plain text)."""

    heading: str
    graphic: Markup
    caption: str


@dataclass(frozen=True, slots=True)
class StoryFigures:
    """The figures of the story: each ``None`` when it cannot be drawn."""

    change_map: Figure | None
    reach_map: Figure | None
    dumbbell: Figure | None


def _population(changes: pd.DataFrame) -> pd.Series:
    if "population" in changes:
        return changes["population"].astype(float).fillna(0.0)
    return pd.Series(1.0, index=changes.index)


def headline_zone(changes: pd.DataFrame, delta_col: str,
                  isochrones: gpd.GeoDataFrame | None) -> str | None:
    """Choose the neighbourhood whose reach the report maps.

    Among the origins of the evaluation's isochrones (the most deprived zones
    that gain, or lose when none gains, or the zones chosen with
    ``--map-zone``), the one whose residents' access changes most in total
    (residents × |change|; the first origin when none changes); without
    isochrones, that zone among all.
    """
    weight = (changes[delta_col].fillna(0.0).abs() * _population(changes)
              if delta_col in changes else pd.Series(0.0, index=changes.index))
    if isochrones is not None and len(isochrones):
        origins = list(dict.fromkeys(isochrones["from_id"].astype(str)))
        known = [z for z in origins if z in weight.index]
        best = max(known, key=lambda z: float(weight[z]), default=None)
        return str(best) if best is not None and float(weight[best]) > 0 else origins[0]
    if delta_col not in changes or not len(weight):
        return None
    return str(weight.idxmax()) if float(weight.max()) > 0 else None


def _labels(changes: pd.DataFrame, delta: pd.Series, n: int) -> dict[str, str]:
    weight = (delta.abs() * _population(changes)).sort_values(ascending=False)
    return {str(z): zone_label(changes, z) for z in weight[weight > 0].index[:n]}


def _changed_lines(proposal: Proposal | None,
                   route_lines: gpd.GeoDataFrame | None) -> tuple[list[shapely.Geometry],
                                                                   list[shapely.Geometry], str]:
    if proposal is None:
        return [], [], ""
    new = [shapely.LineString(r.coords_lonlat) for r in proposal.routes]
    old: list[shapely.Geometry] = []
    names: list[str] = []
    if route_lines is not None:
        for mod in proposal.modifications:
            if mod.gtfs_route_id in route_lines.index:
                old.append(route_lines.geometry[mod.gtfs_route_id])
                names.append(str(route_lines.at[mod.gtfs_route_id, "short_name"]))
    return new, old, ", ".join(names)


def compute_story_figures(
    changes: pd.DataFrame, *, job: str, job_metric: str, cutoff_min: float,
    geometry: gpd.GeoSeries | None = None, isochrones: gpd.GeoDataFrame | None = None,
    proposal: Proposal | None = None, route_lines: gpd.GeoDataFrame | None = None,
    n_rows: int = 12,
) -> StoryFigures:
    """Draw the change map, the headline community's reach and the before→after chart.

    Parameters
    ----------
    changes
        The per-zone table (``zones.csv``), indexed by zone id.
    job, job_metric, cutoff_min
        The job layer, its column (``jobs_within_45min``) and cutoff.
    geometry
        Zone polygons indexed by zone id (with a CRS); no maps without.
    isochrones
        The evaluation's map isochrones (``network``, ``from_id``, ``geometry``).
    proposal
        The proposal (its new routes and the routes it withdraws or changes).
    route_lines
        The existing routes as lines, indexed by namespaced route id
        (:func:`routes.render.bus_lines.compute_route_lines`).
    n_rows
        Rows of the before→after chart.
    """
    delta_col = f"delta_{job_metric}"
    if delta_col not in changes:
        return StoryFigures(None, None, None)
    delta = changes[delta_col].astype(float)
    pop = _population(changes)
    n_zones = len(changes)
    changed = delta.fillna(0.0) != 0
    new, old, old_names = _changed_lines(proposal, route_lines)
    change_map = reach_map = None
    if geometry is not None and len(geometry):
        geoms = geometry.reindex(changes.index).dropna()
        breaks = compute_class_breaks(delta)
        labels = _labels(changes, delta.fillna(0.0), 8)
        routes_note = ""
        if new:
            routes_note += " New routes in magenta."
        if old:
            routes_note += f" Dashed: route {old_names}, withdrawn or changed."
        change_map = Figure(
            f"Where access to {job} changes",
            render_change_map(geoms, delta, breaks, title=f"Change in {job} within "
                              f"{cutoff_min:g} minutes by neighbourhood", unit=job,
                              new_lines=new, removed_lines=old, labels=labels),
            f"Each of the {n_zones} neighbourhoods is coloured by the change in the {job} its "
            f"residents can reach within {cutoff_min:g} minutes (blue: more, red: fewer, grey: "
            f"no change); {int(changed.sum())} of them change. The classes are the same size "
            f"either side of zero.{routes_note}")
        origin = headline_zone(changes, delta_col, isochrones)
        if origin is not None and origin in changes.index:
            before = after = None
            if isochrones is not None and len(isochrones):
                mine = isochrones[isochrones["from_id"].astype(str) == origin]
                iso_crs = isochrones.crs
                if geoms.crs is not None and iso_crs is not None:
                    mine = mine.to_crs(geoms.crs)
                b = mine[mine["network"] == "baseline"].geometry
                a = mine[mine["network"] == "scenario"].geometry
                before = shapely.union_all(b.to_numpy()) if len(b) else None
                after = shapely.union_all(a.to_numpy()) if len(a) else None
                cut = float(mine["cutoff_min"].max()) if len(mine) else cutoff_min
            else:
                cut = cutoff_min
            name = zone_label(changes, origin)
            row = changes.loc[origin]
            decile = row.get("deprivation_decile")
            about = ", ".join(x for x in (
                f"deprivation decile {int(decile)}" if decile is not None and pd.notna(decile)
                else "", f"{format_number(float(pop[origin]))} residents") if x)
            if before is not None or after is not None:
                reach_labels = {origin: name, **{k: v for k, v in labels.items()
                                                 if k != origin}}
                reach_map = Figure(
                    f"How far people in {name} can get",
                    render_reach_map(geoms, origin, before, after,
                                     title=f"Where people in {name} can get to within "
                                     f"{cut:g} minutes, today and with the proposal",
                                     cutoff_min=cut, new_lines=new, removed_lines=old,
                                     labels=reach_labels),
                    f"Where the residents of {name} ({about}) can get to within {cut:g} "
                    f"minutes by walking and bus (the median journey over the study's "
                    f"departure window): today (dashed outline) and with the proposal (blue). "
                    f"They can reach "
                    f"{format_number(float(row[f'baseline_{job_metric}']))} {job} today and "
                    f"{format_number(float(row[f'scenario_{job_metric}']))} with the proposal.")
    dumbbell = None
    if changed.any():
        order = (delta.abs() * pop).where(changed, 0.0).sort_values(ascending=False)
        top = order[order > 0].index[:n_rows]
        labels_rows = []
        for z in top:
            decile = changes.at[z, "deprivation_decile"] if "deprivation_decile" in changes \
                else None
            suffix = f" (decile {int(decile)})" if decile is not None and pd.notna(decile) else ""
            labels_rows.append(f"{zone_label(changes, z)}{suffix}")
        chart = render_dumbbell_chart(
            labels_rows, changes.loc[top, f"baseline_{job_metric}"].astype(float).tolist(),
            changes.loc[top, f"scenario_{job_metric}"].astype(float).tolist(),
            title=f"{job.capitalize()} within {cutoff_min:g} minutes, before and after, "
                  "by neighbourhood",
            x_label=f"{job} reachable within {cutoff_min:g} minutes")
        dumbbell = Figure(
            "Before and after, neighbourhood by neighbourhood", chart,
            f"The {len(top)} neighbourhoods where most residents' access changes (ranked by "
            f"residents × change), of the {int(changed.sum())} whose access to {job} within "
            f"{cutoff_min:g} minutes changes at all (of {n_zones}). Grey: today; blue: with "
            "the proposal, where it gains; red, where it loses. Decile 1 = most deprived.")
    return StoryFigures(change_map, reach_map, dumbbell)

