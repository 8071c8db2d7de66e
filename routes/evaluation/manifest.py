"""What a run was computed from: the manifest (``manifest.json``) of a run folder.

A manifest records every input with its SHA-256, the parameters, the version,
the engine and every data warning of the run; :func:`build_manifest` makes one
and writes nothing (the run folder writes it last, :mod:`routes.runs`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routes._warnings import unique_messages
from routes.cache import sha256_file
from routes.config.study_area import StudyArea

__all__ = ["InputFile", "RunManifest", "build_manifest"]


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


def _routing_with_periods(study: StudyArea) -> dict[str, Any]:
    """Return the routing parameters; with ``[[periods]]``, each period's name, window, date."""
    routing = dataclasses.asdict(study.routing)
    if study.periods:
        routing["periods"] = [p.to_dict(study.service_date) for p in study.periods]
    return routing


def _scoring(study: StudyArea) -> dict[str, Any]:
    """``[scoring]``, and with ``[fares]`` whose fares the fare columns count (``--persona``)."""
    scoring = dataclasses.asdict(study.scoring)
    if study.fares is not None:
        scoring["fare_persona"] = study.fares.persona.name
    return scoring


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
        routing=_routing_with_periods(study),
        scoring=_scoring(study),
        inputs=(*inputs, *extra_inputs),
        outputs=tuple(outputs),
        warnings=unique_messages(warnings),
    )


