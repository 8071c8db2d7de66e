"""Evaluating proposals in memory: :func:`evaluate_proposal` returns an :class:`Evaluation`.

An evaluation computes everything a run folder shows (per-zone metrics before
and after, the scorecard, the running cost, the travel-time matrices, the
map's isochrones and the data warnings) and writes nothing; writing it is
:func:`routes.runs.write.write_evaluation`.

Examples
--------
The README's example, on the Demo Town::

    import routes

    study = routes.load_study("routes.toml")
    ev = routes.evaluate_proposal(study, "examples/crosstown_link.geojson")
    print(ev.scorecard.to_frame())
    ev.zones.sort_values("delta_jobs_within_45min").tail()
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd

from routes._progress import ProgressCallback, ProgressFactory, no_progress
from routes._warnings import record_warnings, unique_messages
from routes.access.zone_access import AccessResult, compute_access
from routes.cache import NetworkCache
from routes.columns import ColumnKind, column_name
from routes.config.periods import format_clock
from routes.engine.base import BuiltinEngine, TravelTimeEngine
from routes.evaluation.fares import add_fare_access, with_fare_indicators
from routes.evaluation.interaction import compute_interaction_change
from routes.evaluation.isochrones import choose_isochrone_zones, compute_map_isochrones
from routes.evaluation.periods import (
    PeriodEvaluation,
    describe_when_it_helps,
    evaluate_periods,
    period_helps,
    with_period_columns,
)
from routes.evaluation.scenario import Scenario, build_scenario, write_scenario_feeds
from routes.evaluation.scoring import Scorecard, compute_zone_changes, job_layer_of, score_proposal
from routes.evaluation.study import (
    Baseline,
    Study,
    check_map_zones,
    check_proposals,
    compute_baseline,
    load_proposals,
)
from routes.network.transit import TransitNetwork
from routes.proposal.costing import ProposalCost, compute_proposal_cost
from routes.proposal.model import Proposal

__all__ = ["Evaluation", "evaluate_proposal", "evaluate_proposals"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of evaluating one proposal, in memory.

    Attributes
    ----------
    study
        The study it was evaluated in (its zones and layers are drawn on the map).
    proposal
        The proposal.
    cost
        Its running cost.
    scorecard
        The summary.
    zones
        Per zone (indexed by zone id): baseline, scenario and change of every
        metric, with population, deprivation and groups (``zones.csv``); with
        ``[fares]``, the fare-limited ones too (:mod:`routes.evaluation.fares`).
    spaces
        Per shared space: its name and category, and the residents (of each
        group) reaching it and their diversity, before, after and the change
        (``spaces.csv``; :func:`routes.evaluation.interaction.compute_space_changes`;
        empty when there are no catchments). The community-pair and group-pair
        tables are on ``scorecard.interaction``.
    baseline, scenario
        Accessibility on the baseline and on the scenario network; their
        ``travel_times`` are the travel-time matrices (zones to every point).
    scenario_network
        The scenario's transit network.
    isochrones
        The map's isochrones (:func:`routes.evaluation.isochrones.compute_map_isochrones`),
        or ``None`` when none were asked for.
    warnings
        The data warnings of the evaluation: loading the study, the baseline,
        the proposal and its scenario, in the order raised, each once.
    seconds
        Wall time of the proposal's own work (scenario, routing, scoring).
    engine
        Name of the engine that computed the travel times.
    periods
        The proposal in each of the study area's ``[[periods]]`` (empty
        without); their columns are in :attr:`zones` with the period's suffix,
        their indicators on ``scorecard.periods``.
    """

    study: Study
    proposal: Proposal
    cost: ProposalCost
    scorecard: Scorecard
    zones: pd.DataFrame
    spaces: pd.DataFrame
    baseline: AccessResult
    scenario: AccessResult
    scenario_network: TransitNetwork
    isochrones: gpd.GeoDataFrame | None = None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    engine: str = "builtin"
    periods: tuple[PeriodEvaluation, ...] = ()

    @property
    def changes(self) -> pd.DataFrame:
        """The per-zone table (:attr:`zones`), by the name the pages use."""
        return self.zones


def _load(proposal: Proposal | Path | str) -> tuple[Proposal, tuple[str, ...]]:
    if isinstance(proposal, Proposal):
        return proposal, ()
    [(loaded, load_warnings)] = load_proposals([Path(proposal)])
    return loaded, load_warnings


def evaluate_proposal(
    study: Study,
    proposal: Proposal | Path | str,
    *,
    baseline: Baseline | None = None,
    engine: TravelTimeEngine | None = None,
    progress: ProgressCallback | None = None,
    map_zones: Sequence[str] | None = None,
    n_map_zones: int = 3,
) -> Evaluation:
    """Evaluate one proposal against the baseline, in memory; write nothing.

    Parameters
    ----------
    study
        From :func:`routes.evaluation.study.load_study`.
    proposal
        A proposal file (GeoJSON, or a vector file such as GeoPackage), or a
        loaded :class:`~routes.proposal.model.Proposal`.
    baseline
        The study's baseline (:func:`routes.evaluation.study.compute_baseline`);
        computed here when not given (give it to evaluate several proposals).
    engine
        Computes the travel times, opened on the study's network
        (:func:`routes.engine.backends.open_engine`; default: the built-in
        engine in this process); the scenario uses
        :meth:`~routes.engine.base.TravelTimeEngine.for_scenario`.
    progress
        Called as ``progress(done, total)`` while the scenario's travel times
        are computed.
    map_zones
        Zones to draw isochrones from (default: the most deprived zones that
        gain, :func:`routes.evaluation.isochrones.choose_isochrone_zones`).
    n_map_zones
        How many zones to choose by default; 0 computes no isochrones.

    Returns
    -------
    Evaluation
        Everything a run folder shows.

    Raises
    ------
    ProposalError
        If the proposal cannot be loaded or does not fit the study area.
    InputError
        If a ``map_zones`` id is not a zone.

    Notes
    -----
    Nothing is written: no run folder, no GTFS file, no temporary file. The
    network cache (:mod:`routes.cache`) may be written: the baseline's
    travel times and the scenario's are cached there, and the map's
    isochrones on each network, as are the parts of the network when
    :func:`~routes.evaluation.study.load_study` built them. With
    ``--engine r5py`` R5 reads the scenario's GTFS files, which are then
    written into the cache folder too.
    """
    loaded, load_warnings = _load(proposal)
    check_proposals(study, [loaded])
    check_map_zones(study, map_zones)
    if baseline is None:
        baseline = compute_baseline(study, engine=engine)
    return _evaluate(study, loaded, load_warnings, baseline, engine=engine, progress=progress,
                     map_zones=map_zones, n_map_zones=n_map_zones)


def evaluate_proposals(
    study: Study,
    proposals: Sequence[Proposal | Path | str],
    *,
    engine: TravelTimeEngine | None = None,
    progress_factory: ProgressFactory | None = None,
    map_zones: Sequence[str] | None = None,
    n_map_zones: int = 3,
) -> list[Evaluation]:
    """Evaluate several proposals against one baseline, in memory; write nothing.

    Every proposal is loaded and checked against the study area before any
    computing (one error listing every problem); the baseline is computed once.
    Parameters are as for :func:`evaluate_proposal`; ``progress_factory``
    makes a progress callback for each named step (``baseline``, then each
    proposal's name).

    Returns
    -------
    list[Evaluation]
        One per proposal, in order.
    """
    from_files = iter(load_proposals([Path(p) for p in proposals
                                      if not isinstance(p, Proposal)]))
    loaded = [(p, ()) if isinstance(p, Proposal) else next(from_files) for p in proposals]
    check_proposals(study, [p for p, _ in loaded])
    check_map_zones(study, map_zones)
    step: ProgressFactory = progress_factory or (lambda name: no_progress)
    baseline = compute_baseline(study, engine=engine, progress=step("baseline"))
    return [_evaluate(study, p, load_warnings, baseline, engine=engine, progress=step(p.name),
                      map_zones=map_zones, n_map_zones=n_map_zones)
            for p, load_warnings in loaded]


def _evaluate(
    study: Study, proposal: Proposal, load_warnings: tuple[str, ...], baseline: Baseline, *,
    engine: TravelTimeEngine | None, progress: ProgressCallback | None,
    map_zones: Sequence[str] | None, n_map_zones: int,
) -> Evaluation:
    started = time.perf_counter()
    area = study.area
    engine = engine if engine is not None else BuiltinEngine(study.network)
    with record_warnings() as log:
        scenario = build_scenario(area, study.network, proposal)
        scenario_engine = engine.for_scenario(scenario.network,
                                              partial(write_scenario_feeds, area, proposal))
        access = compute_access(area, scenario.network, study.zones, study.layers,
                                cache=study.cache, progress=progress, engine=scenario_engine,
                                baseline=baseline.access.travel_times)
        base_access, access = add_fare_access(study, baseline.access, access, scenario,
                                              proposal, engine)
        changes = compute_zone_changes(area, base_access, access)
        cost = compute_proposal_cost(proposal, baseline=study.network.timetable,
                                     scenario=scenario.network.timetable)
        interaction = compute_interaction_change(area, base_access, access)
        scorecard = score_proposal(area, changes, cost, proposal.name, interaction=interaction)
        scorecard = with_fare_indicators(area, changes, scorecard)
        isochrones = _map_isochrones(study, scenario, changes, scorecard, map_zones, n_map_zones)
        periods = evaluate_periods(area, study.network, baseline.periods, proposal, cost,
                                   study.zones, study.layers, cache=study.cache, engine=engine)
    if periods:
        default_helps = period_helps(changes, area)
        changes = with_period_columns(changes, {p.period: p.changes for p in periods})
        routing = area.routing
        start, end = routing.departure_start_s, routing.departure_end_s
        window = f"{format_clock(start)}-{format_clock(end)}"
        scorecard = replace(scorecard, periods=tuple(p.scorecard for p in periods),
                            when_it_helps=describe_when_it_helps(
                                proposal.name, default_helps, window,
                                [p.scorecard for p in periods], area.service_date.isoformat()),
                            window=f"{window} on {area.service_date.isoformat()}")
    spaces = pd.DataFrame() if interaction is None else interaction.spaces
    return Evaluation(
        study=study, proposal=proposal, cost=cost, scorecard=scorecard, zones=changes,
        spaces=spaces,
        baseline=base_access, scenario=access, scenario_network=scenario.network,
        isochrones=isochrones,
        warnings=unique_messages(study.warnings, baseline.warnings, load_warnings, log.messages),
        seconds=time.perf_counter() - started, engine=engine.name, periods=periods,
    )


def _map_isochrones(study: Study, scenario: Scenario, changes: pd.DataFrame,
                    scorecard: Scorecard, map_zones: Sequence[str] | None,
                    n_map_zones: int) -> gpd.GeoDataFrame | None:
    area = study.area
    zone_ids = list(map_zones or ())
    if not zone_ids and n_map_zones > 0:
        job = job_layer_of(scorecard) or "jobs"
        job_metric = column_name(ColumnKind.WITHIN, layer=job,
                                 cutoff_min=area.scoring.job_cutoff_min)
        zone_ids = choose_isochrone_zones(changes, job_metric, n=n_map_zones)
    if not zone_ids:
        return None
    return compute_map_isochrones(study.network, scenario.network, study.zones, zone_ids,
                                  routing=area.routing, cutoff_min=area.scoring.job_cutoff_min,
                                  cache=study.cache if study.cache is not None else NetworkCache())
