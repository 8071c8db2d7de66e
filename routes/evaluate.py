"""``routes evaluate`` and ``routes access``: from a study area to written run folders."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from routes._progress import ProgressCallback, no_progress
from routes.access import AccessResult, compute_access
from routes.cache import NetworkCache, sha256_file
from routes.columns import ColumnKind, column_name
from routes.config import StudyArea
from routes.costing import ProposalCost, compute_proposal_cost
from routes.destinations import Destinations, load_destinations
from routes.engine.backends import TravelTimeEngine
from routes.errors import InputError, OutputExistsError
from routes.feed_doctor import DOCTOR_RULES, DoctorRules
from routes.network import TransitNetwork, build_network
from routes.outputs import InputFile, build_manifest, run_folder, write_json
from routes.proposal import Proposal, load_proposal
from routes.scenario import build_scenario
from routes.scoring import Scorecard, compute_zone_changes, score_proposal
from routes.zones import Zones, load_zones

__all__ = [
    "Evaluation",
    "StudyInputs",
    "compute_baseline",
    "evaluate_proposals",
    "load_study_inputs",
    "write_access",
]

logger = logging.getLogger(__name__)

ProgressFactory = Callable[[str], ProgressCallback]


@dataclass(frozen=True, slots=True)
class StudyInputs:
    """The loaded inputs of a study area: its baseline network, zones and destinations.

    Attributes
    ----------
    study
        The study area.
    network
        The baseline transit network.
    zones
        Origins.
    layers
        Destination layers.
    """

    study: StudyArea
    network: TransitNetwork
    zones: Zones
    layers: tuple[Destinations, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of evaluating one proposal.

    Attributes
    ----------
    proposal
        The proposal.
    cost
        Its running cost.
    changes
        Per-zone baseline, scenario and change of every metric (``zones.csv``).
    scorecard
        The summary.
    folder
        The run folder written.
    seconds
        Wall time of the proposal's own work (scenario build, routing, scoring, writing).
    """

    proposal: Proposal
    cost: ProposalCost
    changes: pd.DataFrame
    scorecard: Scorecard
    folder: Path
    seconds: float


def load_study_inputs(
    study: StudyArea, *, cache: NetworkCache | None = None, allow_feed_errors: bool = False,
    allow_data_loss: bool = False, feed_doctor: DoctorRules = DOCTOR_RULES,
) -> StudyInputs:
    """Load the baseline network, the zones and the destination layers of a study area.

    ``allow_data_loss`` and ``feed_doctor`` are as for
    :func:`routes.network.build_network` (the network keeps them for its
    scenarios and the zone checks of :func:`routes.access.compute_access`).

    Raises
    ------
    InputError
        If the study area has no ``[zones]`` or no destination layers, or any
        input is invalid.
    DataLossError
        If most of the transit network is off the street network, unless
        ``allow_data_loss``.
    """
    if study.zones is None:
        msg = f"{study.config_path.name}: no [zones]; add the neighbourhoods to evaluate"
        raise InputError(msg)
    zones = load_zones(study.zones)
    layers = tuple(load_destinations(d, osm_path=study.osm_path) for d in study.destinations)
    network = build_network(study, cache=cache, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss, feed_doctor=feed_doctor)
    return StudyInputs(study, network, zones, layers)


def _zone_layer(inputs: StudyInputs, table: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = inputs.zones.geometry
    geometry = gpd.GeoSeries(geometry.to_numpy(), index=inputs.zones.table.index, crs=geometry.crs)
    return gpd.GeoDataFrame(table.reset_index(names="id"),
                            geometry=geometry.reindex(table.index).to_numpy(), crs="EPSG:4326")


def _write_zone_files(folder: Path, layer: gpd.GeoDataFrame) -> list[str]:
    import pyogrio

    pd.DataFrame(layer.drop(columns="geometry")).to_csv(folder / "zones.csv", index=False)
    # A fixed timestamp inside the GeoPackage keeps re-runs byte-identical.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    layer.to_file(folder / "zones.gpkg", driver="GPKG", layer="zones")
    return ["zones.csv", "zones.gpkg"]


def _matrix_table(inputs: StudyInputs, baseline: AccessResult, scenario: AccessResult,
                  column: str) -> pd.DataFrame:
    b, s = baseline.travel_times, scenario.travel_times
    keep = ~(np.isnan(b.minutes) & np.isnan(s.minutes))
    o, d = np.nonzero(keep)
    ids = inputs.zones.table.index.astype(str)
    points = pd.Index(b.point_ids.astype(str))
    to_id, to_values = pd.factorize(points)  # ids repeat across layers; code them once
    layers, layer_values = pd.factorize(pd.Index(b.point_layer.astype(str)))
    # Dictionary-coded string columns: millions of rows without a Python string each.
    return pd.DataFrame({
        "from_id": pd.Categorical.from_codes(o, categories=ids),
        "to_layer": pd.Categorical.from_codes(layers[d], categories=layer_values),
        "to_id": pd.Categorical.from_codes(to_id[d], categories=to_values),
        f"baseline_{column}": b.minutes[o, d].astype(np.float64),
        f"scenario_{column}": s.minutes[o, d].astype(np.float64),
    })


def compute_baseline(
    inputs: StudyInputs, *, cache: NetworkCache | None = None,
    progress: ProgressCallback | None = None, engine: TravelTimeEngine | None = None,
) -> AccessResult:
    """Baseline accessibility of every zone (travel times cached on disk).

    ``engine`` computes the travel times (default: the built-in engine in this process).
    """
    return compute_access(inputs.study, inputs.network, inputs.zones, inputs.layers,
                          cache=cache, progress=progress, engine=engine)


def write_access(
    inputs: StudyInputs, baseline: AccessResult, folder: Path, *, force: bool = False
) -> Path:
    """Write baseline accessibility per zone: zones.gpkg, zones.csv, manifest.json.

    Returns
    -------
    pathlib.Path
        The run folder.
    """
    with run_folder(folder, force=force) as tmp:
        written = _write_zone_files(tmp, _zone_layer(inputs, baseline.zones))
        if not baseline.spaces.empty:
            baseline.spaces.reset_index(names="space_id").to_csv(tmp / "spaces.csv", index=False)
            written.append("spaces.csv")
        write_json(build_manifest(inputs.study, "access", [*written, "manifest.json"]),
                   tmp / "manifest.json")
    return folder


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
    ``matrix.parquet``, ``spaces.csv`` (when there are shared spaces),
    ``scorecard.json``, the scenario's GTFS files under ``scenario_gtfs/``,
    ``map.html`` and ``report.html`` (:func:`routes.report.write_run_pages`),
    and ``manifest.json``, written last.

    Parameters
    ----------
    inputs
        From :func:`load_study_inputs`.
    proposal_paths
        Proposal GeoJSON files.
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
        One per proposal, in order.

    Raises
    ------
    OutputExistsError
        Before any work, if a run folder exists and ``force`` is false.
    ProposalError
        If a proposal is invalid.
    """
    proposals = [load_proposal(Path(p)) for p in proposal_paths]
    for proposal in proposals:
        target = out_root / proposal.name
        if target.exists() and not force:
            msg = f"{target} exists; pass --force to replace it or choose another --out"
            raise OutputExistsError(msg)
    from routes.report import run_page_names, write_run_pages

    pages = run_page_names(pdf=pdf)  # checks the map and PDF packages before any work
    step: ProgressFactory = progress_factory or (lambda name: no_progress)
    baseline = compute_baseline(inputs, cache=cache, progress=step("baseline"), engine=engine)
    study = inputs.study
    pct_col = column_name(ColumnKind.TRAVEL_TIME, percentile=study.routing.percentiles[0])
    results = []
    for proposal, path in zip(proposals, proposal_paths, strict=True):
        started = time.perf_counter()
        with run_folder(out_root / proposal.name, force=force) as tmp:
            scenario = build_scenario(study, inputs.network, proposal, cache=cache,
                                      work_dir=tmp / "scenario_gtfs")
            scenario_engine = None if engine is None else engine.for_feeds(scenario.feeds)
            access = compute_access(study, scenario.network, inputs.zones, inputs.layers,
                                    cache=cache, progress=step(proposal.name),
                                    engine=scenario_engine)
            changes = compute_zone_changes(study, baseline, access)
            cost = compute_proposal_cost(proposal)
            scorecard = score_proposal(study, changes, cost, proposal.name)
            written = _write_zone_files(tmp, _zone_layer(inputs, changes))
            _matrix_table(inputs, baseline, access, pct_col).to_parquet(
                tmp / "matrix.parquet", index=False)
            written.append("matrix.parquet")
            if not access.spaces.empty:
                spaces = baseline.spaces.add_prefix("baseline_").join(
                    access.spaces.add_prefix("scenario_"))
                spaces.reset_index(names="space_id").to_csv(tmp / "spaces.csv", index=False)
                written.append("spaces.csv")
            write_json(scorecard.to_dict(), tmp / "scorecard.json")
            written += ["scorecard.json", "scenario_gtfs/", *pages, "manifest.json"]
            proposal_input = InputFile("proposal", str(Path(path).resolve()),
                                       sha256_file(Path(path)))
            manifest = build_manifest(study, proposal.name, written,
                                      extra_inputs=(proposal_input,))
            write_run_pages(tmp, inputs, scenario.network, proposal, changes, cost, scorecard,
                            manifest, pages=pages, map_zones=map_zones)
            write_json(manifest, tmp / "manifest.json")
        seconds = time.perf_counter() - started
        logger.info("evaluated %s in %.1f s", proposal.name, seconds)
        results.append(Evaluation(proposal, cost, changes, scorecard,
                                  out_root / proposal.name, seconds))
    return results

