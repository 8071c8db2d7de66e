"""Costing modifications of existing GTFS routes against the baseline, by hand.

Route R1 of a small feed runs between two stops A and B, 10 km apart on the equator
(lon 0 and 0.09), 35 min each way (no intermediate dwell), every 10 min from 07:00
to 08:50 in both directions; route R2 is a single trip. On Monday 2019-05-13::

    each trip holds a vehicle for      35 min + layover max(10 % x 35, 5) = 40 min
    07:00-08:00: 6 + 6 trips leave     12 x 40 min = 480 min -> ceil(8.0) = 8 vehicles
    08:00-09:00: the same              8 vehicles
    peak vehicles 8; vehicle-hours per day 8 + 8 = 16; days per year 52 x 5 = 260
    vehicle-km per day 24 trips x |AB|

At a 20 min headway (change_headway), departures 07:00, 07:20, ..., 08:40:
6 + 6 trips, 3 + 3 an hour: 6 x 40 min = 240 min -> 4 vehicles an hour, half of 8.
The same line as a new route (tests/proposal/test_costing.py's model): cycle
2 x 35 + 2 x 5 = 80 min, ceil(80 / 10) = 8 vehicles: the two models agree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyproj
import pytest
from _feeds import MONDAY, route, service, stop_times, write_feed

from routes.errors import InputError
from routes.proposal.costing import (
    RunningCost,
    compute_proposal_cost,
    compute_timetable_route_cost,
    describe_running_cost,
)
from routes.proposal.gtfs_modifications import apply_modifications
from routes.proposal.model import (
    HeadwayPeriod,
    ModificationKind,
    Proposal,
    ProposalRoute,
    RouteModification,
)
from routes.timetable.export import write_gtfs_feed
from routes.timetable.read import read_gtfs_feed
from routes.timetable.timetable import Timetable, load_timetable

DATE = dt.date.fromisoformat(MONDAY)
AB_KM = pyproj.Geod(ellps="WGS84").inv(0.0, 0.0, 0.09, 0.0)[2] / 1000.0


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def write_line(folder: Path, headway_min: int = 10) -> Path:
    trips, times = [], []
    for k, start in enumerate(range(7 * 60, 9 * 60, headway_min)):
        for direction, stops in ((0, "AB"), (1, "BA")):
            trip = f"T{direction}_{k:02d}"
            trips.append({"route_id": "R1", "service_id": "WK", "trip_id": trip,
                          "direction_id": direction})
            times += stop_times(trip, [(_clock(start),) * 2, (_clock(start + 35),) * 2], stops)
    trips.append({"route_id": "R2", "service_id": "WK", "trip_id": "X1"})
    times += stop_times("X1", [("10:00:00",) * 2, ("10:20:00",) * 2], "AB")
    return write_feed(
        folder / "feed",
        agency=[{"agency_id": "AG", "agency_name": "Test", "agency_url": "http://x.org",
                 "agency_timezone": "Europe/London"}],
        stops=[{"stop_id": s, "stop_name": s, "stop_lat": 0.0, "stop_lon": lon}
               for s, lon in (("A", 0.0), ("B", 0.09))],
        routes=[route("R1", "1"), route("R2", "2")],
        calendar=[service("WK", "1111100")],
        trips=trips,
        stop_times=times,
    )


def _line_4km() -> tuple[tuple[float, float], ...]:
    """A straight 4 km line near Blackburn (UTM 30N), as in tests/proposal/test_costing.py."""
    to_lonlat = pyproj.Transformer.from_crs("EPSG:32630", "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform([400_000.0, 404_000.0], [5_955_000.0, 5_955_000.0])
    return tuple(zip(lon, lat, strict=True))


def modified(tmp_path: Path, feed: Path, *mods: RouteModification) -> Timetable:
    path = write_gtfs_feed(apply_modifications(read_gtfs_feed(feed, "feed"), mods),
                           tmp_path / "modified" / "feed.zip")
    return load_timetable([path], DATE)


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_line(tmp_path)


def test_route_cost_from_its_trips(feed: Path) -> None:
    cost = compute_timetable_route_cost(load_timetable([feed], DATE), "feed:R1")
    assert cost.route_id == "feed:R1"
    assert cost.trips_per_day == 24
    assert cost.peak_vehicles == 8
    assert cost.vehicle_hours_per_day == 16.0
    assert cost.vehicle_km_per_day == pytest.approx(24 * AB_KM, rel=1e-9)
    assert cost.operating_days_per_year == 260
    assert cost.annual_vehicle_hours == 16.0 * 260
    assert cost.annual_vehicle_km == pytest.approx(24 * AB_KM * 260, rel=1e-9)


def test_a_route_the_timetable_lacks_costs_nothing(feed: Path) -> None:
    cost = compute_timetable_route_cost(load_timetable([feed], DATE), "feed:R9")
    assert (cost.trips_per_day, cost.peak_vehicles, cost.annual_vehicle_hours) == (0, 0, 0.0)


def test_saturday_costs_fifty_two_days(tmp_path: Path) -> None:
    feed = write_line(tmp_path)
    (feed / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
        "end_date\nWK,0,0,0,0,0,1,0,20190501,20190531\n", encoding="utf-8")
    cost = compute_timetable_route_cost(load_timetable([feed], dt.date(2019, 5, 18)), "feed:R1")
    assert cost.operating_days_per_year == 52
    assert cost.annual_vehicle_hours == 16.0 * 52


def test_doubling_the_headway_halves_the_vehicles(tmp_path: Path, feed: Path) -> None:
    baseline = load_timetable([feed], DATE)
    change = RouteModification(ModificationKind.CHANGE_HEADWAY, "R1", 20 * 60)
    scenario = modified(tmp_path, feed, change)
    proposal = Proposal("half", None, (), (RouteModification(ModificationKind.CHANGE_HEADWAY,
                                                             "feed:R1", 20 * 60),))
    cost = compute_proposal_cost(proposal, baseline=baseline, scenario=scenario)
    [mod] = cost.modifications
    assert mod.kind is ModificationKind.CHANGE_HEADWAY
    assert mod.route_name == "1"
    assert (mod.baseline.peak_vehicles, mod.scenario.peak_vehicles) == (8, 4)
    assert (mod.baseline.trips_per_day, mod.scenario.trips_per_day) == (24, 12)
    assert mod.scenario.vehicle_hours_per_day == 8.0
    assert mod.change == RunningCost(-4, -8.0 * 260, pytest.approx(-12 * AB_KM * 260))
    assert cost.new == RunningCost(0, 0.0, 0.0)
    assert cost.saved == RunningCost(4, 8.0 * 260, pytest.approx(12 * AB_KM * 260))
    assert cost.net == RunningCost(-4, -2080.0, pytest.approx(-12 * AB_KM * 260))
    assert cost.saves_money
    assert describe_running_cost(cost).startswith(
        "Saves money: 4 fewer buses at the peak and 2,080 fewer vehicle-hours")


def test_halving_the_headway_is_new_service(tmp_path: Path) -> None:
    feed = write_line(tmp_path, headway_min=20)
    change = RouteModification(ModificationKind.CHANGE_HEADWAY, "R1", 10 * 60)
    proposal = Proposal("double", None, (), (RouteModification(
        ModificationKind.CHANGE_HEADWAY, "feed:R1", 10 * 60),))
    cost = compute_proposal_cost(proposal, baseline=load_timetable([feed], DATE),
                                 scenario=modified(tmp_path, feed, change))
    # every 10 min from the first departure to the last (08:40): 11 + 11 trips;
    # 07:00-08:00 12 trips -> 8 vehicles, 08:00-08:40 10 trips x 40 min -> ceil(6.7) = 7
    assert cost.new.peak_vehicles == 4  # 4 -> 8
    assert cost.new.annual_vehicle_hours == (8 + 7 - 8) * 260
    assert cost.saved == RunningCost(0, 0.0, 0.0)
    assert not cost.saves_money
    assert describe_running_cost(cost).startswith("Costs more to run: 4 more buses")


def test_removing_a_route_saves_all_of_it(tmp_path: Path, feed: Path) -> None:
    scenario = modified(tmp_path, feed, RouteModification(ModificationKind.REMOVE_ROUTE, "R1"))
    proposal = Proposal("cut", None, (), (RouteModification(ModificationKind.REMOVE_ROUTE,
                                                            "feed:R1"),))
    cost = compute_proposal_cost(proposal, baseline=load_timetable([feed], DATE),
                                 scenario=scenario)
    [mod] = cost.modifications
    assert mod.scenario.trips_per_day == 0
    assert cost.saved == RunningCost(8, 16.0 * 260, pytest.approx(24 * AB_KM * 260))
    assert cost.net.peak_vehicles == -8
    # R2, untouched, is not costed: only what the proposal changes counts
    assert cost.new == RunningCost(0, 0.0, 0.0)


def test_a_replacement_nets_new_against_saved(tmp_path: Path, feed: Path) -> None:
    """R1 removed and a new route added: both are shown, and the net."""
    scenario = modified(tmp_path, feed, RouteModification(ModificationKind.REMOVE_ROUTE, "R1"))
    line = ProposalRoute("Hand line", _line_4km(), (HeadwayPeriod(7 * 3600, 9 * 3600, 600),))
    proposal = Proposal("swap", None, (line,), (RouteModification(
        ModificationKind.REMOVE_ROUTE, "feed:R1"),))
    cost = compute_proposal_cost(proposal, baseline=load_timetable([feed], DATE),
                                 scenario=scenario)
    # the new 4 km line: 5 vehicles, 10 vehicle-hours a day (test_costing.py)
    assert cost.new == RunningCost(5, 2600.0, pytest.approx(24_960.0))
    assert cost.saved.peak_vehicles == 8
    assert cost.net.peak_vehicles == -3
    assert cost.net.annual_vehicle_hours == 2600.0 - 16.0 * 260
    text = describe_running_cost(cost)
    assert text.startswith("Saves money: 3 fewer buses at the peak")
    assert "New service 2,600 vehicle-hours, service saved 4,160" in text


def test_modifications_need_the_timetables() -> None:
    proposal = Proposal("cut", None, (), (RouteModification(ModificationKind.REMOVE_ROUTE,
                                                            "feed:R1"),))
    with pytest.raises(InputError, match=r"cut: the proposal changes existing routes "
                                         r"\(feed:R1\); pass the baseline= and scenario="):
        compute_proposal_cost(proposal)
