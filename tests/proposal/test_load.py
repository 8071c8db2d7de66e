"""Tests for routes.proposal.model (loading, stops, validation) and routes.proposal.export.

The hand-derived case is a straight 4 km line drawn east from a point near
Blackburn, constructed in UTM zone 30N (the zone the code picks from the extent),
so its measured length is exactly 4,000 m::

    s1    s2    s3    s4    s5    s6    s7    s8    s9    s10   s11
    |-----|-----|-----|-----|-----|-----|-----|-----|-----|-----|
    0    400   800  1200  1600  2000  2400  2800  3200  3600  4000 m

    speed 18 km/h = 5 m/s -> 80 s per 400 m; 9 intermediate stops x 20 s dwell
    run time s1 -> s11 = 10 x 80 + 9 x 20 = 980 s = 16 min 20 s
    headway 10 min from 07:00 to 09:00 -> departures 07:00 ... 08:50 = 12 per direction
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import gtfs_kit as gk
import numpy as np
import pandas as pd
import pyproj
import pytest
from _feeds import shared_data_dir

from routes.errors import OutputExistsError, ProposalError, RoutesWarning
from routes.proposal.export import build_proposal_feed, write_proposal_feed
from routes.proposal.load import load_proposal
from routes.proposal.model import (
    DEFAULT_DWELL_S,
    DEFAULT_SPEED_KMH,
    DEFAULT_STOP_SPACING_M,
    HeadwayPeriod,
    ModificationKind,
    Proposal,
    ProposalRoute,
    Weekday,
)
from routes.proposal.schedule import compute_departures_s, compute_stop_offsets_s
from routes.proposal.stops import compute_route_length_m, compute_route_stops
from routes.proposal.validate import validate_against_network, validate_modifications

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad_proposals"
EXAMPLES = DATA / "proposals"
POA_BBOX = (-51.27, -30.12, -51.13, -29.98)  # Porto Alegre street extent, rounded out
KNOWN_IDS = ["poa_eptc:T12", "poa_eptc:T11", "poa_eptc:260", "poa_trensurb:LINHA1"]

_UTM30N = pyproj.Transformer.from_crs("EPSG:32630", "EPSG:4326", always_xy=True)
_X0, _Y0 = 400_000.0, 5_955_000.0  # near Blackburn (lon -2.5, lat 53.7)


def east_line(length_m: float) -> tuple[tuple[float, float], ...]:
    """A straight line drawn ``length_m`` east in UTM 30N, as lon/lat."""
    lon, lat = _UTM30N.transform([_X0, _X0 + length_m], [_Y0, _Y0])
    return tuple(zip(lon, lat, strict=True))


def hand_route(length_m: float = 4000.0, **changes: Any) -> ProposalRoute:
    route = ProposalRoute(
        name="Hand line",
        coords_lonlat=east_line(length_m),
        headways=(HeadwayPeriod(7 * 3600, 9 * 3600, 600),),
    )
    return replace(route, **changes)


def write_geojson(path: Path, *features: dict[str, Any], **top: Any) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", **top, "features": list(features)}),
        encoding="utf-8",
    )
    return path


def line_feature(name: str = "Crosstown", **props: Any) -> dict[str, Any]:
    coords = [[-51.235, -30.09], [-51.2146, -30.0849], [-51.1862, -30.0645], [-51.15, -30.07]]
    return {
        "type": "Feature",
        "properties": {"name": name, "headway_min": 10, **props},
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def stop_feature(route: str, lon: float, lat: float, name: str | None = None) -> dict[str, Any]:
    props = {"route": route} | ({"name": name} if name else {})
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


# --------------------------------------------------------------------------- #
# Loading valid proposals
# --------------------------------------------------------------------------- #


def test_defaults(tmp_path: Path) -> None:
    proposal = load_proposal(write_geojson(tmp_path / "minimal.geojson", line_feature()))
    assert proposal.name == "minimal"
    assert proposal.source == tmp_path / "minimal.geojson"
    assert proposal.modifications == ()
    (route,) = proposal.routes
    assert route.name == "Crosstown"
    assert route.feature_index == 0
    assert route.headways == (HeadwayPeriod(6 * 3600, 23 * 3600, 600),)
    assert route.speed_kmh == DEFAULT_SPEED_KMH == 18.0
    assert route.dwell_s == DEFAULT_DWELL_S == 20.0
    assert route.stop_spacing_m == DEFAULT_STOP_SPACING_M == 400.0
    assert route.bidirectional is True
    assert route.days == frozenset(
        {Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI}
    )
    assert route.route_type == 3
    assert route.stops is None
    assert route.coords_lonlat[0] == (-51.235, -30.09)


def test_all_properties(tmp_path: Path) -> None:
    feature = line_feature(
        headway_min=7.5,
        start="05:30",
        end="25:10",
        speed_kmh=22,
        dwell_s=0,
        stop_spacing_m=300,
        bidirectional=False,
        days=["Sat", "sunday"],
        route_type=700,
        stroke="#ff0000",  # geojson.io styling is accepted and ignored
    )
    (route,) = load_proposal(write_geojson(tmp_path / "p.geojson", feature)).routes
    assert route.headways == (HeadwayPeriod(5 * 3600 + 1800, 25 * 3600 + 600, 450),)
    assert (route.speed_kmh, route.dwell_s, route.stop_spacing_m) == (22.0, 0.0, 300.0)
    assert route.bidirectional is False
    assert route.days == {Weekday.SAT, Weekday.SUN}
    assert route.route_type == 700


@pytest.mark.parametrize(
    ("days", "expected"),
    [("daily", set(Weekday)), ("weekends", {Weekday.SAT, Weekday.SUN}), (["MON"], {Weekday.MON})],
)
def test_days(tmp_path: Path, days: object, expected: set[Weekday]) -> None:
    path = write_geojson(tmp_path / "p.geojson", line_feature(days=days))
    assert load_proposal(path).routes[0].days == expected


def test_headway_periods_define_the_span(tmp_path: Path) -> None:
    feature = line_feature(headway_min={"14:00-18:00": 12, "11:00-14:00": 10, "22:00-25:00": 30})
    (route,) = load_proposal(write_geojson(tmp_path / "p.geojson", feature)).routes
    assert route.headways == (
        HeadwayPeriod(11 * 3600, 14 * 3600, 600),
        HeadwayPeriod(14 * 3600, 18 * 3600, 720),
        HeadwayPeriod(22 * 3600, 25 * 3600, 1800),
    )
    assert (route.span_start_s, route.span_end_s, route.min_headway_s) == (39600, 90000, 600)


def test_start_end_with_periods_warns(tmp_path: Path) -> None:
    feature = line_feature(headway_min={"07:00-09:00": 10}, start="05:00")
    with pytest.warns(RoutesWarning, match=r"feature 0 \('Crosstown'\).*'start'/'end' are ignored"):
        (route,) = load_proposal(write_geojson(tmp_path / "p.geojson", feature)).routes
    assert route.headways == (HeadwayPeriod(7 * 3600, 9 * 3600, 600),)


def test_crs84_member_accepted(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path = write_geojson(tmp_path / "p.geojson", line_feature(), crs=crs)
    assert len(load_proposal(path).routes) == 1


def test_explicit_stops_are_ordered_along_the_line(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "p.geojson",
        stop_feature("Crosstown", -51.15, -30.0701, "East end"),
        line_feature(),
        stop_feature("Crosstown", -51.2146, -30.0850, "Nonoai"),
        stop_feature("Crosstown", -51.2350, -30.0901, "West end"),
    )
    (route,) = load_proposal(path).routes
    assert route.stops is not None
    assert [s.name for s in route.stops] == ["West end", "Nonoai", "East end"]
    assert [s.feature_index for s in route.stops] == [3, 2, 0]
    stops = compute_route_stops(route)
    assert [s.name for s in stops] == ["West end", "Nonoai", "East end"]
    assert stops[0].distance_m < 15  # drawn 11 m north of the start
    assert stops[-1].distance_m == pytest.approx(compute_route_length_m(route), abs=15)
    assert (stops[1].lon, stops[1].lat) == (-51.2146, -30.0850)  # kept as drawn


def test_modifications(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "p.geojson",
        {
            "type": "Feature",
            "geometry": None,
            "properties": {"type": "remove_route", "gtfs_route_id": "poa_eptc:T12"},
        },
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "type": "Change_Headway",
                "gtfs_route_id": "poa_eptc:260",
                "headway_min": 20,
            },
        },
    )
    proposal = load_proposal(path)
    assert proposal.routes == ()
    remove, change = proposal.modifications
    assert (remove.kind, remove.gtfs_route_id, remove.headway_s) == (
        ModificationKind.REMOVE_ROUTE,
        "poa_eptc:T12",
        None,
    )
    assert (change.kind, change.gtfs_route_id, change.headway_s) == (
        ModificationKind.CHANGE_HEADWAY,
        "poa_eptc:260",
        1200,
    )
    assert change.feature_index == 1


@pytest.mark.parametrize("name", ["poa_crosstown", "poa_feeder"])
def test_porto_alegre_examples(name: str) -> None:
    proposal = load_proposal(EXAMPLES / f"{name}.geojson")
    assert proposal.name == name
    assert len(proposal.routes) == 1
    validate_against_network(proposal, POA_BBOX)
    validate_modifications(proposal, KNOWN_IDS)
    route = proposal.routes[0]
    assert 5_000 < compute_route_length_m(route) < 15_000


def test_crosstown_example_periods() -> None:
    (route,) = load_proposal(EXAMPLES / "poa_crosstown.geojson").routes
    assert route.headways == (
        HeadwayPeriod(11 * 3600, 14 * 3600, 600),
        HeadwayPeriod(14 * 3600, 18 * 3600, 720),
    )


def test_feeder_example_modification_names_a_real_route() -> None:
    routes_txt = shared_data_dir() / "poa" / "poa_eptc.zip"
    with zipfile.ZipFile(routes_txt) as zf, zf.open("routes.txt") as f:
        ids = pd.read_csv(f, dtype={"route_id": "string"})["route_id"]
    proposal = load_proposal(EXAMPLES / "poa_feeder.geojson")
    validate_modifications(proposal, [f"poa_eptc:{i}" for i in ids])
    assert proposal.routes[0].stops is not None and len(proposal.routes[0].stops) == 8


# --------------------------------------------------------------------------- #
# Invalid proposals: one file per defect, one line per problem
# --------------------------------------------------------------------------- #


def _load(path: Path) -> Proposal:
    return load_proposal(path)


def _far_outside(path: Path) -> None:
    validate_against_network(load_proposal(path), POA_BBOX)


def _unknown_gtfs(path: Path) -> None:
    validate_modifications(load_proposal(path), KNOWN_IDS)


BAD_CASES: list[tuple[str, str, Callable[[Path], object]]] = [
    ("wrong_geometry_polygon", r"feature 0 \('Ring road'\) geometry: 'Polygon' is neither", _load),
    ("crs_epsg27700", r"crs: 'urn:ogc:def:crs:EPSG::27700' is not WGS84.*reproject", _load),
    (
        "coordinates_projected_metres",
        r"feature 0 \('Blackburn crosstown'\) coordinates: .*projected metres",
        _load,
    ),
    ("headway_missing", r"feature 0 \('Crosstown'\) headway_min: missing", _load),
    ("headway_zero", r"feature 0 \('Crosstown'\) headway_min: .*positive .* got 0;", _load),
    ("headway_negative", r"feature 0 \('Crosstown'\) headway_min: .*positive .* got -10;", _load),
    ("periods_overlap", r"headway_min: periods '07:00-09:30' and '09:00-12:00' overlap", _load),
    (
        "period_unparseable",
        r"feature 0 \('Crosstown'\) headway_min\['7am-9am'\]: is not a period",
        _load,
    ),
    (
        "duplicate_route_name",
        r"feature 1 \('Crosstown'\) name: 'Crosstown' is already used by feature 0",
        _load,
    ),
    (
        "unknown_property",
        r"feature 0 \('Crosstown'\) speed_kph: unknown property .*'speed_kmh'.*allowed: ",
        _load,
    ),
    (
        "stop_for_unknown_route",
        r"feature 1 \('Nonoai'\) route: 'Crosstwon' is not .*'Crosstown'",
        _load,
    ),
    ("multilinestring", r"feature 0 \('Crosstown'\) geometry: MultiLineString .* split it", _load),
    (
        "not_a_featurecollection",
        r"type: expected a GeoJSON 'FeatureCollection', got 'Feature'",
        _load,
    ),
    ("invalid_json", r": not valid JSON \(.* line 32, column 3\)", _load),
    ("speed_out_of_range", r"feature 0 \('Crosstown'\) speed_kmh: .*\(3, 80\], got 120", _load),
    ("days_unknown", r"feature 0 \('Crosstown'\) days: 'weekday' .*did you mean 'weekdays'", _load),
    (
        "end_before_start",
        r"feature 0 \('Crosstown'\) end: '01:00' is not after start '22:00'",
        _load,
    ),
    (
        "stop_far_from_route",
        r"feature 2 \('Lomba'\) coordinates: stop is 1\d{3} m from route 'Crosstown'",
        _load,
    ),
    (
        "change_headway_missing_headway",
        r"feature 1 \('change_headway poa_eptc:T12'\) headway_min: missing",
        _load,
    ),
    (
        "bidirectional_not_boolean",
        r"feature 0 \('Crosstown'\) bidirectional: expected true or false, got 'yes'",
        _load,
    ),
    (
        "route_far_outside",
        r"feature 0 \('Thames crosstown'\) coordinates: 10 of 10 stops .* km outside",
        _far_outside,
    ),
    (
        "unknown_gtfs_route",
        r"feature 1 \('change_headway poa_eptc:T13'\) gtfs_route_id: .*'poa_eptc:T12'",
        _unknown_gtfs,
    ),
]


@pytest.mark.parametrize(("stem", "pattern", "action"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_proposal(stem: str, pattern: str, action: Callable[[Path], object]) -> None:
    path = BAD / f"{stem}.geojson"
    with pytest.raises(ProposalError, match=pattern) as info:
        action(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))


def test_every_bad_file_is_tested() -> None:
    assert sorted(p.stem for p in BAD.glob("*.geojson")) == sorted(c[0] for c in BAD_CASES)


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "many.geojson",
        line_feature(headway_min=0, speed_kmh=2),
        line_feature("Second", days="someday"),
        stop_feature("Nowhere", -51.2, -30.08, "Lost stop"),
    )
    with pytest.raises(ProposalError) as info:
        load_proposal(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "4 problems:"
    assert all(str(path) in line for line in lines[1:])
    fields = [re.search(r"\) (\S+):", line).group(1) for line in lines[1:]]  # type: ignore[union-attr]
    assert fields == ["headway_min", "speed_kmh", "days", "route"]


def test_empty_collection(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "empty.geojson")
    with pytest.raises(ProposalError, match=r"empty\.geojson: no routes or modifications; add"):
        load_proposal(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProposalError, match=r"nope\.geojson: file not found"):
        load_proposal(tmp_path / "nope.geojson")


def test_explicit_stop_needs_a_second_one(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "p.geojson", line_feature(), stop_feature("Crosstown", -51.235, -30.09)
    )
    with pytest.raises(ProposalError, match=r"feature 0 \('Crosstown'\) stops: has 1 stop feature"):
        load_proposal(path)


def test_network_check_passes_near_the_edge() -> None:
    route = hand_route()
    lon_min, lat_min = route.coords_lonlat[0]
    lon_max, _ = route.coords_lonlat[1]
    proposal = Proposal("edge", None, (route,))
    # The box stops 100 m short of the east end: within the default 500 m.
    validate_against_network(proposal, (lon_min, lat_min - 0.01, lon_max - 0.0015, lat_min + 0.01))
    with pytest.raises(ProposalError, match=r"edge route 'Hand line' coordinates: 1 of 11 stops"):
        validate_against_network(
            proposal, (lon_min, lat_min - 0.01, lon_max - 0.0015, lat_min + 0.01), max_outside_m=50
        )


# --------------------------------------------------------------------------- #
# Stops and running times (hand-derived)
# --------------------------------------------------------------------------- #


def test_hand_line_is_4km() -> None:
    assert compute_route_length_m(hand_route()) == pytest.approx(4000.0, abs=1e-6)


@pytest.mark.parametrize(
    ("length_m", "expected_m"),
    [
        (4000.0, [0, 400, 800, 1200, 1600, 2000, 2400, 2800, 3200, 3600, 4000]),
        # final gap 100 m < 200 m: merged, the stop at 4,000 m is dropped
        (4100.0, [0, 400, 800, 1200, 1600, 2000, 2400, 2800, 3200, 3600, 4100]),
        # final gap 300 m >= 200 m: kept
        (4300.0, [0, 400, 800, 1200, 1600, 2000, 2400, 2800, 3200, 3600, 4000, 4300]),
        (150.0, [0, 150]),
        (500.0, [0, 500]),
        (700.0, [0, 400, 700]),
    ],
)
def test_stop_spacing(length_m: float, expected_m: list[float]) -> None:
    stops = compute_route_stops(hand_route(length_m))
    assert [s.distance_m for s in stops] == pytest.approx(expected_m, abs=1e-6)


def test_stop_positions_lie_on_the_line() -> None:
    route = hand_route()
    stops = compute_route_stops(route)
    assert len(stops) == 11
    assert (stops[0].lon, stops[0].lat) == pytest.approx(route.coords_lonlat[0])
    assert (stops[-1].lon, stops[-1].lat) == pytest.approx(route.coords_lonlat[-1])
    x, _ = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32630", always_xy=True).transform(
        [s.lon for s in stops], [s.lat for s in stops]
    )
    np.testing.assert_allclose(np.asarray(x) - _X0, np.arange(0, 4001, 400), atol=1e-3)


def test_stop_offsets_hand_derived() -> None:
    route = hand_route()
    arrival, departure = compute_stop_offsets_s(route, compute_route_stops(route))
    # arrive at stop i after i x 80 s running + (i - 1) x 20 s dwell; leave 20 s later
    assert arrival.tolist() == [0, 80, 180, 280, 380, 480, 580, 680, 780, 880, 980]
    assert departure.tolist() == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 980]
    rev_arrival, _ = compute_stop_offsets_s(route, compute_route_stops(route), reverse=True)
    assert rev_arrival.tolist() == arrival.tolist()  # evenly spaced: same both ways


def test_reverse_offsets_follow_reverse_distances() -> None:
    route = hand_route(4100.0)  # last gap 500 m
    stops = compute_route_stops(route)
    forward, _ = compute_stop_offsets_s(route, stops)
    reverse, _ = compute_stop_offsets_s(route, stops, reverse=True)
    assert forward[1] == 80 and reverse[1] == 100  # 400 m vs 500 m at 5 m/s
    assert forward[-1] == reverse[-1] == 820 + 9 * 20


def test_departures() -> None:
    route = hand_route()
    departures = compute_departures_s(route)
    assert len(departures) == 12
    assert departures[0] == 7 * 3600 and departures[-1] == 8 * 3600 + 50 * 60
    periods = (HeadwayPeriod(0, 1000, 300), HeadwayPeriod(1000, 1500, 250))
    assert compute_departures_s(replace(route, headways=periods)).tolist() == [
        0,
        300,
        600,
        900,
        1000,
        1250,
    ]


# --------------------------------------------------------------------------- #
# GTFS export (routes.proposal.export)
# --------------------------------------------------------------------------- #


def hand_proposal(**changes: Any) -> Proposal:
    return Proposal("Hand test", None, (hand_route(**changes),))


def test_build_feed_hand_derived() -> None:
    tables = build_proposal_feed(hand_proposal())
    assert set(tables) == {"agency", "routes", "stops", "trips", "stop_times", "calendar"}
    route_id = "proposal_hand_test_hand_line"
    assert tables["routes"].to_dict("records") == [
        {
            "route_id": route_id,
            "agency_id": "proposal_hand_test",
            "route_short_name": "Hand line",
            "route_long_name": "Hand line (proposal Hand test)",
            "route_type": 3,
        }
    ]
    assert len(tables["stops"]) == 11
    assert tables["stops"]["stop_id"].iloc[0] == f"{route_id}_s001"
    trips = tables["trips"]
    assert len(trips) == 24
    assert trips.groupby("direction_id").size().to_dict() == {0: 12, 1: 12}
    st = tables["stop_times"].set_index("trip_id")
    assert len(st) == 24 * 11
    first = st.loc[f"{route_id}_d0_070000"]
    assert first["stop_id"].tolist() == [f"{route_id}_s{k:03d}" for k in range(1, 12)]
    assert first["arrival_time"].tolist()[:3] == ["07:00:00", "07:01:20", "07:03:00"]
    assert first["departure_time"].tolist()[:3] == ["07:00:00", "07:01:40", "07:03:20"]
    assert first["arrival_time"].iloc[-1] == first["departure_time"].iloc[-1] == "07:16:20"
    back = st.loc[f"{route_id}_d1_085000"]
    assert back["stop_id"].iloc[0] == f"{route_id}_s011"
    assert back["arrival_time"].iloc[-1] == "09:06:20"
    calendar = tables["calendar"].iloc[0]
    assert [calendar[d] for d in ("monday", "friday", "saturday", "sunday")] == [1, 1, 0, 0]
    assert (calendar["start_date"], calendar["end_date"]) == ("20000101", "20991231")
    assert tables["agency"]["agency_timezone"].iloc[0] == "Europe/London"


def test_build_feed_past_midnight_and_one_way() -> None:
    proposal = hand_proposal(
        headways=(HeadwayPeriod(23 * 3600 + 1800, 25 * 3600, 1800),),
        bidirectional=False,
        days=frozenset({Weekday.SAT}),
    )
    tables = build_proposal_feed(proposal, dt.date(2026, 3, 14), timezone="America/Sao_Paulo")
    assert tables["trips"]["trip_id"].str.rsplit("_", n=1).str[1].tolist() == [
        "233000",
        "240000",
        "243000",
    ]
    last = tables["stop_times"][tables["stop_times"]["trip_id"].str.endswith("243000")]
    assert last["arrival_time"].iloc[-1] == "24:46:20"
    assert (
        tables["calendar"]["start_date"].iloc[0]
        == tables["calendar"]["end_date"].iloc[0]
        == "20260314"
    )
    assert tables["calendar"]["saturday"].iloc[0] == 1


def test_route_ids_stay_unique_when_names_slug_alike() -> None:
    a, b = hand_route(name="Route A"), hand_route(name="route-a")
    tables = build_proposal_feed(Proposal("x", None, (a, b)))
    assert tables["routes"]["route_id"].tolist() == ["proposal_x_route_a", "proposal_x_route_a_2"]
    assert tables["trips"]["trip_id"].is_unique
    assert tables["stops"]["stop_id"].is_unique


def test_write_feed_round_trips_through_gtfs_kit(tmp_path: Path) -> None:
    out = write_proposal_feed(hand_proposal(), tmp_path / "out" / "feed.zip")
    assert out == tmp_path / "out" / "feed.zip"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    feed = gk.read_feed(out, dist_units="m")
    tables = build_proposal_feed(hand_proposal())
    for name in ("agency", "routes", "stops", "trips", "stop_times", "calendar"):
        pd.testing.assert_frame_equal(
            getattr(feed, name).reset_index(drop=True), tables[name], check_dtype=False
        )
    assert len(gk.get_trips(feed, "20260309")) == 24  # a Monday
    assert len(gk.get_trips(feed, "20260314")) == 0  # a Saturday


def test_write_feed_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "feed.zip"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match=r"feed\.zip: already exists.*overwrite=True"):
        write_proposal_feed(hand_proposal(), out)
    assert out.read_bytes() == b"keep me"
    write_proposal_feed(hand_proposal(), out, overwrite=True)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(
            f"{t}.txt" for t in ("agency", "routes", "stops", "calendar", "trips", "stop_times")
        )


def test_export_example_with_explicit_stops() -> None:
    proposal = load_proposal(EXAMPLES / "poa_feeder.geojson")
    tables = build_proposal_feed(proposal, timezone="America/Sao_Paulo")
    assert tables["stops"]["stop_name"].tolist()[0] == "Acesso Maraba"
    assert tables["stops"]["stop_name"].tolist()[-1] == "Ipiranga / PUCRS"
    assert len(tables["trips"]) == 2 * 28  # 11:00-18:00 every 15 min, both ways
    assert tables["trips"]["trip_headsign"].iloc[0] == "Ipiranga / PUCRS"
