"""The comparison page of several proposals: ranking, findings and small-multiple maps.

The page ranks the proposals by benefit per vehicle-hour and shows benefit,
running cost and equity side by side with small-multiple maps of the change
in job access. It is the template ``templates/comparison.html``, rendered with
autoescape on; this module only gathers what the sections say.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from routes._format import format_number
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.evaluation.compare import compute_ranking
from routes.evaluation.scoring import job_layer_of
from routes.render.html import Table, render_template
from routes.render.report_parts import (
    compute_input_tables,
    compute_method_facts,
    data_warnings_of,
)
from routes.render.report_text import describe_scorecard
from routes.render.svg import ROUTE_COLOUR, compute_class_breaks, render_zone_map

if TYPE_CHECKING:
    from routes.evaluation.evaluate import Evaluation

__all__ = ["describe_ranking", "render_comparison"]


@dataclass(frozen=True, slots=True)
class SmallMap:
    """One proposal's small map (SVG Markup) and its name (plain text)."""

    name: str
    svg: Markup


def _best(table: pd.DataFrame, column: str, *, lowest: bool = False) -> pd.Series | None:
    values = table[column]
    if not bool(values.notna().any()):
        return None
    return table.loc[values.idxmin() if lowest else values.idxmax()]


def describe_ranking(table: pd.DataFrame, job: str = "jobs") -> list[str]:
    """Describe the comparison in plain-language sentences (plain text, not escaped)."""
    if table.empty:
        return []
    out = []
    group = "deprived residents" if str(table["benefit_group"].iloc[0]).startswith(
        "deprived") else "residents"
    top = table.iloc[0]
    if math.isfinite(top["benefit_per_vehicle_hour"]):
        text = (f"{top['proposal']} gives the most for its running cost: for each hour a bus "
                f"is in service, {group} between them gain "
                f"{format_number(top['benefit_per_vehicle_hour'])} {job} within reach")
        if len(table) > 1 and math.isfinite(table["benefit_per_vehicle_hour"].iloc[1]):
            second = table.iloc[1]
            text += (f", against {format_number(second['benefit_per_vehicle_hour'])} for "
                     f"{second['proposal']}")
        out.append(text + ".")
    most = _best(table, "residents_gaining")
    if most is not None and most["residents_gaining"] > 0:
        out.append(f"{most['proposal']} helps the most people: "
                   f"{format_number(most['residents_gaining'])} {group} gain access to more "
                   f"{job}.")
    biggest = _best(table, "benefit")
    if biggest is not None and biggest["proposal"] != top["proposal"]:
        out.append(f"{biggest['proposal']} gives the largest total benefit "
                   f"({format_number(biggest['benefit'])} more {job} within reach, summed over "
                   f"{group}), at a higher cost per hour of service.")
    cheapest = _best(table, "annual_vehicle_hours", lowest=True)
    if cheapest is not None:
        out.append(f"{cheapest['proposal']} is the cheapest to run: "
                   f"{format_number(cheapest['peak_vehicles'])} buses at the busiest time, "
                   f"{format_number(cheapest['annual_vehicle_hours'])} vehicle-hours a year.")
    fairest = _best(table, "gini_change", lowest=True)
    if fairest is not None and fairest["gini_change"] < -0.0005:
        out.append(f"{fairest['proposal']} narrows the gap in job access most: the Gini index "
                   f"falls from {format_number(fairest['gini_baseline'], digits=3)} to "
                   f"{format_number(fairest['gini_scenario'], digits=3)}.")
    return out


def _small_multiples(evaluations: Sequence[Evaluation], zone_geometry: gpd.GeoSeries,
                     job_metric: str, title: str) -> tuple[list[SmallMap],
                                                          list[tuple[str, str]]]:
    """Draw the small maps of the change, on one colour scale, and list the scale's legend."""
    from routes._crs import local_metric_crs
    from routes.render.map_layers import compute_zone_cells

    cells = compute_zone_cells(zone_geometry)
    crs = local_metric_crs(*(float(v) for v in cells.total_bounds))
    metric = cells.to_crs(crs)
    delta = f"delta_{job_metric}"
    pooled = np.concatenate([e.changes[delta].to_numpy(dtype=float) for e in evaluations
                             if delta in e.changes])
    breaks = compute_class_breaks(pooled)
    xmin, ymin, xmax, ymax = (float(v) for v in metric.total_bounds)
    maps = []
    for e in evaluations:
        values = e.changes[delta].reindex(metric.index) if delta in e.changes else \
            pd.Series(np.nan, index=metric.index)
        lines = gpd.GeoSeries([shapely.LineString(r.coords_lonlat) for r in e.proposal.routes],
                              crs="EPSG:4326").to_crs(crs)
        svg = render_zone_map(list(metric.to_numpy()),
                              [breaks.colour(float(v)) for v in values.to_numpy()],
                              lines=list(lines.to_numpy()), bounds=(xmin, ymin, xmax, ymax),
                              title=f"{title}: {e.scorecard.proposal}")
        maps.append(SmallMap(e.scorecard.proposal, svg))
    return maps, breaks.legend()


def _links(evaluations: Sequence[Evaluation]) -> list[tuple[str, str]]:
    """``(proposal name, its run folder as a URL path)``: run folders are named after it."""
    return [(e.scorecard.proposal, quote(e.scorecard.proposal, safe="")) for e in evaluations]


def _ranking_table(table: pd.DataFrame, job: str) -> Table:
    group = str(table["benefit_group"].iloc[0]) if len(table) else "residents"
    header = ["rank", "proposal", f"{group} gaining", f"benefit (resident-{job})",
              "vehicle-hours a year", "benefit per vehicle-hour", "peak buses",
              "Gini change (− = fairer)"]
    rows = [(int(r["rank"]), r["proposal"], r["residents_gaining"], r["benefit"],
             r["annual_vehicle_hours"], r["benefit_per_vehicle_hour"], r["peak_vehicles"],
             format_number(r["gini_change"], digits=3, signed=True))
            for _, r in table.iterrows()]
    return Table.of(header, rows, class_="data ranking",
                    numeric=[True, False, True, True, True, True, True, True])


def _side_by_side(evaluations: Sequence[Evaluation], order: Sequence[str]) -> Table:
    by_name = {e.scorecard.proposal: e for e in evaluations}
    ranked = [by_name[n] for n in order]
    first = ranked[0].scorecard
    rows = []
    for indicator in first.indicators:
        values = []
        for e in ranked:
            try:
                values.append(e.scorecard.value(indicator.key))
            except KeyError:
                values.append(float("nan"))
        rows.append((indicator.label, *values, indicator.unit))
    return Table.of(["indicator", *order, "unit"], rows,
                    numeric=[False, *([True] * len(order)), False])


def render_comparison(
    evaluations: Sequence[Evaluation], zone_geometry: gpd.GeoSeries, *,
    scoring: ScoringParams | None = None, manifest: Mapping[str, Any] | None = None,
    ranking: pd.DataFrame | None = None,
) -> str:
    """Render the side-by-side report of several proposals (self-contained HTML).

    The page is the template ``templates/comparison.html``, rendered with autoescape on.

    Parameters
    ----------
    evaluations
        The proposals' results (scorecard, per-zone changes, proposal, cost).
    zone_geometry
        Zone polygons or points, indexed by zone id, for the small maps.
    scoring
        Cutoffs and deprived deciles.
    manifest
        Manifest of the comparison (inputs and parameters), or ``None``.
    ranking
        From :func:`compute_ranking` (computed when not given).
    """
    s = scoring or ScoringParams()
    table = compute_ranking(evaluations) if ranking is None else ranking
    job = (job_layer_of(evaluations[0].scorecard) if evaluations else None) or "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)
    info = dict(manifest or {})
    study = str(info.get("study_area", "")).split(" (/")[0]
    names = [str(n) for n in table["proposal"]]
    ranked = [next(e for e in evaluations if e.scorecard.proposal == n) for n in names]
    headlines = []
    for e in ranked:
        first = describe_scorecard(e.scorecard, scoring=s)
        if first:
            headlines.append((e.scorecard.proposal, first[0]))
    t = f"{s.job_cutoff_min:g}"
    small_maps, legend = _small_multiples(ranked, zone_geometry, job_metric,
                                          f"Change in {job} within {t} min")
    facts, files = compute_input_tables(info)
    return render_template(
        "comparison.html",
        names=names,
        subtitle=" · ".join(x for x in (study, ", ".join(names)) if x),
        warnings=data_warnings_of(info),
        findings=describe_ranking(table, job),
        headlines=headlines,
        job=job,
        job_cutoff=t,
        benefit_group=table["benefit_group"].iloc[0] if len(table) else "residents",
        ranking=_ranking_table(table, job),
        small_maps=small_maps,
        legend=legend,
        route_colour=ROUTE_COLOUR,
        links=_links(ranked),
        side_by_side=_side_by_side(evaluations, names),
        method=compute_method_facts(info, s, job),
        facts=facts,
        files=files,
    )
