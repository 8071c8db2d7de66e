"""routes.toml parsing: defaults, every key, and errors that name the file and key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from routes.config import RoutingParams, load_study_area, parse_clock, parse_window
from routes.errors import InputError


def _write(folder: Path, body: str) -> Path:
    (folder / "streets.osm").write_text("<osm/>", encoding="utf-8")
    (folder / "feed.zip").write_bytes(b"")
    (folder / "zones.csv").write_text("id,lon,lat\n", encoding="utf-8")
    path = folder / "routes.toml"
    path.write_text(
        '[study_area]\ngtfs = ["feed.zip"]\nosm = "streets.osm"\ndate = 2026-03-10\n' + body,
        encoding="utf-8",
    )
    return path


def test_defaults_follow_the_design(tmp_path):
    study = load_study_area(_write(tmp_path, ""))
    assert study.service_date == dt.date(2026, 3, 10)
    assert study.gtfs_paths == ((tmp_path / "feed.zip").resolve(),)
    assert study.walk_access == "strict"
    assert study.routing == RoutingParams()
    r = study.routing
    assert (r.departure_start_s, r.departure_end_s, r.window_min) == (7 * 3600, 9 * 3600, 120)
    assert (r.max_walk_min, r.walk_speed_kmh, r.max_rides, r.max_trip_min) == (15, 4.8, 3, 120)
    assert r.percentiles == (50,)
    assert study.scoring.deprived_deciles == (1, 2, 3)
    assert study.zones is None and study.destinations == ()


def test_every_key_is_read(tmp_path):
    study = load_study_area(_write(tmp_path, """walk_access = "ignore_foot_no"
[zones]
file = "zones.csv"
id = "code"
population = "pop"
deprivation_decile = "imd"
groups = ["a", "b"]
centroids = "zones.csv"
[[destinations]]
name = "jobs"
file = "zones.csv"
weight = "jobs"
[[destinations]]
name = "spaces"
osm_tags = {amenity = ["library"], leisure = "park"}
[routing]
departure_window = "14:00-15:30"
percentiles = [95, 5, 50]
max_walk_min = 20
walk_speed_kmh = 5.04
max_rides = 2
max_trip_min = 90
max_transfer_walk_min = 5
max_snap_m = 300
[scoring]
deprived_deciles = [1, 2]
job_cutoff_min = 60
space_cutoff_min = 20
decay_half_life_min = 15
"""))
    assert study.walk_access == "ignore_foot_no"
    assert study.zones.id_column == "code" and study.zones.group_columns == ("a", "b")
    assert study.zones.centroids_path == (tmp_path / "zones.csv").resolve()
    jobs, spaces = study.destinations
    assert jobs.weight_column == "jobs"
    assert spaces.path is None
    assert spaces.osm_tags == {"amenity": ("library",), "leisure": ("park",)}
    r = study.routing
    assert (r.departure_start_s, r.departure_end_s, r.window_min) == (50400, 55800, 90)
    assert r.percentiles == (5, 50, 95)
    assert (r.max_rides, r.max_transfer_walk_min, r.max_snap_m) == (2, 5, 300)
    assert study.scoring.deprived_deciles == (1, 2) and study.scoring.job_cutoff_min == 60


@pytest.mark.parametrize(("body", "match"), [
    ("[routing]\nmax_walk_min = \"fifteen\"\n",
     r"routes.toml \[routing\].max_walk_min: expected a positive number of minutes, got 'fifteen'"),
    ("[routing]\nspeed = 3\n",
     r"\[routing\].speed: unknown key; allowed keys are departure_window"),
    ("[extras]\n", r"routes.toml \[extras\]: unknown key"),
    ("[routing]\ndeparture_window = \"09:00-07:00\"\n", r"ends before it starts"),
    ("[routing]\npercentile = 100\n", r"whole numbers from 1 to 99"),
    ("[routing]\nmax_rides = 1.5\n", r"max_rides: expected a positive whole number"),
    ("[scoring]\ndeprived_deciles = [0]\n",
     r"deprived_deciles: expected a list of deciles 1 to 10"),
    ("walk_access = \"lax\"\n", r"walk_access: expected one of 'strict'"),
    ("[zones]\nfile = \"nope.geojson\"\n",
     r"\[zones\].file: zones file 'nope.geojson' does not exist"),
    ("[zones]\nfile = \"zones.csv\"\ncentroids = \"pwc.csv\"\n",
     r"\[zones\].centroids: centroids file 'pwc.csv' does not exist"),
    ("[[destinations]]\nname = \"Jobs\"\nfile = \"zones.csv\"\n", r"lower-case name"),
    ("[[destinations]]\nname = \"jobs\"\n", r"give exactly one of 'file' or 'osm_tags'"),
])
def test_errors_name_the_file_and_key(tmp_path, body, match):
    with pytest.raises(InputError, match=match):
        load_study_area(_write(tmp_path, body))


def test_every_problem_is_reported_at_once(tmp_path):
    body = "[routing]\nmax_walk_min = -1\nmax_rides = 0\n[scoring]\njob_cutoff_min = \"x\"\n"
    with pytest.raises(InputError, match="3 problems") as info:
        load_study_area(_write(tmp_path, body))
    assert str(info.value).count("\n  - ") == 3


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(InputError, match="no study area file here; write a routes.toml"):
        load_study_area(tmp_path / "routes.toml")


@pytest.mark.parametrize(("text", "seconds"), [("07:30", 27000), ("25:10:05", 90605), ("0:00", 0)])
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["7h30", "07:60", "", "07:00:61"])
def test_parse_clock_rejects(text):
    with pytest.raises(ValueError, match="is not a time of day"):
        parse_clock(text)


def test_parse_window():
    assert parse_window("07:00-09:00") == (25200, 32400)


def test_the_parameter_tables_written_for_new_study_areas_are_the_defaults(tmp_path):
    from routes.config import DEFAULT_PARAMETERS_TOML, ScoringParams

    study = load_study_area(_write(tmp_path, DEFAULT_PARAMETERS_TOML))
    assert study.routing == RoutingParams()
    assert study.scoring == ScoringParams()
