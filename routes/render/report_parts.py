"""The content of report pages: method, data warnings, inputs, tables and charts.

Shared by the report of one proposal (:mod:`routes.render.report`) and the
comparison of several (:mod:`routes.render.comparison`). The functions here
compute what the sections say, as plain text, numbers, tables
(:class:`~routes.render.html.Table`) and SVG (:class:`~markupsafe.Markup`); the
templates (``templates/sections.html``, ``templates/macros.html``) write it, escaped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from routes._format import format_number
from routes.config.study_area import ScoringParams
from routes.evaluation.manifest import RunManifest
from routes.proposal.costing import ProposalCost
from routes.proposal.model import ModificationKind, Proposal
from routes.render.html import Table, render_macro
from routes.render.report_text import _deciles_text, compute_decile_benefit
from routes.render.svg import render_bar_chart, render_histogram
from routes.timetable.gtfs_time import format_clock

__all__ = [
    "Charts",
    "MethodFacts",
    "compute_charts",
    "compute_input_tables",
    "compute_method_facts",
    "compute_routes_table",
    "compute_running_cost_table",
    "compute_top_zones",
    "data_warnings_of",
    "describe_modifications",
    "render_data_warnings",
    "render_inputs",
    "render_method",
]

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


@dataclass(frozen=True, slots=True)
class MethodFacts:
    """The run's parameters as the method section states them (plain text).

    Attributes
    ----------
    service_date
        The timetable's date, or "the service date".
    window
        Departure window, e.g. ``"07:00:00-09:00:00"``.
    percentile
        The travel-time percentile used (e.g. 50).
    max_walk_min, walk_speed_kmh
        Walking limits (NaN when unknown: written "n/a").
    max_rides
        Vehicles per journey (``"?"`` when unknown).
    job
        The job layer's name.
    job_cutoff, space_cutoff
        The cutoffs in minutes, as written (``"45"``).
    deprived
        Which deciles count as deprived, in words.
    """

    service_date: str
    window: str
    percentile: str
    max_walk_min: float
    walk_speed_kmh: float
    max_rides: str
    job: str
    job_cutoff: str
    space_cutoff: str
    deprived: str


def compute_method_facts(manifest: Mapping[str, Any], scoring: ScoringParams,
                         job: str) -> MethodFacts:
    """Collect the method section's facts from a run's manifest and scoring parameters."""
    routing = manifest.get("routing") or {}
    pct = routing.get("percentiles") or [50]
    window = f"{_clock(routing.get('departure_start_s'))}-{_clock(routing.get('departure_end_s'))}"
    return MethodFacts(
        service_date=str(manifest.get("service_date", "the service date")), window=window,
        percentile=str(pct[0]),
        max_walk_min=float(routing.get("max_walk_min", float("nan"))),
        walk_speed_kmh=float(routing.get("walk_speed_kmh", float("nan"))),
        max_rides=str(routing.get("max_rides", "?")), job=job,
        job_cutoff=f"{scoring.job_cutoff_min:g}", space_cutoff=f"{scoring.space_cutoff_min:g}",
        deprived=_deciles_text(scoring.deprived_deciles))


def render_method(manifest: Mapping[str, Any], scoring: ScoringParams, job: str) -> str:
    """Render the method section: how the numbers were made, with the run's parameters."""
    return render_macro("sections.html", "method", compute_method_facts(manifest, scoring, job))


def data_warnings_of(manifest: Mapping[str, Any]) -> list[str]:
    """Return the run's data warnings (``manifest["warnings"]``), as plain text."""
    return [str(m) for m in manifest.get("warnings") or ()]


def render_data_warnings(manifest: Mapping[str, Any]) -> str:
    """Render the "Data warnings" box: every warning of the run, escaped; empty when none.

    The warnings come from the manifest (``manifest["warnings"]``): inputs that
    were suspicious but usable, such as stops or zones too far from any street.
    """
    return render_macro("macros.html", "warnings_box", data_warnings_of(manifest))


def compute_input_tables(manifest: Mapping[str, Any]) -> tuple[Table | None, Table | None]:
    """Tabulate the run facts and inputs (role, file, SHA-256) of a manifest; ``None``s without."""
    if not manifest:
        return None, None
    rows = [(i.get("role", ""), i.get("path", ""), i.get("sha256", ""))
            for i in manifest.get("inputs", ())]
    facts = [("study area", manifest.get("study_area", "")),
             ("service date", manifest.get("service_date", "")),
             ("engine", manifest.get("engine", "")),
             ("Community Routes version", manifest.get("version", ""))]
    return (Table.of(["", ""], facts, class_="data facts"),
            Table.of(["role", "file", "SHA-256"], rows, cell_classes=[None, None, "hash"]))


def render_inputs(manifest: Mapping[str, Any]) -> str:
    """Render the inputs table (role, file, SHA-256) and the run facts from a manifest."""
    return render_macro("sections.html", "inputs", *compute_input_tables(manifest))


def compute_routes_table(cost: ProposalCost) -> Table:
    """Tabulate the new routes and their running cost, one row each."""
    rows = [(r.route_name, r.route_km, r.n_stops, r.min_headway_min, r.cycle_time_min,
             r.peak_vehicles, r.annual_vehicle_hours, r.annual_vehicle_km) for r in cost.routes]
    return Table.of(["route", "km (one way)", "stops", "best headway (min)",
                     "cycle time (min)", "peak buses", "vehicle-hours a year",
                     "vehicle-km a year"], rows)


def compute_running_cost_table(cost: ProposalCost) -> Table:
    """Tabulate the running cost: new service, service saved and net (new minus saved)."""
    rows = [(what, float(getattr(cost.new, key)), float(getattr(cost.saved, key)),
             float(getattr(cost.net, key)))
            for what, key in (("buses needed at the busiest time", "peak_vehicles"),
                              ("vehicle-hours a year", "annual_vehicle_hours"),
                              ("vehicle-km a year", "annual_vehicle_km"))]
    return Table.of(["", "new service", "service saved", "net (negative = a saving)"], rows,
                    numeric=[False, True, True, True])


def describe_modifications(proposal: Proposal) -> list[str]:
    """One sentence per change to an existing route (plain text)."""
    items = []
    for mod in proposal.modifications:
        if mod.kind is ModificationKind.REMOVE_ROUTE or mod.headway_s is None:
            items.append(f"{mod.gtfs_route_id}: withdrawn")
        else:
            items.append(f"{mod.gtfs_route_id}: a bus every {mod.headway_s / 60:g} minutes")
    return items


def compute_top_zones(changes: pd.DataFrame, job_metric: str, n: int = 10) -> Table:
    """Tabulate the ``n`` neighbourhoods gaining most, by residents × gain (none: no rows)."""
    delta = f"delta_{job_metric}"
    pop = changes["population"].astype(float) if "population" in changes else 1.0
    weight = (changes[delta].fillna(0.0) * pop).sort_values(ascending=False)
    top = weight[weight > 0].index[:n]
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
    return Table.of(["neighbourhood", "residents", "decile", "today", "with the proposal",
                     "change"], rows, numeric=[False, True, True, True, True, True])


@dataclass(frozen=True, slots=True)
class Charts:
    """The report's charts: who gains (bar chart and its table), before and after.

    The charts are SVG :class:`~markupsafe.Markup` from :mod:`routes.render.svg`;
    headings and captions are plain text.
    """

    heading: str
    bar: Markup
    bar_caption: str
    table: Table
    histogram: Markup
    histogram_caption: str


def compute_charts(changes: pd.DataFrame, job_metric: str, job: str, cutoff: float) -> Charts:
    """Draw the benefit by deprivation decile (or access quintile) and the before/after."""
    benefit = compute_decile_benefit(changes, job_metric)
    by_decile = benefit.attrs["by"] == "decile"
    x_label = ("deprivation decile (1 = most deprived)" if by_decile else
               "residents grouped by job access today (Q1 = lowest fifth)")
    bar = render_bar_chart(
        benefit["group"].tolist(), benefit["mean_gain"].fillna(float("nan")).tolist(),
        title=f"Mean change in {job} within {cutoff:g} min by "
              f"{'deprivation decile' if by_decile else 'access quintile'}",
        y_label=f"change in {job} per resident", x_label=x_label)
    caption = (f"Mean change in the {job} reachable within {cutoff:g} minutes, over all the "
               f"residents of each {'decile' if by_decile else 'group'} (gains net of losses; "
               "neighbourhoods weighted by their residents). "
               + ("" if by_decile else "The zones have no deprivation deciles, so residents "
                  "are grouped into fifths by their job access today instead."))
    table = Table.of(
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
    return Charts(
        heading=("Who gains and who loses, by deprivation" if by_decile
                 else "Who gains and who loses, by access today"),
        bar=bar, bar_caption=caption, table=table, histogram=hist,
        histogram_caption=(f"How many residents can reach how many {job}, today (grey) and "
                           f"with the proposal (blue), for {who}."))
