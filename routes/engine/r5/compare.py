"""``routes compare-engines``: the built-in engine and R5 like for like, and what still differs.

Three steps (the command line only prints):

1. :func:`like_for_like_study` sets the built-in engine's conventions to R5's
   where the study area chose otherwise: the 60-s boarding slack, R5's
   transfer rule (walks up to min(1,000 m, the walk limit) to the closest stop
   of each pattern), random frequency phases with r5py's 60 draws.
2. :func:`find_convention_differences` lists what the study area uses whose
   conventions cannot be aligned (frequency trips, a non-strict walk network,
   limits past R5's caps, trips the feed doctor dropped, trips carried over
   from the previous day), each once as a :class:`~routes.errors.RoutesWarning`
   when :func:`compare_engines` runs.
3. :func:`compare_engines` runs both engines, brings the built-in times to
   R5's reporting (whole minutes, floored, and trips of ``max_trip_min`` or
   longer dropped: R5 keeps only those strictly shorter) and measures the
   agreement.

The R5 sources behind each convention are listed in the README, "Method in
brief", "Conventions of the built-in engine, and R5's".
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.config.parameters import RoutingParams
from routes.config.study_area import StudyArea
from routes.engine.backends import EngineAgreement, compute_engine_agreement
from routes.engine.base import TravelTimeEngine
from routes.engine.request import TravelTimeRequest
from routes.errors import RoutesWarning
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork

__all__ = [
    "ALWAYS_DIFFERENT",
    "R5PY_MONTE_CARLO_DRAWS",
    "R5_BOARD_SLACK_S",
    "R5_EGRESS_LIMIT_M",
    "R5_LINK_RADIUS_M",
    "ConventionDifference",
    "EngineComparison",
    "compare_engines",
    "find_convention_differences",
    "like_for_like_routing",
    "like_for_like_study",
    "r5_whole_minutes",
]

R5_BOARD_SLACK_S = 60
"""R5's ``FastRaptorWorker.MINIMUM_BOARD_WAIT_SEC``."""
R5PY_MONTE_CARLO_DRAWS = 60
"""r5py's ``RegionalTask.monteCarloDraws`` (set in ``RegionalTask.__init__``)."""
R5_EGRESS_LIMIT_M = 2000.0
"""R5's ``TransitLayer.WALK_DISTANCE_LIMIT_METERS``: stop-to-street tables used for egress."""
R5_LINK_RADIUS_M = 1600.0
"""R5's ``StreetLayer.LINK_RADIUS_METERS``: points farther from a street are not linked."""


@dataclass(frozen=True, slots=True)
class ConventionDifference:
    """A way in which R5 and the built-in engine treat this study area differently.

    Attributes
    ----------
    cause
        Short name (``frequencies``, ``walk_access``, ``egress_cap`` ...).
    detail
        One line for users: what differs, how much of the study area it
        touches, and which way it moves R5's times.
    """

    cause: str
    detail: str


ALWAYS_DIFFERENT = (
    ConventionDifference(
        "walk_arithmetic",
        "R5 adds each street edge's walking time rounded up to whole seconds and walks an "
        "origin's off-street distance at 1.3 m/s; the built-in rounds each walk once at the "
        "walking speed: about 1-2 s per walk, more on long walks"),
    ConventionDifference(
        "walk_limits",
        "R5's walk limits are strict (a walk of exactly max_walk_min is not allowed), the "
        "built-in's inclusive"),
    ConventionDifference(
        "stop_vertices",
        "R5 moves a stop to a street vertex within 5 m only at intersections and way ends; "
        "the built-in also at a way's intermediate nodes (at most 5 m of walking)"),
    ConventionDifference(
        "transfer_ties",
        "R5 keeps the closest stop of each pattern over the patterns of every date, ties in "
        "hash order; the built-in over the date's patterns, ties to the lowest stop index"),
)
"""Differences no setting removes; reported by every comparison."""


def like_for_like_routing(routing: RoutingParams) -> tuple[RoutingParams, tuple[str, ...]]:
    """Return the routing parameters with R5's conventions, and which keys changed.

    Sets ``board_slack_s`` to 60, ``transfers`` to ``closest_per_pattern``,
    ``max_transfer_walk_min`` to ``None`` (R5's rule), ``frequency_phase`` to
    ``random`` and ``frequency_draws`` to 60.

    Examples
    --------
    >>> like, changed = like_for_like_routing(RoutingParams(board_slack_s=0))
    >>> like.board_slack_s, changed
    (60, ('board_slack_s = 0 -> 60',))
    """
    r5 = {"board_slack_s": R5_BOARD_SLACK_S, "transfers": "closest_per_pattern",
          "max_transfer_walk_min": None, "frequency_phase": "random",
          "frequency_draws": R5PY_MONTE_CARLO_DRAWS}
    changed = tuple(f"{key} = {_show(getattr(routing, key))} -> {_show(value)}"
                    for key, value in r5.items() if getattr(routing, key) != value)
    return dataclasses.replace(routing, **r5), changed  # type: ignore[arg-type]


def _show(value: object) -> str:
    return "unset (R5's rule)" if value is None else f"{value:g}" if isinstance(
        value, float) else str(value)


def like_for_like_study(study: StudyArea) -> tuple[StudyArea, tuple[str, ...]]:
    """Return the study area with :func:`like_for_like_routing`'s parameters, and the changes."""
    routing, changed = like_for_like_routing(study.routing)
    return dataclasses.replace(study, routing=routing), changed


def _carried_trips_in_window(network: TransitNetwork, departure_s: int) -> int:
    """Count the trips carried over from the previous day still running after ``departure_s``."""
    from routes.timetable.gtfs_time import PREVIOUS_DAY_SUFFIX

    tt = network.timetable
    carried = np.flatnonzero([str(t).endswith(PREVIOUS_DAY_SUFFIX) for t in tt.trip_ids])
    if len(carried) == 0:
        return 0
    last_arrival = tt.arrival_s[tt.trip_time_ptr[carried + 1] - 1]
    return int((last_arrival > departure_s).sum())


def find_convention_differences(
    study: StudyArea, network: TransitNetwork, request: TravelTimeRequest
) -> tuple[ConventionDifference, ...]:
    """List what this study area uses whose conventions differ between R5 and the builtin.

    Parameters
    ----------
    study
        The study area (its walk access).
    network
        Its built-in network (timetable, feed doctor's findings).
    request
        The comparison's request (limits, window).

    Returns
    -------
    tuple of ConventionDifference
        In a fixed order; empty when nothing particular to the study area differs
        (:data:`ALWAYS_DIFFERENT` still applies).
    """
    routing = request.routing
    tt = network.timetable
    found: list[ConventionDifference] = []
    if tt.n_frequency_entries:
        found.append(ConventionDifference(
            "frequencies",
            f"{tt.n_frequency_entries:,} frequencies.txt entries run on {tt.service_date}: both "
            "engines draw random phases, R5 unseeded and the built-in from frequency_seed, so "
            "times through frequency trips differ from draw to draw (compare percentiles, "
            "not single pairs)"))
    if study.walk_access != "strict":
        found.append(ConventionDifference(
            "walk_access",
            f"[study_area].walk_access = {study.walk_access!r}: R5 honours foot=no and "
            "access=no/private (and walks busway, bus_guideway, escape), so it walks other "
            "ways than the built-in engine"))
    egress_m = routing.max_walk_min * 60 * routing.walk_speed_m_s
    if egress_m > R5_EGRESS_LIMIT_M:
        found.append(ConventionDifference(
            "egress_cap",
            f"max_walk_min = {routing.max_walk_min:g} at {routing.walk_speed_kmh:g} km/h is "
            f"{egress_m:,.0f} m, but R5 walks at most {R5_EGRESS_LIMIT_M:,.0f} m from the last "
            "stop: R5 is slower or misses pairs reached by long final walks"))
    if routing.max_snap_m > R5_LINK_RADIUS_M:
        found.append(ConventionDifference(
            "link_radius",
            f"max_snap_m = {routing.max_snap_m:g} m: R5 links points only within "
            f"{R5_LINK_RADIUS_M:,.0f} m of a street, so points farther away get times from the "
            "built-in engine only"))
    fractional = [f"{key} = {value:g}" for key, value in
                  (("max_trip_min", routing.max_trip_min), ("max_walk_min", routing.max_walk_min))
                  if value != math.floor(value)]
    if fractional:
        found.append(ConventionDifference(
            "whole_minute_limits",
            f"{', '.join(fractional)}: r5py truncates limits to whole minutes, so R5 uses "
            "shorter ones"))
    dropped = sum(d.n_trips_dropped for d in tt.feed_diagnoses)
    if dropped:
        names = ", ".join(d.feed_name for d in tt.feed_diagnoses if d.n_trips_dropped)
        found.append(ConventionDifference(
            "feed_doctor",
            f"the feed doctor dropped {dropped:,} duplicate or superseded trips ({names}) that "
            "R5 runs: R5 may be faster where a superseded timetable ran more often"))
    carried = _carried_trips_in_window(network, request.departure_s)
    if carried:
        found.append(ConventionDifference(
            "previous_day",
            f"{carried:,} trips of the day before {tt.service_date} still run after the "
            "window starts; the built-in engine rides them, R5 ignores the previous day's "
            "trips"))
    return tuple(found)


def r5_whole_minutes(minutes: NDArray[np.float64], max_trip_min: float) -> NDArray[np.float64]:
    """Report built-in travel times as R5 does: whole minutes, floored, shorter than the limit.

    R5 selects the percentile on seconds, then floors to minutes
    (``TravelTimeReducer``; flooring is monotone, so it commutes with the
    percentile); it keeps only trips strictly shorter than ``max_trip_min``
    (``PerTargetPropagater``).

    Examples
    --------
    >>> r5_whole_minutes(np.array([0.5, 59.99, 60.0, np.nan]), 60.0)
    array([ 0., 59., nan, nan])
    """
    seconds = np.rint(np.asarray(minutes, dtype=np.float64) * 60.0)
    with np.errstate(invalid="ignore"):
        out = np.floor(seconds / 60.0)
        out[seconds >= max_trip_min * 60.0] = np.nan
    return out


@dataclass(frozen=True, slots=True)
class EngineComparison:
    """The built-in engine against R5 on the same points, like for like.

    Attributes
    ----------
    agreement
        Agreement of the whole-minute times (r5py minus builtin).
    builtin_min, r5py_min
        Both engines' times, minutes, shape ``(n_origins, n_percentiles,
        n_destinations)``: the built-in's in R5's whole minutes.
    aligned
        The study area's settings changed to R5's (``key = old -> new``).
    differences
        What this study area uses whose conventions still differ
        (:func:`find_convention_differences`), then :data:`ALWAYS_DIFFERENT`.
    """

    agreement: EngineAgreement
    builtin_min: NDArray[np.float64]
    r5py_min: NDArray[np.float64]
    aligned: tuple[str, ...]
    differences: tuple[ConventionDifference, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary: the agreement, what was aligned, what still differs."""
        return {**self.agreement.to_dict(), "aligned": list(self.aligned),
                "differences": {d.cause: d.detail for d in self.differences}}


def compare_engines(
    builtin: TravelTimeEngine,
    r5: TravelTimeEngine,
    study: StudyArea,
    network: TransitNetwork,
    origins: Points,
    destinations: Points,
    request: TravelTimeRequest,
    *,
    aligned: tuple[str, ...] = (),
    progress: Callable[[str], ProgressCallback] | None = None,
) -> EngineComparison:
    """Run both engines on the same points and measure their agreement, like for like.

    Parameters
    ----------
    builtin, r5
        The engines, opened on ``network`` (built from ``study``).
    study
        The study area, already with R5's conventions (:func:`like_for_like_study`).
    network
        Its built-in network.
    origins, destinations
        The points (``destinations`` may be ``origins``: then trips from a
        point to itself are left out).
    request
        Window, percentiles and limits, with ``study``'s routing.
    aligned
        The settings :func:`like_for_like_study` changed (reported).
    progress
        Makes a progress callback for a step name (``builtin``, ``r5py``).

    Returns
    -------
    EngineComparison
        The agreement, both arrays and the differences that remain.

    Warns
    -----
    RoutesWarning
        Once for each of :func:`find_convention_differences`.
    """
    differences = find_convention_differences(study, network, request)
    for difference in differences:
        warnings.warn(f"compare-engines: {difference.detail}", RoutesWarning, stacklevel=2)
    ours = builtin.compute_travel_time_array(
        origins, destinations, request, progress=progress("builtin") if progress else None)
    theirs = r5.compute_travel_time_array(
        origins, destinations, request, progress=progress("r5py") if progress else None)
    ours = r5_whole_minutes(ours, request.routing.max_trip_min)
    agreement = compute_engine_agreement(ours, theirs, ignore_diagonal=destinations is origins)
    return EngineComparison(agreement, ours, theirs, aligned, differences + ALWAYS_DIFFERENT)

