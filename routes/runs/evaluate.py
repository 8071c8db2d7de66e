"""``routes evaluate``: from a study area to written run folders, one per proposal.

Every check that can fail comes before any computing: run folder names (two
proposals may not share one), existing folders, a writable output folder, and
every proposal against the study area (street network extent, GTFS routes,
days of service, ``--map-zone`` ids). Every data warning of a run is recorded
in its ``manifest.json`` and shown in its ``report.html``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from routes._progress import ProgressFactory, no_progress
from routes._warnings import record_warnings, unique_messages
from routes.access.zone_access import compute_access
from routes.cache import NetworkCache, sha256_file
from routes.columns import ColumnKind, column_name
from routes.engine.backends import TravelTimeEngine
from routes.evaluation.evaluate import Evaluation
from routes.evaluation.interaction import compute_interaction_change
from routes.evaluation.manifest import InputFile, build_manifest
from routes.evaluation.scenario import build_scenario
from routes.evaluation.scoring import compute_zone_changes, score_proposal
from routes.evaluation.study import (
    StudyInputs,
    _load_proposals,
    _validate_against_study,
    check_map_zones,
    compute_baseline,
)
from routes.io import write_json
from routes.proposal.costing import compute_proposal_cost
from routes.runs.folder import (
    run_folder,
)
from routes.runs.write import _matrix_table, _write_zone_files, _zone_layer, check_run_folders

__all__ = ["evaluate_proposals"]

logger = logging.getLogger(__name__)


def evaluate_proposals(
    inputs: StudyInputs,
    proposal_paths: Sequence[Path],
    *,
    out_root: Path,
    force: bool = False,
    cache: NetworkCache | None = None,
    progress_factory: ProgressFactory | None = None,
    engine: TravelTimeEngine | None = None,
    pdf: bool = False,
    map_zones: Sequence[str] | None = None,
) -> list[Evaluation]:
    """Evaluate proposals against the baseline and write one run folder each.

    Each folder ``out_root/<proposal>/`` holds ``zones.gpkg``, ``zones.csv``,
    ``matrix.parquet``, ``spaces.csv`` and ``community_pairs.csv`` (when there
    are shared spaces), ``group_pairs.csv`` (and community groups),
    ``scorecard.json``, the scenario's GTFS files under ``scenario_gtfs/``,
    ``map.html`` and ``report.html`` (:func:`routes.runs.pages.write_run_pages`),
    and ``manifest.json``, written last. Every check comes before any
    computing, so an invalid proposal stops the call before anything is written.

    Parameters
    ----------
    inputs
        From :func:`load_study_inputs`.
    proposal_paths
        Proposal files (GeoJSON, or vector files such as GeoPackage).
    out_root
        Parent of the run folders.
    force
        Replace existing run folders.
    cache
        Network cache (the baseline travel times are cached there).
    progress_factory
        Makes a progress callback for a named step.
    engine
        Computes the travel times (default: the built-in engine in this
        process); each scenario uses ``engine.for_feeds(scenario feeds)``.
    pdf
        Also write ``report.pdf`` (the ``pdf`` extra).
    map_zones
        Zones to draw isochrones from on the map (default: the most deprived
        zones that gain).

    Returns
    -------
    list[Evaluation]
        One per proposal, in order. A proposal is named after its run folder
        (its file stem, shortened when very long).

    Raises
    ------
    InputError
        Before any work, if two proposals would share a run folder, a name
        cannot name a folder, or a ``map_zones`` id is not a zone.
    OutputExistsError
        Before any work, if a run folder exists and ``force`` is false; at the
        end of a proposal's run, if another run wrote its folder meanwhile.
    ProposalError
        Before any work, listing every invalid proposal.
    routes._os_faults.FileSystemError
        If the output folder cannot be written.
    """
    folders = check_run_folders(proposal_paths, out_root, force=force)
    loaded = _load_proposals(proposal_paths)
    proposals = [replace(p, name=folder.name) for (p, _), folder in zip(loaded, folders,
                                                                          strict=True)]
    _validate_against_study(inputs, proposals)
    check_map_zones(inputs, map_zones)
    from routes.runs.pages import run_page_names, write_run_pages

    step: ProgressFactory = progress_factory or (lambda name: no_progress)
    with record_warnings() as shared:
        pages = run_page_names(pdf=pdf)  # checks the map and PDF packages before any work
        baseline = compute_baseline(inputs, cache=cache, progress=step("baseline"),
                                    engine=engine)
    study = inputs.study
    pct_col = column_name(ColumnKind.TRAVEL_TIME, percentile=study.routing.percentiles[0])
    results = []
    for proposal, (_, load_warnings), path, folder in zip(proposals, loaded, proposal_paths,
                                                          folders, strict=True):
        started = time.perf_counter()
        with run_folder(folder, force=force) as tmp, record_warnings() as log:

            def run_warnings(load: tuple[str, ...] = load_warnings) -> tuple[str, ...]:
                return unique_messages(inputs.warnings, shared.messages, load, log.messages)

            scenario = build_scenario(study, inputs.network, proposal, cache=cache,
                                      work_dir=tmp / "scenario_gtfs",
                                      allow_feed_errors=inputs.allow_feed_errors)
            scenario_engine = None if engine is None else engine.for_feeds(scenario.feeds)
            access = compute_access(study, scenario.network, inputs.zones, inputs.layers,
                                    cache=cache, progress=step(proposal.name),
                                    engine=scenario_engine)
            changes = compute_zone_changes(study, baseline, access)
            cost = compute_proposal_cost(proposal, baseline=inputs.network.timetable,
                                         scenario=scenario.network.timetable)
            interaction = compute_interaction_change(study, baseline, access)
            scorecard = score_proposal(study, changes, cost, proposal.name,
                                       interaction=interaction)
            written = _write_zone_files(tmp, _zone_layer(inputs, changes))
            _matrix_table(inputs, baseline, access, pct_col).to_parquet(
                tmp / "matrix.parquet", index=False)
            written.append("matrix.parquet")
            for name, table in interaction.tables() if interaction is not None else ():
                table.to_csv(tmp / name, index=False)
                written.append(name)
            write_json(scorecard.to_dict(), tmp / "scorecard.json")
            written += ["scorecard.json", "scenario_gtfs/", *pages, "manifest.json"]
            proposal_input = InputFile("proposal", str(Path(path).resolve()),
                                       sha256_file(Path(path)))
            manifest = build_manifest(study, proposal.name, written,
                                      extra_inputs=(proposal_input,), warnings=run_warnings())
            write_run_pages(tmp, inputs, scenario.network, proposal, changes, cost, scorecard,
                            manifest, pages=pages, map_zones=map_zones)
            manifest = replace(manifest, warnings=run_warnings())  # and those of the pages
            write_json(manifest, tmp / "manifest.json")
        seconds = time.perf_counter() - started
        logger.info("evaluated %s in %.1f s", proposal.name, seconds)
        results.append(Evaluation(proposal, cost, changes, scorecard, folder, seconds,
                                  manifest.warnings))
    return results
