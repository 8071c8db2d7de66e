"""``routes compare``: several proposals ranked side by side in one comparison folder.

The comparison folder holds one full run folder per proposal (scorecard, map,
report, tables) plus ``report.html`` (and ``report.pdf``), which ranks the
proposals (:mod:`routes.render.comparison`), and ``ranking.csv`` with the same
numbers.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from routes._warnings import record_warnings, unique_messages
from routes.cache import sha256_file
from routes.errors import InputError
from routes.evaluation.compare import compute_ranking
from routes.evaluation.manifest import InputFile, build_manifest
from routes.io import write_json
from routes.render.comparison import render_comparison
from routes.render.report import write_pdf
from routes.runs.folder import run_folder

if TYPE_CHECKING:
    from routes._progress import ProgressFactory
    from routes.engine.base import TravelTimeEngine
    from routes.evaluation.study import Study
    from routes.runs.evaluate import EvaluationRun

__all__ = ["Comparison", "compare_proposals"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing proposals.

    Attributes
    ----------
    ranking
        From :func:`compute_ranking` (``ranking.csv``).
    runs
        One evaluation and its run folder per proposal, in the order given.
    folder
        The comparison folder.
    """

    ranking: pd.DataFrame
    runs: tuple[EvaluationRun, ...]
    folder: Path


def compare_proposals(
    study: Study, proposal_paths: Sequence[Path], *, out: Path, force: bool = False,
    pdf: bool = False, progress_factory: ProgressFactory | None = None,
    engine: TravelTimeEngine | None = None, map_zones: Sequence[str] | None = None,
) -> Comparison:
    """Evaluate proposals and write one report ranking them side by side.

    Parameters
    ----------
    study
        From :func:`routes.evaluation.study.load_study`.
    proposal_paths
        Two or more proposal GeoJSON files with different names (file stems).
    out
        The comparison folder: ``report.html`` (and ``report.pdf``),
        ``ranking.csv``, ``manifest.json`` and one run folder per proposal.
    force
        Replace an existing folder.
    pdf
        Also write ``report.pdf`` files.
    progress_factory, engine, map_zones
        As for :func:`routes.runs.evaluate.evaluate_to_folders`.

    Returns
    -------
    Comparison
        The ranking and the evaluations.

    Raises
    ------
    InputError
        If fewer than two proposals are given, two would share a run folder
        (the same file name), or a ``map_zones`` id is not a zone.
    OutputExistsError
        If ``out`` exists and ``force`` is false.
    """
    from routes.evaluation.study import check_map_zones
    from routes.runs.evaluate import evaluate_to_folders
    from routes.runs.write import run_folders_for

    if len(proposal_paths) < 2:
        msg = "compare needs at least two proposals; use `routes evaluate` for one"
        raise InputError(msg)
    out = Path(out)
    run_folders_for(proposal_paths, out)  # names that clash are refused before any work
    check_map_zones(study, map_zones)
    area = study.area
    with run_folder(out, force=force) as tmp, record_warnings() as log:
        runs = evaluate_to_folders(study, list(proposal_paths), out_root=tmp, force=True,
                                  progress_factory=progress_factory, engine=engine, pdf=pdf,
                                  map_zones=map_zones)
        evaluations = [r.evaluation for r in runs]
        ranking = compute_ranking(evaluations)
        ranking.to_csv(tmp / "ranking.csv", index=False)
        written = ["ranking.csv", "report.html", *(["report.pdf"] if pdf else []),
                   *(f"{r.folder.name}/" for r in runs), "manifest.json"]
        proposal_inputs = tuple(InputFile("proposal", str(Path(p).resolve()),
                                          sha256_file(Path(p))) for p in proposal_paths)
        run_warnings = unique_messages(*(e.warnings for e in evaluations), log.messages)
        manifest = build_manifest(area, "compare", written, extra_inputs=proposal_inputs,
                                  engine=evaluations[0].engine, warnings=run_warnings)
        page = render_comparison(evaluations, study.zones.geometry, scoring=area.scoring,
                                 manifest=dataclasses.asdict(manifest), ranking=ranking)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        if pdf:
            write_pdf(page, tmp / "report.pdf")
        write_json(dataclasses.replace(manifest, warnings=unique_messages(
            run_warnings, log.messages)), tmp / "manifest.json")
    moved = tuple(dataclasses.replace(r, folder=out / r.folder.name) for r in runs)
    logger.info("compared %d proposals in %s", len(moved), out)
    return Comparison(ranking, moved, out)
