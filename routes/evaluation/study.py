"""A study area loaded for evaluating proposals: :class:`Study` and its checks.

:func:`load_study` loads the baseline network, the zones and the destination
layers once; :func:`compute_baseline` computes the baseline accessibility; the
checks (``--map-zone`` ids, proposals against the study area) come before any
computing. Nothing here writes a file, except entries of the network cache
(:mod:`routes.cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from routes._closest import check_known_ids
from routes._progress import ProgressCallback
from routes._warnings import record_warnings
from routes.access.zone_access import AccessResult, compute_access
from routes.cache import NetworkCache
from routes.config.study_area import StudyArea, load_study_area
from routes.engine.base import TravelTimeEngine
from routes.errors import InputError, ProposalError, join_problems
from routes.evaluation.periods import PeriodAccess, compute_period_access
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

__all__ = [
    "Baseline",
    "Study",
    "check_map_zones",
    "check_proposals",
    "compute_baseline",
    "load_proposals",
    "load_study",
]


@dataclass(frozen=True, slots=True)
class Study:
    """A study area with its inputs loaded: baseline network, zones and destinations.

    Attributes
    ----------
    area
        The study area (``routes.toml``).
    network
        The baseline transit network (it keeps ``allow_feed_errors``,
        ``allow_data_loss`` and the feed doctor's rules for its scenarios).
    zones
        Origins.
    layers
        Destination layers.
    warnings
        The data warnings raised while loading them.
    cache
        The network cache the network was built with; travel times are cached
        there too (``None``: the default folder).
    """

    area: StudyArea
    network: TransitNetwork
    zones: Zones
    layers: tuple[Destinations, ...]
    warnings: tuple[str, ...] = ()
    cache: NetworkCache | None = field(default=None, compare=False, repr=False)

    @property
    def allow_feed_errors(self) -> bool:
        """Whether malformed GTFS trips were dropped with a warning (scenarios too)."""
        return self.network.allow_feed_errors


@dataclass(frozen=True, slots=True)
class Baseline:
    """The baseline accessibility of a study, and the data warnings computing it gave.

    Attributes
    ----------
    access
        Per-zone metrics and travel times on the baseline network.
    warnings
        The data warnings raised while computing them.
    periods
        Accessibility in each of the study area's ``[[periods]]`` (empty without).
    """

    access: AccessResult
    warnings: tuple[str, ...] = ()
    periods: tuple[PeriodAccess, ...] = ()


def load_study(
    study: StudyArea | Path | str, *, cache: NetworkCache | None = None,
    allow_feed_errors: bool = False, allow_data_loss: bool = False,
    feed_doctor: DoctorRules = DOCTOR_RULES,
) -> Study:
    """Load the baseline network, the zones and the destination layers of a study area.

    Parameters
    ----------
    study
        The study area, or its ``routes.toml``.
    cache
        The network cache (default: ``$ROUTES_CACHE_DIR`` or the user cache folder).
    allow_feed_errors
        Drop malformed GTFS trips with a warning instead of stopping (the
        scenarios of the study keep the same trips).
    allow_data_loss, feed_doctor
        As for :func:`routes.network.transit.build_network` (the network keeps
        them for its scenarios and the zone checks of
        :func:`routes.access.zone_access.compute_access`).

    Returns
    -------
    Study
        The loaded inputs.

    Raises
    ------
    InputError
        If the study area has no ``[zones]`` or any input is invalid.
    DataLossError
        If most of the transit network is off the street network, unless
        ``allow_data_loss``.

    Notes
    -----
    Writes nothing but network cache entries (the street network, each
    feed's trips, the stop links), which later calls read instead of building.
    """
    area = study if isinstance(study, StudyArea) else load_study_area(Path(study))
    if area.zones is None:
        msg = f"{area.config_path.name}: no [zones]; add the neighbourhoods to evaluate"
        raise InputError(msg)
    with record_warnings() as log:
        zones = load_zones(area.zones)
        layers = tuple(load_destinations(d, osm_path=area.osm_path) for d in area.destinations)
        network = build_network(area, cache=cache, allow_feed_errors=allow_feed_errors,
                                allow_data_loss=allow_data_loss, feed_doctor=feed_doctor)
    return Study(area, network, zones, layers, log.messages, cache)


def compute_baseline(
    study: Study, *, engine: TravelTimeEngine | None = None,
    progress: ProgressCallback | None = None,
) -> Baseline:
    """Baseline accessibility of every zone (travel times cached in the network cache).

    ``engine`` computes the travel times on the study's network (default: the
    built-in engine in this process). With ``[[periods]]``, every period's
    accessibility too, on the same streets and stop links
    (:func:`routes.evaluation.periods.compute_period_access`).
    """
    with record_warnings() as log:
        access = compute_access(study.area, study.network, study.zones, study.layers,
                                cache=study.cache, progress=progress, engine=engine)
        periods = compute_period_access(study.area, study.network, study.zones, study.layers,
                                        cache=study.cache, engine=engine)
    return Baseline(access, log.messages, periods)


def check_map_zones(study: Study, map_zones: Sequence[str] | None) -> None:
    """Check that the ``--map-zone`` ids are zones of the study area.

    Raises
    ------
    InputError
        Naming each unknown id with the closest zone ids.
    """
    if map_zones:
        check_known_ids(list(map_zones), study.zones.table.index.astype(str), what="--map-zone",
                        noun="zones", todo="give zone ids from the zones file's id column")


def load_proposals(paths: Sequence[Path]) -> list[tuple[Proposal, tuple[str, ...]]]:
    """Load every proposal, with its load warnings; one error listing every invalid one.

    Raises
    ------
    ProposalError
        Listing every proposal that cannot be loaded.
    """
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


def check_proposals(study: Study, proposals: Sequence[Proposal]) -> None:
    """Check every proposal against the study area before any computing (one error for all).

    Raises
    ------
    ProposalError
        Listing, for every proposal, routes outside the street network,
        modifications of unknown GTFS routes and days that miss the date.
    """
    streets = study.network.streets
    bbox = (float(streets.node_lon.min()), float(streets.node_lat.min()),
            float(streets.node_lon.max()), float(streets.node_lat.max()))
    route_ids = [str(r) for r in study.network.timetable.route_ids]
    checks: list[Callable[[Proposal], None]] = [
        lambda p: validate_against_network(p, bbox),
        lambda p: validate_modifications(p, route_ids),
        lambda p: validate_service_days(p, study.area.service_date),
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
