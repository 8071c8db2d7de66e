"""``routes check`` on bad inputs: exit code 1 and one line naming the file and what to do.

Each file of ``tests/data/bad/`` (written by ``make_bad_inputs.py`` there) holds
one defect, named by the file, in an otherwise valid input of the tiny study
area of ``tests/_study.py``. A test copies one bad file into a fresh study area,
points routes.toml at it (or uses it as routes.toml) and runs ``routes check``.
Also here: bad usage (exit 2), ``-vv`` (the exception propagates), and
``routes check`` on valid study areas, tiny and real.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from _study import write_study_area
from click.testing import CliRunner, Result

import cli
from routes.errors import GtfsError, InputError

BAD = Path(__file__).parent / "data" / "bad"

#: ``(file, what is wrong, what to do)``: both fragments must be in the message.
CASES: list[tuple[str, str, str]] = [
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
    ("routes_wrong_type.toml", "[routing].max_walk_min",
     "expected a positive number of minutes, got 'fifteen'"),
    ("routes_missing_osm.toml", "[study_area].osm: OSM extract 'missing.osm.pbf' does not exist",
     "fix the path"),
    ("routes_gtfs_matches_nothing.toml", "[study_area].gtfs: 'gtfs/*.zip' matches no file",
     "fix the path or add the feed"),
    ("routes_bad_date.toml", "[study_area].date",
     "expected a date like 2026-03-10, got '2019-13-45'"),
    ("routes_missing_date.toml", "[study_area].date: missing", "give the service date"),
    ("routes_bad_window.toml", "[routing].departure_window: '09:00-07:00' ends before it starts",
     "write it like '07:00-09:00'"),
    ("routes_bad_percentile.toml", "[routing].percentile",
     "expected whole numbers from 1 to 99, got 150"),
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

_ROLE = {"feed": "gtfs", "osm": "osm", "zones": "zones"}


@pytest.fixture(autouse=True)
def _restore_routes_logger() -> Iterator[None]:
    """``cli.main`` gives the ``routes`` logger a handler on the runner's stderr; undo it."""
    logger = logging.getLogger("routes")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def study_with(tmp_path: Path, bad_file: str) -> Path:
    """The tiny study area with one input replaced by ``bad_file``; returns the config."""
    toml = write_study_area(tmp_path, **{_ROLE[bad_file.split("_")[0]]: bad_file})
    shutil.copy(BAD / bad_file, tmp_path / bad_file)
    return toml


def config_for(tmp_path: Path, bad_file: str) -> Path:
    """routes.toml for a bad-input case: the bad file itself when it is a routes.toml."""
    if bad_file.startswith("routes_"):
        write_study_area(tmp_path)
        return Path(shutil.copy(BAD / bad_file, tmp_path / bad_file))
    return study_with(tmp_path, bad_file)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args))


def one_line_error(result: Result) -> str:
    """Assert exit code 1 and one line of output without a traceback; return the line."""
    output = result.output.strip()
    assert result.exit_code == 1, output
    assert isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(*result.exc_info)  # type: ignore[misc]
    )
    assert "\n" not in output, output
    assert "Traceback" not in output
    assert output.startswith("Error: ")
    return output


# --------------------------------------------------------------------------- the corpus


def test_corpus_files_all_have_a_case() -> None:
    files = sorted(p.name for p in BAD.iterdir() if p.name != "make_bad_inputs.py")
    assert files == sorted(name for name, _, _ in CASES)
    assert len(files) >= 20
    assert sum((BAD / f).stat().st_size for f in files) < 200_000


def test_make_bad_inputs_rewrites_the_committed_files(tmp_path: Path) -> None:
    """The generator and the committed corpus agree (binary files may differ by library version:
    zlib's deflate output, GDAL's GeoPackage layout)."""
    sys.path.insert(0, str(BAD))
    try:
        import make_bad_inputs
    finally:
        sys.path.remove(str(BAD))
    corpus = make_bad_inputs.build_corpus(tmp_path)
    assert sorted(corpus) == sorted(name for name, _, _ in CASES)
    for name, data in corpus.items():
        if not name.endswith((".zip", ".pbf", ".gpkg")) and name != "osm_gzip_named_osm.osm":
            assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize(("bad_file", "what", "todo"), CASES, ids=[c[0] for c in CASES])
def test_check_bad_input_is_one_line_naming_the_file(
    tmp_path: Path, bad_file: str, what: str, todo: str
) -> None:
    toml = config_for(tmp_path, bad_file)
    line = one_line_error(run("--config", str(toml), "check"))
    assert bad_file in line
    assert what in line
    assert todo in line


def test_missing_config_file(tmp_path: Path) -> None:
    line = one_line_error(run("--config", str(tmp_path / "nowhere.toml"), "check"))
    assert "nowhere.toml: no study area file here" in line
    assert "pass --config PATH" in line


def test_allow_feed_errors_also_covers_the_calendar_in_the_report(tmp_path: Path) -> None:
    """With the flag the malformed calendar row is left out (so the feed has no dates)."""
    toml = study_with(tmp_path, "feed_calendar_bad_date.zip")
    line = one_line_error(run("--config", str(toml), "check", "--allow-feed-errors"))
    assert "(feed_calendar_bad_date.zip) has no service on 2019-05-13" in line
    assert "its calendars hold no dates; choose another [study_area].date" in line


def test_allow_feed_errors_turns_the_error_into_a_report_warning(tmp_path: Path) -> None:
    toml = study_with(tmp_path, "feed_duplicate_stop_id.zip")
    result = run("--config", str(toml), "check", "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    assert "warnings (1):" in result.stdout
    assert "dropping 1 rows with an empty or repeated stop_id" in result.stdout


# --------------------------------------------------------------------------- -v and -vv


def test_one_v_adds_log_lines_but_no_traceback(tmp_path: Path) -> None:
    toml = study_with(tmp_path, "feed_time_not_hhmmss.zip")
    result = run("-v", "--config", str(toml), "check")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    *logs, last = result.output.strip().splitlines()
    assert last.startswith("Error: ") and "'25:6:00' is not HH:MM:SS" in last
    assert all(line.startswith("INFO routes.") for line in logs), logs


def test_vv_reraises_with_the_traceback(tmp_path: Path) -> None:
    toml = study_with(tmp_path, "feed_time_not_hhmmss.zip")
    result = run("-vv", "--config", str(toml), "check")
    assert result.exit_code == 1
    assert isinstance(result.exception, GtfsError)
    assert "'25:6:00' is not HH:MM:SS" in str(result.exception)
    assert "Error: " not in result.output
    shown = "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
    assert shown.startswith("Traceback (most recent call last)")
    assert "load_feed_for_date" in shown


def test_vv_reraises_config_errors(tmp_path: Path) -> None:
    toml = config_for(tmp_path, "routes_unknown_key.toml")
    result = run("-vv", "--config", str(toml), "check")
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert result.exc_info is not None and result.exc_info[2] is not None


# --------------------------------------------------------------------------- bad usage


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--bogus"], "No such option"),
        (["--bogus", "check"], "No such option"),
        (["nonsense"], "No such command 'nonsense'"),
        (["matrix", "--out", "x.txt"], "x.txt: use a .csv or .parquet file"),
        (["matrix", "--percentiles", "a,b", "--out", "x.csv"],
         "'a,b': expected comma-separated whole numbers"),
        (["matrix", "--percentiles", "50,100", "--out", "x.csv"],
         "percentiles must be between 1 and 99"),
        (["matrix"], "Missing option '--out'"),
    ],
    ids=["unknown-option", "unknown-group-option", "unknown-command", "matrix-out-txt",
         "matrix-percentiles-not-numbers", "matrix-percentile-100", "matrix-no-out"],
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    toml = write_study_area(tmp_path)
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    result = run("--config", str(toml), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("x.*"))


# --------------------------------------------------------------------------- valid study areas


def test_check_tiny_study_area(tmp_path: Path) -> None:
    result = run("--config", str(write_study_area(tmp_path)), "check")
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert "service date: 2019-05-13 (Monday)" in report
    assert "on 2019-05-13: 1 trips on 1 routes (1 patterns), 4 stops served" in report
    assert "street network: 9 nodes, 12 street segments (EPSG:32631), from grid.osm" in report
    assert ("stops served on the date: 4; linked to the street network within 1,600 m: 4; "
            "outside it: 0") in report
    assert "zones: 3 features, 3 snapped (median 0 m from a street), 0 dropped" in report
    assert report.rstrip().endswith("no warnings")


def _write_toml(folder: Path, name: str, gtfs: list[Path], osm: Path, date: str,
                zones: Path | None = None) -> Path:
    text = (f"[study_area]\nname = {name!r}\ngtfs = [{', '.join(repr(str(g)) for g in gtfs)}]\n"
            f"osm = {str(osm)!r}\ndate = {date!r}\n")
    if zones is not None:
        text += f"\n[zones]\nfile = {str(zones)!r}\nid = 'id'\npopulation = 'population'\n"
    toml = folder / "routes.toml"
    toml.write_text(text, encoding="utf-8")
    return toml


@pytest.mark.slow
def test_check_porto_alegre(tmp_path: Path, poa_dir: Path) -> None:
    toml = _write_toml(
        tmp_path, "Porto Alegre", [poa_dir / "poa_eptc.zip", poa_dir / "poa_trensurb.zip"],
        poa_dir / "poa_osm.pbf", "2019-05-13", zones=poa_dir / "poa_hexgrid.csv",
    )
    result = run("--config", str(toml), "check")
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert re.search(r"poa_eptc: poa_eptc\.zip, service 2019-04-15 to 2019-07-15; .*\n"
                     r"    on 2019-05-13: 2,374 trips on 115 routes", report)
    assert re.search(r"poa_trensurb: poa_trensurb\.zip, .*\n"
                     r"    on 2019-05-13: 529 trips on 2 routes", report)
    # Stops are linked up to R5's 1,600 m (their off-street walk counted); points keep
    # [routing].max_snap_m = 500 m.
    assert ("stops served on the date: 4,010; linked to the street network within 1,600 m: "
            "2,827; outside it: 1,183") in report
    assert "zones: 1,227 features, 1,213 snapped" in report
    # the stops outside the OSM extract are a warning in the report, not an error
    assert "1,183 of 4,010 served stops are more than 1,600 m from the street network" in report


@pytest.mark.slow
def test_check_rhein_neckar(tmp_path: Path, rnv_dir: Path) -> None:
    toml = _write_toml(tmp_path, "Rhein-Neckar", [rnv_dir / "rnv.zip"], rnv_dir / "rnv.osm.pbf",
                       "2016-11-16")
    result = run("--config", str(toml), "check")
    assert result.exit_code == 0, result.output
    report = result.stdout
    # 7,123 trips of the Wednesday itself; 176 trips of Tuesday run on past midnight
    assert "on 2016-11-16: 7,123 trips (+176 from the day before) on 86 routes" in report
    assert ("stops served on the date: 2,023; linked to the street network within 1,600 m: "
            "1,769; outside it: 254") in report
