"""The pages of a run folder: ``map.html`` and ``report.html`` (and ``report.pdf``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from routes.errors import RoutesWarning
from routes.evaluation.manifest import RunManifest
from routes.render.report import write_report

if TYPE_CHECKING:
    from routes.evaluation.evaluate import Evaluation

__all__ = ["run_page_names", "write_run_pages"]


def run_page_names(*, pdf: bool = False) -> list[str]:
    """List the files :func:`write_run_pages` will write into each run folder.

    ``map.html`` is left out, with a warning, when folium (the ``maps`` extra)
    is missing; the report is always written.

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
    missing = [m for m in ("folium",) if importlib.util.find_spec(m) is None]
    if missing:
        msg = (f"{' and '.join(missing)} not installed, so no map.html is written; install "
               'them with: pip install "community-routes[maps]"')
        warnings.warn(msg, RoutesWarning, stacklevel=2)
        return names
    return ["map.html", *names]


def write_run_pages(
    folder: Path, evaluation: Evaluation, manifest: RunManifest, *,
    pages: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``map.html`` and ``report.html`` (and ``report.pdf``) of an evaluation into a folder.

    The pages only render what the evaluation computed (the map's isochrones
    included, :attr:`Evaluation.isochrones`).

    Parameters
    ----------
    folder
        The run folder.
    evaluation
        The evaluation (:func:`routes.evaluation.evaluate.evaluate_proposal`).
    manifest
        The run's manifest, shown in the report.
    pages
        Which of ``map.html``, ``report.html`` and ``report.pdf`` to write
        (default: :func:`run_page_names`).

    Returns
    -------
    list[pathlib.Path]
        The files written.
    """
    from routes.access.zone_access import space_layer_names
    from routes.evaluation.fares import describe_budget
    from routes.fares.compile import fare_budget_minor
    from routes.render.bus_lines import compute_route_lines
    from routes.render.map_periods import map_periods
    from routes.render.maps import MapFare, write_map
    from routes.render.osm_context import load_map_context

    pages = run_page_names() if pages is None else list(pages)
    study = evaluation.study
    area = study.area
    written: list[Path] = []
    route_lines = compute_route_lines(study.network)
    if "map.html" in pages:
        written.append(write_map(folder / "map.html", evaluation.proposal, evaluation.zones,
                                 study.zones.geometry, scoring=area.scoring,
                                 destinations=study.layers,
                                 space_layers=space_layer_names(area),
                                 isochrones=evaluation.isochrones, study_name=area.name,
                                 context=load_map_context(area.osm_path),
                                 route_lines=route_lines, periods=map_periods(area),
                                 fare=None if area.fares is None else MapFare(
                                     fare_budget_minor(area), describe_budget(area))))
    if "report.html" in pages:
        written += write_report(folder / "report.html", evaluation.scorecard, evaluation.zones,
                                pdf="report.pdf" in pages, cost=evaluation.cost,
                                manifest=manifest, scoring=area.scoring,
                                proposal=evaluation.proposal,
                                map_file="map.html" if "map.html" in pages else None,
                                geometry=study.zones.geometry, isochrones=evaluation.isochrones,
                                route_lines=route_lines)
    return written
