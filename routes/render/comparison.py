"""The comparison page of several proposals: ranking, findings and small-multiple maps.

The page ranks the proposals by benefit per vehicle-hour and shows benefit,
running cost and equity side by side with small-multiple maps of the change
in job access.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from routes._format import format_number
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.evaluation.compare import compute_ranking
from routes.evaluation.scoring import job_layer_of
from routes.render.html import element, escape, render_page, render_table
from routes.render.report_parts import (
    REPORT_CSS,
    render_data_warnings,
    render_inputs,
    render_method,
)
from routes.render.report_text import describe_scorecard
from routes.render.svg import compute_class_breaks, render_zone_map

if TYPE_CHECKING:
    from routes.evaluation.evaluate import Evaluation

__all__ = ["describe_ranking", "render_comparison"]


_EXTRA_CSS = """
table.ranking td,table.ranking th{text-align:right}
table.ranking td:first-child,table.ranking th:first-child,
table.ranking td:nth-child(2),table.ranking th:nth-child(2){text-align:left}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:6px 0}
.legend span.sw{display:inline-block;width:16px;height:11px;border:1px solid #bbb;
 margin-right:5px;vertical-align:-1px}
.grid figure figcaption{font-weight:600;color:#1f2328;font-size:14px}
"""


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
                     job_metric: str, title: str) -> str:
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
    figures = []
    for e in evaluations:
        values = e.changes[delta].reindex(metric.index) if delta in e.changes else \
            pd.Series(np.nan, index=metric.index)
        lines = gpd.GeoSeries([shapely.LineString(r.coords_lonlat) for r in e.proposal.routes],
                              crs="EPSG:4326").to_crs(crs)
        svg = render_zone_map(list(metric.to_numpy()),
                              [breaks.colour(float(v)) for v in values.to_numpy()],
                              lines=list(lines.to_numpy()), bounds=(xmin, ymin, xmax, ymax),
                              title=f"{title}: {e.scorecard.proposal}")
        figures.append(element("figure", svg + element("figcaption",
                                                       escape(e.scorecard.proposal))))
    legend = "".join(f'<span><span class="sw" style="background:{colour}"></span>'
                     f"{escape(label)}</span>" for colour, label in breaks.legend())
    return (element("div", "".join(figures), class_="grid")
            + element("div", legend + '<span><span class="sw" style="background:#d81b60">'
                      "</span>new route</span>", class_="legend"))


def _links(evaluations: Sequence[Evaluation]) -> str:
    items = []
    for e in evaluations:
        name = e.scorecard.proposal
        folder = quote(name, safe="")  # run folders are named after their proposal
        items.append(element("li", escape(name) + ": "
                             + element("a", "report", href=f"{folder}/report.html") + ", "
                             + element("a", "interactive map", href=f"{folder}/map.html")))
    return element("ul", "".join(items), class_="noprint")


def _ranking_table(table: pd.DataFrame, job: str) -> str:
    group = str(table["benefit_group"].iloc[0]) if len(table) else "residents"
    header = ["rank", "proposal", f"{group} gaining", f"benefit (resident-{job})",
              "vehicle-hours a year", "benefit per vehicle-hour", "peak buses",
              "Gini change (− = fairer)"]
    rows = [(int(r["rank"]), r["proposal"], r["residents_gaining"], r["benefit"],
             r["annual_vehicle_hours"], r["benefit_per_vehicle_hour"], r["peak_vehicles"],
             format_number(r["gini_change"], digits=3, signed=True))
            for _, r in table.iterrows()]
    return render_table(header, rows, class_="data ranking",
                        numeric=[True, False, True, True, True, True, True, True])


def _side_by_side(evaluations: Sequence[Evaluation], order: Sequence[str]) -> str:
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
    return render_table(["indicator", *order, "unit"], rows,
                        numeric=[False, *([True] * len(order)), False])


def render_comparison(
    evaluations: Sequence[Evaluation], zone_geometry: gpd.GeoSeries, *,
    scoring: ScoringParams | None = None, manifest: Mapping[str, Any] | None = None,
    ranking: pd.DataFrame | None = None,
) -> str:
    """Render the side-by-side report of several proposals (self-contained HTML).

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
    findings = describe_ranking(table, job)
    headlines = []
    for name in names:
        e = next(x for x in evaluations if x.scorecard.proposal == name)
        first = describe_scorecard(e.scorecard, scoring=s)
        if first:
            headlines.append(element("li", element("b", escape(name)) + ": " + escape(first[0])))
    t = f"{s.job_cutoff_min:g}"
    parts = [
        element("h1", escape(f"Comparing {len(names)} proposals")),
        element("p", escape(" · ".join(x for x in (study, ", ".join(names)) if x)),
                class_="subtitle"),
        render_data_warnings(info),
        element("h2", "Findings"),
        element("ul", "".join(element("li", escape(f)) for f in findings), class_="findings"),
        element("h3", "Each proposal in one line"),
        element("ul", "".join(headlines)),
        element("h2", "Ranking"),
        element("p", escape(
            f"Ranked by benefit per vehicle-hour: the extra {job} within {t} minutes, summed "
            f"over {table['benefit_group'].iloc[0] if len(table) else 'residents'}, per "
            "vehicle-hour of service a year. The Gini change is the change in inequality of job "
            "access (negative = fairer)."), class_="note"),
        _ranking_table(table, job),
        element("h2", escape(f"Where the change in {job} within {t} minutes falls")),
        _small_multiples([next(e for e in evaluations if e.scorecard.proposal == n)
                          for n in names], zone_geometry, job_metric,
                         f"Change in {job} within {t} min"),
        element("p", escape("Same colour scale on every map; grey = no change, white = no "
                            "data."), class_="note"),
        _links([next(e for e in evaluations if e.scorecard.proposal == n) for n in names]),
        element("h2", "Every indicator side by side"),
        _side_by_side(evaluations, names),
        element("h2", "Method"), render_method(info, s, job),
        element("h2", "Inputs"), render_inputs(info),
    ]
    return render_page(f"Comparing proposals: {', '.join(names)}", "\n".join(parts),
                       css=REPORT_CSS + _EXTRA_CSS)
