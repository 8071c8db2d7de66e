"""``routes evaluate`` and ``routes access``: from a study area to written run folders.

Every check that can fail comes before any computing: run folder names (two
proposals may not share one), existing folders, a writable output folder, and
every proposal against the study area (street network extent, GTFS routes,
days of service, ``--map-zone`` ids). Every data warning of a run is recorded
in its ``manifest.json`` and shown in its ``report.html``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from routes._closest import check_known_ids
from routes._os_faults import file_system_error
from routes._progress import ProgressCallback, no_progress
from routes.access.zone_access import AccessResult, compute_access
from routes.cache import NetworkCache, sha256_file
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.engine.backends import TravelTimeEngine
from routes.errors import InputError, OutputExistsError, ProposalError, join_problems
from routes.evaluation.scenario import build_scenario
from routes.evaluation.scoring import Scorecard, compute_zone_changes, score_proposal
from routes.inputs.destinations import Destinations, load_destinations
from routes.inputs.zones import Zones, load_zones
from routes.network.transit import TransitNetwork, build_network
from routes.proposal.costing import ProposalCost, compute_proposal_cost
from routes.proposal.model import (
    Proposal,
    load_proposal,
    validate_against_network,
    validate_modifications,
    validate_service_days,
)
from routes.runs.manifest import (
    InputFile,
    build_manifest,
    check_folder_writable,
    check_run_target,
    record_warnings,
    remove_stale_temporaries,
    run_folder,
    run_folder_name,
    unique_messages,
    write_gpkg,
    write_json,
)
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules

__all__ = [
    "Evaluation",
    "StudyInputs",
    "check_map_zones",
    "check_run_folders",
    "compute_baseline",
    "evaluate_proposals",
    "load_study_inputs",
    "run_folders_for",
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
    warnings
        The data warnings raised while loading them.
    allow_feed_errors
        Whether malformed GTFS trips were dropped with a warning (scenarios do the same).
    """

    study: StudyArea
    network: TransitNetwork
    zones: Zones
    layers: tuple[Destinations, ...]
    warnings: tuple[str, ...] = ()
    allow_feed_errors: bool = False


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
    warnings
        The run's data warnings (as in its ``manifest.json``).
    """

    proposal: Proposal
    cost: ProposalCost
    changes: pd.DataFrame
    scorecard: Scorecard
    folder: Path
    seconds: float
    warnings: tuple[str, ...] = ()


def load_study_inputs(
    study: StudyArea, *, cache: NetworkCache | None = None, allow_feed_errors: bool = False,
    allow_data_loss: bool = False, feed_doctor: DoctorRules = DOCTOR_RULES,
) -> StudyInputs:
    """Load the baseline network, the zones and the destination layers of a study area.

    ``allow_data_loss`` and ``feed_doctor`` are as for
    :func:`routes.network.transit.build_network` (the network keeps them for its
    scenarios and the zone checks of :func:`routes.access.zone_access.compute_access`).

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
    with record_warnings() as log:
        zones = load_zones(study.zones)
        layers = tuple(load_destinations(d, osm_path=study.osm_path)
                       for d in study.destinations)
        network = build_network(study, cache=cache, allow_feed_errors=allow_feed_errors,
                                allow_data_loss=allow_data_loss, feed_doctor=feed_doctor)
    return StudyInputs(study, network, zones, layers, log.messages, allow_feed_errors)


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
    write_gpkg(layer, folder / "zones.gpkg", layer_name="zones")
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
    inputs: StudyInputs, baseline: AccessResult, folder: Path, *, force: bool = False,
    warnings: Sequence[str] = (),
) -> Path:
    """Write baseline accessibility per zone: zones.gpkg, zones.csv, manifest.json.

    ``manifest.json`` lists the data warnings of loading the inputs and the
    ``warnings`` given (those of computing ``baseline``).

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
        write_json(build_manifest(inputs.study, "access", [*written, "manifest.json"],
                                  warnings=unique_messages(inputs.warnings, warnings)),
                   tmp / "manifest.json")
    return folder


def run_folders_for(proposal_paths: Sequence[Path], out_root: Path) -> list[Path]:
    """Name the run folder of each proposal, refusing names that cannot be folders or clash.

    A run folder is named after its proposal file (its stem), shortened with a
    short hash when very long (:func:`routes.runs.manifest.run_folder_name`).

    Raises
    ------
    InputError
        If a name is empty, ``.``, ``..``, hidden or holds a separator, or two
        proposals (two files of the same name in different folders, or the
        same file twice) would be written to the same folder.
    """
    folders: list[Path] = []
    seen: dict[str, Path] = {}
    for path in proposal_paths:
        path = Path(path)
        name = run_folder_name(path.stem, source=str(path))
        key = name.casefold()  # one folder on case-insensitive disks (macOS, Windows)
        if key in seen:
            first = seen[key]
            if first.resolve() == path.resolve():
                msg = f"{path} is given twice; give each proposal once"
            else:
                msg = (f"{first} and {path} would both be written to {out_root / name} (run "
                       "folders are named after the proposal files); rename one of the files")
            raise InputError(msg)
        seen[key] = path
        folders.append(Path(out_root) / name)
    return folders


def check_run_folders(proposal_paths: Sequence[Path], out_root: Path, *,
                      force: bool = False) -> list[Path]:
    """Check, before any work, that the proposals' run folders may be written.

    Leftovers of killed runs in ``out_root`` are removed first.

    Returns
    -------
    list[pathlib.Path]
        The run folder of each proposal (:func:`run_folders_for`).

    Raises
    ------
    InputError
        As :func:`run_folders_for`.
    OutputExistsError
        If a run folder exists and ``force`` is false (or with ``force`` is
        not a run folder), or ``out_root`` is a file.
    routes._os_faults.FileSystemError
        If ``out_root`` cannot be made or written.
    """
    folders = run_folders_for(proposal_paths, out_root)
    remove_stale_temporaries(Path(out_root))  # what killed runs left
    try:
        for folder in folders:
            check_run_target(folder, force=force)
    except OutputExistsError:
        raise
    except OSError as exc:  # e.g. a name too long to even look at
        raise file_system_error(exc, where=out_root, action="write in") from exc
    check_folder_writable(Path(out_root))
    return folders


def check_map_zones(inputs: StudyInputs, map_zones: Sequence[str] | None) -> None:
    """Check that the ``--map-zone`` ids are zones of the study area.

    Raises
    ------
    InputError
        Naming each unknown id with the closest zone ids.
    """
    if map_zones:
        check_known_ids(list(map_zones), inputs.zones.table.index.astype(str), what="--map-zone",
                        noun="zones", todo="give zone ids from the zones file's id column")


def _load_proposals(paths: Sequence[Path]) -> list[tuple[Proposal, tuple[str, ...]]]:
    """Load every proposal, with its load warnings; one error listing every invalid one."""
    loaded: list[tuple[Proposal, tuple[str, ...]]] = []
    problems: list[str] = []
    for path in paths:
        try:
            with record_warnings() as log:
                proposal = load_proposal(Path(path))
        except ProposalError as exc:
            problems.append(str(exc))
            continue
        loaded.append((proposal, log.messages))
    if problems:
        raise ProposalError(join_problems(problems))
    return loaded


def _validate_against_study(inputs: StudyInputs, proposals: Sequence[Proposal]) -> None:
    """Check every proposal against the study area before any computing (one error for all)."""
    streets = inputs.network.streets
    bbox = (float(streets.node_lon.min()), float(streets.node_lat.min()),
            float(streets.node_lon.max()), float(streets.node_lat.max()))
    route_ids = [str(r) for r in inputs.network.timetable.route_ids]
    checks: list[Callable[[Proposal], None]] = [
        lambda p: validate_against_network(p, bbox),
        lambda p: validate_modifications(p, route_ids),
        lambda p: validate_service_days(p, inputs.study.service_date),
    ]
    problems: list[str] = []
    for proposal in proposals:
        for check in checks:
            try:
                check(proposal)
            except ProposalError as exc:
                problems.append(str(exc))
    if problems:
        raise ProposalError(join_problems(problems))


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
    ``map.html`` and ``report.html`` (:func:`routes.render.report.write_run_pages`),
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
    from routes.render.report import run_page_names, write_run_pages

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
