"""Running cost of proposed routes: route length, cycle time, vehicles, annual hours and km.

The quantities follow DESIGN §6: route km, cycle time, peak vehicles
= ⌈cycle time / headway⌉, annual vehicle-hours and vehicle-km. They are the
resource figures an operator would price, not money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyproj

from routes.proposal.model import Proposal, ProposalRoute
from routes.proposal.schedule import compute_departures_s, compute_stop_offsets_s
from routes.proposal.stops import compute_route_stops

__all__ = [
    "DEFAULT_LAYOVER_FRACTION",
    "DEFAULT_MIN_LAYOVER_MIN",
    "DEFAULT_WEEKS_PER_YEAR",
    "LOOP_CLOSURE_M",
    "ProposalCost",
    "RouteCost",
    "compute_proposal_cost",
    "compute_route_cost",
]

DEFAULT_LAYOVER_FRACTION = 0.10
"""Layover/recovery at each terminus as a share of the run time arriving there."""
DEFAULT_MIN_LAYOVER_MIN = 5.0
"""Minimum layover at each terminus (driver break, timetable recovery)."""
DEFAULT_WEEKS_PER_YEAR = 52
"""Operating days per year = weeks × days per week (bank holidays are not removed)."""
LOOP_CLOSURE_M = 200.0
"""A one-way route whose last stop is this close to its first is a loop (no return run)."""


@dataclass(frozen=True, slots=True)
class RouteCost:
    """Running cost of one route.

    Attributes
    ----------
    route_name
        The route's name.
    route_km
        Length in service from the first to the last stop, one direction, km.
    n_stops
        Number of stops.
    run_time_min
        Running time from the first to the last stop in one direction,
        including dwell at intermediate stops, minutes.
    layover_min
        Layover/recovery at each terminus, minutes.
    deadhead_min
        Time to run back empty for a one-way route that is not a loop
        (route length at ``speed_kmh``, no dwell), minutes; else 0.
    cycle_time_min
        Time for one vehicle to return to its starting terminus ready to leave
        again, minutes.
    min_headway_min
        Shortest headway of any period, minutes.
    peak_vehicles
        Vehicles needed at the shortest headway: ⌈cycle time / headway⌉.
    trips_per_day
        Trips per operating day, all directions.
    service_hours_per_day
        Length of the service span (sum of the headway periods), hours.
    vehicle_hours_per_day
        Σ over periods of period length × ⌈cycle time / period headway⌉, hours.
    vehicle_km_per_day
        Trips per day × route km, plus the empty return of one-way non-loop
        routes, km.
    operating_days_per_year
        Weeks per year × days per week the route runs.
    annual_vehicle_hours
        Vehicle-hours per day × operating days per year, hours.
    annual_vehicle_km
        Vehicle-km per day × operating days per year, km.
    """

    route_name: str
    route_km: float
    n_stops: int
    run_time_min: float
    layover_min: float
    deadhead_min: float
    cycle_time_min: float
    min_headway_min: float
    peak_vehicles: int
    trips_per_day: int
    service_hours_per_day: float
    vehicle_hours_per_day: float
    vehicle_km_per_day: float
    operating_days_per_year: int
    annual_vehicle_hours: float
    annual_vehicle_km: float


@dataclass(frozen=True, slots=True)
class ProposalCost:
    """Running cost of a proposal's new routes.

    Attributes
    ----------
    proposal_name
        The proposal's name.
    routes
        Cost of each new route, in proposal order.
    route_km
        Σ route km (one direction each), km.
    peak_vehicles
        Σ peak vehicles, assuming every route's peak coincides (an upper bound).
    annual_vehicle_hours
        Σ annual vehicle-hours, hours.
    annual_vehicle_km
        Σ annual vehicle-km, km.

    Notes
    -----
    Only new routes are costed; the saving or cost of modifications to existing
    GTFS routes needs their timetables and is not included.
    """

    proposal_name: str
    routes: tuple[RouteCost, ...]
    route_km: float
    peak_vehicles: int
    annual_vehicle_hours: float
    annual_vehicle_km: float


def _vehicles(cycle_s: float, headway_s: int) -> int:
    # Round the ratio first so 2400.0000001 / 600 does not become 5 vehicles.
    return math.ceil(round(cycle_s / headway_s, 9))


def compute_route_cost(
    route: ProposalRoute,
    *,
    layover_fraction: float = DEFAULT_LAYOVER_FRACTION,
    min_layover_min: float = DEFAULT_MIN_LAYOVER_MIN,
    weeks_per_year: int = DEFAULT_WEEKS_PER_YEAR,
) -> RouteCost:
    """Compute the running cost of one route.

    Parameters
    ----------
    route
        The route.
    layover_fraction
        Layover at each terminus as a share of the run time, dimensionless.
    min_layover_min
        Minimum layover at each terminus, minutes.
    weeks_per_year
        Weeks of operation per year.

    Returns
    -------
    RouteCost
        The route's cost figures (see its attributes for units).

    Notes
    -----
    With run time *r* (one direction, as in the exported timetable) and layover
    *l* = max(``layover_fraction`` × *r*, ``min_layover_min``):

    - bidirectional: cycle = 2 *r* + 2 *l*;
    - one-way loop (last stop within ``LOOP_CLOSURE_M`` of the first): cycle = *r* + *l*;
    - one-way otherwise: cycle = *r* + *l* + deadhead + *l*, deadhead = length / speed.

    Peak vehicles = ⌈cycle / shortest headway⌉. Vehicle-hours per day =
    Σ_periods (period length × ⌈cycle / period headway⌉), so a vehicle is counted
    for the whole of every period it is needed in; the tail after the last
    departure is not counted. Operating days per year = ``weeks_per_year`` ×
    len(``days``): weekdays give 260, daily 364; bank holidays are not removed.
    """
    stops = compute_route_stops(route)
    arrival_s, _ = compute_stop_offsets_s(route, stops)
    run_s = float(arrival_s[-1])
    route_m = stops[-1].distance_m - stops[0].distance_m
    layover_s = max(layover_fraction * run_s, min_layover_min * 60.0)
    deadhead_s = 0.0
    deadhead_m = 0.0
    if route.bidirectional:
        cycle_s = 2.0 * run_s + 2.0 * layover_s
    elif _is_loop(stops[0].lon, stops[0].lat, stops[-1].lon, stops[-1].lat):
        cycle_s = run_s + layover_s
    else:
        deadhead_m = route_m
        deadhead_s = route_m * 3.6 / route.speed_kmh
        cycle_s = run_s + deadhead_s + 2.0 * layover_s

    n_directions = 2 if route.bidirectional else 1
    departures = compute_departures_s(route)
    trips_per_day = len(departures) * n_directions
    vehicle_hours = (
        sum(p.duration_s * _vehicles(cycle_s, p.headway_s) for p in route.headways) / 3600.0
    )
    vehicle_km = len(departures) * (n_directions * route_m + deadhead_m) / 1000.0
    days_per_year = weeks_per_year * len(route.days)
    return RouteCost(
        route_name=route.name,
        route_km=route_m / 1000.0,
        n_stops=len(stops),
        run_time_min=run_s / 60.0,
        layover_min=layover_s / 60.0,
        deadhead_min=deadhead_s / 60.0,
        cycle_time_min=cycle_s / 60.0,
        min_headway_min=route.min_headway_s / 60.0,
        peak_vehicles=_vehicles(cycle_s, route.min_headway_s),
        trips_per_day=trips_per_day,
        service_hours_per_day=sum(p.duration_s for p in route.headways) / 3600.0,
        vehicle_hours_per_day=vehicle_hours,
        vehicle_km_per_day=vehicle_km,
        operating_days_per_year=days_per_year,
        annual_vehicle_hours=vehicle_hours * days_per_year,
        annual_vehicle_km=vehicle_km * days_per_year,
    )


def _is_loop(lon0: float, lat0: float, lon1: float, lat1: float) -> bool:
    _, _, gap_m = pyproj.Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    return bool(gap_m <= LOOP_CLOSURE_M)


def compute_proposal_cost(
    proposal: Proposal,
    *,
    layover_fraction: float = DEFAULT_LAYOVER_FRACTION,
    min_layover_min: float = DEFAULT_MIN_LAYOVER_MIN,
    weeks_per_year: int = DEFAULT_WEEKS_PER_YEAR,
) -> ProposalCost:
    """Compute the running cost of every new route of a proposal, and totals.

    Parameters
    ----------
    proposal
        The proposal.
    layover_fraction, min_layover_min, weeks_per_year
        As for :func:`compute_route_cost`.

    Returns
    -------
    ProposalCost
        Per-route costs and their totals.
    """
    costs = tuple(
        compute_route_cost(
            route,
            layover_fraction=layover_fraction,
            min_layover_min=min_layover_min,
            weeks_per_year=weeks_per_year,
        )
        for route in proposal.routes
    )
    return ProposalCost(
        proposal_name=proposal.name,
        routes=costs,
        route_km=sum(c.route_km for c in costs),
        peak_vehicles=sum(c.peak_vehicles for c in costs),
        annual_vehicle_hours=sum(c.annual_vehicle_hours for c in costs),
        annual_vehicle_km=sum(c.annual_vehicle_km for c in costs),
    )
