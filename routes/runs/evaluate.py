"""``routes evaluate``: from a study to written run folders, one per proposal.

Every check that can fail comes before any computing: run folder names (two
proposals may not share one), existing folders, a writable output folder, and
every proposal against the study area (street network extent, GTFS routes,
days of service, ``--map-zone`` ids). Each proposal is then evaluated in
memory (:func:`routes.evaluation.evaluate.evaluate_proposal`) and its run
folder written (:func:`routes.runs.write.write_evaluation`). Every data
warning of a run is recorded in its ``manifest.json`` and shown in its
``report.html``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from routes._progress import ProgressFactory, no_progress
from routes._warnings import record_warnings, unique_messages
from routes.engine.base import TravelTimeEngine
from routes.evaluation.evaluate import Evaluation, evaluate_proposal
from routes.evaluation.study import (
    Study,
    check_map_zones,
    check_proposals,
    compute_baseline,
    load_proposals,
)
from routes.runs.write import check_run_folders, write_evaluation

__all__ = ["EvaluationRun", "evaluate_to_folders"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """An evaluation and the run folder it was written to.

    Attributes
    ----------
    evaluation
        The evaluation.
    folder
        Its run folder.
    """

    evaluation: Evaluation
    folder: Path


def evaluate_to_folders(
    study: Study,
    proposal_paths: Sequence[Path],
    *,
    out_root: Path,
    force: bool = False,
    progress_factory: ProgressFactory | None = None,
    engine: TravelTimeEngine | None = None,
    pdf: bool = False,
    map_zones: Sequence[str] | None = None,
    isochrones: bool = True,
) -> list[EvaluationRun]:
    """Evaluate proposals against the baseline and write one run folder each.

    Each folder ``out_root/<proposal>/`` is written by
    :func:`routes.runs.write.write_evaluation`. Every check comes before any
    computing, so an invalid proposal stops the call before anything is written.

    Parameters
    ----------
    study
        From :func:`routes.evaluation.study.load_study`.
    proposal_paths
        Proposal files (GeoJSON, or vector files such as GeoPackage).
    out_root
        Parent of the run folders.
    force
        Replace existing run folders.
    progress_factory
        Makes a progress callback for a named step.
    engine
        Computes the travel times, opened on the study's network (default:
        the built-in engine in this process).
    pdf
        Also write ``report.pdf`` (the ``pdf`` extra).
    map_zones
        Zones to draw isochrones from on the map (default: the most deprived
        zones that gain).
    isochrones
        Draw the areas reachable from those zones on the map and in the
        report; ``False`` skips them (on a large study area they take most of
        an evaluation's time).

    Returns
    -------
    list[EvaluationRun]
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
    from routes.runs.pages import run_page_names

    folders = check_run_folders(proposal_paths, out_root, force=force)
    loaded = load_proposals(proposal_paths)
    proposals = [replace(p, name=folder.name) for (p, _), folder in zip(loaded, folders,
                                                                          strict=True)]
    check_proposals(study, proposals)
    check_map_zones(study, map_zones)
    step: ProgressFactory = progress_factory or (lambda name: no_progress)
    with record_warnings() as shared:
        pages = run_page_names(pdf=pdf)  # checks the map and PDF packages before any work
    baseline = compute_baseline(study, engine=engine, progress=step("baseline"))
    n_map_zones = 3 if "map.html" in pages and isochrones else 0  # only for a map
    runs = []
    for proposal, (_, load_warnings), folder in zip(proposals, loaded, folders, strict=True):
        evaluation = evaluate_proposal(study, proposal, baseline=baseline, engine=engine,
                                       progress=step(proposal.name),
                                       map_zones=map_zones if n_map_zones else None,
                                       n_map_zones=n_map_zones)
        evaluation = replace(evaluation, warnings=unique_messages(
            study.warnings, shared.messages, baseline.warnings, load_warnings,
            evaluation.warnings))
        write_evaluation(evaluation, folder, force=force, pages=pages)
        logger.info("evaluated %s in %.1f s", proposal.name, evaluation.seconds)
        runs.append(EvaluationRun(evaluation, folder))
    return runs
