"""Loud failures for lost data (routes.network.coverage, routes.network.transit.check_stop_links).

The issue's cases on Demo Town (``routes demo``): every ``stop_lon`` shifted
by 1 degree (about 66 km east, far off the street extract), every zone moved
the same way, every workplace moved, and a ``max_trip_min`` so short that
nobody reaches a job. Each command that routes stops with exit 1 and one line
saying what was lost and what to do, writes nothing, and goes on with
``--allow-data-loss`` (the loss then a warning with counts). Small losses
stay warnings.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from cli import main
from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.demo.study_area import DemoFiles, write_demo_study_area
from routes.errors import DataLossError, RoutesWarning
from routes.evaluation.scenario import build_scenario
from routes.evaluation.study import compute_baseline, load_study
from routes.network.coverage import check_reach
from routes.network.transit import build_network, served_stops
from routes.proposal.load import load_proposal

ALLOW = "or pass --allow-data-loss (in Python: allow_data_loss=True) to go on with what is left"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_study_area(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module: the street network is parsed once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def town(demo: DemoFiles, tmp_path: Path) -> Path:
    folder = tmp_path / "town"
    shutil.copytree(demo.folder, folder)
    return folder


# --------------------------------------------------------------------------- breaking the town


def shift_stops(town: Path, dlon: float = 1.0, *, stop_ids: set[str] | None = None) -> None:
    """Add ``dlon`` degrees to ``stop_lon`` in gtfs/demo_town.zip (all stops, or those given)."""
    path = town / "gtfs" / "demo_town.zip"
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    rows = list(csv.DictReader(io.StringIO(members["stops.txt"].decode("utf-8-sig"))))
    for row in rows:
        if stop_ids is None or row["stop_id"] in stop_ids:
            row["stop_lon"] = f"{float(row['stop_lon']) + dlon:.6f}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    members["stops.txt"] = out.getvalue().encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _shift(coords: Any, dlon: float) -> Any:
    if isinstance(coords[0], int | float):
        return [coords[0] + dlon, *coords[1:]]
    return [_shift(c, dlon) for c in coords]


def move_features(town: Path, file: str, dlon: float = 1.0, *, first: int | None = None) -> None:
    """Move every feature of zones/<file> (or the first few) ``dlon`` degrees east."""
    path = town / "zones" / file
    data = json.loads(path.read_text())
    for feature in data["features"][:first]:
        feature["geometry"]["coordinates"] = _shift(feature["geometry"]["coordinates"], dlon)
    path.write_text(json.dumps(data))


def set_routing(town: Path, key: str, value: str) -> None:
    toml = town / "routes.toml"
    text = toml.read_text()
    lines = [f"{key} = {value}" if line.startswith(f"{key} =") else line
             for line in text.splitlines()]
    toml.write_text("\n".join(lines) + "\n")


def run(town: Path, cache_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(town / "routes.toml"), *args],
                              env={"ROUTES_CACHE_DIR": str(cache_dir)})


def files_of(folder: Path) -> list[str]:
    """Every file under ``folder`` (``compare`` makes an empty outputs/ before it routes)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def record(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Call, and return its result and the RoutesWarnings it gave, in order."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # urllib3 probes IPv6 with a socket on import, which pytest-socket refuses with a warning
        warnings.filterwarnings("error", message="A test tried to use socket")
        result = call()
    assert all(issubclass(w.category, RoutesWarning) for w in caught), [
        (w.category, str(w.message)) for w in caught]
    return result, [str(w.message) for w in caught]


#: Each command that routes, with arguments writing into the town folder.
COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "check": lambda t: ["check"],
    "matrix": lambda t: ["matrix", "--out", str(t / "m.csv")],
    "isochrones": lambda t: ["isochrones", "--zone", "DT001", "--out", str(t / "iso.geojson")],
    "access": lambda t: ["access"],
    "evaluate": lambda t: ["evaluate", str(t / "examples" / "crosstown_link.geojson")],
    "compare": lambda t: ["compare", str(t / "examples" / "crosstown_link.geojson"),
                          str(t / "examples" / "hospital_shuttle.geojson")],
}


def assert_refused(result: Result, town: Path, before: list[str], message: str) -> None:
    """Exit 1, the one-line message on stderr, nothing on stdout, nothing written."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"
    assert "Traceback" not in result.output
    assert files_of(town) == before


STOPS_LOST = (
    "GTFS feed 'demo_town' (demo_town.zip): none of the stops served on 2026-03-10 is within "
    "1,600 m of a street of demo_town.osm, so 641 of 641 trips are lost; check stop_lat and "
    "stop_lon in stops.txt (latitude and longitude in degrees) and that the OSM extract covers "
    f"the feed; {ALLOW}"
)


def zones_lost(what: str = "zones") -> str:
    return (
        f"30 of 30 {what} in neighbourhoods.geojson are more than 500 m from every street of the "
        "OSM extract (e.g. id 'DT001') and get no travel times; check their coordinates (WGS84 "
        f"longitude and latitude) or use an OSM extract that covers them; {ALLOW}"
    )


JOBS_LOST = (
    "15 of 15 points of destination layer 'jobs' in workplaces.geojson are more than 500 m from "
    "every street of the OSM extract (e.g. id 'W01') and get no travel times; check their "
    f"coordinates (WGS84 longitude and latitude) or use an OSM extract that covers them; {ALLOW}"
)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_stop_off_the_extract_stops_every_command(town: Path, cache_dir: Path,
                                                        command: str) -> None:
    shift_stops(town)
    before = files_of(town)
    assert_refused(run(town, cache_dir, *COMMANDS[command](town)), town, before, STOPS_LOST)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_zone_off_the_extract_stops_every_command(town: Path, cache_dir: Path,
                                                        command: str) -> None:
    move_features(town, "neighbourhoods.geojson")
    before = files_of(town)
    what = "origins" if command == "matrix" else "zones"
    assert_refused(run(town, cache_dir, *COMMANDS[command](town)), town, before, zones_lost(what))


@pytest.mark.slow
@pytest.mark.parametrize("command", ["check", "access", "evaluate"])
def test_every_workplace_off_the_extract_stops_the_run(town: Path, cache_dir: Path,
                                                       command: str) -> None:
    move_features(town, "workplaces.geojson")
    before = files_of(town)
    assert_refused(run(town, cache_dir, *COMMANDS[command](town)), town, before, JOBS_LOST)


@pytest.mark.slow
def test_results_all_zero_stop_the_run(town: Path, cache_dir: Path) -> None:
    """A 2-minute longest trip: every zone is on the streets, and none reaches a workplace."""
    for key in ("max_trip_min", "max_walk_min", "job_cutoff_min", "space_cutoff_min"):
        set_routing(town, key, "2")  # walks and cutoffs no longer than the longest trip
    before = files_of(town)
    assert_refused(run(town, cache_dir, "access"), town, before, (
        "30 of 30 zones on the street network reach no point of destination layer 'jobs' within "
        "2 min, so their results would all be zero; check [routing].max_trip_min, that the feeds "
        "run on [study_area].date and near the zones ('routes check' reports both), and that the "
        f"layer's points lie in the study area; {ALLOW}"))


@pytest.mark.slow
@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_allow_data_loss_goes_on_with_the_losses_as_warnings(town: Path, cache_dir: Path) -> None:
    shift_stops(town)
    result = run(town, cache_dir, "access", "--allow-data-loss")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{town / 'outputs' / 'access'}  (30 zones)\n"
    warned = result.stderr.splitlines()
    assert warned[0] == (
        "warning: GTFS feed 'demo_town' (demo_town.zip): none of the stops served on 2026-03-10 "
        "is within 1,600 m of a street of demo_town.osm, so 641 of 641 trips are lost (more than "
        "half: going on as --allow-data-loss asks); check stop_lat and stop_lon in stops.txt "
        "(latitude and longitude in degrees) and that the OSM extract covers the feed")
    assert warned[1].startswith("warning: 118 of 118 served stops are more than 1,600 m from the "
                                "street network of demo_town.osm and are left out (641 of 641 "
                                "trips on 2026-03-10 keep fewer than two stops")
    assert len(warned) == 2


@pytest.mark.slow
@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_allow_data_loss_with_every_zone_off_the_extract(town: Path, cache_dir: Path) -> None:
    move_features(town, "neighbourhoods.geojson")
    result = run(town, cache_dir, "evaluate", "--allow-data-loss",
                 str(town / "examples" / "crosstown_link.geojson"))
    assert result.exit_code == 0, result.output
    assert "(more than half: going on as --allow-data-loss asks)" in result.stderr
    assert "30 of 30 zones in neighbourhoods.geojson" in result.stderr
    scorecard = json.loads((town / "outputs" / "crosstown_link" / "scorecard.json").read_text())
    assert scorecard["proposal"] == "crosstown_link"


@pytest.mark.slow
@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_a_few_zones_off_the_extract_are_a_warning(town: Path, cache_dir: Path) -> None:
    move_features(town, "neighbourhoods.geojson", first=3)
    result = run(town, cache_dir, "access")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: 3 of 30 zones in neighbourhoods.geojson are more than 500 m from every street "
        "of the OSM extract (e.g. id 'DT001') and get no travel times; check their coordinates "
        "(WGS84 longitude and latitude) or use an OSM extract that covers them\n")


@pytest.mark.slow
def test_a_few_stops_off_the_extract_are_a_warning(town: Path, cache_dir: Path) -> None:
    study = load_study_area(town / "routes.toml")
    cache = NetworkCache(cache_dir)
    timetable = build_network(study, cache=cache).timetable
    served = timetable.stop_ids[served_stops(timetable)]
    shift_stops(town, stop_ids={s.split(":", 1)[1] for s in served[:5]})
    _, warned = record(lambda: build_network(study, cache=cache))
    assert warned == [
        "5 of 118 served stops are more than 1,600 m from the street network of demo_town.osm "
        "and are left out (0 of 641 trips on 2026-03-10 keep fewer than two stops and cannot be "
        "used); extend the OSM extract to cover the feeds if they matter"]


# --------------------------------------------------------------------------- the library


@pytest.mark.slow
def test_library_raises_and_the_keyword_goes_on(town: Path, cache_dir: Path) -> None:
    shift_stops(town)
    study = load_study_area(town / "routes.toml")
    cache = NetworkCache(cache_dir)
    with pytest.raises(DataLossError, match="641 of 641 trips are lost"):
        build_network(study, cache=cache)
    network, warned = record(lambda: build_network(study, cache=cache, allow_data_loss=True))
    assert network.allow_data_loss
    assert len(warned) == 2 and "641 of 641 trips are lost (more than half" in warned[0]
    # a scenario inherits the choice: its network is as lost, and goes on with warnings
    proposal = load_proposal(town / "examples" / "crosstown_link.geojson")
    scenario, warned = record(lambda: build_scenario(study, network, proposal))
    assert scenario.network.allow_data_loss
    assert "641 of 751 trips are lost (more than half" in warned[0]


@pytest.mark.slow
def test_library_zone_loss_raises_in_compute_access(town: Path, cache_dir: Path) -> None:
    cache = NetworkCache(cache_dir)
    intact = compute_baseline(load_study(load_study_area(town / "routes.toml"),
                                         cache=cache)).access.zones
    move_features(town, "neighbourhoods.geojson", first=16)  # 16 of 30: more than half
    study = load_study_area(town / "routes.toml")
    inputs = load_study(study, cache=cache)
    with pytest.raises(DataLossError, match=r"^16 of 30 zones in neighbourhoods\.geojson"):
        compute_baseline(inputs)
    allowed = load_study(study, cache=cache, allow_data_loss=True)
    result, warned = record(lambda: compute_baseline(allowed))
    assert warned == [
        "16 of 30 zones in neighbourhoods.geojson are more than 500 m from every street of the "
        "OSM extract (e.g. id 'DT001') and get no travel times (more than half: going on as "
        "--allow-data-loss asks); check their coordinates (WGS84 longitude and latitude) or use "
        "an OSM extract that covers them"]
    jobs = result.access.zones["jobs_within_45min"]
    assert jobs.iloc[:16].eq(0).all() and intact["jobs_within_45min"].iloc[:16].gt(0).any()
    assert jobs.iloc[16:].equals(intact["jobs_within_45min"].iloc[16:])  # the others unchanged


def test_reach_check_counts_zones_that_reach_nothing() -> None:
    """Zones 0-2 are on the streets; zone 3 is not (reported elsewhere) and is not counted."""
    nan = np.nan
    minutes = np.array([[5.0, nan], [nan, nan], [nan, nan], [nan, nan]])
    on_streets = np.array([True, True, True, False])
    with pytest.raises(DataLossError, match=r"^2 of 3 zones on the street network reach no "
                                            r"point of layer 'x' within 60 min"):
        check_reach(minutes, on_streets, what="layer 'x'", max_trip_min=60,
                    allow_data_loss=False)
    minutes[1, 1] = 12.0  # now 1 of 3: a result, not a loss
    assert check_reach(minutes, on_streets, what="layer 'x'", max_trip_min=60,
                       allow_data_loss=False) == 1


# --------------------------------------------------------------------------- a feed off the map


def write_two_feed_study(folder: Path, far_trips: int) -> Path:
    """tests/_study.py's area (one trip, T1) plus a feed 'far' 1 degree east with ``far_trips``."""
    from _feeds import stop_times as rows_of
    from _feeds import write_feed
    from _study import study_feed_tables, write_study_area

    toml = write_study_area(folder)
    tables = study_feed_tables()
    tables["stops"] = [{**s, "stop_lon": f"{float(str(s['stop_lon'])) + 1:.7f}"}
                       for s in tables["stops"]]  # type: ignore[union-attr]
    trips = [f"F{i}" for i in range(far_trips)]
    tables["trips"] = [{"route_id": "R1", "service_id": "WK", "trip_id": t} for t in trips]
    tables["stop_times"] = [r for i, t in enumerate(trips) for r in rows_of(
        t, [(f"09:{i:02d}:00",) * 2, None, None, (f"09:{12 + i:02d}:00",) * 2])]
    write_feed(folder / "far.zip", **tables)
    toml.write_text(toml.read_text().replace("gtfs = ['feed.zip']",
                                             "gtfs = ['feed.zip', 'far.zip']"))
    return toml


def test_a_small_feed_off_the_map_is_a_warning(tmp_path: Path) -> None:
    study = load_study_area(write_two_feed_study(tmp_path / "study", far_trips=1))
    network, warned = record(lambda: build_network(study, cache=NetworkCache(tmp_path / "c")))
    far = tmp_path / "study" / "far.zip"
    assert warned == [
        f"GTFS feed 'far' ({far.name}): none of the stops served on 2019-05-13 is within 1,600 m "
        "of a street of grid.osm, so 1 of 2 trips are lost; check stop_lat and stop_lon in "
        "stops.txt (latitude and longitude in degrees) and that the OSM extract covers the feed",
        "4 of 8 served stops are more than 1,600 m from the street network of grid.osm and are "
        "left out (1 of 2 trips on 2019-05-13 keep fewer than two stops and cannot be used); "
        "extend the OSM extract to cover the feeds if they matter",
    ]
    assert network.timetable.n_trips == 2


def test_a_feed_off_the_map_with_most_trips_stops_the_run(tmp_path: Path) -> None:
    study = load_study_area(write_two_feed_study(tmp_path / "study", far_trips=2))
    with pytest.raises(DataLossError, match=r"^GTFS feed 'far' \(far\.zip\): .* so 2 of 3 trips "
                                            r"are lost; .*--allow-data-loss"):
        build_network(study, cache=NetworkCache(tmp_path / "c"))
