"""The parts of report pages: style, method, data warnings, inputs, tables and charts.

Shared by the report of one proposal (:mod:`routes.render.report`) and the
comparison of several (:mod:`routes.render.comparison`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd

from routes._format import format_number
from routes.config.study_area import ScoringParams
from routes.evaluation.manifest import RunManifest
from routes.evaluation.scoring import Scorecard
from routes.proposal.costing import ProposalCost
from routes.proposal.model import ModificationKind, Proposal
from routes.render.html import element, escape, render_table
from routes.render.report_text import _deciles_text, compute_decile_benefit
from routes.render.svg import render_bar_chart, render_histogram
from routes.timetable.gtfs_time import format_clock

__all__ = ["REPORT_CSS", "render_data_warnings", "render_inputs", "render_method"]


REPORT_CSS = """
:root{--ink:#1f2328;--muted:#57606a;--rule:#d0d7de;--accent:#2166ac}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:var(--ink);
 max-width:1000px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid var(--rule);padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.subtitle{color:var(--muted);margin:0 0 16px}
.findings{background:#f3f8fc;border-left:5px solid var(--accent);padding:10px 16px 10px 28px;
 margin:12px 0}
.findings li{margin:5px 0}
.key{font-size:18px}
table.data{border-collapse:collapse;width:100%;margin:8px 0 14px;font-size:13.5px}
table.data th,table.data td{border-bottom:1px solid var(--rule);padding:4px 8px;
 text-align:left;vertical-align:top}
table.data th{background:#f6f8fa}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data caption{text-align:left;color:var(--muted);padding:4px 0}
td.source,td.hash{color:var(--muted);font-size:12px}
td.hash{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
figure{margin:10px 0 18px}
figcaption{color:var(--muted);font-size:13px}
.note{color:var(--muted);font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.grid figure{margin:0;flex:1 1 280px;max-width:320px}
.rank1{background:#eef6ee}
.data-warnings{background:#fff8e6;border-left:5px solid #bf8700;padding:8px 16px 8px 16px;
 margin:12px 0}
.data-warnings h2{border:0;margin:4px 0;font-size:17px}
.data-warnings li{margin:4px 0}
a{color:var(--accent)}
@page{size:A4;margin:14mm 12mm}
@media print{
 body{max-width:none;padding:0;font-size:11pt}
 h2{break-after:avoid}
 table,figure,.findings{break-inside:avoid}
 .noprint{display:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


# --------------------------------------------------------------------------- page parts


def _manifest_dict(manifest: RunManifest | Mapping[str, Any] | None) -> dict[str, Any]:
    if manifest is None:
        return {}
    if dataclasses.is_dataclass(manifest) and not isinstance(manifest, type):
        return dataclasses.asdict(manifest)
    return dict(manifest)


def _scoring_from(manifest: Mapping[str, Any], scoring: ScoringParams | None) -> ScoringParams:
    if scoring is not None:
        return scoring
    raw = manifest.get("scoring") or {}
    fields = {f.name for f in dataclasses.fields(ScoringParams)}
    values: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v)
                              for k, v in raw.items() if k in fields}
    return ScoringParams(**values)


def _clock(seconds: object) -> str:
    return format_clock(int(seconds)) if isinstance(seconds, int | float) else "?"


def render_method(manifest: Mapping[str, Any], scoring: ScoringParams, job: str) -> str:
    """Render the method section: how the numbers were made, with the run's parameters."""
    routing = manifest.get("routing") or {}
    pct = routing.get("percentiles") or [50]
    window = f"{_clock(routing.get('departure_start_s'))}-{_clock(routing.get('departure_end_s'))}"
    items = [
        f"Journeys combine walking on the OpenStreetMap street network with the buses and "
        f"trains of the GTFS timetables for {manifest.get('service_date', 'the service date')}, "
        f"including the proposal's new trips.",
        f"For every neighbourhood, a journey is planned leaving at each minute of the "
        f"{window} window (range-RAPTOR, as in R5/Conveyal); the travel time used is the "
        f"{pct[0]}th percentile over those departures.",
        f"Walking is at most {format_number(routing.get('max_walk_min', float('nan')))} minutes "
        f"at each end, at {format_number(routing.get('walk_speed_kmh', float('nan')))} km/h, "
        f"with up to {routing.get('max_rides', '?')} vehicles per journey.",
        f"{job.capitalize()} within {scoring.job_cutoff_min:g} minutes: the {job} at every "
        f"destination reachable within the cutoff, summed. Gains are scenario minus today.",
        f"Deprived neighbourhoods: {_deciles_text(scoring.deprived_deciles)} (1 = most "
        f"deprived). Shared spaces and cross-community reach use {scoring.space_cutoff_min:g} "
        "minutes.",
        "Gini index and Palma ratio (richest 10 % over poorest 40 %) of job access are weighted "
        "by population.",
        "Running cost counts only the new routes: peak buses = cycle time / headway, rounded "
        "up; vehicle-hours and vehicle-km over a year of the route's operating days.",
        "Every number in the scorecard is computed from a column of zones.csv, named in the "
        "table above.",
    ]
    return element("ul", "".join(element("li", escape(i)) for i in items))


def render_data_warnings(manifest: Mapping[str, Any]) -> str:
    """Render the "Data warnings" box: every warning of the run, escaped; empty when none.

    The warnings come from the manifest (``manifest["warnings"]``): inputs that
    were suspicious but usable, such as stops or zones too far from any street.
    """
    messages = [str(m) for m in manifest.get("warnings") or ()]
    if not messages:
        return ""
    items = "".join(element("li", escape(m)) for m in messages)
    note = ("The results below were computed despite these; check that they do not change "
            "the conclusions. They are also listed in manifest.json.")
    return element("div", element("h2", "Data warnings") + element("ul", items)
                   + element("p", escape(note), class_="note"),
                   class_="data-warnings", role="note")


def render_inputs(manifest: Mapping[str, Any]) -> str:
    """Render the inputs table (role, file, SHA-256) and the run facts from a manifest."""
    if not manifest:
        return element("p", "No manifest was given.", class_="note")
    rows = [(i.get("role", ""), i.get("path", ""), i.get("sha256", ""))
            for i in manifest.get("inputs", ())]
    facts = [("study area", manifest.get("study_area", "")),
             ("service date", manifest.get("service_date", "")),
             ("engine", manifest.get("engine", "")),
             ("Community Routes version", manifest.get("version", ""))]
    return (render_table(["", ""], facts, class_="data facts")
            + render_table(["role", "file", "SHA-256"], rows,
                           cell_classes=[None, None, "hash"]))


def _routes_table(cost: ProposalCost) -> str:
    rows = [(r.route_name, r.route_km, r.n_stops, r.min_headway_min, r.cycle_time_min,
             r.peak_vehicles, r.annual_vehicle_hours, r.annual_vehicle_km) for r in cost.routes]
    return render_table(["route", "km (one way)", "stops", "best headway (min)",
                         "cycle time (min)", "peak buses", "vehicle-hours a year",
                         "vehicle-km a year"], rows)


def _modifications(proposal: Proposal) -> str:
    items = []
    for mod in proposal.modifications:
        if mod.kind is ModificationKind.REMOVE_ROUTE or mod.headway_s is None:
            what = f"{mod.gtfs_route_id}: withdrawn"
        else:
            what = f"{mod.gtfs_route_id}: a bus every {mod.headway_s / 60:g} minutes"
        items.append(element("li", escape(what)))
    note = element("p", "Their running cost is not included in the cost figures.",
                   class_="note")
    return element("ul", "".join(items)) + note


def _scorecard_table(scorecard: Scorecard) -> str:
    rows = []
    for i in scorecard.indicators:
        rows.append(element("tr", element("td", escape(i.label))
                            + element("td", escape(format_number(i.value)), class_="num")
                            + element("td", escape(i.unit))
                            + element("td", escape(i.source), class_="source")))
    head = "".join(element("th", h, scope="col") for h in
                   ("indicator", "value", "unit", "from zones.csv / costing"))
    return element("table", element("thead", element("tr", head))
                   + element("tbody", "".join(rows)), class_="data")


def _top_zones(changes: pd.DataFrame, job_metric: str, n: int = 10) -> str:
    delta = f"delta_{job_metric}"
    pop = changes["population"].astype(float) if "population" in changes else 1.0
    weight = (changes[delta].fillna(0.0) * pop).sort_values(ascending=False)
    top = weight[weight > 0].index[:n]
    if len(top) == 0:
        return element("p", "No neighbourhood gains.", class_="note")
    rows = []
    for zone_id in top:
        row = changes.loc[zone_id]
        name = row.get("name")
        label = str(zone_id) if not isinstance(name, str) or name == str(zone_id) \
            else f"{name} ({zone_id})"
        decile = row.get("deprivation_decile")
        rows.append((label, float(row.get("population", float("nan"))),
                     "" if decile is None or pd.isna(decile) else str(int(decile)),
                     float(row[f"baseline_{job_metric}"]), float(row[f"scenario_{job_metric}"]),
                     float(row[delta])))
    return render_table(["neighbourhood", "residents", "decile", "today", "with the proposal",
                         "change"], rows, numeric=[False, True, True, True, True, True])


def _charts(changes: pd.DataFrame, job_metric: str, job: str, cutoff: float) -> str:
    benefit = compute_decile_benefit(changes, job_metric)
    by_decile = benefit.attrs["by"] == "decile"
    x_label = ("deprivation decile (1 = most deprived)" if by_decile else
               "residents grouped by job access today (Q1 = lowest fifth)")
    bar = render_bar_chart(
        benefit["group"].tolist(), benefit["mean_gain"].fillna(float("nan")).tolist(),
        title=f"Mean gain in {job} within {cutoff:g} min by "
              f"{'deprivation decile' if by_decile else 'access quintile'}",
        y_label=f"more {job} per resident", x_label=x_label)
    caption = (f"Population-weighted mean gain in {job} reachable within {cutoff:g} minutes. "
               + ("" if by_decile else "The zones have no deprivation deciles, so residents "
                  "are grouped into fifths by their job access today instead."))
    table = render_table(
        ["decile" if by_decile else "group", "residents", "residents gaining",
         f"mean gain ({job})", f"total gain (resident-{job})"],
        benefit[["group", "residents", "residents_gaining", "mean_gain",
                 "total_gain"]].itertuples(index=False),
        numeric=[False, True, True, True, True])
    delta = changes[f"delta_{job_metric}"].fillna(0.0)
    changed = changes[delta.abs() > 0]
    subset = changed if len(changed) else changes
    pop = subset["population"] if "population" in subset else pd.Series(1.0, index=subset.index)
    hist = render_histogram(
        subset[f"baseline_{job_metric}"], subset[f"scenario_{job_metric}"], pop,
        title=f"{job.capitalize()} within {cutoff:g} min, before and after",
        x_label=f"{job} reachable within {cutoff:g} min")
    who = (f"the {format_number(float(pop.sum()))} residents of the {len(subset):,} "
           "neighbourhoods whose access changes" if len(changed) else "all residents")
    return (
        element("h3", escape("Who gains: benefit by deprivation" if by_decile
                             else "Who gains: benefit by access today"))
        + element("figure", bar + element("figcaption", escape(caption))) + table
        + element("h3", "Before and after")
        + element("figure", hist + element("figcaption", escape(
            f"How many residents can reach how many {job}, today (grey) and with the "
            f"proposal (blue), for {who}.")))
    )
