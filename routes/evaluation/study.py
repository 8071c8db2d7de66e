"""A study area's loaded inputs (baseline network, zones, destinations) and their checks.

:func:`load_study_inputs` loads them once; :func:`compute_baseline` computes the
baseline accessibility; the checks (``--map-zone`` ids, proposals against the
study area) come before any computing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from routes._closest import check_known_ids
from routes._progress import ProgressCallback
from routes._warnings import record_warnings
from routes.access.zone_access import AccessResult, compute_access
from routes.cache import NetworkCache
from routes.config.study_area import StudyArea
from routes.engine.backends import TravelTimeEngine
from routes.errors import InputError, ProposalError, join_problems
from routes.inputs.destinations import Destinations, load_destinations
from routes.inputs.zones import Zones, load_zones
from routes.network.transit import TransitNetwork, build_network
from routes.proposal.load import load_proposal
from routes.proposal.model import Proposal
from routes.proposal.validate import (
    validate_against_network,
    validate_modifications,
    validate_service_days,
)
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules

__all__ = ["StudyInputs", "check_map_zones", "compute_baseline", "load_study_inputs"]


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


def compute_baseline(
    inputs: StudyInputs, *, cache: NetworkCache | None = None,
    progress: ProgressCallback | None = None, engine: TravelTimeEngine | None = None,
) -> AccessResult:
    """Baseline accessibility of every zone (travel times cached on disk).

    ``engine`` computes the travel times (default: the built-in engine in this process).
    """
    return compute_access(inputs.study, inputs.network, inputs.zones, inputs.layers,
                          cache=cache, progress=progress, engine=engine)


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
