"""Tests for routes.demo: the synthetic Demo Town study area written by ``routes demo``."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.demo.study_area import DemoFiles, write_demo_study_area
from routes.errors import GtfsError, OutputExistsError
from routes.inputs.points import load_layer
from routes.network.check import compute_data_report
from routes.proposal.load import load_proposal
from routes.proposal.model import ModificationKind
from routes.proposal.validate import validate_against_network
from routes.streets.osm import load_street_network
from routes.timetable.timetable import load_timetable

REPO = Path(__file__).resolve().parents[2]
DEMO_NAMES = (
    "routes.toml",
    "routes_fares.toml",
    "gtfs/demo_town.zip",
    "osm/demo_town.osm",
    "zones/neighbourhoods.geojson",
    "zones/workplaces.geojson",
    "zones/community_spaces.geojson",
    "examples/crosstown_link.geojson",
    "examples/hospital_shuttle.geojson",
    "examples/express_to_centre.geojson",
    "examples/route_6_withdrawn.geojson",
    "examples/hopper_ticket.geojson",
)
GROUPS = ["white_british", "asian", "black", "mixed", "other"]
REGENERATE = (
    "regenerate them with `routes demo --force .` (or "
    "write_demo_study_area(Path('.'), overwrite=True)) at the repository root and commit them"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_study_area(tmp_path_factory.mktemp("demo"))


def _relative(files: DemoFiles) -> list[str]:
    return [p.relative_to(files.folder).as_posix() for p in files.paths]


def test_writes_the_documented_files(demo: DemoFiles) -> None:
    assert _relative(demo) == list(DEMO_NAMES)
    assert all(p.is_file() for p in demo.paths)
    assert sum(p.stat().st_size for p in demo.paths) < 2_000_000


def test_output_is_byte_identical_on_every_run(tmp_path: Path, demo: DemoFiles) -> None:
    again = write_demo_study_area(tmp_path / "again")
    for first, second in zip(demo.paths, again.paths, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_refuses_to_overwrite_existing_files(tmp_path: Path) -> None:
    (tmp_path / "routes.toml").write_text("# mine\n")
    with pytest.raises(OutputExistsError, match=r"1 demo file\(s\) already exist \(routes.toml\)"):
        write_demo_study_area(tmp_path)
    assert (tmp_path / "routes.toml").read_text() == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["routes.toml"]  # nothing written


def test_overwrite_replaces_the_files(tmp_path: Path, demo: DemoFiles) -> None:
    files = write_demo_study_area(tmp_path)
    files.osm.write_text("<osm/>")
    with pytest.raises(OutputExistsError, match="overwrite them"):
        write_demo_study_area(tmp_path)
    write_demo_study_area(tmp_path, overwrite=True)
    assert files.osm.read_bytes() == demo.osm.read_bytes()
    assert not list(tmp_path.rglob("*.tmp"))


def test_study_area_passes_check(demo: DemoFiles, tmp_path: Path) -> None:
    study = load_study_area(demo.config)
    assert study.service_date == dt.date(2026, 3, 10)
    assert study.service_date.strftime("%A") == "Tuesday"
    # pytest turns warnings into errors, so this also asserts there are none.
    report = compute_data_report(study, cache=NetworkCache(tmp_path / "cache"))
    assert 1_500 <= report.n_nodes <= 4_000
    assert report.n_stops_served == report.n_stops_served_snapped > 100
    assert {layer.name: (layer.n_features, layer.n_snapped) for layer in report.layers} == {
        "zones": (30, 30),
        "jobs": (15, 15),
        "community_spaces": (25, 25),
    }
    stats = report.feed_stats.set_index("feed_name").loc["demo_town"]
    assert int(stats.n_routes) == 6
    assert 100 <= int(stats.n_trips) <= 1_000


def test_street_network(demo: DemoFiles) -> None:
    streets = load_street_network(demo.osm)
    assert 1_500 <= streets.n_nodes <= 4_000
    assert streets.crs == "EPSG:32630"
    text = demo.osm.read_text(encoding="utf-8")
    for tag in ('v="primary"', 'v="residential"', 'v="footway"', 'k="bridge"', 'v="river"'):
        assert tag in text
    assert "timestamp=" not in text and 'version="1"' not in text


@pytest.mark.parametrize(
    ("date", "low", "high"),
    [
        (dt.date(2026, 3, 10), 500, 800),  # Tuesday
        (dt.date(2026, 3, 14), 300, 500),  # Saturday: a lighter timetable
        (dt.date(2026, 4, 6), 300, 500),  # Easter Monday: the Saturday timetable
    ],
)
def test_timetable_by_day(demo: DemoFiles, date: dt.date, low: int, high: int) -> None:
    timetable = load_timetable([demo.gtfs], date)
    assert low <= timetable.n_trips <= high
    assert len(timetable.arrival_s) > 10 * timetable.n_trips
    assert timetable.departure_s.min() >= 6 * 3600
    assert timetable.arrival_s.max() < 24 * 3600


def test_no_sunday_service(demo: DemoFiles) -> None:
    with pytest.raises(GtfsError, match="no GTFS feed runs on 2026-03-15"):
        load_timetable([demo.gtfs], dt.date(2026, 3, 15))


def test_peak_headways_are_shorter(demo: DemoFiles) -> None:
    timetable = load_timetable([demo.gtfs], dt.date(2026, 3, 10))
    first = timetable.departure_s[timetable.trip_time_ptr[:-1]]
    route_1_out = [
        t
        for t, trip in zip(first, timetable.trip_ids, strict=True)
        if trip.startswith("demo_town:1-WD-O")
    ]
    peak = sum(7 * 3600 <= t < 9 * 3600 for t in route_1_out)
    evening = sum(20 * 3600 <= t < 22 * 3600 for t in route_1_out)
    assert peak == 12  # every 10 minutes
    assert evening == 2  # hourly


def test_neighbourhoods(demo: DemoFiles) -> None:
    zones = load_layer(demo.neighbourhoods, columns=("name", "pop", "imd_decile", *GROUPS))
    assert len(zones) == 30
    assert zones["id"].tolist() == [f"DT{k:03d}" for k in range(1, 31)]
    assert set(zones.geom_type) == {"Polygon"}
    assert zones["pop"].between(1_200, 2_500).all()
    assert (zones[GROUPS].sum(axis=1) == zones["pop"]).all()
    assert {1, 10} <= set(zones["imd_decile"])
    largest_share = zones[GROUPS].max(axis=1) / zones["pop"]
    assert (largest_share > 0.8).sum() >= 8
    # The most deprived neighbourhoods cluster east of the river, the least deprived west.
    lon = zones.geometry.representative_point().x
    assert lon[zones["imd_decile"] <= 2].min() > lon[zones["imd_decile"] >= 7].max()
    collection = json.loads(demo.neighbourhoods.read_text(encoding="utf-8"))
    assert "synthetic" in collection["name"]


def test_destinations(demo: DemoFiles) -> None:
    jobs = load_layer(demo.workplaces, columns=("name", "jobs"))
    spaces = load_layer(demo.community_spaces, columns=("name", "category"))
    assert len(jobs) == 15 and (jobs["jobs"] > 0).all()
    assert len(spaces) == 25
    assert set(spaces["category"]) == {
        "community_centre", "library", "place_of_worship", "sports_centre", "park",
    }  # fmt: skip
    # places of worship are in the file but not counted as shared by default
    study = load_study_area(demo.config)
    shared = [c for c in spaces["category"] if study.scoring.is_shared(c)]
    assert len(shared) == 18
    assert not study.scoring.is_shared("place_of_worship")


def test_proposals_load_and_lie_on_the_network(demo: DemoFiles) -> None:
    streets = load_street_network(demo.osm)
    bbox = (
        float(streets.node_lon.min()), float(streets.node_lat.min()),
        float(streets.node_lon.max()), float(streets.node_lat.max()),
    )  # fmt: skip
    names = {}
    for path in demo.proposals:
        proposal = load_proposal(path)
        validate_against_network(proposal, bbox, max_outside_m=0.0)
        names[path.stem] = [route.name for route in proposal.routes]
    assert names == {
        "crosstown_link": ["X1 Crosstown Link"],
        "hospital_shuttle": ["H1 Hospital Shuttle"],
        "express_to_centre": ["X4 Westbrook Express"],
        "route_6_withdrawn": [],
        "hopper_ticket": [],
    }
    [hopper] = load_proposal(demo.proposals[4]).fare_changes
    assert (hopper.operators, hopper.transfer_window_min, hopper.max_transfers) == (None, 60, -1)
    [cut] = load_proposal(demo.proposals[3]).modifications
    assert (cut.kind, cut.gtfs_route_id) == (ModificationKind.REMOVE_ROUTE, "demo_town:6")
    timetable = load_timetable([demo.gtfs], dt.date(2026, 3, 10))
    assert "demo_town:6" in set(timetable.route_ids)  # the route it cuts runs on the date
    shuttle = load_proposal(demo.proposals[1]).routes[0]
    assert shuttle.stops is not None and len(shuttle.stops) == 5


def _difference(committed: Path, regenerated: Path) -> str:
    if committed.suffix != ".zip":
        return "the contents differ"
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(regenerated) as b:
        members_a = {i.filename: a.read(i) for i in a.infolist()}
        members_b = {i.filename: b.read(i) for i in b.infolist()}
    if members_a == members_b:
        return "the zip members are equal but compress differently (another zlib?)"
    changed = sorted(k for k in members_a.keys() | members_b.keys()
                     if members_a.get(k) != members_b.get(k))  # fmt: skip
    return f"zip members differ: {', '.join(changed)}"


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_committed_demo_matches_the_generator(name: str, demo: DemoFiles) -> None:
    committed = REPO / name
    assert committed.is_file(), f"{committed} is missing; {REGENERATE}"
    regenerated = demo.folder / name
    if committed.read_bytes() != regenerated.read_bytes():
        pytest.fail(f"{committed} is stale: {_difference(committed, regenerated)}; {REGENERATE}")
