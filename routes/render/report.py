"""The report of a run: ``report.html`` (and ``report.pdf``), for people, not programs.

A report states the scorecard in plain language, shows who gains by
deprivation decile and how the spread of job access shifts (static SVG
charts), lists the scorecard with the ``zones.csv`` columns each number comes
from, the routes and their running cost, the neighbourhoods that gain most,
the method and the inputs from ``manifest.json``. The page is self-contained
(no scripts, no external files) and prints on A4.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from routes._optional import import_optional_dependency
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.evaluation.manifest import RunManifest
from routes.evaluation.scoring import Scorecard, job_layer_of
from routes.proposal.costing import ProposalCost
from routes.proposal.model import Proposal
from routes.render.html import element, escape, render_page
from routes.render.report_parts import (
    REPORT_CSS,
    _charts,
    _manifest_dict,
    _modifications,
    _routes_table,
    _scorecard_table,
    _scoring_from,
    _top_zones,
    render_data_warnings,
    render_inputs,
    render_method,
)
from routes.render.report_text import describe_scorecard

__all__ = ["render_report", "write_pdf", "write_report"]

logger = logging.getLogger(__name__)

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


