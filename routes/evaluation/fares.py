"""Fare-limited access in an evaluation: its columns, before and after, and its scorecard lines.

When the study area has ``[fares]``, :func:`add_fare_access` adds to the
baseline's and the scenario's per-zone tables the fare-limited columns of
:mod:`routes.access.fare_access` (the baseline's fares; the scenario's with
the proposal's fare changes, :func:`routes.proposal.fares.proposal_fare_changes`),
so that :func:`routes.evaluation.scoring.compute_zone_changes` gives them
``baseline_``, ``scenario_`` and ``delta_`` columns in ``zones.csv``, and
:func:`fare_indicators` summarises them on the scorecard, for all residents
and for residents of deprived neighbourhoods, losses beside gains.
:func:`add_baseline_fare_access` adds the baseline's alone (``routes access``).
Without ``[fares]`` nothing is added. Only the built-in engine models fares.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from routes.access.fare_access import compute_fare_access
from routes.access.fare_fastest import compute_fastest_fare_access, weighted_median
from routes.access.zone_access import AccessResult, space_layer_names
from routes.columns import ColumnKind, column_name
from routes.config.fares import FareParams
from routes.config.study_area import StudyArea
from routes.engine.base import TravelTimeEngine
from routes.errors import RoutesWarning
from routes.evaluation.scenario import Scenario, proposal_feed_name
from routes.evaluation.scoring import Indicator, Scorecard
from routes.evaluation.study import Study
from routes.fares.compile import compile_fares, fare_budget_minor, read_study_fares
from routes.fares.compiled import CompiledFares
from routes.fares.levels import (
    MAX_LEVELS,
    fare_levels,
    fare_report_max_minor,
    operators_running,
)
from routes.network.transit import TransitNetwork
from routes.proposal.fares import proposal_fare_changes
from routes.proposal.model import Proposal

__all__ = [
    "FareBudget",
    "add_baseline_fare_access",
    "add_fare_access",
    "describe_budget",
    "describe_persona",
    "fares_compared",
    "fare_budget_of",
    "fare_indicators",
    "fastest_fare_indicators",
    "format_money",
    "with_fare_indicators",
]

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
_PERSONA_WORDS = {
    "adult": "adult fares",
    "encts": ("fares for holders of an older or disabled person's bus pass, who travel free on "
              "local buses from 09:30 on weekdays and all day at weekends"),
}
_NOTE = re.compile(r"^Fare budget: (?P<budget>.+?) for one journey, one way; (?P<persona>.+)\.$")


@dataclass(frozen=True, slots=True)
class FareBudget:
    """The fare budget of a scorecard's fare lines, in words.

    Attributes
    ----------
    budget
        ``"one £3.00 fare"`` (:func:`describe_budget`).
    persona
        ``"adult fares"`` (:func:`describe_persona`).
    """

    budget: str
    persona: str


def describe_persona(name: str) -> str:
    """Return whose fares are counted, in words (``"adult fares"``)."""
    return _PERSONA_WORDS.get(name, f"{name} fares")


def fare_budget_of(scorecard: Scorecard) -> FareBudget | None:
    """Return the budget and persona of a scorecard's fare lines; ``None`` without them.

    Read from the description of the lines :func:`fare_indicators` writes.
    """
    for indicator in scorecard.indicators:
        match = _NOTE.match(indicator.description)
        if match:
            return FareBudget(match["budget"], match["persona"])
    return None


def format_money(minor: float, currency: str) -> str:
    """Return an amount of minor units as money: ``format_money(300, "GBP")`` is ``"£3.00"``."""
    symbol = _SYMBOLS.get(currency)
    return (f"{symbol}{minor / 100:,.2f}" if symbol is not None
            else f"{minor / 100:,.2f} {currency}")


def describe_budget(study: StudyArea) -> str:
    """Return the fare budget in words: ``"one £3.00 fare"``, or ``"£5.00 in fares"`` otherwise."""
    params = study.fares or FareParams()
    budget = fare_budget_minor(study)
    money = format_money(budget, params.currency)
    return f"one {money} fare" if budget == params.single_minor else f"{money} in fares"


def add_fare_access(
    study: Study, baseline: AccessResult, scenario_access: AccessResult, scenario: Scenario,
    proposal: Proposal, engine: TravelTimeEngine, *, persona: str | None = None,
) -> tuple[AccessResult, AccessResult]:
    """Add the fare-limited columns to the baseline's and the scenario's per-zone tables.

    Parameters
    ----------
    study
        The study (its area's ``[fares]``, ``[scoring]``, zones, layers and cache).
    baseline, scenario_access
        Accessibility on the baseline and on the scenario network.
    scenario
        The proposal applied (its network and timetable).
    proposal
        The proposal (its fare changes).
    engine
        The engine of the evaluation: fares are modelled by the built-in one only.
    persona
        Who travels, overriding ``[fares].persona``.

    Returns
    -------
    tuple[AccessResult, AccessResult]
        The two results with the columns of
        :func:`routes.access.fare_access.fare_columns` added; unchanged
        without ``[fares]`` or with another engine.

    Warns
    -----
    RoutesWarning
        With an engine other than the built-in one (one line; no fare columns).
    """
    area = study.area
    if area.fares is None or not _builtin(engine):
        return baseline, scenario_access
    params = area.fares if persona is None else area.fares.with_persona(persona)
    feed_fares = read_study_fares(area.gtfs_paths, params)  # read once for both timetables
    before = compile_fares(study.network.timetable, params, feed_fares=feed_fares)
    feed = proposal_feed_name([Path(f.path) for f in study.network.feeds], proposal)
    after = compile_fares(scenario.network.timetable, params, feed_fares=feed_fares,
                          changes=proposal_fare_changes(proposal, feed))
    one_operator = _one_operator(before, after)
    return (_joined(baseline, _fare_columns(study, study.network, before, one_operator)),
            _joined(scenario_access, _fare_columns(study, scenario.network, after,
                                                   one_operator)))


def add_baseline_fare_access(study: Study, baseline: AccessResult, engine: TravelTimeEngine,
                             ) -> AccessResult:
    """Add the fare-limited columns to the baseline's per-zone table (``routes access``).

    As :func:`add_fare_access` for the baseline alone, with ``[fares].persona``:
    unchanged without ``[fares]`` or with another engine (which warns).
    """
    area = study.area
    if area.fares is None or not _builtin(engine):
        return baseline
    fares = compile_fares(study.network.timetable, area.fares,
                          feed_fares=read_study_fares(area.gtfs_paths, area.fares))
    return _joined(baseline, _fare_columns(study, study.network, fares, _one_operator(fares)))


def fares_compared(areas: Sequence[StudyArea]) -> bool:
    """Tell whether ``routes monitor`` can compare fare-limited access across these areas.

    Every area needs ``[fares]`` and the same fare budget and reporting limit
    (the columns are named after them). Each area's own fares count, so a
    fare change between timetables shows.

    Warns
    -----
    RoutesWarning
        When some areas have ``[fares]`` but they cannot be compared (one line,
        saying what to give every file).
    """
    with_fares = [a for a in areas if a.fares is not None]
    if not with_fares:
        return False
    todo = "give every file [fares] and the same [scoring] fare_budget"
    first = areas[0]
    differing = [a for a in areas if (fare_budget_minor(a), fare_report_max_minor(a))
                 != (fare_budget_minor(first), fare_report_max_minor(first))]
    if len(with_fares) < len(areas):
        missing = next(a for a in areas if a.fares is None)
        problem = f"{missing.config_path} has no [fares]"
    elif differing:
        problem = (f"the fare budgets differ ({describe_budget(first)} in {first.config_path}, "
                   f"{describe_budget(differing[0])} in {differing[0].config_path}, or their "
                   "fare_report_max)")
    else:
        return True
    warnings.warn(f"fare-limited access is not compared: {problem}; {todo}", RoutesWarning,
                  stacklevel=2)
    return False


def _builtin(engine: TravelTimeEngine) -> bool:
    """Whether ``engine`` models fares; warns (one line) when it does not."""
    if engine.name == "builtin":
        return True
    warnings.warn(f"fare-limited access is not computed: the {engine.name} engine does "
                  "not model fares ([fares] in routes.toml); use --engine builtin for it",
                  RoutesWarning, stacklevel=3)
    return False


def _fare_columns(study: Study, network: TransitNetwork, fares: CompiledFares,
                  one_operator: bool) -> pd.DataFrame:
    """Return one network's fare-limited and fastest-fare columns, per zone.

    ``one_operator``: at most one operator runs every bus in every timetable
    compared, so the two-operator shares are not applicable (NaN).
    """
    area = study.area
    budget = fare_budget_minor(area)
    limit = fare_report_max_minor(area)
    levels = fare_levels(fares, area.routing.max_rides, limit, required_minor=(budget,))
    if levels.step_minor:
        warnings.warn(f"fares of the fastest journey are rounded up to the next "
                      f"{format_money(levels.step_minor, fares.currency)}: journeys can "
                      f"cost more than {MAX_LEVELS} different amounts up to "
                      f"{format_money(limit, fares.currency)} ([scoring] fare_report_max); "
                      "lower it for exact fares", RoutesWarning, stacklevel=3)
    fare = compute_fare_access(area, network, study.zones, study.layers, fares, budget,
                               cache=study.cache)
    fastest = compute_fastest_fare_access(area, network, study.zones, study.layers, fares,
                                          levels, budget, limit, cache=study.cache)
    if one_operator:  # two operators cannot be needed: not applicable
        fastest.loc[:, [c for c in fastest.columns if c.endswith("_two_operators_share")]] = (
            float("nan"))
    return pd.concat([fare, fastest], axis=1)


def _one_operator(*fares: CompiledFares) -> bool:
    """Whether at most one operator (ticket group) runs every bus, before and after."""
    return all(operators_running(f) <= 1 for f in fares)


def _joined(result: AccessResult, columns: pd.DataFrame) -> AccessResult:
    zones = result.zones.copy()
    for name in columns.columns:
        zones[name] = columns[name].reindex(zones.index.astype(str)).to_numpy()
    return replace(result, zones=zones)


def _population(changes: pd.DataFrame) -> pd.Series:
    if "population" in changes:
        return changes["population"].astype(float)
    return pd.Series(1.0, index=changes.index)


def _mean(values: pd.Series, pop: pd.Series) -> float:
    ok = values.notna() & pop.notna()
    total = float(pop[ok].sum())
    return float((values[ok] * pop[ok]).sum() / total) if total > 0 else float("nan")


def fare_indicators(study: StudyArea, changes: pd.DataFrame, *,
                    persona: str | None = None) -> list[Indicator]:
    """Return the scorecard lines on fare-limited access (none without its columns).

    For the job layer (the first weighted layer) and the shared spaces, over
    all residents and over residents of deprived neighbourhoods: the
    population-weighted mean of the fare-limited count, baseline, scenario and
    change, beside the time-only count's baseline and scenario; and the
    residents who gain and who lose fare-limited access.

    Parameters
    ----------
    study
        Gives the cutoffs, the budget and the layers.
    changes
        From :func:`routes.evaluation.scoring.compute_zone_changes`.
    persona
        Who travels, overriding ``[fares].persona`` (said in the descriptions).

    Returns
    -------
    list[Indicator]
        In display order; each names the ``zones.csv`` columns it comes from,
        and its description says the budget and the persona
        (:func:`fare_budget_of` reads them back).
    """
    if study.fares is None:
        return []
    s = study.scoring
    budget = fare_budget_minor(study)
    words = describe_budget(study)
    who_pays = describe_persona(persona or study.fares.persona.name)
    note = f"Fare budget: {words} for one journey, one way; {who_pays}."
    spaces = space_layer_names(study)
    job = next((d.name for d in study.destinations if d.name not in spaces), None)
    targets = []
    if job is not None:
        targets.append((job, job, s.job_cutoff_min))
    if spaces:
        targets.append(("spaces", "shared spaces", s.space_cutoff_min))
    pop = _population(changes)
    deprived = changes["deprived"].astype(bool)
    decile = changes.get("deprivation_decile")
    has_deciles = decile is not None and bool(decile.notna().any())
    rows: list[Indicator] = []
    for layer, noun, cutoff in targets:
        fare = column_name(ColumnKind.WITHIN_FARE, layer=layer, cutoff_min=cutoff,
                           budget_minor=budget)
        time_only = column_name(ColumnKind.WITHIN, layer=layer, cutoff_min=cutoff)
        if f"delta_{fare}" not in changes or f"baseline_{time_only}" not in changes:
            continue
        within = f"{noun} within {cutoff:g} min"
        key = f"{layer}_within_{cutoff:g}min_fare{budget}p"
        groups = [("deprived", "residents of deprived neighbourhoods", deprived)]
        groups.append(("all", "all residents", pd.Series(True, index=changes.index)))
        for who, whom, mask in groups:
            if who == "deprived" and not has_deciles:
                continue
            where = " over deprived zones" if who == "deprived" else ""
            for which in ("baseline", "scenario"):
                rows.append(Indicator(
                    f"mean_{key}_{who}_{which}",
                    f"mean {within} for {words}, {whom}, {which}",
                    _mean(changes[f"{which}_{fare}"][mask], pop[mask]), noun,
                    f"population-weighted mean of {which}_{fare}{where}", note))
                rows.append(Indicator(
                    f"mean_{layer}_within_{cutoff:g}min_time_only_{who}_{which}",
                    f"mean {within} whatever the fare, {whom}, {which}",
                    _mean(changes[f"{which}_{time_only}"][mask], pop[mask]), noun,
                    f"population-weighted mean of {which}_{time_only}{where}"))
            rows.append(Indicator(
                f"mean_change_{key}_{who}",
                f"mean change in {within} for {words}, {whom} (gains net of losses)",
                _mean(changes[f"delta_{fare}"][mask], pop[mask]), noun,
                f"population-weighted mean of delta_{fare}{where}", note))
            gain = changes[f"delta_{fare}"].fillna(0.0)
            among = "deprived and " if who == "deprived" else ""
            for verb, ing, op, moved in (("gain", "gaining", ">", gain > 0),
                                         ("lose", "losing", "<", gain < 0)):
                rows.append(Indicator(
                    f"{who}_residents_{ing}_{key}",
                    f"{whom} who {verb} {within} for {words}",
                    float(pop[mask & moved].sum()), "residents",
                    f"sum of population where {among}delta_{fare} {op} 0", note))
    return rows + fastest_fare_indicators(study, changes, persona=persona)


def _median(values: pd.Series, over_limit: pd.Series, pop: pd.Series) -> float:
    """Population-weighted lower median of zone values; zones over the limit count as +inf."""
    v = values.where(~(over_limit > 0.5), np.inf)
    ok = v.notna() & pop.notna() & (pop > 0)
    return weighted_median(v[ok].to_numpy(dtype=float), pop[ok].to_numpy(dtype=float))


def fastest_fare_indicators(study: StudyArea, changes: pd.DataFrame, *,
                            persona: str | None = None) -> list[Indicator]:
    """Return the scorecard lines on the fastest journey's fare (none without its columns).

    For the job layer, over residents of deprived neighbourhoods and over all
    residents, baseline and scenario (:mod:`routes.access.fare_fastest`):

    * the median fare of the fastest journey: the population-weighted median
      of the zones' job-weighted medians (NaN, described as "more than" the
      reporting limit, when that median is above it);
    * the share of the jobs within the cutoff whose fastest journey costs more
      than the budget (population-weighted mean of the zones' shares), its
      change, and the residents for whom it falls (gain) and rises (loss);
    * the share whose fastest journey needs two operators, likewise; when one
      operator runs every bus (the columns are empty), one line per group of
      residents saying that two operators cannot be needed (value NaN).

    Without commuting flows, "to work" means "to the jobs they can reach
    within the job cutoff", as the labels say.
    """
    if study.fares is None:
        return []
    s = study.scoring
    spaces = space_layer_names(study)
    job = next((d.name for d in study.destinations if d.name not in spaces), None)
    if job is None:
        return []
    cutoff = s.job_cutoff_min
    budget, limit = fare_budget_minor(study), fare_report_max_minor(study)
    currency = study.fares.currency
    fastest = column_name(ColumnKind.FASTEST_FARE, layer=job, cutoff_min=cutoff)
    over = column_name(ColumnKind.OVER_FARE_SHARE, layer=job, cutoff_min=cutoff,
                       budget_minor=budget)
    over_limit = column_name(ColumnKind.OVER_FARE_SHARE, layer=job, cutoff_min=cutoff,
                             budget_minor=limit)
    two = column_name(ColumnKind.TWO_OPERATORS_SHARE, layer=job, cutoff_min=cutoff)
    if f"delta_{fastest}" not in changes or f"delta_{over}" not in changes:
        return []
    who_pays = describe_persona(persona or study.fares.persona.name)
    unit = "pence" if currency == "GBP" else f"minor units of {currency}"
    reach = f"{job} within {cutoff:g} min"
    about = (f"Over the {job} residents can reach within {cutoff:g} min whatever the fare (their "
             f"work, for want of commuting data); one journey, one way; {who_pays}.")
    pop = _population(changes)
    deprived = changes["deprived"].astype(bool)
    decile = changes.get("deprivation_decile")
    groups = [("all", "all residents", pd.Series(True, index=changes.index))]
    if decile is not None and bool(decile.notna().any()):
        groups.insert(0, ("deprived", "residents of deprived neighbourhoods", deprived))
    not_applicable = all(changes[f"{w}_{two}"].isna().all() for w in ("baseline", "scenario"))
    rows: list[Indicator] = []
    for who, whom, mask in groups:
        where = " over deprived zones" if who == "deprived" else ""
        among = "deprived and " if who == "deprived" else ""
        for which in ("baseline", "scenario"):
            value = _median(changes[f"{which}_{fastest}"][mask],
                            changes[f"{which}_{over_limit}"][mask], pop[mask])
            more = math.isinf(value)
            rows.append(Indicator(
                f"median_{fastest}_{who}_{which}",
                f"median fare of the quickest journey to {reach}, {whom}, {which}",
                math.nan if more else value, unit,
                f"population-weighted median of {which}_{fastest}{where}, zones where "
                f"{which}_{over_limit} > 0.5 counting as above {limit}",
                (f"More than {format_money(limit, currency)} ([scoring] fare_report_max); "
                 if more else "") + about))
        shares = [(over, f"share of {reach} whose quickest journey costs over "
                         f"{format_money(budget, currency)}")]
        if not not_applicable:
            shares.append((two, f"share of {reach} whose quickest journey needs two operators"))
        for column, label in shares:
            for which in ("baseline", "scenario"):
                rows.append(Indicator(
                    f"mean_{column}_{who}_{which}",
                    f"{label}, {whom}, {which}",
                    _mean(changes[f"{which}_{column}"][mask], pop[mask]), "share 0-1",
                    f"population-weighted mean of {which}_{column}{where}",
                    about + " Residents reaching none are left out."))
            rows.append(Indicator(
                f"mean_change_{column}_{who}",
                f"change in the {label}, {whom}",
                _mean(changes[f"delta_{column}"][mask], pop[mask]), "share 0-1",
                f"population-weighted mean of delta_{column}{where}",
                about + " Over residents reaching some both before and after."))
            delta = changes[f"delta_{column}"].fillna(0.0)
            for ing, op, moved in (("lower", "<", delta < 0), ("higher", ">", delta > 0)):
                rows.append(Indicator(
                    f"{who}_residents_with_{ing}_{column}",
                    f"{whom} whose {label} {'falls' if op == '<' else 'rises'}",
                    float(pop[mask & moved].sum()), "residents",
                    f"sum of population where {among}delta_{column} {op} 0", about))
        if not_applicable:
            rows.append(Indicator(
                f"mean_{two}_{who}_baseline",
                f"share of {reach} whose quickest journey needs two operators, {whom}",
                math.nan, "share 0-1", f"population-weighted mean of baseline_{two}{where}",
                "Not applicable: one operator runs every bus, today and with the proposal, "
                "so no journey can need two operators' fares."))
    return rows


def with_fare_indicators(study: StudyArea, changes: pd.DataFrame, scorecard: Scorecard, *,
                         persona: str | None = None) -> Scorecard:
    """Return the scorecard with :func:`fare_indicators` after the job and space lines.

    They go before the running-cost lines (the first whose source is the
    proposal's costing), else last; unchanged without them.
    """
    rows = fare_indicators(study, changes, persona=persona)
    if not rows:
        return scorecard
    old = list(scorecard.indicators)
    at = next((i for i, r in enumerate(old) if r.source.startswith("proposal")), len(old))
    return replace(scorecard, indicators=tuple(old[:at] + rows + old[at:]))
