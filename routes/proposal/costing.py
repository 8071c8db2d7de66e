"""Running cost of a proposal: new routes, and changes to existing ones against the baseline.

The quantities follow DESIGN §6: route km, cycle time, peak vehicles
= ⌈cycle time / headway⌉, annual vehicle-hours and vehicle-km. They are the
resource figures an operator would price, not money. A proposal's
modifications of existing GTFS routes are costed from the trips of those
routes on the service date, before and after (:func:`compute_timetable_route_cost`),
so a proposal reports the service it adds, the service it saves, and the net.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyproj

from routes._format import format_number
from routes.errors import InputError
from routes.proposal.model import ModificationKind, Proposal, ProposalRoute
from routes.proposal.schedule import compute_departures_s, compute_stop_offsets_s
from routes.proposal.stops import compute_route_stops
from routes.timetable.timetable import Timetable

__all__ = [
    "DEFAULT_LAYOVER_FRACTION",
    "DEFAULT_MIN_LAYOVER_MIN",
    "DEFAULT_WEEKS_PER_YEAR",
    "LOOP_CLOSURE_M",
    "ModificationCost",
    "ProposalCost",
    "RouteCost",
    "RunningCost",
    "TimetableRouteCost",
    "compute_proposal_cost",
    "compute_route_cost",
    "compute_timetable_route_cost",
    "describe_running_cost",
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
class RunningCost:
    """Vehicles, hours and km: of new service, of service saved, or net.

    Attributes
    ----------
    peak_vehicles
        Vehicles at the peak (routes' peaks assumed to coincide: an upper bound).
    annual_vehicle_hours
        Vehicle-hours a year, hours.
    annual_vehicle_km
        Vehicle-km a year, km.
    """

    peak_vehicles: int
    annual_vehicle_hours: float
    annual_vehicle_km: float

    def __add__(self, other: RunningCost) -> RunningCost:
        return RunningCost(self.peak_vehicles + other.peak_vehicles,
                           self.annual_vehicle_hours + other.annual_vehicle_hours,
                           self.annual_vehicle_km + other.annual_vehicle_km)

    def __sub__(self, other: RunningCost) -> RunningCost:
        return RunningCost(self.peak_vehicles - other.peak_vehicles,
                           self.annual_vehicle_hours - other.annual_vehicle_hours,
                           self.annual_vehicle_km - other.annual_vehicle_km)


_NONE = RunningCost(0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class TimetableRouteCost:
    """Running cost of an existing route's trips on the service date.

    Attributes
    ----------
    route_id
        Namespaced GTFS ``route_id`` (``"<feed>:<route_id>"``).
    trips_per_day
        Trips on the date, all directions (those carried over from the day
        before are left out: they belong to that day).
    peak_vehicles
        The largest number of vehicles of any clock hour (see
        :func:`compute_timetable_route_cost`).
    vehicle_hours_per_day
        Σ over clock hours of the vehicles needed in that hour, hours.
    vehicle_km_per_day
        Σ over trips of the straight lines between their consecutive stops, km.
    operating_days_per_year
        Days of the service date's kind in a year: weeks per year × 5 for a
        weekday, × 1 for a Saturday or a Sunday.
    annual_vehicle_hours
        Vehicle-hours per day × operating days per year, hours.
    annual_vehicle_km
        Vehicle-km per day × operating days per year, km.
    """

    route_id: str
    trips_per_day: int
    peak_vehicles: int
    vehicle_hours_per_day: float
    vehicle_km_per_day: float
    operating_days_per_year: int
    annual_vehicle_hours: float
    annual_vehicle_km: float

    @property
    def running(self) -> RunningCost:
        """Peak vehicles, annual vehicle-hours and vehicle-km."""
        return RunningCost(self.peak_vehicles, self.annual_vehicle_hours,
                           self.annual_vehicle_km)


@dataclass(frozen=True, slots=True)
class ModificationCost:
    """A modification of an existing route, costed before and after.

    Attributes
    ----------
    kind
        ``remove_route`` or ``change_headway``.
    route_id
        The route as the proposal names it (``"<feed>:<route_id>"``).
    route_name
        Its short name in the timetable.
    baseline, scenario
        The route's running cost on the date without and with the proposal
        (zero in the scenario for a removed route).
    """

    kind: ModificationKind
    route_id: str
    route_name: str
    baseline: TimetableRouteCost
    scenario: TimetableRouteCost

    @property
    def change(self) -> RunningCost:
        """Scenario minus baseline (negative = a saving)."""
        return self.scenario.running - self.baseline.running


@dataclass(frozen=True, slots=True)
class ProposalCost:
    """Running cost of a proposal: its new routes and its modifications of existing ones.

    Attributes
    ----------
    proposal_name
        The proposal's name.
    routes
        Cost of each new route, in proposal order.
    route_km
        Σ new route km (one direction each), km.
    new
        Service the proposal adds: the new routes, plus each modification
        that runs more (its increase), summed.
    saved
        Service the proposal takes away: each modification that runs less
        (its decrease, as a positive number), summed.
    modifications
        Each modification, costed before and after, in proposal order.
    fares_only
        Whether the proposal changes fares alone (it needs no vehicles).

    Notes
    -----
    Peak vehicles are summed as if every route's peak coincided (an upper
    bound). New routes are costed from their headways
    (:func:`compute_route_cost`), existing ones from their trips on the
    service date (:func:`compute_timetable_route_cost`); for a regular
    timetable both give the same vehicles and vehicle-hours.
    """

    proposal_name: str
    routes: tuple[RouteCost, ...]
    route_km: float
    new: RunningCost
    saved: RunningCost = _NONE
    modifications: tuple[ModificationCost, ...] = ()
    fares_only: bool = False

    @property
    def net(self) -> RunningCost:
        """New minus saved: what the proposal costs to run (negative = it saves)."""
        return self.new - self.saved

    @property
    def peak_vehicles(self) -> int:
        """Net peak vehicles."""
        return self.net.peak_vehicles

    @property
    def annual_vehicle_hours(self) -> float:
        """Net annual vehicle-hours, hours."""
        return self.net.annual_vehicle_hours

    @property
    def annual_vehicle_km(self) -> float:
        """Net annual vehicle-km, km."""
        return self.net.annual_vehicle_km

    @property
    def saves_money(self) -> bool:
        """Whether the proposal needs fewer vehicle-hours a year than the baseline."""
        return self.net.annual_vehicle_hours < 0


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


def compute_timetable_route_cost(
    timetable: Timetable,
    route_id: str,
    *,
    layover_fraction: float = DEFAULT_LAYOVER_FRACTION,
    min_layover_min: float = DEFAULT_MIN_LAYOVER_MIN,
    weeks_per_year: int = DEFAULT_WEEKS_PER_YEAR,
) -> TimetableRouteCost:
    """Compute the running cost of an existing route from its trips on the timetable's date.

    Parameters
    ----------
    timetable
        One service date's timetable.
    route_id
        Namespaced GTFS ``route_id``; a route the timetable lacks (removed, or
        not running that day) costs nothing.
    layover_fraction, min_layover_min, weeks_per_year
        As for :func:`compute_route_cost`.

    Returns
    -------
    TimetableRouteCost
        The route's cost figures (see its attributes for units).

    Notes
    -----
    GTFS trips do not say which vehicle runs them, so vehicles are counted
    as for a new route, hour by hour: each trip holds a vehicle for its
    running time *r* (first departure to last arrival) plus a layover
    max(``layover_fraction`` × *r*, ``min_layover_min``), and the vehicles
    needed in clock hour *h* are ⌈Σ over the trips leaving in *h* of
    (*r* + layover) / 1 h⌉. For a route in both directions every *H* minutes
    that is ⌈cycle / *H*⌉ with cycle = 2 *r* + 2 layovers, as
    :func:`compute_route_cost` counts a new route: doubling the headway halves
    the vehicles when the cycle is a multiple of the new headway. Peak vehicles
    = the most of any hour; vehicle-hours per day = Σ over hours. Vehicle-km
    are measured along straight lines between consecutive stops (shapes are
    not used), a little under the road distance; empty running is not counted.
    Annual figures repeat the date's timetable on every day of its kind.
    """
    days = weeks_per_year * (5 if timetable.service_date.weekday() < 5 else 1)
    found = np.flatnonzero(timetable.route_ids == route_id)
    if not len(found):
        return TimetableRouteCost(route_id, 0, 0, 0.0, 0.0, days, 0.0, 0.0)
    geod = pyproj.Geod(ellps="WGS84")
    departures: list[np.ndarray] = []
    held_s: list[np.ndarray] = []
    km = 0.0
    for pattern in np.flatnonzero(timetable.pattern_route == found[0]):
        trips = np.arange(timetable.pattern_trip_ptr[pattern],
                          timetable.pattern_trip_ptr[pattern + 1])
        trips = trips[[not str(t).endswith("@-1d") for t in timetable.trip_ids[trips]]]
        if not len(trips):
            continue
        first = timetable.trip_time_ptr[trips]
        last = timetable.trip_time_ptr[trips + 1] - 1
        dep = timetable.departure_s[first].astype(np.float64)
        run = timetable.arrival_s[last].astype(np.float64) - dep
        departures.append(dep)
        held_s.append(run + np.maximum(layover_fraction * run, min_layover_min * 60.0))
        stops = timetable.pattern_stops[timetable.pattern_stop_ptr[pattern]:
                                        timetable.pattern_stop_ptr[pattern + 1]]
        lon, lat = timetable.stop_lon[stops], timetable.stop_lat[stops]
        _, _, hops_m = geod.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        km += len(trips) * float(np.sum(hops_m)) / 1000.0
    if not departures:
        return TimetableRouteCost(route_id, 0, 0, 0.0, 0.0, days, 0.0, 0.0)
    dep = np.concatenate(departures)
    held = np.concatenate(held_s)
    hours = np.floor(dep / 3600.0).astype(np.int64)
    per_hour = np.bincount(hours - hours.min(), weights=held)
    vehicles = np.ceil(np.round(per_hour / 3600.0, 9)).astype(np.int64)
    vehicle_hours = float(vehicles.sum())
    return TimetableRouteCost(
        route_id=route_id,
        trips_per_day=len(dep),
        peak_vehicles=int(vehicles.max()),
        vehicle_hours_per_day=vehicle_hours,
        vehicle_km_per_day=km,
        operating_days_per_year=days,
        annual_vehicle_hours=vehicle_hours * days,
        annual_vehicle_km=km * days,
    )


def compute_proposal_cost(
    proposal: Proposal,
    *,
    baseline: Timetable | None = None,
    scenario: Timetable | None = None,
    layover_fraction: float = DEFAULT_LAYOVER_FRACTION,
    min_layover_min: float = DEFAULT_MIN_LAYOVER_MIN,
    weeks_per_year: int = DEFAULT_WEEKS_PER_YEAR,
) -> ProposalCost:
    """Compute the running cost of a proposal: new routes, modifications, and the net.

    Parameters
    ----------
    proposal
        The proposal.
    baseline, scenario
        The timetables of the service date without and with the proposal;
        needed to cost modifications of existing routes.
    layover_fraction, min_layover_min, weeks_per_year
        As for :func:`compute_route_cost`.

    Returns
    -------
    ProposalCost
        Per-route and per-modification costs, and the new, saved and net totals.

    Raises
    ------
    InputError
        If the proposal modifies existing routes and a timetable is missing.
    """
    costs = tuple(compute_route_cost(route, layover_fraction=layover_fraction,
                                     min_layover_min=min_layover_min,
                                     weeks_per_year=weeks_per_year)
                  for route in proposal.routes)
    new = RunningCost(sum(c.peak_vehicles for c in costs),
                      sum(c.annual_vehicle_hours for c in costs),
                      sum(c.annual_vehicle_km for c in costs))
    saved = _NONE
    modifications: list[ModificationCost] = []
    if proposal.modifications:
        if baseline is None or scenario is None:
            ids = ", ".join(m.gtfs_route_id for m in proposal.modifications)
            msg = (f"{proposal.name}: the proposal changes existing routes ({ids}); pass the "
                   "baseline= and scenario= timetables to cost them against the baseline")
            raise InputError(msg)
        for mod in proposal.modifications:
            before, after = (compute_timetable_route_cost(
                timetable, mod.gtfs_route_id, layover_fraction=layover_fraction,
                min_layover_min=min_layover_min, weeks_per_year=weeks_per_year)
                for timetable in (baseline, scenario))
            found = np.flatnonzero(baseline.route_ids == mod.gtfs_route_id)
            name = (str(baseline.route_short_names[found[0]]) if len(found)
                    else mod.gtfs_route_id)
            cost = ModificationCost(mod.kind, mod.gtfs_route_id, name, before, after)
            change = cost.change
            new += RunningCost(max(change.peak_vehicles, 0),
                               max(change.annual_vehicle_hours, 0.0),
                               max(change.annual_vehicle_km, 0.0))
            saved += RunningCost(max(-change.peak_vehicles, 0),
                                 max(-change.annual_vehicle_hours, 0.0),
                                 max(-change.annual_vehicle_km, 0.0))
            modifications.append(cost)
    return ProposalCost(
        proposal_name=proposal.name,
        routes=costs,
        route_km=sum(c.route_km for c in costs),
        new=new,
        saved=saved,
        modifications=tuple(modifications),
        fares_only=proposal.changes_fares_only,
    )


def describe_running_cost(cost: ProposalCost) -> str:
    """Describe the running cost in plain words, saying so when the proposal saves money.

    Examples
    --------
    >>> cost = ProposalCost("p", (), 0.0, RunningCost(0, 0.0, 0.0),
    ...                     RunningCost(4, 12_000.0, 150_000.0))
    >>> text = describe_running_cost(cost)
    >>> text[:38]
    'Saves money: 4 fewer buses at the peak'
    >>> text[38:]
    ' and 12,000 fewer vehicle-hours (150,000 vehicle-km) a year.'
    """
    net = cost.net

    def amounts(c: RunningCost) -> str:
        def word(value: float) -> str:
            return "fewer" if value < 0 else "more"

        buses = "bus" if abs(c.peak_vehicles) == 1 else "buses"
        return (f"{format_number(abs(c.peak_vehicles))} {word(c.peak_vehicles)} {buses} at the "
                f"peak and {format_number(abs(c.annual_vehicle_hours))} "
                f"{word(c.annual_vehicle_hours)} vehicle-hours "
                f"({format_number(abs(c.annual_vehicle_km))} vehicle-km) a year")

    if cost.fares_only:
        return ("Changes fares only: it needs no vehicles (no new route-km or vehicle-hours). "
                "The fare revenue it gives up is not estimated.")
    if cost.saves_money:
        text = f"Saves money: {amounts(net)}."
    elif net.annual_vehicle_hours == 0 and net.peak_vehicles == 0:
        text = "Costs nothing more to run: no more buses or vehicle-hours than today."
    else:
        text = f"Costs more to run: {amounts(net)}."
    if cost.saved.annual_vehicle_hours > 0 and cost.new.annual_vehicle_hours > 0:
        text += (f" (New service {format_number(cost.new.annual_vehicle_hours)} vehicle-hours, "
                 f"service saved {format_number(cost.saved.annual_vehicle_hours)}.)")
    return text
