"""routes.toml parsing: defaults, every key, and errors that name the file and key."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from routes.config.study_area import RoutingParams, load_study_area, parse_clock, parse_window
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
board_slack_s = 0
transfers = "all"
frequency_phase = "fixed"
frequency_draws = 120
frequency_seed = 42
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
    assert (r.board_slack_s, r.transfers, r.frequency_phase) == (0, "all", "fixed")
    assert (r.frequency_draws, r.frequency_seed) == (120, 42)
    assert study.scoring.deprived_deciles == (1, 2) and study.scoring.job_cutoff_min == 60


@pytest.mark.parametrize(("body", "match"), [
    ("[routing]\nmax_walk_min = \"fifteen\"\n",
     r"routes.toml \[routing\].max_walk_min: expected a number of minutes above 0 and at most "
     r"120 \(the longest walk to or from a stop; 15 is typical\), got 'fifteen'"),
    ("[routing]\nspeed = 3\n",
     r"\[routing\].speed: unknown key; allowed keys are departure_window"),
    ("[extras]\n", r"routes.toml \[extras\]: unknown key"),
    ("[routing]\ndeparture_window = \"09:00-07:00\"\n", r"ends before it starts"),
    ("[routing]\npercentile = 100\n", r"whole numbers from 1 to 99"),
    ("[routing]\nmax_rides = 1.5\n", r"max_rides: expected a whole number of rides from 1 to 10"),
    ("[scoring]\ndeprived_deciles = [0]\n",
     r"deprived_deciles: expected a list of deciles 1 to 10"),
    ("walk_access = \"lax\"\n", r"walk_access: expected one of 'strict'"),
    ("[routing]\ntransfers = \"nearest\"\n",
     r"\[routing\].transfers: expected one of 'closest_per_pattern', 'all', got 'nearest'"),
    ("[routing]\nfrequency_phase = 0\n",
     r"\[routing\].frequency_phase: expected one of 'random', 'fixed', got 0"),
    ("[routing]\nboard_slack_s = 60.5\n",
     r"board_slack_s: expected a whole number of seconds from 0 to 3600"),
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
    from routes.config.study_area import DEFAULT_PARAMETERS_TOML, ScoringParams

    study = load_study_area(_write(tmp_path, DEFAULT_PARAMETERS_TOML))
    assert study.routing == RoutingParams()
    assert study.scoring == ScoringParams()


# --------------------------------------------------------------------------- physical bounds

#: ``(table, key, accepted values at and inside the bounds, refused values)``.
BOUNDS_CASES = [
    ("routing", "walk_speed_kmh", ["1", "4.8", "10"], ["0.9", "10.5", "1e6", "nan", "inf", "-3"]),
    ("routing", "max_walk_min", ["0.5", "120"], ["0", "-1", "120.5", "inf"]),
    ("routing", "max_rides", ["1", "10"], ["0", "11", "2.5", "true"]),
    ("routing", "max_trip_min", ["45", "1440"], ["0", "1441", "nan"]),
    ("routing", "max_transfer_walk_min", ["1", "60"], ["0", "61"]),
    ("routing", "max_snap_m", ["1", "5000"], ["0", "-5", "5001"]),
    ("routing", "board_slack_s", ["0", "60", "3600"], ["-1", "3601", "1.5"]),
    ("routing", "frequency_draws", ["1", "10000"], ["0", "10001"]),
    ("routing", "frequency_seed", ["0", "999999999"], ["-1", "1000000000"]),
    ("scoring", "job_cutoff_min", ["1", "120"], ["0", "-45", "1441", "inf"]),
    ("scoring", "space_cutoff_min", ["1", "120"], ["0", "nan"]),
    ("scoring", "decay_half_life_min", ["1", "600"], ["0", "601", "inf"]),
]


@pytest.mark.parametrize(("table", "key", "good", "bad"), BOUNDS_CASES,
                         ids=[c[1] for c in BOUNDS_CASES])
def test_parameters_within_physical_bounds(tmp_path, table, key, good, bad):
    from routes.config.parameters import BOUNDS

    bound = BOUNDS[key]
    extra = "max_trip_min = 1440\n" if table == "routing" and key != "max_trip_min" else ""
    routing_extra = "" if table == "routing" else "[routing]\nmax_trip_min = 1440\n"
    for value in good:
        body = f"{routing_extra}[{table}]\n{extra}{key} = {value}\n"
        study = load_study_area(_write(tmp_path, body))
        got = getattr(study.routing if table == "routing" else study.scoring, key)
        assert got == float(value), (key, value)
    for value in bad:
        body = f"{routing_extra}[{table}]\n{extra}{key} = {value}\n"
        with pytest.raises(InputError) as info:
            load_study_area(_write(tmp_path, body))
        message = str(info.value)
        assert message.startswith(f"routes.toml [{table}].{key}: expected {bound.describe()}, "
                                  "got "), (value, message)


def test_walk_speed_of_a_million_kmh_is_refused(tmp_path):
    with pytest.raises(InputError) as info:
        load_study_area(_write(tmp_path, "[routing]\nwalk_speed_kmh = 1e6\n"))
    assert str(info.value) == ("routes.toml [routing].walk_speed_kmh: expected a number of km/h "
                               "from 1 to 10 (a walking pace; 4.8 is typical), got 1000000.0")


@pytest.mark.parametrize(("body", "message"), [
    ("[routing]\nmax_trip_min = 60\n[scoring]\njob_cutoff_min = 90\n",
     "routes.toml [scoring].job_cutoff_min: 90 minutes is longer than [routing].max_trip_min "
     "(60), so journeys that long are never computed; lower the cutoff or raise max_trip_min"),
    ("[routing]\nmax_trip_min = 20\n",  # the default cutoffs (45 and 30) are longer too
     "2 problems:"),
    ("[routing]\nmax_trip_min = 10\nmax_walk_min = 15\n[scoring]\njob_cutoff_min = 10\n"
     "space_cutoff_min = 10\n",
     "routes.toml [routing].max_walk_min: 15 minutes is longer than [routing].max_trip_min (10); "
     "lower it or raise max_trip_min"),
    ("[routing]\ndeparture_window = \"47:00-49:00\"\n",
     "routes.toml [routing].departure_window: '47:00-49:00' ends after 48:00"),
    ("[routing]\ndeparture_window = \"06:00-31:00\"\n",
     "routes.toml [routing].departure_window: '06:00-31:00' is longer than a day"),
])
def test_parameters_that_contradict_each_other(tmp_path, body, message):
    with pytest.raises(InputError) as info:
        load_study_area(_write(tmp_path, body))
    assert str(info.value).startswith(message)


def test_a_window_past_midnight_within_a_day_is_accepted(tmp_path):
    study = load_study_area(_write(tmp_path, "[routing]\ndeparture_window = \"23:00-25:30\"\n"))
    assert (study.routing.departure_start_s, study.routing.departure_end_s) == (82800, 91800)


# --------------------------------------------------------------------------- folders for files


@pytest.mark.parametrize(("body", "key", "listed", "what"), [
    ('', "[study_area].osm", "'osm/a.osm.pbf', 'osm/b.osm'", "OSM extract"),
    ('[zones]\nfile = "zones"\n', "[zones].file", "'zones/lsoa.geojson'", "zones file"),
    ('[[destinations]]\nname = "jobs"\nfile = "zones"\n', "[[destinations]][0].file",
     "'zones/lsoa.geojson'", "destination file"),
])
def test_a_folder_where_a_file_is_meant_names_the_files_inside(tmp_path, body, key, listed,
                                                               what):
    toml = _write(tmp_path, body)
    toml.write_text(toml.read_text(encoding="utf-8").replace('osm = "streets.osm"',
                                                             'osm = "osm"'), encoding="utf-8")
    for name in ("osm/a.osm.pbf", "osm/b.osm", "osm/notes.txt", "zones/lsoa.geojson"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_study_area(toml)
    message = str(info.value)
    folder = "osm" if key.endswith("osm") else "zones"
    assert (f"routes.toml {key}: '{folder}' is a folder, not a file (it holds {listed}); give "
            f"the path of the {what} itself") in message


def test_an_empty_folder_where_a_file_is_meant(tmp_path):
    toml = _write(tmp_path, "")
    toml.write_text(toml.read_text(encoding="utf-8").replace('osm = "streets.osm"',
                                                             'osm = "osm"'), encoding="utf-8")
    (tmp_path / "osm").mkdir()
    with pytest.raises(InputError, match=r"\[study_area\].osm: 'osm' is a folder, not a file \(it "
                                         r"holds no .osm.pbf or .pbf or .osm file\)"):
        load_study_area(toml)


def test_r5_transfer_rule_is_the_default(tmp_path):
    r = load_study_area(_write(tmp_path, "[routing]\nmax_walk_min = 10\n")).routing
    assert r.max_transfer_walk_min is None
    assert (r.max_transfer_m, r.max_transfer_s) == (1000.0, 600.0)
    r = load_study_area(_write(tmp_path, "[routing]\nmax_transfer_walk_min = 12\n")).routing
    assert (r.max_transfer_m, r.max_transfer_s) == (math.inf, 720.0)


def test_routing_params_refuse_unknown_conventions():
    with pytest.raises(InputError, match="transfers must be one of"):
        RoutingParams(transfers="nearest")
    with pytest.raises(InputError, match="frequency_phase must be one of"):
        RoutingParams(frequency_phase="exact")
    with pytest.raises(InputError, match=r"board_slack_s \(-1\) must be >= 0"):
        RoutingParams(board_slack_s=-1)
