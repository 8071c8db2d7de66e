"""The report of a run: ``report.html`` (and ``report.pdf``), for people, not programs.

A report states the scorecard in plain language, shows who gains by
deprivation decile and how the spread of job access shifts (static SVG
charts), lists the scorecard with the ``zones.csv`` columns each number comes
from, the routes and their running cost, the neighbourhoods that gain most,
the method and the inputs from ``manifest.json``. The page is self-contained
(no scripts, no external files) and prints on A4.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from routes._closest import check_known_ids
from routes._optional import import_optional_dependency
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.errors import RoutesWarning
from routes.evaluation.scoring import Scorecard
from routes.proposal.costing import ProposalCost
from routes.proposal.model import ModificationKind, Proposal
from routes.render.html import element, escape, format_number, render_page, render_table
from routes.render.svg import render_bar_chart, render_histogram
from routes.runs.manifest import RunManifest
from routes.timetable.gtfs_time import format_clock

if TYPE_CHECKING:
    from routes.evaluation.evaluate import StudyInputs
    from routes.network.transit import TransitNetwork

__all__ = [
    "REPORT_CSS",
    "compute_decile_benefit",
    "describe_scorecard",
    "job_layer_of",
    "render_data_warnings",
    "render_report",
    "write_pdf",
    "write_report",
    "write_run_pages",
]

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- numbers


def job_layer_of(scorecard: Scorecard) -> str | None:
    """Return the job layer a scorecard measures (from its ``residents_gaining_<layer>`` key)."""
    for indicator in scorecard.indicators:
        if indicator.key.startswith("residents_gaining_"):
            return indicator.key.removeprefix("residents_gaining_")
    return None


def _value(scorecard: Scorecard, key: str) -> float:
    try:
        return scorecard.value(key)
    except KeyError:
        return float("nan")


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(value)


def _deciles_text(deciles: Sequence[int]) -> str:
    items = [str(d) for d in sorted(deciles)]
    if len(items) > 2 and items == [str(i) for i in range(int(items[0]), int(items[-1]) + 1)]:
        return f"deprivation deciles {items[0]} to {items[-1]}"
    if len(items) > 1:
        return f"deprivation deciles {', '.join(items[:-1])} and {items[-1]}"
    return f"deprivation decile {items[0]}" if items else "no deprivation deciles"


def _change_words(before: float, after: float) -> str:
    if not (_finite(before) and _finite(after)):
        return "cannot be computed"
    if abs(after - before) < 0.0005:
        return f"is unchanged ({format_number(before, digits=3)})"
    verb = "falls" if after < before else "rises"
    return f"{verb} from {format_number(before, digits=3)} to {format_number(after, digits=3)}"


def describe_scorecard(scorecard: Scorecard, *, scoring: ScoringParams | None = None,
                       changes: pd.DataFrame | None = None) -> list[str]:
    """Describe the scorecard in plain-language sentences, most important first.

    Parameters
    ----------
    scorecard
        The proposal's scorecard.
    scoring
        Cutoffs and deprived deciles (default: DESIGN's).
    changes
        The per-zone table; when given, residents who lose access are counted
        too (population of zones whose ``delta_<jobs>_within_<T>min`` < 0).

    Returns
    -------
    list[str]
        Sentences (plain text, not yet escaped), e.g. "2,340 residents of the
        most deprived neighbourhoods (deprivation deciles 1 to 3) gain access
        to 1,200 more jobs within 45 minutes, on average."
    """
    s = scoring or ScoringParams()
    job = job_layer_of(scorecard) or "jobs"
    t = f"{s.job_cutoff_min:g} minutes"
    out: list[str] = []
    n_dep = _value(scorecard, f"deprived_residents_gaining_{job}")
    gain_dep = _value(scorecard, f"total_gain_{job}_deprived")
    n_all = _value(scorecard, f"residents_gaining_{job}")
    gain_all = _value(scorecard, f"total_gain_{job}")
    if _finite(n_dep):
        if n_dep > 0:
            out.append(f"{format_number(n_dep)} residents of the most deprived neighbourhoods "
                       f"({_deciles_text(s.deprived_deciles)}) gain access to "
                       f"{format_number(gain_dep / n_dep)} more {job} within {t}, on average.")
        else:
            out.append(f"No resident of the most deprived neighbourhoods "
                       f"({_deciles_text(s.deprived_deciles)}) gains access to more {job} "
                       f"within {t}.")
        if _finite(n_all) and n_all > 0:
            out.append(f"Across all neighbourhoods, {format_number(n_all)} residents gain "
                       f"access to more {job} within {t}.")
    elif _finite(n_all):
        if n_all > 0:
            out.append(f"{format_number(n_all)} residents gain access to "
                       f"{format_number(gain_all / n_all)} more {job} within {t}, on average. "
                       "The neighbourhoods have no deprivation deciles, so the gains cannot be "
                       "split by deprivation.")
        else:
            out.append(f"No resident gains access to more {job} within {t}.")
    if changes is not None and "population" in changes:
        delta = f"delta_{column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)}"
        if delta in changes:
            losing = float(changes.loc[changes[delta] < 0, "population"].sum())
            if losing > 0:
                out.append(f"{format_number(losing)} residents can reach fewer {job} within "
                           f"{t} than today.")
    reach = _value(scorecard, "mean_gain_reach_other_groups")
    if _finite(reach) and abs(reach) >= 0.5:
        more = "more" if reach > 0 else "fewer"
        out.append(f"On average, residents can reach {format_number(abs(reach))} {more} people "
                   f"of other community groups within {s.space_cutoff_min:g} minutes.")
    newly = _value(scorecard, "residents_newly_reaching_a_space")
    if _finite(newly) and newly > 0:
        out.append(f"{format_number(newly)} residents can reach a shared community space by "
                   "bus and on foot for the first time.")
    nearer = _value(scorecard, "mean_change_nearest_space_min")
    if _finite(nearer) and abs(nearer) >= 0.05:
        word = "closer" if nearer < 0 else "further away"
        out.append(f"On average the nearest shared community space is "
                   f"{format_number(abs(nearer), digits=1)} minutes {word}.")
    pairs = _value(scorecard, "new_zone_pairs")
    if _finite(pairs) and pairs > 0:
        out.append(f"{format_number(pairs)} pairs of neighbourhoods come within "
                   f"{s.space_cutoff_min:g} minutes of each other.")
    gini = (_value(scorecard, f"gini_{job}_baseline"), _value(scorecard, f"gini_{job}_scenario"))
    if _finite(gini[0]):
        out.append(f"Inequality of access to {job} (Gini index, 0 = everyone equal) "
                   f"{_change_words(*gini)}.")
    vehicles = _value(scorecard, "peak_vehicles")
    hours = _value(scorecard, "annual_vehicle_hours")
    if _finite(hours) and hours > 0:
        out.append(f"Running it needs {format_number(vehicles)} buses at the busiest time and "
                   f"{format_number(hours)} vehicle-hours "
                   f"({format_number(_value(scorecard, 'annual_vehicle_km'))} vehicle-km) "
                   f"a year, on {format_number(_value(scorecard, 'route_km'))} km of new route.")
        per_hour = _value(scorecard, "benefit_per_vehicle_hour")
        if _finite(per_hour):
            out.append(f"For each hour a bus is in service, deprived residents between them "
                       f"gain {format_number(per_hour)} {job} within reach (benefit per "
                       "vehicle-hour).")
        elif _finite(gain_all):
            out.append(f"For each hour a bus is in service, residents between them gain "
                       f"{format_number(gain_all / hours)} {job} within reach (benefit per "
                       "vehicle-hour).")
    return out


def compute_decile_benefit(changes: pd.DataFrame, job_metric: str) -> pd.DataFrame:
    """Benefit by deprivation decile (or, without deciles, by baseline-access quintile).

    Parameters
    ----------
    changes
        Per-zone table with ``population``, ``deprivation_decile`` and
        ``baseline_``/``delta_`` columns of ``job_metric``.
    job_metric
        E.g. ``jobs_within_45min``.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns ``group`` (label), ``residents``,
        ``residents_gaining`` (population of zones whose metric rises),
        ``mean_gain`` (population-weighted mean of ``delta_<metric>``, in the
        metric's unit) and ``total_gain`` (Σ population × delta). The frame's
        ``attrs["by"]`` is ``"decile"`` or ``"quintile"``.
    """
    pop = (changes["population"] if "population" in changes
           else pd.Series(1.0, index=changes.index)).astype(float).fillna(0.0)
    delta = changes[f"delta_{job_metric}"].astype(float).fillna(0.0)
    decile = changes.get("deprivation_decile")
    if decile is not None and bool(decile.notna().any()):
        groups = decile.astype("Float64")
        labels = {d: f"{int(d)}" for d in range(1, 11)}
        by = "decile"
    else:
        base = changes[f"baseline_{job_metric}"].astype(float)
        order = np.argsort(base.fillna(-np.inf).to_numpy(), kind="stable")
        # Each zone goes to the fifth of residents its middle resident falls in.
        sorted_pop = pop.to_numpy()[order]
        share = np.empty(len(order))
        share[order] = (np.cumsum(sorted_pop) - sorted_pop / 2) / max(float(pop.sum()), 1e-12)
        groups = pd.Series(np.clip(np.floor(share * 5) + 1, 1, 5), index=changes.index)
        labels = {q: f"Q{q}" for q in range(1, 6)}
        by = "quintile"
    rows = []
    for key, label in labels.items():
        mask = (groups == key).fillna(False).to_numpy(dtype=bool)
        p = float(pop[mask].sum())
        rows.append({
            "group": label, "residents": p,
            "residents_gaining": float(pop[mask & (delta > 0).to_numpy()].sum()),
            "mean_gain": float((pop[mask] * delta[mask]).sum() / p) if p > 0 else float("nan"),
            "total_gain": float((pop[mask] * delta[mask]).sum()),
        })
    frame = pd.DataFrame(rows)
    frame.attrs["by"] = by
    return frame


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


# --------------------------------------------------------------------------- pages


def render_report(
    scorecard: Scorecard, changes: pd.DataFrame, *, cost: ProposalCost | None = None,
    manifest: RunManifest | Mapping[str, Any] | None = None,
    scoring: ScoringParams | None = None, proposal: Proposal | None = None,
    map_file: str | None = "map.html",
) -> str:
    """Render the report of one proposal as a self-contained, printable HTML page.

    Parameters
    ----------
    scorecard
        The proposal's scorecard.
    changes
        Per-zone table (``zones.csv``) indexed by zone id.
    cost
        Running cost (routes table); optional.
    manifest
        The run's manifest (inputs and parameters); optional.
    scoring
        Cutoffs and deprived deciles (default: from the manifest, else DESIGN's).
    proposal
        The proposal, for its description; optional.
    map_file
        Relative link to the run's map, or ``None`` for no link.

    Returns
    -------
    str
        The HTML page.
    """
    info = _manifest_dict(manifest)
    s = _scoring_from(info, scoring)
    job = job_layer_of(scorecard) or "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)
    findings = describe_scorecard(scorecard, scoring=s, changes=changes)
    lead = element("li", escape(findings[0]), class_="key") if findings else ""
    rest = "".join(element("li", escape(f)) for f in findings[1:])
    study = str(info.get("study_area", "")).split(" (/")[0]
    subtitle = " · ".join(x for x in (study, f"timetable of {info['service_date']}"
                                      if info.get("service_date") else "") if x)
    parts = [
        element("h1", "Proposal: " + escape(scorecard.proposal)),
        element("p", escape(subtitle), class_="subtitle"),
        render_data_warnings(info),
        element("h2", "What it changes"),
        element("ul", lead + rest, class_="findings"),
    ]
    if map_file:
        parts.append(element("p", element("a", "Open the interactive map", href=map_file)
                             + escape(" (same folder) to see where the changes fall."),
                             class_="noprint"))
    if f"delta_{job_metric}" in changes:
        parts += [element("h2", "Charts"), _charts(changes, job_metric, job, s.job_cutoff_min)]
    parts += [element("h2", "Scorecard"), _scorecard_table(scorecard)]
    if cost is not None and cost.routes:
        parts += [element("h2", "Routes and running cost"), _routes_table(cost)]
    if proposal is not None and proposal.modifications:
        parts += [element("h2", "Changes to existing routes"), _modifications(proposal)]
    if f"delta_{job_metric}" in changes:
        parts += [element("h2", f"Neighbourhoods gaining most {escape(job)}"),
                  element("p", escape(f"Ranked by residents × gain in {job} within "
                                      f"{s.job_cutoff_min:g} minutes."), class_="note"),
                  _top_zones(changes, job_metric)]
    parts += [element("h2", "Method"), render_method(info, s, job),
              element("h2", "Inputs"), render_inputs(info)]
    return render_page(f"Proposal {scorecard.proposal}: report", "\n".join(parts),
                       css=REPORT_CSS)


def write_pdf(page: str, path: Path, *, base: Path | None = None) -> Path:
    """Print an HTML page to PDF with WeasyPrint (the ``pdf`` extra).

    Raises
    ------
    OptionalDependencyError
        If WeasyPrint is not installed.
    """
    weasyprint = import_optional_dependency("weasyprint", extra="pdf", purpose="for --pdf")
    weasyprint.HTML(string=page, base_url=str(base or Path(path).parent)).write_pdf(str(path))
    logger.info("pdf: %s", path)
    return Path(path)


def write_report(path: Path, scorecard: Scorecard, changes: pd.DataFrame, *,
                 pdf: bool = False, **options: Any) -> list[Path]:
    """Write :func:`render_report`'s page to ``path``, and beside it a PDF on request.

    Returns
    -------
    list[pathlib.Path]
        The files written (``report.html``, then ``report.pdf`` with ``pdf``).
    """
    path = Path(path)
    page = render_report(scorecard, changes, **options)
    path.write_text(page, encoding="utf-8")
    written = [path]
    if pdf:
        written.append(write_pdf(page, path.with_suffix(".pdf")))
    return written


def run_page_names(*, pdf: bool = False) -> list[str]:
    """List the files :func:`write_run_pages` will write into each run folder.

    ``map.html`` is left out, with a warning, when folium or folium-offline
    (the ``maps`` extra) is missing; the report is always written.

    Raises
    ------
    OptionalDependencyError
        If ``pdf`` is asked for and WeasyPrint (the ``pdf`` extra) is missing.
    """
    import importlib.util

    from routes._optional import check_optional_dependency

    if pdf:
        check_optional_dependency("weasyprint", extra="pdf", purpose="for --pdf")
    names = ["report.html", *(["report.pdf"] if pdf else [])]
    missing = [m for m in ("folium", "offlinefolium") if importlib.util.find_spec(m) is None]
    if missing:
        msg = (f"{' and '.join(missing)} not installed, so no map.html is written; install "
               'them with: pip install "community-routes[maps]"')
        warnings.warn(msg, RoutesWarning, stacklevel=2)
        return names
    return ["map.html", *names]


def write_run_pages(
    folder: Path, inputs: StudyInputs, scenario_network: TransitNetwork, proposal: Proposal,
    changes: pd.DataFrame, cost: ProposalCost, scorecard: Scorecard, manifest: RunManifest,
    *, pages: Sequence[str] | None = None, map_zones: Sequence[str] | None = None,
    n_map_zones: int = 3,
) -> list[Path]:
    """Write ``map.html`` and ``report.html`` (and ``report.pdf``) into a run folder.

    Parameters
    ----------
    folder
        The run folder.
    inputs
        The study's loaded inputs (baseline network, zones, destinations).
    scenario_network
        The network with the proposal.
    proposal, changes, cost, scorecard, manifest
        The run's results.
    pages
        Which of ``map.html``, ``report.html`` and ``report.pdf`` to write
        (default: :func:`run_page_names`).
    map_zones
        Zones to draw isochrones from (default, or when none is known:
        :func:`routes.render.maps.choose_isochrone_zones`).
    n_map_zones
        How many zones to choose by default; 0 draws no isochrones.

    Returns
    -------
    list[pathlib.Path]
        The files written.

    Raises
    ------
    InputError
        If some of ``map_zones`` are not zones of the study area (listing the
        closest zone ids).
    """
    from routes.access.zone_access import space_layer_names
    from routes.render.maps import choose_isochrone_zones, compute_map_isochrones, write_map

    pages = run_page_names() if pages is None else list(pages)
    study = inputs.study
    job = job_layer_of(scorecard) or "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=study.scoring.job_cutoff_min)
    written: list[Path] = []
    if "map.html" in pages:
        known = inputs.zones.table.index.astype(str)
        check_known_ids(list(map_zones or ()), known, what="--map-zone", noun="zones",
                        todo="give zone ids from the zones file's id column")
        zone_ids = list(map_zones or ())
        if not zone_ids and n_map_zones > 0:
            zone_ids = choose_isochrone_zones(changes, job_metric, n=n_map_zones)
        isochrones = None
        if zone_ids:
            isochrones = compute_map_isochrones(inputs.network, scenario_network, inputs.zones,
                                                zone_ids, routing=study.routing,
                                                cutoff_min=study.scoring.job_cutoff_min)
        written.append(write_map(folder / "map.html", proposal, changes, inputs.zones.geometry,
                                 scoring=study.scoring, destinations=inputs.layers,
                                 space_layers=space_layer_names(study), isochrones=isochrones,
                                 study_name=study.name))
    if "report.html" in pages:
        written += write_report(folder / "report.html", scorecard, changes,
                                pdf="report.pdf" in pages, cost=cost, manifest=manifest,
                                scoring=study.scoring, proposal=proposal,
                                map_file="map.html" if "map.html" in pages else None)
    return written
