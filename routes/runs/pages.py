"""The pages of a run folder: ``map.html`` and ``report.html`` (and ``report.pdf``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from routes._closest import check_known_ids
from routes.columns import ColumnKind, column_name
from routes.errors import RoutesWarning
from routes.evaluation.manifest import RunManifest
from routes.evaluation.scoring import Scorecard, job_layer_of
from routes.proposal.costing import ProposalCost
from routes.proposal.model import Proposal
from routes.render.report import write_report

if TYPE_CHECKING:
    from routes.evaluation.study import StudyInputs
    from routes.network.transit import TransitNetwork

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
        :func:`routes.render.map_layers.choose_isochrone_zones`).
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
    from routes.render.map_layers import choose_isochrone_zones, compute_map_isochrones
    from routes.render.maps import write_map

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
