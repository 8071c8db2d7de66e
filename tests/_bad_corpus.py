"""The bad-input corpus of ``routes``: one case per bad input, parameter, proposal or fault.

Every case runs one command in a copy of the tiny study area of ``tests/_study.py``
(with a jobs layer, so ``evaluate`` runs) whose ``outputs/earlier/`` holds a
finished run. ``tests/test_cli_bad_inputs.py`` checks each case: the exit code,
a short message holding the case's fragments (the file, row or field, and the
fix), no traceback, and that nothing in the study folder changed: no partial or
stray output, the earlier run intact byte for byte.

Classes (``Case.kind``):

- ``input``: a bad study-area file (GTFS feed, OSM extract, zones, routes.toml)
  from ``tests/data/bad``;
- ``parameter``: a ``[routing]``/``[scoring]`` value outside physical bounds;
- ``proposal``: a bad proposal (``tests/data/bad_proposals``, ``tests/data/bad``
  ``proposal_*`` files, and two made on the fly: too large, too many vertices);
- ``run-folder``: outputs that would be lost or clash (existing runs, ``--force``
  on what is not a run folder, names that cannot name a folder, two proposals
  sharing a folder, a later proposal that is invalid);
- ``os-fault``: the disk or the system refusing (full, read-only, no permission,
  busy, names too long, out of memory), simulated by raising the ``OSError`` the
  system would raise, or for real (a name too long);
- ``usage``: bad usage, exit 2 (unknown zone ids, missing files...).
"""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
BAD_PROPOSALS = DATA / "bad_proposals"

Setup = Callable[[Path, pytest.MonkeyPatch], None]

DESTINATIONS_TOML = '\n[[destinations]]\nname = "jobs"\nfile = "zones.csv"\nweight = "population"\n'


@dataclass(frozen=True)
class Case:
    """One bad-input case.

    Attributes
    ----------
    name
        The test id.
    kind
        Its class (see the module docstring).
    args
        The command after ``--config``; ``{study}`` is the study folder.
    fragments
        Texts the message must hold (``{study}`` replaced too).
    code
        Expected exit code.
    config
        The routes.toml to use, in the study folder.
    setup
        Prepares the study folder (and patches) before the command runs.
    problems
        How many problems the message lists (more than one: one line each).
    """

    name: str
    kind: str
    args: tuple[str, ...]
    fragments: tuple[str, ...]
    code: int = 1
    config: str = "routes.toml"
    setup: Setup | None = None
    problems: int = 1


# --------------------------------------------------------------------------- setups


def _copy_bad(name: str, *, role: str | None = None) -> Setup:
    """Copy a bad file into the study; point routes.toml at it for a study-area ``role``."""

    def setup(study: Path, _: pytest.MonkeyPatch) -> None:
        shutil.copy(BAD / name, study / name)
        if role is not None:
            from _study import routes_toml

            text = routes_toml(**{role: name}) + DESTINATIONS_TOML
            (study / "routes.toml").write_text(text, encoding="utf-8")

    return setup


def _folders_for_toml(study: Path) -> None:
    """The folders the ``*_is_a_folder`` routes.toml files point at, with the real files inside."""
    (study / "osm").mkdir(exist_ok=True)
    shutil.copy(study / "grid.osm", study / "osm" / "grid.osm")
    (study / "zones").mkdir(exist_ok=True)
    shutil.copy(study / "zones.csv", study / "zones" / "zones.csv")


def _toml_case(name: str) -> Setup:
    def setup(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _copy_bad(name)(study, monkeypatch)
        if "is_a_folder" in name:
            _folders_for_toml(study)

    return setup


def _copy_proposal(source: Path, target: str | None = None) -> Setup:
    def setup(study: Path, _: pytest.MonkeyPatch) -> None:
        shutil.copy(source, study / (target or source.name))

    return setup


def _steps(*setups: Setup) -> Setup:
    def setup(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        for step in setups:
            step(study, monkeypatch)

    return setup


def _good_copy(target: str) -> Setup:
    """A copy of the valid proposal ``good.geojson`` under another (relative) name."""

    def setup(study: Path, _: pytest.MonkeyPatch) -> None:
        (study / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(study / "good.geojson", study / target)

    return setup


def _earlier_run_as(target: str) -> Setup:
    """A copy of the finished run ``outputs/earlier`` at ``target`` (e.g. outputs/access)."""

    def setup(study: Path, _: pytest.MonkeyPatch) -> None:
        shutil.copytree(study / "outputs" / "earlier", study / target)

    return setup


def _too_many_vertices(study: Path, _: pytest.MonkeyPatch) -> None:
    from _osm import lonlat

    n = 100_001  # one more than a proposal may have, zigzagging on the lattice's first street
    coords = [[round(v, 7) for v in lonlat(100.0 * (i % 2), 0.0)] for i in range(n)]
    feature = {"type": "Feature", "properties": {"name": "Zigzag", "headway_min": 10},
               "geometry": {"type": "LineString", "coordinates": coords}}
    (study / "zigzag.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")


def _too_large(study: Path, _: pytest.MonkeyPatch) -> None:
    with (study / "huge.geojson").open("wb") as f:
        f.truncate(21_000_000)  # sparse: 21 MB on paper, nothing on disk


def _symlinked_earlier(study: Path, _: pytest.MonkeyPatch) -> None:
    """outputs/linked is a link to the earlier run: --force must not follow it."""
    shutil.copy(study / "good.geojson", study / "linked.geojson")
    (study / "outputs" / "linked").symlink_to(study / "outputs" / "earlier")


def _os_error(code: int, *, at: str, when: Callable[..., bool] = lambda *a, **k: True,
              file_from: Callable[..., str | None] = lambda *a, **k: None) -> Setup:
    """Make ``module:function`` raise the OSError ``code`` when ``when(*args)`` holds."""
    import os

    def setup(_: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        owner, name = _resolve(at)
        real = getattr(owner, name)

        def failing(*args: Any, **kwargs: Any) -> Any:
            if when(*args, **kwargs):
                raise OSError(code, os.strerror(code), file_from(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, failing)

    return setup


def _resolve(at: str) -> tuple[Any, str]:
    """``"module:Class.attr"`` -> (the object holding ``attr``, ``"attr"``)."""
    import importlib

    module_name, dotted = at.split(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = dotted.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _memory_error(at: str) -> Setup:

    def setup(_: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        def failing(*args: Any, **kwargs: Any) -> Any:
            raise MemoryError

        monkeypatch.setattr(*_resolve(at), failing)

    return setup


def _is_exchange(source: Any, target: Any, flags: int) -> bool:
    return flags == 2  # RENAME_EXCHANGE: --force swapping the old run out


def _scorecard_json(data: Any, path: Path) -> bool:
    return Path(path).name == "scorecard.json"


def _path_arg(data: Any, path: Path) -> str:
    return str(path)


# --------------------------------------------------------------------------- the cases

#: ``(file, what is wrong, what to do)`` of the study-area files of tests/data/bad.
INPUT_FILES: list[tuple[str, str, str]] = [
    # --- GTFS feeds (the study area's gtfs)
    ("feed_broken.zip", "is not a zip archive (or the zip is damaged)", "download the feed again"),
    ("feed_not_a_zip.zip", "is not a zip archive", "download the feed again"),
    ("feed_corrupt_member.zip", "stop_times.txt cannot be read (BadZipFile",
     "fix or re-export the feed"),
    ("feed_missing_stop_times.zip", "stop_times.txt is missing or has no rows",
     "fix or re-export the feed"),
    ("feed_missing_calendar.zip", "calendar.txt and calendar_dates.txt are both missing",
     "fix or re-export the feed"),
    ("feed_stop_times_without_stop_sequence.zip", "stop_times.txt has no column 'stop_sequence'",
     "fix or re-export the feed"),
    ("feed_time_not_hhmmss.zip", "stop_times.txt row 4: departure_time '25:6:00' is not HH:MM:SS",
     "fix the feed or pass --allow-feed-errors to drop the trip"),
    ("feed_calendar_without_date.zip",
     "has no service on 2019-05-13; it runs 2019-06-01 to 2019-06-30",
     "choose another [study_area].date"),
    ("feed_calendar_bad_date.zip", "calendar.txt row 1: start_date '2019-05-01'",
     "fix the feed or pass --allow-feed-errors to ignore the row"),
    ("feed_unknown_stop.zip", "stop_times.txt row 2: stop_id 'Z' is not in stops.txt",
     "pass --allow-feed-errors to drop the trip"),
    ("feed_trip_unknown_route.zip", "trips.txt row 1: route_id 'R9' is not in routes.txt",
     "pass --allow-feed-errors to drop the trip"),
    ("feed_duplicate_stop_id.zip", "stops.txt row 5: stop_id 'A' is empty or repeats",
     "pass --allow-feed-errors to keep only the first row"),
    # --- OSM extracts (the study area's osm)
    ("osm_not_osm.osm.pbf", "cannot be read as OpenStreetMap data",
     "re-download it or re-export it with osmium"),
    ("osm_zip_named_pbf.osm.pbf", "is a ZIP archive, not an OSM extract",
     "unzip it and use the .osm.pbf inside"),
    ("osm_gzip_named_osm.osm", "is gzip-compressed", "name it .osm.gz"),
    ("osm_truncated.osm", "cannot be read as OpenStreetMap data", "complete OSM extract"),
    ("osm_no_highways.osm", "no walkable highway=* ways were found",
     "use an extract that covers the study area's streets"),
    ("osm_wrong_extension.xml", "unsupported OSM file extension",
     "convert other formats with `osmium cat IN -o OUT.osm.pbf`"),
    # --- routes.toml itself
    ("routes_not_toml.toml", "not valid TOML", "fix the syntax"),
    ("routes_unknown_key.toml", "[routing].max_walk: unknown key",
     "allowed keys are departure_window, percentile"),
    ("routes_unknown_section.toml", "[scenario]: unknown key", "allowed keys are study_area"),
    ("routes_missing_osm.toml", "[study_area].osm: OSM extract 'missing.osm.pbf' does not exist",
     "fix the path"),
    ("routes_gtfs_matches_nothing.toml", "[study_area].gtfs: 'gtfs/*.zip' matches no file",
     "fix the path or add the feed"),
    ("routes_bad_date.toml", "[study_area].date",
     "expected a date like 2026-03-10, got '2019-13-45'"),
    ("routes_missing_date.toml", "[study_area].date: missing", "give the service date"),
    ("routes_osm_is_a_folder.toml", "[study_area].osm: 'osm' is a folder, not a file (it holds "
     "'osm/grid.osm')", "give the path of the OSM extract itself"),
    ("routes_zones_is_a_folder.toml", "[zones].file: 'zones' is a folder, not a file (it holds "
     "'zones/zones.csv')", "give the path of the zones file itself"),
    # --- zones
    ("zones_duplicate_ids.geojson", "'id' is not unique (1 repeated, e.g. 'z1')",
     "make the IDs unique"),
    ("zones_without_crs.gpkg", "declares no coordinate reference system",
     "set one (for example with ogr2ogr -a_srs"),
    ("zones_missing_id_column.geojson", "no column 'id' (columns: 'code')",
     "add the column, or name the right one in routes.toml"),
    ("zones_csv_without_lon_lat.csv", "no 'lon' or 'lat' column",
     "needs WGS84 'lon' and 'lat' columns"),
    ("zones_csv_bad_coordinates.csv", "row 2: lon/lat (200.5, 0.0109044) is not a WGS84 coordinate",
     "give longitude and latitude in degrees"),
    ("zones_csv_empty_id.csv", "row 2: empty 'id'", "give every feature an ID"),
    ("zones_empty_geometry.geojson", "feature 1: no geometry", "remove them or add coordinates"),
    ("zones_not_geojson.geojson", "not a readable GeoJSON/GeoPackage file",
     "fix it or export it again"),
    ("zones_unsupported_type.txt", "unsupported file type '.txt'",
     "use GeoJSON, GeoPackage or CSV"),
]

_MIN = "a number of minutes above 0 and at most"
#: ``(file, what is wrong, what to do)`` of the routes.toml files with bad parameters.
PARAMETER_FILES: list[tuple[str, str, str]] = [
    ("routes_wrong_type.toml", "[routing].max_walk_min",
     f"expected {_MIN} 120 (the longest walk to or from a stop; 15 is typical), got 'fifteen'"),
    ("routes_bad_window.toml", "[routing].departure_window: '09:00-07:00' ends before it starts",
     "write it like '07:00-09:00'"),
    ("routes_bad_percentile.toml", "[routing].percentile",
     "expected whole numbers from 1 to 99, got 150"),
    ("routes_walk_speed_absurd.toml", "[routing].walk_speed_kmh",
     "expected a number of km/h from 1 to 10 (a walking pace; 4.8 is typical), got 1000000.0"),
    ("routes_walk_speed_nan.toml", "[routing].walk_speed_kmh",
     "expected a number of km/h from 1 to 10 (a walking pace; 4.8 is typical), got nan"),
    ("routes_max_walk_zero.toml", "[routing].max_walk_min", f"expected {_MIN} 120"),
    ("routes_max_walk_ten_hours.toml", "[routing].max_walk_min", f"expected {_MIN} 120 (the "
     "longest walk to or from a stop; 15 is typical), got 600"),
    ("routes_max_trip_too_long.toml", "[routing].max_trip_min", f"expected {_MIN} 1440 (the "
     "longest journey, at most a day; 120 is typical), got 100000"),
    ("routes_max_rides_fraction.toml", "[routing].max_rides",
     "expected a whole number of rides from 1 to 10 (vehicles boarded in one journey; 3 is "
     "typical), got 2.5"),
    ("routes_max_rides_absurd.toml", "[routing].max_rides",
     "expected a whole number of rides from 1 to 10", ),
    ("routes_max_snap_negative.toml", "[routing].max_snap_m",
     "expected a number of metres above 0 and at most 5000 (how far a zone or destination may "
     "lie from a street; 500 is typical), got -5"),
    ("routes_transfer_walk_hours.toml", "[routing].max_transfer_walk_min",
     f"expected {_MIN} 60 (the longest walk between two rides; 10 is typical), got 120"),
    ("routes_window_past_48h.toml", "[routing].departure_window: '47:00-49:00' ends after 48:00",
     "write it like '07:00-09:00' (or '23:00-25:00' past midnight)"),
    ("routes_window_longer_than_a_day.toml",
     "[routing].departure_window: '00:00-30:00' is longer than a day",
     "give at most 24 hours"),
    ("routes_percentile_zero.toml", "[routing].percentile",
     "expected whole numbers from 1 to 99, got [0, 50]"),
    ("routes_cutoff_beyond_max_trip.toml",
     "[scoring].job_cutoff_min: 90 minutes is longer than [routing].max_trip_min (60)",
     "lower the cutoff or raise max_trip_min"),
    ("routes_half_life_infinite.toml", "[scoring].decay_half_life_min",
     f"expected {_MIN} 600 (the half-life of the decay weighting; 20 is typical), got inf"),
    ("routes_space_cutoff_text.toml", "[scoring].space_cutoff_min",
     f"expected {_MIN} 1440 (a travel-time cutoff; 30 is typical), got 'thirty'"),
]

#: The bad proposals of tests/data/bad_proposals (shared with test_proposal.py): fragments.
OLD_PROPOSALS: dict[str, tuple[str, ...]] = {
    "bidirectional_not_boolean": ("feature 0 ('Crosstown') bidirectional:", "got 'yes'",
                                  "use a JSON boolean without quotes"),
    "change_headway_missing_headway": ("feature 1 ('change_headway poa_eptc:T12') headway_min:",
                                       "missing", "give the new minutes between departures"),
    "coordinates_projected_metres": ("feature 0 ('Blackburn crosstown') coordinates:",
                                     "reproject to WGS84"),
    "crs_epsg27700": ("crs: 'urn:ogc:def:crs:EPSG::27700' is not WGS84",
                      "ogr2ogr -t_srs EPSG:4326"),
    "days_unknown": ("feature 0 ('Crosstown') days: 'weekday'", "did you mean 'weekdays'"),
    "duplicate_route_name": ("feature 1 ('Crosstown') name:", "already used by feature 0",
                             "give each route a unique name"),
    "end_before_start": ("feature 0 ('Crosstown') end: '01:00' is not after start '22:00'",
                         "write e.g. '25:30'"),
    "headway_missing": ("feature 0 ('Crosstown') headway_min: missing",
                        "give the minutes between departures"),
    "headway_negative": ("feature 0 ('Crosstown') headway_min:", "got -10",
                         "give the minutes between departures"),
    "headway_zero": ("feature 0 ('Crosstown') headway_min:", "got 0;"),
    "invalid_json": ("not valid JSON", "line 32, column 3", "fix the syntax"),
    "multilinestring": ("feature 0 ('Crosstown') geometry: MultiLineString",
                        "split it into one LineString feature per route"),
    "not_a_featurecollection": ("type: expected a GeoJSON 'FeatureCollection', got 'Feature'",
                                "put the routes in a FeatureCollection"),
    "period_unparseable": ("feature 0 ('Crosstown') headway_min['7am-9am']: is not a period",
                           "write periods like '07:00-09:30'"),
    "periods_overlap": ("feature 0 ('Crosstown') headway_min:", "'07:00-09:30' and '09:00-12:00'",
                        "make each period end at or before the next one starts"),
    "speed_out_of_range": ("feature 0 ('Crosstown') speed_kmh:", "got 120",
                           "give the average running speed"),
    "stop_far_from_route": ("feature 2 ('Lomba') coordinates: stop is", "from route 'Crosstown'",
                            "move it onto the route"),
    "stop_for_unknown_route": ("feature 1 ('Nonoai') route: 'Crosstwon'", "'Crosstown'",
                               "set it to a route's exact name"),
    "unknown_property": ("feature 0 ('Crosstown') speed_kph: unknown property",
                         "did you mean 'speed_kmh'"),
    "wrong_geometry_polygon": ("feature 0 ('Ring road') geometry: 'Polygon'",
                               "draw a route as a LineString"),
    "route_far_outside": ("feature 0 ('Thames crosstown') coordinates: 10 of 10 stops",
                          "km outside the street network (lon 0.5..0.50",
                          "move the route into the study area or use an OSM extract that "
                          "covers it"),
}

#: The proposal_* files of tests/data/bad (drawn on the tiny study's lattice): fragments.
NEW_PROPOSALS: dict[str, tuple[str, ...]] = {
    "proposal_days_not_on_date.geojson": (
        "proposal_days_not_on_date.geojson feature 0 ('Grid') days: 'weekends' does not "
        "include Monday, the study date 2019-05-13",
        "add 'mon' to its days, or choose a [study_area].date it runs on"),
    "proposal_days_list_without_monday.geojson": (
        "feature 0 ('Grid') days: 'tue, wed' does not include Monday",
        "add 'mon' to its days"),
    "proposal_remove_unknown_route.geojson": (
        "feature 0 ('remove_route feed:R9') gtfs_route_id: 'feed:R9' is not a route of the "
        "loaded GTFS feeds (closest: 'feed:R1')",
        "write '<feed name>:<route_id>' with a route_id from the feed's routes.txt"),
    "proposal_change_headway_unknown_feed.geojson": (
        "feature 0 ('change_headway buses:R1') gtfs_route_id: 'buses:R1' is not a route of the "
        "loaded GTFS feeds (", "'feed:R1'", "write '<feed name>:<route_id>'"),
    "proposal_route_too_long.geojson": (
        "feature 0 ('Grid') coordinates: the line is 600 km long, more than the 500 km a route "
        "may be", "look for a stray vertex, or split it"),
    "proposal_empty.geojson": ("proposal_empty.geojson: no routes or modifications",
                               "add a LineString feature with 'name' and 'headway_min'"),
    "proposal_nan_coordinate.geojson": ("proposal_nan_coordinate.geojson: NaN is not valid JSON",
                                        "GeoJSON numbers must be finite"),
    "proposal_not_vector.dat": (
        "proposal_not_vector.dat: neither GeoJSON nor a vector file GDAL can read (GDAL does "
        "not recognise its format)", "export it as GeoJSON in EPSG:4326 (QGIS: right-click "
        "the layer > Export > Save Features As..., Format GeoJSON, CRS EPSG:4326"),
    "proposal_binary.geojson": ("proposal_binary.geojson: not UTF-8 text, so not GeoJSON",
                                "save it as UTF-8 GeoJSON, or if it is another format, export "
                                "it as GeoJSON in EPSG:4326"),
    "proposal_without_crs.gpkg": (
        "proposal_without_crs.gpkg: declares no coordinate reference system",
        "set the layer's CRS in QGIS (Layer Properties > Source) and save it again"),
    "proposal_bad_headway.gpkg": (
        "proposal_bad_headway.gpkg feature 0 ('Grid') headway_min: expected a positive number "
        "of minutes, got 0", "give the minutes between departures"),
}


def _evaluate(*names: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    return ("evaluate", *(f"{{study}}/{n}" for n in names), *extra)


def build_cases() -> list[Case]:
    """Every case of the corpus."""
    cases: list[Case] = []
    for name, what, todo in INPUT_FILES:
        prefix = name.split("_")[0]
        role = {"feed": "gtfs", "osm": "osm", "zones": "zones"}.get(prefix)
        if prefix == "routes":
            cases.append(Case(name, "input", _evaluate("good.geojson"), (name, what, todo),
                              config=name, setup=_toml_case(name)))
        else:
            cases.append(Case(name, "input", _evaluate("good.geojson"), (name, what, todo),
                              setup=_copy_bad(name, role=role)))
    for name, what, todo in PARAMETER_FILES:
        cases.append(Case(name, "parameter", _evaluate("good.geojson"), (name, what, todo),
                          config=name, setup=_copy_bad(name)))
    for stem, fragments in OLD_PROPOSALS.items():
        source = BAD_PROPOSALS / f"{stem}.geojson"
        cases.append(Case(f"bad_proposals/{stem}", "proposal", _evaluate(source.name),
                          (source.name, *fragments), setup=_copy_proposal(source)))
    cases.append(Case(
        "bad_proposals/unknown_gtfs_route", "proposal", _evaluate("unknown_gtfs_route.geojson"),
        ("2 problems:", "feature 0 ('Crosstown') coordinates: 24 of 24 stops",
         "km outside the street network", "gtfs_route_id: 'poa_eptc:T13' is not a route of the "
         "loaded GTFS feeds (valid routes: 'feed:R1')"), problems=2,
        setup=_copy_proposal(BAD_PROPOSALS / "unknown_gtfs_route.geojson")))
    for name, fragments in NEW_PROPOSALS.items():
        cases.append(Case(name, "proposal", _evaluate(name), fragments,
                          setup=_copy_proposal(BAD / name)))
    cases += [
        Case("proposal-too-many-vertices", "proposal", _evaluate("zigzag.geojson"),
             ("zigzag.geojson: 100,001 vertices, more than the 100,000 a proposal may have",
              "simplify the route lines (QGIS: Vector > Geometry > Simplify"),
             setup=_too_many_vertices),
        Case("proposal-too-large", "proposal", _evaluate("huge.geojson"),
             ("huge.geojson: 21.0 MB, more than the 20 MB a proposal may be",
              "or split the proposal into several files"), setup=_too_large),
    ]
    cases += _run_folder_cases() + _os_fault_cases() + _usage_cases()
    return cases


def _run_folder_cases() -> list[Case]:
    exists = "exists; pass --force to replace it or choose another --out"
    not_run = "choose another --out (--force replaces only run folders, never other files)"
    return [
        Case("evaluate-over-an-earlier-run", "run-folder", _evaluate("earlier.geojson"),
             ("{study}/outputs/earlier " + exists,)),
        Case("access-over-an-earlier-run", "run-folder", ("access",),
             ("{study}/outputs/access " + exists,), setup=_earlier_run_as("outputs/access")),
        Case("compare-over-an-earlier-run", "run-folder",
             ("compare", "{study}/good.geojson", "{study}/other.geojson"),
             ("{study}/outputs/compare " + exists,),
             setup=_steps(_earlier_run_as("outputs/compare"), _good_copy("other.geojson"))),
        Case("two-proposals-one-folder", "run-folder",
             _evaluate("a/route.geojson", "b/route.geojson", extra=("--force",)),
             ("{study}/a/route.geojson and {study}/b/route.geojson would both be written to "
              "{study}/outputs/route", "rename one of the files"),
             setup=_steps(_good_copy("a/route.geojson"), _good_copy("b/route.geojson"))),
        Case("two-proposals-one-folder-on-case-insensitive-disks", "run-folder",
             _evaluate("Route.geojson", "route.geojson"),
             ("would both be written to {study}/outputs/route", "rename one of the files"),
             setup=_steps(_good_copy("Route.geojson"), _good_copy("route.geojson"))),
        Case("the-same-proposal-twice", "run-folder",
             _evaluate("good.geojson", "good.geojson"),
             ("{study}/good.geojson is given twice", "give each proposal once")),
        Case("compare-two-proposals-one-folder", "run-folder",
             ("compare", "{study}/a/route.geojson", "{study}/b/route.geojson"),
             ("would both be written to {study}/outputs/compare/route",
              "rename one of the files"),
             setup=_steps(_good_copy("a/route.geojson"), _good_copy("b/route.geojson"))),
        Case("dot-dot-name-with-force", "run-folder", _evaluate("..geojson", extra=("--force",)),
             ("{study}/..geojson: its name '.' cannot name a run folder: it is '.', which names "
              "the outputs folder itself or its parent", "rename the file, e.g. to "
              "my_route.geojson"), setup=_good_copy("..geojson")),
        Case("hidden-name", "run-folder", _evaluate(".secret.geojson"),
             ("{study}/.secret.geojson: its name '.secret' cannot name a run folder: it starts "
              "with '.'", "rename the file, e.g. to secret.geojson"),
             setup=_good_copy(".secret.geojson")),
        Case("name-is-only-a-suffix", "run-folder", _evaluate(".geojson"),
             ("{study}/.geojson: its name '.geojson' cannot name a run folder",
              "rename the file, e.g. to geojson.geojson"), setup=_good_copy(".geojson")),
        Case("force-on-a-folder-that-is-not-a-run", "run-folder",
             ("access", "--out", "{study}", "--force"),
             ("{study} is a folder that is not a run folder (it has no manifest.json); "
              + not_run,)),
        Case("force-on-a-file", "run-folder", ("access", "--out", "{study}/zones.csv", "--force"),
             ("{study}/zones.csv is a file; " + not_run,)),
        Case("force-on-a-link-to-a-run", "run-folder", _evaluate("linked.geojson",
                                                                  extra=("--force",)),
             ("{study}/outputs/linked is a link; " + not_run,), setup=_symlinked_earlier),
        Case("evaluate-out-is-a-file", "run-folder",
             _evaluate("good.geojson", extra=("--out", "{study}/zones.csv")),
             ("{study}/zones.csv is a file, so {study}/zones.csv/good cannot be made",
              "choose another --out (a folder)")),
        Case("a-later-proposal-is-invalid", "run-folder",
             _evaluate("good.geojson", "proposal_days_not_on_date.geojson"),
             ("proposal_days_not_on_date.geojson feature 0 ('Grid') days: 'weekends'",
              "add 'mon' to its days"),
             setup=_copy_proposal(BAD / "proposal_days_not_on_date.geojson")),
        Case("compare-a-later-proposal-is-invalid", "run-folder",
             ("compare", "{study}/good.geojson", "{study}/proposal_days_not_on_date.geojson"),
             ("proposal_days_not_on_date.geojson feature 0 ('Grid') days: 'weekends'",
              "add 'mon' to its days"),
             setup=_copy_proposal(BAD / "proposal_days_not_on_date.geojson")),
        Case("a-later-proposal-is-unreadable", "run-folder",
             _evaluate("good.geojson", "invalid_json.geojson"),
             ("invalid_json.geojson: not valid JSON", "fix the syntax"),
             setup=_copy_proposal(BAD_PROPOSALS / "invalid_json.geojson")),
        Case("a-later-proposal-is-outside-the-streets", "run-folder",
             _evaluate("good.geojson", "route_far_outside.geojson"),
             ("route_far_outside.geojson feature 0 ('Thames crosstown') coordinates",
              "move the route into the study area"),
             setup=_copy_proposal(BAD_PROPOSALS / "route_far_outside.geojson")),
        Case("matrix-over-an-existing-file", "run-folder",
             ("matrix", "--out", "{study}/zones.csv"),
             ("{study}/zones.csv exists; pass --force to replace it or choose another --out",)),
        Case("matrix-out-is-a-folder", "run-folder",
             ("matrix", "--out", "{study}/outputs.csv", "--force"),
             ("{study}/outputs.csv is a folder; give --out a file name",),
             setup=lambda study, _: (study / "outputs.csv").mkdir()),
    ]


def _os_fault_cases() -> list[Case]:
    full = ("no space left on the disk (ENOSPC)",
            "free some space on that disk, or write elsewhere with --out")
    return [
        Case("disk-full-while-writing-the-scorecard", "os-fault", _evaluate("good.geojson"),
             ("cannot write {study}/outputs/good/scorecard.json: ", *full),
             setup=_os_error(errno.ENOSPC, at="routes.runs.write:write_json",
                             when=_scorecard_json, file_from=_path_arg)),
        Case("disk-full-while-writing-access", "os-fault", ("access",),
             ("cannot write {study}/outputs/access: ", *full),
             setup=_os_error(errno.ENOSPC, at="routes.runs.write:_write_zone_files")),
        Case("disk-full-while-writing-compare", "os-fault",
             ("compare", "{study}/good.geojson", "{study}/other.geojson"),
             ("cannot write {study}/outputs/compare/manifest.json: ", *full),
             setup=_steps(_good_copy("other.geojson"),
                          _os_error(errno.ENOSPC, at="routes.runs.compare:write_json",
                                    file_from=_path_arg))),
        Case("disk-full-while-writing-a-matrix", "os-fault",
             ("matrix", "--out", "{study}/times.csv"),
             ("cannot write {study}/times.csv: ", *full),
             setup=_os_error(errno.ENOSPC, at="pandas:DataFrame.to_csv")),
        Case("read-only-disk", "os-fault", _evaluate("good.geojson"),
             ("cannot write in {study}/outputs: the disk is read-only (EROFS)",
              "write elsewhere with --out (a writable folder)"),
             setup=_os_error(errno.EROFS, at="tempfile:TemporaryFile")),
        Case("no-permission", "os-fault", ("access",),
             ("cannot write in {study}/outputs: permission denied (EACCES)",
              "write elsewhere with --out, or give yourself write access to that folder"),
             setup=_os_error(errno.EACCES, at="tempfile:TemporaryFile")),
        Case("busy-folder-on-force", "os-fault", _evaluate("earlier.geojson", extra=("--force",)),
             ("cannot write {study}/outputs/earlier: the folder is in use (a program has it "
              "open, or it is a mount point) (EBUSY)",
              "close the program using it and run again, or write elsewhere with --out"),
             setup=_os_error(errno.EBUSY, at="routes.runs.folder:_rename2", when=_is_exchange)),
        Case("name-too-long", "os-fault",
             _evaluate("good.geojson", extra=("--out", "{study}/" + "o" * 300)),
             ("cannot write in {study}/" + "o" * 300 + ": the path is too long for the file "
              "system (", "the longest name 300)", "use a shorter --out folder or a shorter "
              "proposal file name")),
        Case("out-of-memory", "os-fault", _evaluate("good.geojson"),
             ("out of memory during the run", "evaluate fewer proposals at once, shorten "
              "[routing].departure_window"),
             setup=_memory_error("routes.evaluation.evaluate:compute_access")),
        Case("input-output-error-reading-the-zones", "os-fault", _evaluate("good.geojson"),
             ("cannot access {study}/zones.csv: an input/output error (the disk may be "
              "failing or disconnected) (EIO)", "check the disk, then run again"),
             setup=_os_error(errno.EIO, at="routes.evaluation.study:load_zones",
                             file_from=lambda layer: str(layer.path))),
    ]


def _usage_cases() -> list[Case]:
    return [
        Case("unknown-map-zone", "usage", _evaluate("good.geojson", extra=("--map-zone", "z4")),
             ("Invalid value for --map-zone: 'z4' (closest: ", "give zone ids from the zones "
              "file's id column"), code=2),
        Case("unknown-map-zone-in-compare", "usage",
             ("compare", "{study}/good.geojson", "{study}/other.geojson", "--map-zone", "Z1"),
             ("Invalid value for --map-zone: 'Z1' (closest: 'z1'",), code=2,
             setup=_good_copy("other.geojson")),
        Case("unknown-isochrone-zone", "usage",
             ("isochrones", "--zone", "z1", "--zone", "zone-9", "--out", "{study}/iso.geojson"),
             ("Invalid value for --zone: 'zone-9' (valid zones: 'z1', 'z2', 'z3'): not among the "
              "3 zones", "give zone ids from the zones file's id column"), code=2),
        Case("compare-one-proposal", "usage", ("compare", "{study}/good.geojson"),
             ("compare needs at least two proposals; use `routes evaluate` for one",), code=2),
        Case("proposal-does-not-exist", "usage", _evaluate("missing.geojson"),
             ("'{study}/missing.geojson' does not exist",), code=2),
        Case("proposal-is-a-folder", "usage", _evaluate("outputs"),
             ("'{study}/outputs' is a directory",), code=2),
        Case("evaluate-without-proposals", "usage", ("evaluate",),
             ("Missing argument 'PROPOSALS...'",), code=2),
        Case("unknown-option", "usage", ("check", "--bogus"), ("No such option '--bogus'",),
             code=2),
        Case("unknown-group-option", "usage", ("--bogus", "check"),
             ("No such option '--bogus'",), code=2),
        Case("unknown-command", "usage", ("nonsense",), ("No such command 'nonsense'",), code=2),
        Case("matrix-without-out", "usage", ("matrix",), ("Missing option '--out'",), code=2),
        Case("matrix-percentiles-not-numbers", "usage",
             ("matrix", "--percentiles", "a,b", "--out", "{study}/x.csv"),
             ("'a,b': expected comma-separated whole numbers",), code=2),
        Case("matrix-out-txt", "usage", ("matrix", "--out", "{study}/x.txt"),
             ("x.txt: use a .csv or .parquet file",), code=2),
        Case("matrix-percentile-100", "usage",
             ("matrix", "--percentiles", "50,100", "--out", "{study}/x.csv"),
             ("percentiles must be between 1 and 99",), code=2),
        Case("isochrones-out-txt", "usage", ("isochrones", "--zone", "z1", "--out",
                                             "{study}/x.txt"),
             ("x.txt: use a .geojson or .gpkg file",), code=2),
    ]


CASES = build_cases()
