"""Run folders: written into a temporary sibling and renamed into place, manifest last.

A run folder ``outputs/<run>/`` is never overwritten without ``force``; a
crash leaves the previous folder (or nothing) rather than a half-written one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routes.cache import sha256_file
from routes.config import StudyArea
from routes.errors import OutputExistsError

__all__ = ["InputFile", "RunManifest", "build_manifest", "run_folder", "write_json"]


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


def _hash_path(path: Path) -> str:
    if path.is_dir():
        return ",".join(sha256_file(p) for p in sorted(path.rglob("*")) if p.is_file())
    return sha256_file(path)


def build_manifest(
    study: StudyArea, run: str, outputs: list[str], *, extra_inputs: tuple[InputFile, ...] = (),
    engine: str = "builtin",
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
    )


def write_json(data: Any, path: Path) -> Path:
    """Write JSON with sorted keys and a final newline (stable bytes for equal data)."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


@contextmanager
def run_folder(path: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder that replaces ``path`` when the block succeeds.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    path = Path(path)
    if path.exists() and not force:
        msg = f"{path} exists; pass --force to replace it or choose another --out"
        raise OutputExistsError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run folder is not
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
