"""``routes evaluate`` and ``routes access`` end to end.

- On the line study area of ``tests/_evaluate_fixtures.py`` every travel time,
  per-zone metric, per-space mix and scorecard number is compared with the
  values derived by hand in that module's docstring.
- Through the CLI on the same study area: run folders, refusing to overwrite,
  byte-identical re-runs, the manifest, and every bad proposal of
  ``tests/data/bad_proposals/`` (exit code 1, one line naming the feature and field).
- On Porto Alegre (slow): a full run whose every scorecard value is recomputed
  from ``zones.csv`` by following the indicator's ``source``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from _evaluate_fixtures import (
    BASELINE_MIN,
    METRICS,
    NEW_ZONE_PAIRS,
    POINTS,
    SCENARIO_MIN,
    SCORECARD,
    SPACE_MIX,
    ZONE_IDS,
    assert_same_value,
    link_features,
    modification_feature,
    recompute_scorecard,
    route_feature,
    stop_feature,
    write_line_study,
    write_link_proposal,
    write_proposal,
)
from click.testing import CliRunner, Result

import cli
from routes.config import load_study_area
from routes.errors import OutputExistsError
from routes.evaluate import Evaluation, evaluate_proposals, load_study_inputs

DATA = Path(__file__).parent / "data"
BAD_PROPOSALS = DATA / "bad_proposals"
#: Files every run folder of the line study area holds (maps and reports may join them).
RUN_FILES = {"manifest.json", "matrix.parquet", "scorecard.json", "spaces.csv", "zones.csv",
             "zones.gpkg"}


@pytest.fixture(autouse=True)
def _restore_routes_logger() -> Iterator[None]:
    """``cli.main`` gives the ``routes`` logger a handler on the runner's stderr; undo it."""
    logger = logging.getLogger("routes")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def one_line_error(result: Result) -> str:
    """Assert exit code 1 and one line of output without a traceback; return the line."""
    output = result.output.strip()
    assert result.exit_code == 1, output
    assert isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(*result.exc_info)  # type: ignore[misc]
    )
    assert "\n" not in output, output
    assert output.startswith("Error: "), output
    return output


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- hand-derived


@dataclass(frozen=True)
class LineRun:
    folder: Path
    proposal: Path
    evaluation: Evaluation

    @property
    def run_folder(self) -> Path:
        return self.folder / "outputs" / "link"


@pytest.fixture(scope="module")
def line_run(tmp_path_factory: pytest.TempPathFactory) -> LineRun:
    """The Link proposal evaluated on the line study area (library call, written once)."""
    folder = tmp_path_factory.mktemp("line")
    toml = write_line_study(folder)
    proposal = write_link_proposal(folder)
    inputs = load_study_inputs(load_study_area(toml))
    [evaluation] = evaluate_proposals(inputs, [proposal], out_root=folder / "outputs")
    return LineRun(folder, proposal, evaluation)


@pytest.fixture(scope="module")
def line_zones(line_run: LineRun) -> pd.DataFrame:
    return pd.read_csv(line_run.run_folder / "zones.csv", dtype={"id": str}).set_index("id")


def test_run_folder_holds_the_outputs(line_run: LineRun) -> None:
    folder = line_run.run_folder
    assert line_run.evaluation.folder == folder
    files = {p.name for p in folder.iterdir() if p.is_file()}
    assert files >= RUN_FILES
    assert [p.name for p in (folder / "scenario_gtfs").iterdir()] == ["proposal_link.zip"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["outputs"]) == sorted(files | {"scenario_gtfs/"})  # all listed
    assert manifest["outputs"][-1] == "manifest.json"  # written last
    assert manifest["run"] == "link"
    # no temporary sibling is left behind
    assert [p.name for p in folder.parent.iterdir()] == ["link"]


def test_matrix_holds_the_hand_derived_travel_times(line_run: LineRun) -> None:
    matrix = pd.read_parquet(line_run.run_folder / "matrix.parquet")
    assert list(matrix.columns) == ["from_id", "to_layer", "to_id",
                                    "baseline_travel_time_p50_min", "scenario_travel_time_p50_min"]
    layer = {"Z": "zones", "J": "jobs", "S": "spaces"}
    expected = []
    for zone in ZONE_IDS:
        for point, b, s in zip(POINTS, BASELINE_MIN[zone], SCENARIO_MIN[zone], strict=True):
            if not (math.isnan(b) and math.isnan(s)):  # pairs unreachable in both are left out
                expected.append((zone, layer[point[0]], point, b, s))
    got = list(matrix.itertuples(index=False, name=None))
    assert [g[:3] for g in got] == [e[:3] for e in expected]
    for g, e in zip(got, expected, strict=True):
        for value, want in zip(g[3:], e[3:], strict=True):
            assert value == pytest.approx(want, rel=1e-6, nan_ok=True), (g, e)


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_zone_metric_matches_hand_derivation(line_zones: pd.DataFrame, metric: str) -> None:
    baseline, scenario = METRICS[metric]
    for which, values in (("baseline", baseline), ("scenario", scenario)):
        got = line_zones.loc[ZONE_IDS, f"{which}_{metric}"].to_numpy()
        assert got == pytest.approx(values, rel=1e-6, nan_ok=True), which
    delta = [s - b for b, s in zip(baseline, scenario, strict=True)]
    got = line_zones.loc[ZONE_IDS, f"delta_{metric}"].to_numpy()
    assert got == pytest.approx(delta, rel=1e-6, abs=1e-6, nan_ok=True)


def test_zone_table_columns(line_zones: pd.DataFrame, line_run: LineRun) -> None:
    assert line_zones.index.tolist() == ZONE_IDS
    assert line_zones["new_zone_pairs_within_15min"].tolist() == NEW_ZONE_PAIRS
    assert line_zones["deprived"].tolist() == [True, True, False, False]
    assert line_zones["population"].tolist() == [100, 200, 300, 400]
    assert line_zones["name"].tolist() == ["Zone 1", "Zone 2", "Zone 3", "Zone 4"]
    expected = {"name", "population", "deprivation_decile", "group_a", "group_b", "deprived",
                "new_zone_pairs_within_15min"}
    expected |= {f"{w}_{m}" for m in METRICS for w in ("baseline", "scenario", "delta")}
    assert set(line_zones.columns) == expected
    # the GeoPackage holds the same table with the zone points (WGS84)
    import geopandas as gpd

    layer = gpd.read_file(line_run.run_folder / "zones.gpkg")
    assert layer.crs.to_epsg() == 4326
    assert layer["id"].tolist() == ZONE_IDS
    assert layer["delta_jobs_within_20min"].tolist() == [1000, 1000, 0, 1000]


def test_space_mix_matches_hand_derivation(line_run: LineRun) -> None:
    spaces = pd.read_csv(line_run.run_folder / "spaces.csv").set_index("space_id")
    assert spaces.index.tolist() == ["S1", "S2"]
    for column, (b1, b2, s1, s2) in SPACE_MIX.items():
        assert spaces[f"baseline_{column}"].tolist() == pytest.approx([b1, b2])
        assert spaces[f"scenario_{column}"].tolist() == pytest.approx([s1, s2])


@pytest.mark.parametrize("key", list(SCORECARD))
def test_scorecard_matches_hand_derivation(line_run: LineRun, key: str) -> None:
    scorecard = json.loads((line_run.run_folder / "scorecard.json").read_text(encoding="utf-8"))
    written = {row["key"]: row["value"] for row in scorecard["indicators"]}
    assert_same_value(key, written[key], SCORECARD[key], rel=1e-6)
    assert line_run.evaluation.scorecard.value(key) == pytest.approx(SCORECARD[key], rel=1e-6)


def test_scorecard_has_exactly_the_hand_derived_indicators(line_run: LineRun) -> None:
    assert [i.key for i in line_run.evaluation.scorecard.indicators] == list(SCORECARD)


def test_scorecard_values_follow_their_sources(line_run: LineRun, line_zones: pd.DataFrame) -> None:
    scorecard = json.loads((line_run.run_folder / "scorecard.json").read_text(encoding="utf-8"))
    for key, (written, recomputed) in recompute_scorecard(
            scorecard, line_zones.reset_index(), line_run.proposal).items():
        assert_same_value(key, written, recomputed)


def test_running_cost_of_the_link(line_run: LineRun) -> None:
    [route] = line_run.evaluation.cost.routes
    assert route.n_stops == 3
    assert route.route_km == pytest.approx(2.0, abs=1e-5)
    assert route.run_time_min == 5.5  # 2 x 150 s + 30 s dwell
    assert route.layover_min == 5.0  # max(10 % of 5.5, 5)
    assert route.cycle_time_min == 21.0  # 2 x 5.5 + 2 x 5
    assert route.peak_vehicles == 3  # ceil(21 / 10)
    assert route.trips_per_day == 12  # 08:00 ... 08:50, both directions
    assert route.vehicle_hours_per_day == 3.0
    assert route.vehicle_km_per_day == pytest.approx(24.0, abs=1e-4)
    assert route.operating_days_per_year == 260


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def line_study(tmp_path: Path) -> Path:
    """A fresh copy of the line study area; returns its routes.toml."""
    return write_line_study(tmp_path)


def test_cli_evaluate_prints_the_scorecard(line_study: Path) -> None:
    proposal = write_link_proposal(line_study.parent)
    result = run("--config", line_study, "evaluate", proposal)
    assert result.exit_code == 0, result.output
    folder = line_study.parent / "outputs" / "link"  # default: outputs/ beside routes.toml
    assert f"link  ->  {folder}" in result.stdout
    assert re.search(r"buses needed at the peak\s+3(\.0+)?\s+vehicles\n", result.stdout)
    assert re.search(r"neighbourhood pairs newly connected within 15 min\s+7(\.0+)?\s+pairs\n",
                     result.stdout)
    assert re.search(r"residents of deprived neighbourhoods who gain jobs within 20 min\s+300"
                     r"(\.0+)?\s+residents\n", result.stdout)
    assert {p.name for p in folder.iterdir() if p.is_file()} >= RUN_FILES


def test_cli_evaluate_refuses_to_overwrite_without_force(line_study: Path) -> None:
    proposal = write_link_proposal(line_study.parent)
    out = line_study.parent / "runs"
    assert run("--config", line_study, "evaluate", proposal, "--out", out).exit_code == 0
    before = file_bytes(out)
    line = one_line_error(run("--config", line_study, "evaluate", proposal, "--out", out))
    assert f"{out / 'link'} exists" in line
    assert "--force" in line
    assert file_bytes(out) == before


def test_evaluate_refuses_before_any_work(tmp_path: Path, line_study: Path) -> None:
    """The check comes first, so a second proposal that exists stops the whole run."""
    proposal = write_link_proposal(line_study.parent)
    other = write_link_proposal(line_study.parent, "other")
    (tmp_path / "outputs" / "other").mkdir(parents=True)
    inputs = load_study_inputs(load_study_area(line_study))
    with pytest.raises(OutputExistsError, match=r"other exists; pass --force"):
        evaluate_proposals(inputs, [proposal, other], out_root=tmp_path / "outputs")
    assert not (tmp_path / "outputs" / "link").exists()


def test_cli_force_rerun_is_byte_identical_but_for_the_manifest_time(line_study: Path) -> None:
    """A proposal with a new route and a removed GTFS route, run twice with --force."""
    proposal = write_proposal(line_study.parent / "cut.geojson", *link_features(),
                              modification_feature("remove_route", "feed:R1"))
    out = line_study.parent / "runs"
    assert run("--config", line_study, "evaluate", proposal, "--out", out).exit_code == 0
    first = file_bytes(out / "cut")
    result = run("--config", line_study, "evaluate", proposal, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    second = file_bytes(out / "cut")
    assert sorted(first) == sorted(second)
    assert "scenario_gtfs/modified/feed.zip" in first
    differ = [name for name in first if name != "manifest.json" and first[name] != second[name]]
    assert differ == []
    manifests = [json.loads(f["manifest.json"]) for f in (first, second)]
    for manifest in manifests:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", manifest.pop("created_utc"))
    assert manifests[0] == manifests[1]


def test_manifest_lists_every_input_with_its_sha256(line_study: Path) -> None:
    folder = line_study.parent
    proposal = write_link_proposal(folder)
    assert run("--config", line_study, "evaluate", proposal).exit_code == 0
    manifest = json.loads((folder / "outputs" / "link" / "manifest.json").read_text("utf-8"))
    roles = {(i["role"], Path(i["path"]).name): i["sha256"] for i in manifest["inputs"]}
    assert set(roles) == {("config", "routes.toml"), ("osm", "line.osm"), ("gtfs", "feed.zip"),
                          ("zones", "zones.csv"), ("destinations:jobs", "jobs.csv"),
                          ("destinations:spaces", "spaces.csv"), ("proposal", "link.geojson")}
    for (_, name), digest in roles.items():
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    assert manifest["service_date"] == "2019-05-13"
    assert manifest["routing"]["walk_speed_kmh"] == 3.6
    assert manifest["scoring"]["space_cutoff_min"] == 15.0
    assert manifest["engine"] == "builtin"


def test_remove_route_through_the_cli(line_study: Path) -> None:
    """Removing R1 cuts Z1 off from Z2 in the scenario; the baseline keeps it."""
    proposal = write_proposal(line_study.parent / "cut.geojson",
                              modification_feature("remove_route", "feed:R1"))
    result = run("--config", line_study, "evaluate", proposal)
    assert result.exit_code == 0, result.output
    zones = pd.read_csv(line_study.parent / "outputs" / "cut" / "zones.csv").set_index("id")
    assert zones.loc["Z1", "baseline_reach_other_groups_15min"] == 100
    assert zones.loc["Z1", "scenario_reach_other_groups_15min"] == 0
    assert zones["delta_jobs_within_20min"].tolist() == [0, 0, 0, 0]
    assert zones.loc["Z1", "delta_spaces_within_15min"] == -1  # S1 via R1 is gone
    scorecard = json.loads((line_study.parent / "outputs" / "cut" / "scorecard.json").read_text())
    values = {row["key"]: row["value"] for row in scorecard["indicators"]}
    assert values["route_km"] == 0
    assert values["benefit_per_vehicle_hour"] is None  # no vehicle-hours: n/a, not a division


# --------------------------------------------------------------------------- bad proposals

#: ``file stem -> fragments the one-line message must hold`` (feature and field). The last
#: two are validated against the street network: their Porto Alegre / London coordinates
#: lie thousands of km outside the line study area, which is what they report here.
BAD_CASES: dict[str, list[str]] = {
    "bidirectional_not_boolean": ["feature 0 ('Crosstown') bidirectional:", "got 'yes'"],
    "change_headway_missing_headway": ["feature 1 ('change_headway poa_eptc:T12') headway_min:",
                                       "missing"],
    "coordinates_projected_metres": ["feature 0 ('Blackburn crosstown') coordinates:",
                                     "reproject to WGS84"],
    "crs_epsg27700": ["crs: 'urn:ogc:def:crs:EPSG::27700' is not WGS84"],
    "days_unknown": ["feature 0 ('Crosstown') days: 'weekday'", "did you mean 'weekdays'"],
    "duplicate_route_name": ["feature 1 ('Crosstown') name:", "already used by feature 0"],
    "end_before_start": ["feature 0 ('Crosstown') end: '01:00' is not after start '22:00'"],
    "headway_missing": ["feature 0 ('Crosstown') headway_min: missing"],
    "headway_negative": ["feature 0 ('Crosstown') headway_min:", "got -10"],
    "headway_zero": ["feature 0 ('Crosstown') headway_min:", "got 0;"],
    "invalid_json": ["not valid JSON", "line 32, column 3"],
    "multilinestring": ["feature 0 ('Crosstown') geometry: MultiLineString"],
    "not_a_featurecollection": ["type: expected a GeoJSON 'FeatureCollection', got 'Feature'"],
    "period_unparseable": ["feature 0 ('Crosstown') headway_min['7am-9am']: is not a period"],
    "periods_overlap": ["feature 0 ('Crosstown') headway_min:", "'07:00-09:30' and '09:00-12:00'"],
    "speed_out_of_range": ["feature 0 ('Crosstown') speed_kmh:", "got 120"],
    "stop_far_from_route": ["feature 2 ('Lomba') coordinates: stop is", "from route 'Crosstown'"],
    "stop_for_unknown_route": ["feature 1 ('Nonoai') route: 'Crosstwon'", "'Crosstown'"],
    "unknown_property": ["feature 0 ('Crosstown') speed_kph: unknown property", "'speed_kmh'"],
    "wrong_geometry_polygon": ["feature 0 ('Ring road') geometry: 'Polygon'"],
    "route_far_outside": ["feature 0 ('Thames crosstown') coordinates: 10 of 10 stops",
                          "km outside the street network (lon 1.367..1.39395"],
    "unknown_gtfs_route": ["feature 0 ('Crosstown') coordinates: 24 of 24 stops",
                           "km outside the street network"],
}


def test_every_bad_proposal_has_a_case() -> None:
    assert sorted(p.stem for p in BAD_PROPOSALS.glob("*.geojson")) == sorted(BAD_CASES)


@pytest.mark.parametrize("stem", sorted(BAD_CASES))
def test_cli_bad_proposal_is_one_line_naming_feature_and_field(line_study: Path,
                                                               stem: str) -> None:
    path = BAD_PROPOSALS / f"{stem}.geojson"
    out = line_study.parent / "runs"
    line = one_line_error(run("--config", line_study, "evaluate", path, "--out", out))
    assert line.startswith(f"Error: {path}")
    for fragment in BAD_CASES[stem]:
        assert fragment in line
    assert not out.exists() or not any(out.iterdir())  # nothing written, no temporary left


def test_cli_unknown_gtfs_route_of_the_study_feed(line_study: Path) -> None:
    proposal = write_proposal(line_study.parent / "typo.geojson",
                              modification_feature("change_headway", "feed:R3", headway_min=5))
    line = one_line_error(run("--config", line_study, "evaluate", proposal))
    assert ("typo.geojson feature 0 ('change_headway feed:R3') gtfs_route_id: 'feed:R3' is not "
            "a route of the loaded GTFS feeds (close ids: ") in line
    assert "'feed:R1'" in line and "'feed:R2'" in line
    assert not (line_study.parent / "outputs" / "typo").exists()


def test_cli_route_that_is_partly_outside(line_study: Path) -> None:
    """A route running 3 km past the east end: its far stops are named, in one line."""
    proposal = write_proposal(
        line_study.parent / "east.geojson",
        route_feature("East", [2000.0, 6000.0], headway_min=10),
        stop_feature("East", "near", 2000.0), stop_feature("East", "far", 6000.0),
    )
    line = one_line_error(run("--config", line_study, "evaluate", proposal))
    assert "east.geojson feature 0 ('East') coordinates: 1 of 2 stops lie up to 3.0 km" in line


# --------------------------------------------------------------------------- routes access


def test_cli_access_writes_baseline_and_refuses_to_overwrite(line_study: Path) -> None:
    folder = line_study.parent / "outputs" / "access"
    result = run("--config", line_study, "access")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{folder}  (4 zones)"
    files = {p.name for p in folder.iterdir()}
    assert files >= {"zones.gpkg", "zones.csv", "spaces.csv", "manifest.json"}
    zones = pd.read_csv(folder / "zones.csv", dtype={"id": str}).set_index("id")
    for metric, (baseline, _) in METRICS.items():
        assert zones[metric].to_numpy() == pytest.approx(baseline, rel=1e-6, nan_ok=True), metric
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"] == "access"
    assert sorted(manifest["outputs"]) == sorted(files)
    assert manifest["outputs"][-1] == "manifest.json"

    before = file_bytes(folder)
    line = one_line_error(run("--config", line_study, "access"))
    assert f"{folder} exists" in line and "--force" in line
    assert file_bytes(folder) == before
    result = run("--config", line_study, "access", "--force")
    assert result.exit_code == 0, result.output
    after = file_bytes(folder)
    assert {k: v for k, v in after.items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"}


def test_cli_access_out_option(line_study: Path) -> None:
    out = line_study.parent / "elsewhere"
    result = run("--config", line_study, "access", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "zones.csv").is_file()
    assert not (line_study.parent / "outputs").exists()


# --------------------------------------------------------------------------- Porto Alegre

POA_TOML = """\
[study_area]
name = "Porto Alegre"
gtfs = ["{poa}/poa_eptc.zip", "{poa}/poa_trensurb.zip"]
osm = "{poa}/poa_osm.pbf"
date = 2019-05-13

[zones]
file = "{poa}/poa_hexgrid.csv"
id = "id"
population = "population"

[[destinations]]
name = "jobs"
file = "{poa}/poa_hexgrid.csv"
weight = "jobs"

[[destinations]]
name = "spaces"
file = "{poa}/poa_points_of_interest.csv"

[routing]
departure_window = "14:00-15:00"
max_walk_min = 20
walk_speed_kmh = 5.04

[scoring]
job_cutoff_min = 45
space_cutoff_min = 30
"""

#: The warnings a Porto Alegre run gives (the extract covers only part of the feeds).
POA_WARNINGS = [
    r"poa_hexgrid\.csv column 'jobs': 5 of 1,227 destinations have no value .*",
    r"1,1\d\d of 4,0\d\d served stops are more than 1,600 m from the street network .*",
    r"14 of 1,227 zones in poa_hexgrid\.csv are more than 500 m from every street .*",
    r"14 of 1,227 points of destination layer 'jobs' in poa_hexgrid\.csv are more than 500 m "
    r"from every street .*",
]


@pytest.mark.slow
@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_porto_alegre_crosstown(tmp_path: Path, poa_dir: Path) -> None:
    toml = tmp_path / "routes.toml"
    toml.write_text(POA_TOML.format(poa=poa_dir.as_posix()), encoding="utf-8")
    proposal = DATA / "proposals" / "poa_crosstown.geojson"
    out = tmp_path / "outputs"
    result = run("--config", toml, "evaluate", proposal, "--out", out)
    assert result.exit_code == 0, result.output
    folder = out / "poa_crosstown"
    assert f"poa_crosstown  ->  {folder}" in result.stdout
    # the CLI shows each expected warning on stderr, and nothing else
    warned = [line.removeprefix("warning: ") for line in result.stderr.splitlines()]
    assert warned and all(any(re.fullmatch(p, w) for p in POA_WARNINGS) for w in warned), warned
    assert {p.name for p in folder.iterdir() if p.is_file()} >= {
        "zones.gpkg", "zones.csv", "matrix.parquet", "scorecard.json", "manifest.json"}

    # every scorecard value follows from zones.csv (or the costing) as its source says
    zones = pd.read_csv(folder / "zones.csv", dtype={"id": str})
    assert len(zones) == 1227
    scorecard = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
    assert scorecard["proposal"] == "poa_crosstown"
    recomputed = recompute_scorecard(scorecard, zones, proposal)
    assert len(recomputed) == len(scorecard["indicators"]) >= 15
    for key, (written, value) in recomputed.items():
        assert_same_value(key, written, value)
    # the zones have no deprivation deciles: the deprived-residents indicators are n/a
    assert recomputed["deprived_residents_gaining_jobs"][0] is None
    assert recomputed["residents_gaining_jobs"][0] > 0
    assert recomputed["new_zone_pairs"][0] > 0

    matrix = pd.read_parquet(folder / "matrix.parquet")
    assert set(matrix["to_layer"]) == {"zones", "jobs", "spaces"}
    assert (matrix["scenario_travel_time_p50_min"].fillna(1e9)
            <= matrix["baseline_travel_time_p50_min"].fillna(1e9) + 1e-6).all()

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [i for i in manifest["inputs"] if i["role"] == "proposal"]
    assert entry["sha256"] == hashlib.sha256(proposal.read_bytes()).hexdigest()
    [entry] = [i for i in manifest["inputs"] if i["role"] == "config"]
    assert entry["sha256"] == hashlib.sha256(toml.read_bytes()).hexdigest()

    # without --force: refused in one line (after the loaders' warnings), nothing touched
    first = file_bytes(folder)
    result = run("--config", toml, "evaluate", proposal, "--out", out)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    [line] = [x for x in result.output.strip().splitlines() if not x.startswith("warning: ")]
    assert line == f"Error: {folder} exists; pass --force to replace it or choose another --out"

    # with --force: the same bytes, but for the manifest's creation time
    result = run("--config", toml, "evaluate", proposal, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    second = file_bytes(folder)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if name != "manifest.json" and first[name] != second[name]]
    assert differ == []
    manifests = [json.loads(f["manifest.json"]) for f in (first, second)]
    for manifest in manifests:
        manifest.pop("created_utc")
    assert manifests[0] == manifests[1]
