"""The report of a run: ``report.html`` (and ``report.pdf``), for people, not programs.

A report is for a partnership meeting. It opens with a one-minute summary in
plain words with named places (who gains, who loses, which communities can
newly meet and where, the net running cost), then the story in figures drawn
offline (the change map, where the headline community can get to before and
after, the neighbourhoods' before→after chart, who gains by deprivation), the
social-integration section with named pairs and spaces, whether people can
afford the journey (with ``[fares]``: :mod:`routes.render.report_fares`), the
running cost; an appendix holds the technical table (the scorecard, with the
``zones.csv`` columns each number comes from), the method and the inputs from
``manifest.json``. The page is self-contained (no scripts, no external
files) and prints on A4: the story in at most four pages, six in all.

The page is the template ``templates/report.html`` (one block per section), rendered
with autoescape on; this module only gathers what the sections say.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from routes._optional import import_optional_dependency
from routes.columns import ColumnKind, column_name
from routes.config.study_area import ScoringParams
from routes.evaluation.manifest import RunManifest
from routes.evaluation.scoring import Scorecard, job_layer_of
from routes.proposal.costing import ProposalCost
from routes.proposal.model import Proposal
from routes.render.html import render_template
from routes.render.periods import render_period_section
from routes.render.report_fares import compute_fare_section
from routes.render.report_figures import compute_story_figures
from routes.render.report_parts import (
    _manifest_dict,
    _scoring_from,
    compute_charts,
    compute_input_tables,
    compute_method_facts,
    compute_routes_table,
    compute_running_cost_table,
    compute_top_zones,
    data_warnings_of,
    describe_modifications,
)
from routes.render.report_summary import compute_social_section, compute_summary
from routes.render.report_text import describe_scorecard

__all__ = ["render_report", "write_pdf", "write_report"]

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pages


def render_report(
    scorecard: Scorecard, changes: pd.DataFrame, *, cost: ProposalCost | None = None,
    manifest: RunManifest | Mapping[str, Any] | None = None,
    scoring: ScoringParams | None = None, proposal: Proposal | None = None,
    map_file: str | None = "map.html", geometry: gpd.GeoSeries | None = None,
    isochrones: gpd.GeoDataFrame | None = None, route_lines: gpd.GeoDataFrame | None = None,
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
    geometry
        Zone polygons indexed by zone id (with a CRS), for the static maps;
        ``None``: no maps.
    isochrones
        The evaluation's map isochrones (:attr:`Evaluation.isochrones`), for
        the headline community's reach before and after.
    route_lines
        The existing routes as lines
        (:func:`routes.render.bus_lines.compute_route_lines`), to draw the
        routes a proposal withdraws or changes.

    Returns
    -------
    str
        The HTML page.
    """
    info = _manifest_dict(manifest)
    s = _scoring_from(info, scoring)
    job = job_layer_of(scorecard) or "jobs"
    job_metric = column_name(ColumnKind.WITHIN, layer=job, cutoff_min=s.job_cutoff_min)
    study = str(info.get("study_area", "")).split(" (/")[0]
    subtitle = " · ".join(x for x in (study, f"timetable of {info['service_date']}"
                                      if info.get("service_date") else "") if x)
    has_delta = f"delta_{job_metric}" in changes
    fares = compute_fare_section(scorecard)
    summary = compute_summary(scorecard, changes, scoring=s, job=job, job_metric=job_metric,
                              cost=cost)
    if fares is not None and cost is not None and cost.fares_only:  # its whole point: first
        summary.insert(0, fares.summary)
    elif fares is not None:  # after who gains and loses, before the running cost
        summary.insert(max(len(summary) - (cost is not None), 0), fares.summary)
    facts, files = compute_input_tables(info)
    figures = compute_story_figures(changes, job=job, job_metric=job_metric,
                                    cutoff_min=s.job_cutoff_min, geometry=geometry,
                                    isochrones=isochrones, proposal=proposal,
                                    route_lines=route_lines)
    return render_template(
        "report.html",
        proposal_name=scorecard.proposal,
        subtitle=subtitle,
        warnings=data_warnings_of(info),
        summary=summary,
        findings=describe_scorecard(scorecard, scoring=s, changes=changes),
        figures=figures,
        social=compute_social_section(scorecard),
        fares=fares,
        map_file=map_file,
        charts=compute_charts(changes, job_metric, job, s.job_cutoff_min) if has_delta else None,
        indicators=scorecard.indicators,
        routes=compute_routes_table(cost) if cost is not None and cost.routes else None,
        running_cost=compute_running_cost_table(cost) if cost is not None else None,
        modifications=describe_modifications(proposal) if proposal is not None else [],
        job=job,
        job_cutoff=f"{s.job_cutoff_min:g}",
        top_zones=compute_top_zones(changes, job_metric) if has_delta else None,
        method=compute_method_facts(info, s, job),
        facts=facts,
        files=files,
        periods=render_period_section(scorecard),
    )


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


