"""Check a proposal against a study area: street network extent, GTFS routes, service days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import pyproj

from routes._closest import describe_choices
from routes.errors import ProposalError, join_problems
from routes.proposal.model import (
    _DAY_SETS,
    _FULL_DAY_NAMES,
    DEFAULT_MAX_OUTSIDE_M,
    Proposal,
    Weekday,
)
from routes.proposal.stops import compute_route_stops

__all__ = ["validate_against_network", "validate_modifications", "validate_service_days"]

# ----------------------------------------------------------------- validation


def _feature_label(proposal: Proposal, index: int | None, name: str) -> str:
    source = str(proposal.source) if proposal.source is not None else proposal.name
    if index is None:
        return f"{source} route {name!r}"
    return f"{source} feature {index} ({name!r})"


def validate_against_network(
    proposal: Proposal,
    bbox_lonlat: tuple[float, float, float, float],
    *,
    max_outside_m: float = DEFAULT_MAX_OUTSIDE_M,
) -> None:
    """Check that every route's stops lie within the street network extent.

    Parameters
    ----------
    proposal
        The proposal.
    bbox_lonlat
        Extent of the street network, ``(lon_min, lat_min, lon_max, lat_max)``,
        WGS84 degrees.
    max_outside_m
        How far outside the extent a stop may lie, metres (geodesic distance to
        the nearest point of the box).

    Raises
    ------
    ProposalError
        Naming each route with stops farther out than ``max_outside_m``.
    ValueError
        If ``bbox_lonlat`` is not an ordered box.
    """
    lon_min, lat_min, lon_max, lat_max = bbox_lonlat
    if not (lon_min < lon_max and lat_min < lat_max):
        msg = f"bbox_lonlat {bbox_lonlat!r} is not (lon_min, lat_min, lon_max, lat_max)"
        raise ValueError(msg)
    geod = pyproj.Geod(ellps="WGS84")
    problems = []
    for route in proposal.routes:
        stops = compute_route_stops(route)
        lon = np.asarray([s.lon for s in stops])
        lat = np.asarray([s.lat for s in stops])
        _, _, outside_m = geod.inv(
            lon, lat, np.clip(lon, lon_min, lon_max), np.clip(lat, lat_min, lat_max)
        )
        outside_m = np.asarray(outside_m)
        far = outside_m > max_outside_m
        if far.any():
            problems.append(
                f"{_feature_label(proposal, route.feature_index, route.name)} coordinates: "
                f"{int(far.sum())} of {len(stops)} stops lie up to "
                f"{outside_m.max() / 1000:,.1f} km outside the street network (lon "
                f"{lon_min:g}..{lon_max:g}, lat {lat_min:g}..{lat_max:g}); move the route "
                "into the study area or use an OSM extract that covers it"
            )
    if problems:
        raise ProposalError(join_problems(problems))


def validate_modifications(proposal: Proposal, known_route_ids: Collection[str]) -> None:
    """Check that every modification names a known GTFS route.

    Parameters
    ----------
    proposal
        The proposal.
    known_route_ids
        Route ids of the loaded feeds, in the form the proposal uses
        (namespaced ``"<feed name>:<route_id>"``).

    Raises
    ------
    ProposalError
        Naming each modification whose route is unknown, with up to three close
        known ids.
    """
    known = set(known_route_ids)
    problems = []
    for mod in proposal.modifications:
        if mod.gtfs_route_id in known:
            continue
        extra = describe_choices(mod.gtfs_route_id, known, noun="routes")
        problems.append(
            f"{_feature_label(proposal, mod.feature_index, f'{mod.kind} {mod.gtfs_route_id}')} "
            f"gtfs_route_id: {mod.gtfs_route_id!r} is not a route of the loaded GTFS feeds "
            f"({extra}); write '<feed name>:<route_id>' with a route_id from the feed's routes.txt"
        )
    if problems:
        raise ProposalError(join_problems(problems))


def validate_service_days(proposal: Proposal, service_date: dt.date) -> None:
    """Check that every route runs on the study's service date (its ``days``).

    A route that does not run on the date adds no trips to the timetable that
    is routed, yet its running cost would count against the proposal.

    Raises
    ------
    ProposalError
        Naming each route whose ``days`` leave out the date's day of the week.
    """
    day = list(Weekday)[service_date.weekday()]
    problems = []
    for route in proposal.routes:
        if day in route.days:
            continue
        days = next((name for name, values in _DAY_SETS.items() if values == route.days),
                    ", ".join(d.value for d in Weekday if d in route.days))
        problems.append(
            f"{_feature_label(proposal, route.feature_index, route.name)} days: {days!r} does "
            f"not include {_FULL_DAY_NAMES[day.value].capitalize()}, the study date "
            f"{service_date.isoformat()}, so the route would add no trips yet its running cost "
            f"would count; add {day.value!r} to its days, or choose a [study_area].date it runs on"
        )
    if problems:
        raise ProposalError(join_problems(problems))
