"""Write run folders: an evaluation (``routes evaluate``), the baseline (``routes access``).

Writing is a step of its own: :func:`write_evaluation` writes what
:func:`routes.evaluation.evaluate.evaluate_proposal` computed, and computes
nothing. Every check that can fail comes before any computing: run folder
names (two proposals may not share one), existing folders and a writable
output folder (:func:`check_run_folders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from routes._os_faults import file_system_error
from routes._warnings import record_warnings, unique_messages
from routes.access.zone_access import AccessResult
from routes.cache import sha256_file
from routes.columns import ColumnKind, column_name
from routes.errors import InputError, OutputExistsError
from routes.evaluation.evaluate import Evaluation
from routes.evaluation.manifest import InputFile, build_manifest
from routes.evaluation.periods import with_period_columns
from routes.evaluation.study import Baseline, Study
from routes.io import write_gpkg, write_json
from routes.runs.folder import (
    check_folder_writable,
    check_run_target,
    remove_stale_temporaries,
    run_folder,
    run_folder_name,
)

__all__ = ["check_run_folders", "run_folders_for", "write_access", "write_evaluation"]


def _zone_layer(study: Study, table: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = study.zones.geometry
    geometry = gpd.GeoSeries(geometry.to_numpy(), index=study.zones.table.index, crs=geometry.crs)
    return gpd.GeoDataFrame(table.reset_index(names="id"),
                            geometry=geometry.reindex(table.index).to_numpy(), crs="EPSG:4326")


def _write_zone_files(folder: Path, layer: gpd.GeoDataFrame) -> list[str]:
    import pyogrio

    pd.DataFrame(layer.drop(columns="geometry")).to_csv(folder / "zones.csv", index=False)
    # A fixed timestamp inside the GeoPackage keeps re-runs byte-identical.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    write_gpkg(layer, folder / "zones.gpkg", layer_name="zones")
    return ["zones.csv", "zones.gpkg"]


def _matrix_table(study: Study, baseline: AccessResult, scenario: AccessResult,
                  column: str) -> pd.DataFrame:
    b, s = baseline.travel_times, scenario.travel_times
    keep = ~(np.isnan(b.minutes) & np.isnan(s.minutes))
    o, d = np.nonzero(keep)
    ids = study.zones.table.index.astype(str)
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


def write_evaluation(
    evaluation: Evaluation, folder: Path, *, force: bool = False, pdf: bool = False,
    pages: Sequence[str] | None = None,
) -> Path:
    """Write an evaluation's run folder.

    The folder holds ``zones.gpkg``, ``zones.csv``, ``matrix.parquet``,
    ``spaces.csv`` and ``community_pairs.csv`` (when there are shared spaces),
    ``group_pairs.csv`` (and community groups), ``scorecard.json``,
    ``map.html`` and ``report.html`` (``report.pdf`` with ``pdf``;
    :func:`routes.runs.pages.write_run_pages`) and ``manifest.json``, written
    last. It is written aside and renamed into place
    (:func:`routes.runs.folder.run_folder`).

    Parameters
    ----------
    evaluation
        From :func:`routes.evaluation.evaluate.evaluate_proposal`.
    folder
        The run folder.
    force
        Replace an existing run folder.
    pdf
        Also write ``report.pdf`` (the ``pdf`` extra).
    pages
        The pages to write (default: :func:`routes.runs.pages.run_page_names`).

    Returns
    -------
    pathlib.Path
        ``folder``.

    Raises
    ------
    OutputExistsError
        If ``folder`` exists and ``force`` is false.
    routes._os_faults.FileSystemError
        If the folder cannot be written.
    """
    from routes.runs.pages import run_page_names, write_run_pages

    study, area = evaluation.study, evaluation.study.area
    with record_warnings() as log:
        pages = run_page_names(pdf=pdf) if pages is None else list(pages)
        pct_col = column_name(ColumnKind.TRAVEL_TIME, percentile=area.routing.percentiles[0])
        with run_folder(folder, force=force) as tmp:
            written = _write_zone_files(tmp, _zone_layer(study, evaluation.zones))
            _matrix_table(study, evaluation.baseline, evaluation.scenario, pct_col).to_parquet(
                tmp / "matrix.parquet", index=False)
            written.append("matrix.parquet")
            interaction = evaluation.scorecard.interaction
            for name, table in interaction.tables() if interaction is not None else ():
                table.to_csv(tmp / name, index=False)
                written.append(name)
            write_json(evaluation.scorecard.to_dict(), tmp / "scorecard.json")
            written += ["scorecard.json", *pages, "manifest.json"]
            source = evaluation.proposal.source
            extra = () if source is None or not Path(source).is_file() else (
                InputFile("proposal", str(Path(source).resolve()), sha256_file(Path(source))),)
            manifest = build_manifest(area, evaluation.proposal.name, written, extra_inputs=extra,
                                      engine=evaluation.engine, warnings=evaluation.warnings)
            write_run_pages(tmp, evaluation, manifest, pages=pages)
            manifest = replace(manifest, warnings=unique_messages(evaluation.warnings,
                                                                  log.messages))
            write_json(manifest, tmp / "manifest.json")
    return Path(folder)


def write_access(
    study: Study, baseline: Baseline, folder: Path, *, force: bool = False, engine: str = "builtin",
) -> Path:
    """Write baseline accessibility per zone: zones.gpkg, zones.csv, manifest.json.

    ``manifest.json`` lists the data warnings of loading the study and of
    computing ``baseline``.

    Returns
    -------
    pathlib.Path
        The run folder.
    """
    access = baseline.access
    table = with_period_columns(access.zones, {p.period: p.access.zones for p in baseline.periods},
                                attributes=list(study.zones.table.columns))
    with run_folder(folder, force=force) as tmp:
        written = _write_zone_files(tmp, _zone_layer(study, table))
        if not access.spaces.empty:
            access.spaces.reset_index(names="space_id").to_csv(tmp / "spaces.csv", index=False)
            written.append("spaces.csv")
        write_json(build_manifest(study.area, "access", [*written, "manifest.json"],
                                  engine=engine,
                                  warnings=unique_messages(study.warnings, baseline.warnings)),
                   tmp / "manifest.json")
    return folder


def run_folders_for(proposal_paths: Sequence[Path], out_root: Path) -> list[Path]:
    """Name the run folder of each proposal, refusing names that cannot be folders or clash.

    A run folder is named after its proposal file (its stem), shortened with a
    short hash when very long (:func:`routes.runs.folder.run_folder_name`).

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
