"""Run folders and their manifest: written aside, renamed into place, manifest last.

A run folder ``outputs/<run>/`` is never overwritten without ``force``; a
crash or a killed process leaves the previous folder (or nothing) rather than a
half-written one, and the next run removes the leftovers (see
:mod:`routes.runs.folder`). ``manifest.json`` records the inputs' SHA-256, the
parameters, the version and every data warning of the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routes._os_faults import FileSystemError
from routes.cache import sha256_file
from routes.config.study_area import StudyArea
from routes.errors import RoutesWarning
from routes.runs.folder import (
    check_folder_writable,
    check_run_target,
    remove_stale_temporaries,
    run_folder,
    run_folder_name,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "InputFile",
    "RunManifest",
    "WarningLog",
    "build_manifest",
    "check_folder_writable",
    "check_run_target",
    "record_warnings",
    "remove_stale_temporaries",
    "run_folder",
    "run_folder_name",
    "unique_messages",
    "write_gpkg",
    "write_json",
]


@dataclass(frozen=True, slots=True)
class InputFile:
    """An input of a run.

    Attributes
    ----------
    role
        What it is (``osm``, ``gtfs``, ``zones``, ``destinations:jobs``, ``proposal``).
    path
        Where it was read from.
    sha256
        SHA-256 of its bytes (folders: of each file, joined).
    """

    role: str
    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class RunManifest:
    """Everything needed to reproduce a run.

    Attributes
    ----------
    version
        Community Routes version.
    created_utc
        When the run finished.
    run
        Run name (the proposal name, or ``access``).
    study_area
        Study area name and ``routes.toml`` path.
    service_date
        Date of the timetable, ISO format.
    engine
        Routing engine used.
    routing, scoring
        The parameters.
    inputs
        Every input file with its SHA-256.
    outputs
        Files written, relative to the run folder.
    warnings
        Every data warning of the run (:class:`~routes.errors.RoutesWarning`),
        in the order raised, each once.
    """

    version: str
    created_utc: str
    run: str
    study_area: str
    service_date: str
    engine: str
    routing: dict[str, Any]
    scoring: dict[str, Any]
    inputs: tuple[InputFile, ...]
    outputs: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _hash_path(path: Path) -> str:
    if path.is_dir():
        return ",".join(sha256_file(p) for p in sorted(path.rglob("*")) if p.is_file())
    return sha256_file(path)


def build_manifest(
    study: StudyArea, run: str, outputs: list[str], *, extra_inputs: tuple[InputFile, ...] = (),
    engine: str = "builtin", warnings: Sequence[str] = (),
) -> RunManifest:
    """Describe a run: inputs with their SHA-256, parameters and version.

    Returns
    -------
    RunManifest
        The manifest (not yet written).
    """
    from routes import __version__

    inputs = [InputFile("config", str(study.config_path), _hash_path(study.config_path)),
              InputFile("osm", str(study.osm_path), _hash_path(study.osm_path))]
    inputs += [InputFile("gtfs", str(p), _hash_path(p)) for p in study.gtfs_paths]
    if study.zones is not None:
        inputs.append(InputFile("zones", str(study.zones.path), _hash_path(study.zones.path)))
        if study.zones.centroids_path is not None:
            inputs.append(InputFile("zone centroids", str(study.zones.centroids_path),
                                    _hash_path(study.zones.centroids_path)))
    inputs += [InputFile(f"destinations:{d.name}", str(d.path), _hash_path(d.path))
               for d in study.destinations if d.path is not None]
    return RunManifest(
        version=__version__,
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        run=run,
        study_area=f"{study.name} ({study.config_path})",
        service_date=study.service_date.isoformat(),
        engine=engine,
        routing=dataclasses.asdict(study.routing),
        scoring=dataclasses.asdict(study.scoring),
        inputs=(*inputs, *extra_inputs),
        outputs=tuple(outputs),
        warnings=unique_messages(warnings),
    )


def write_json(data: Any, path: Path) -> Path:
    """Write JSON with sorted keys and a final newline (stable bytes for equal data)."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def unique_messages(*groups: Sequence[str]) -> tuple[str, ...]:
    """Join lists of messages, keeping the first of each repeated message, in order."""
    return tuple(dict.fromkeys(m for group in groups for m in group))


class WarningLog:
    """The warnings caught by :func:`record_warnings` so far (filled while the block runs)."""

    def __init__(self) -> None:
        self.caught: list[warnings.WarningMessage] = []

    @property
    def messages(self) -> tuple[str, ...]:
        """The :class:`~routes.errors.RoutesWarning` messages so far, each once, in order."""
        return unique_messages([str(w.message) for w in self.caught
                                if issubclass(w.category, RoutesWarning)])


@contextmanager
def record_warnings() -> Iterator[WarningLog]:
    """Record the data warnings raised in the block, for ``manifest.json`` and the report.

    Every :class:`~routes.errors.RoutesWarning` is recorded; when the block
    ends each is issued again as it was, so the filters in force outside
    (printing, ignoring, turning warnings into errors) still apply to it. When
    the block raises, those the filters would turn into errors are dropped so
    the block's own error is the one that propagates. Other warnings meet the
    outside filters as they are raised (an error at once, if so configured)
    and are shown at the end.

    Yields
    ------
    WarningLog
        Its ``messages`` are the data warnings caught so far.
    """
    log = WarningLog()
    failed = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("always", category=RoutesWarning)
            log.caught = caught
            yield log
    except BaseException:
        failed = True
        raise
    finally:
        for w in log.caught:
            with suppress(*((Warning,) if failed else ())):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                       source=w.source)


def write_gpkg(layer: gpd.GeoDataFrame, path: Path, *, layer_name: str) -> Path:
    """Write a GeoPackage, turning GDAL's write failures (a full disk...) into one-line errors.

    Raises
    ------
    OSError
        ``ENOSPC`` when the disk is full (as any other write would).
    routes._os_faults.FileSystemError
        If GDAL cannot write the file for another reason.
    """
    import pyogrio.errors

    try:
        layer.to_file(path, driver="GPKG", layer=layer_name)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        text = str(exc)
        if "full" in text or "No space" in text or _disk_is_full(Path(path).parent):
            # as any other write would fail; run_folder names the file and what to do
            raise OSError(errno.ENOSPC, "No space left on device", str(path)) from exc
        msg = f"cannot write {path}: {text}; check the disk and the folder, then run again"
        raise FileSystemError(msg) from exc
    return path


def _disk_is_full(folder: Path, probe_bytes: int = 256 * 1024) -> bool:
    """Whether ``probe_bytes`` more cannot be written in ``folder`` (after a failed GDAL write).

    GDAL reports a full disk in SQLite's words, sometimes only as a later
    failure ("no such table"), so the disk itself is asked.
    """
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * probe_bytes)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False
