"""Tests for routes.proposal.costing, on hand-derived cases.

The base case is the straight 4 km line of tests/proposal/test_load.py (11 stops every
400 m, 18 km/h = 5 m/s, 20 s dwell, every 10 min from 07:00 to 09:00)::

    run time        = 4000 m / 5 m/s + 9 x 20 s        =   980 s
    layover per end = max(10 % x 980 s, 5 min)          =   300 s
    cycle time      = 2 x 980 s + 2 x 300 s             = 2,560 s  (42 min 40 s)
    peak vehicles   = ceil(2560 / 600)  = ceil(4.27)    =     5
    trips per day   = 12 per direction x 2              =    24
    vehicle-hours   = 2 h x 5                           =    10 per day
    vehicle-km      = 24 x 4 km                         =    96 per day
    days per year   = 52 x 5 (weekdays)                 =   260
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pyproj
import pytest

from routes.proposal.costing import (
    ProposalCost,
    RouteCost,
    RunningCost,
    compute_proposal_cost,
    compute_route_cost,
)
from routes.proposal.load import load_proposal
from routes.proposal.model import HeadwayPeriod, Proposal, ProposalRoute, Weekday

_FROM_UTM30N = pyproj.Transformer.from_crs("EPSG:32630", "EPSG:4326", always_xy=True)
_X0, _Y0 = 400_000.0, 5_955_000.0  # near Blackburn


def utm_line(*xy_m: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """Vertices given in metres from a point near Blackburn (UTM 30N), as lon/lat."""
    lon, lat = _FROM_UTM30N.transform([_X0 + x for x, _ in xy_m], [_Y0 + y for _, y in xy_m])
    return tuple(zip(lon, lat, strict=True))


def route(length_m: float = 4000.0, **changes: Any) -> ProposalRoute:
    base = ProposalRoute(
        name="Hand line",
        coords_lonlat=utm_line((0, 0), (length_m, 0)),
        headways=(HeadwayPeriod(7 * 3600, 9 * 3600, 600),),
    )
    return replace(base, **changes)


def test_hand_derived_bidirectional() -> None:
    cost = compute_route_cost(route())
    assert isinstance(cost, RouteCost)
    assert asdict(cost) == dict(
        route_name="Hand line",
        route_km=pytest.approx(4.0),
        n_stops=11,
        run_time_min=pytest.approx(980 / 60),
        layover_min=5.0,
        deadhead_min=0.0,
        cycle_time_min=pytest.approx(2560 / 60),
        min_headway_min=10.0,
        peak_vehicles=5,
        trips_per_day=24,
        service_hours_per_day=2.0,
        vehicle_hours_per_day=10.0,
        vehicle_km_per_day=pytest.approx(96.0),
        operating_days_per_year=260,
        annual_vehicle_hours=2600.0,
        annual_vehicle_km=pytest.approx(24_960.0),
    )


def test_vehicles_per_period() -> None:
    # 07-09 every 10 min: ceil(2560/600) = 5; 09-15 every 20 min: ceil(2560/1200) = 3
    periods = (HeadwayPeriod(7 * 3600, 9 * 3600, 600), HeadwayPeriod(9 * 3600, 15 * 3600, 1200))
    cost = compute_route_cost(route(headways=periods))
    assert cost.peak_vehicles == 5
    assert cost.vehicle_hours_per_day == 2 * 5 + 6 * 3
    assert cost.trips_per_day == 2 * (12 + 18)
    assert cost.vehicle_km_per_day == pytest.approx(60 * 4.0)
    assert cost.service_hours_per_day == 8.0


def test_layover_is_ten_percent_on_long_routes() -> None:
    # 20 km, stops every 1 km: run = 20000/5 + 19 x 20 = 4380 s; layover 438 s > 300 s
    cost = compute_route_cost(
        route(20_000.0, stop_spacing_m=1000.0, headways=(HeadwayPeriod(0, 3600, 900),))
    )
    assert cost.n_stops == 21
    assert cost.run_time_min * 60 == pytest.approx(4380)
    assert cost.layover_min * 60 == pytest.approx(438)
    assert cost.cycle_time_min * 60 == pytest.approx(2 * 4380 + 2 * 438)
    assert cost.peak_vehicles == math.ceil(9636 / 900) == 11


def test_cycle_equal_to_a_multiple_of_the_headway() -> None:
    # 4.5 km, no dwell: run 900 s, cycle 2 x 900 + 2 x 300 = 2400 s = exactly 4 headways
    cost = compute_route_cost(route(4500.0, dwell_s=0.0))
    assert cost.cycle_time_min == pytest.approx(40.0)
    assert cost.peak_vehicles == 4


def test_one_way_route_runs_back_empty() -> None:
    # cycle = 980 + 300 + deadhead 4000/5 = 800 + 300 = 2380 s -> ceil(3.97) = 4
    cost = compute_route_cost(route(bidirectional=False))
    assert cost.deadhead_min == pytest.approx(800 / 60)
    assert cost.cycle_time_min * 60 == pytest.approx(2380)
    assert cost.peak_vehicles == 4
    assert cost.trips_per_day == 12
    assert cost.vehicle_km_per_day == pytest.approx(12 * (4.0 + 4.0))


def test_one_way_loop() -> None:
    # a 1 km square drawn back to its start: 4 km, 11 stops, the last on the first
    square = utm_line((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0))
    loop = route(coords_lonlat=square, bidirectional=False)
    cost = compute_route_cost(loop)
    assert cost.route_km == pytest.approx(4.0)
    assert cost.deadhead_min == 0.0
    assert cost.cycle_time_min * 60 == pytest.approx(980 + 300)
    assert cost.peak_vehicles == math.ceil(1280 / 600) == 3
    assert cost.vehicle_km_per_day == pytest.approx(12 * 4.0)


@pytest.mark.parametrize(
    ("days", "per_year"),
    [
        (frozenset(Weekday), 364),
        (frozenset({Weekday.SAT}), 52),
        (frozenset({Weekday.SAT, Weekday.SUN}), 104),
    ],
)
def test_operating_days(days: frozenset[Weekday], per_year: int) -> None:
    cost = compute_route_cost(route(days=days))
    assert cost.operating_days_per_year == per_year
    assert cost.annual_vehicle_hours == 10.0 * per_year


def test_parameters() -> None:
    # no layover: cycle 1960 s -> ceil(3.27) = 4; 50 weeks of weekdays = 250 days
    cost = compute_route_cost(route(), layover_fraction=0.0, min_layover_min=0.0, weeks_per_year=50)
    assert cost.cycle_time_min * 60 == pytest.approx(1960)
    assert cost.peak_vehicles == 4
    assert cost.operating_days_per_year == 250


def test_proposal_totals() -> None:
    a = route()
    b = route(name="Second", headways=(HeadwayPeriod(6 * 3600, 8 * 3600, 1200),))
    total = compute_proposal_cost(Proposal("two", None, (a, b)))
    ca, cb = compute_route_cost(a), compute_route_cost(b)
    assert cb.peak_vehicles == 3  # ceil(2560 / 1200)
    assert isinstance(total, ProposalCost)
    assert total.routes == (ca, cb)
    assert total.route_km == pytest.approx(8.0)
    assert total.modifications == ()
    assert total.new == RunningCost(8, ca.annual_vehicle_hours + cb.annual_vehicle_hours,
                                    pytest.approx(ca.annual_vehicle_km + cb.annual_vehicle_km))
    assert total.saved == RunningCost(0, 0.0, 0.0)
    assert total.net == total.new
    assert (total.peak_vehicles, total.annual_vehicle_hours) == (8, total.new.annual_vehicle_hours)
    assert not total.saves_money


def test_crosstown_example() -> None:
    path = Path(__file__).parents[1] / "data" / "proposals" / "poa_crosstown.geojson"
    cost = compute_proposal_cost(load_proposal(path))
    (c,) = cost.routes
    assert 10 < c.route_km < 12
    # 11:00-14:00 every 10 min, 14:00-18:00 every 12 min: 18 + 20 trips each way
    assert c.trips_per_day == 76
    assert c.peak_vehicles == math.ceil(c.cycle_time_min / 10 - 1e-9)
    assert c.vehicle_hours_per_day == pytest.approx(
        3 * math.ceil(c.cycle_time_min / 10 - 1e-9) + 4 * math.ceil(c.cycle_time_min / 12 - 1e-9)
    )
