"""``routes evaluate`` and ``routes access`` end to end.

- On the line study area of ``tests/_evaluate_fixtures.py`` every travel time,
  per-zone metric, per-space mix and scorecard number is compared with the
  values derived by hand in that module's docstring.
- Through the CLI on the same study area: run folders, refusing to overwrite,
  byte-identical re-runs, the manifest, data warnings in the manifest and the
  report, and what is checked before any computing. (Every bad proposal goes
  through ``routes evaluate`` in ``tests/test_cli_bad_inputs.py``.)
- On Porto Alegre (slow): a full run whose every scorecard value is recomputed
  from ``zones.csv`` by following the indicator's ``source``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import markupsafe
import pandas as pd
import pytest
from _evaluate_fixtures import (
    BASELINE_MIN,
    COMMUNITY_PAIRS,
    MAJORITY_GROUPS,
    METRICS,
    NEW_ZONE_PAIRS,
    NEW_ZONE_PAIRS_ACROSS_GROUPS,
    POA_TOML,
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
from routes.config.study_area import load_study_area
from routes.errors import InputError, OutputExistsError, ProposalError
from routes.evaluation.evaluate import Evaluation
from routes.evaluation.study import load_study
from routes.runs.evaluate import EvaluationRun, evaluate_to_folders

DATA = Path(__file__).parents[1] / "data"
#: Files every run folder of the line study area holds (maps and reports may join them).
RUN_FILES = {"manifest.json", "matrix.parquet", "scorecard.json", "spaces.csv", "zones.csv",
             "zones.gpkg", "community_pairs.csv", "group_pairs.csv"}


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
    run: EvaluationRun

    @property
    def evaluation(self) -> Evaluation:
        return self.run.evaluation

    @property
    def run_folder(self) -> Path:
        return self.folder / "outputs" / "link"


@pytest.fixture(scope="module")
def line_run(tmp_path_factory: pytest.TempPathFactory) -> LineRun:
    """The Link proposal evaluated on the line study area (library call, written once)."""
    folder = tmp_path_factory.mktemp("line")
    toml = write_line_study(folder)
    proposal = write_link_proposal(folder)
    inputs = load_study(load_study_area(toml))
    [run] = evaluate_to_folders(inputs, [proposal], out_root=folder / "outputs")
    return LineRun(folder, proposal, run)


@pytest.fixture(scope="module")
def line_zones(line_run: LineRun) -> pd.DataFrame:
    return pd.read_csv(line_run.run_folder / "zones.csv", dtype={"id": str}).set_index("id")


def test_run_folder_holds_the_outputs(line_run: LineRun) -> None:
    folder = line_run.run_folder
    assert line_run.run.folder == folder
    files = {p.name for p in folder.iterdir()}
    assert files >= RUN_FILES
    assert all((folder / f).is_file() for f in files)  # no scenario GTFS folder any more
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["outputs"]) == sorted(files)  # all listed
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
    assert (line_zones["new_zone_pairs_across_groups_within_15min"].tolist()
            == NEW_ZONE_PAIRS_ACROSS_GROUPS)
    assert line_zones["lost_zone_pairs_within_15min"].tolist() == [0, 0, 0, 0]
    assert line_zones["majority_group"].tolist() == MAJORITY_GROUPS
    assert line_zones["deprived"].tolist() == [True, True, False, False]
    assert line_zones["population"].tolist() == [100, 200, 300, 400]
    assert line_zones["name"].tolist() == ["Zone 1", "Zone 2", "Zone 3", "Zone 4"]
    expected = {"name", "population", "deprivation_decile", "group_a", "group_b", "deprived",
                "majority_group", "new_zone_pairs_within_15min", "lost_zone_pairs_within_15min",
                "new_zone_pairs_across_groups_within_15min",
                "lost_zone_pairs_across_groups_within_15min"}
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
    assert spaces["name"].tolist() == ["Library S1", "Park S2"]
    assert spaces["category"].tolist() == ["library", "park"]
    for column, (b1, b2, s1, s2) in SPACE_MIX.items():
        assert spaces[f"baseline_{column}"].tolist() == pytest.approx([b1, b2])
        assert spaces[f"scenario_{column}"].tolist() == pytest.approx([s1, s2])
        assert spaces[f"delta_{column}"].tolist() == pytest.approx([s1 - b1, s2 - b2])


def test_community_pairs_match_hand_derivation(line_run: LineRun) -> None:
    pairs = pd.read_csv(line_run.run_folder / "community_pairs.csv", dtype=str)
    assert list(pairs.columns) == ["change", "zone_a", "name_a", "group_a", "residents_a",
                                   "zone_b", "name_b", "group_b", "residents_b", "across_groups",
                                   "n_spaces", "meeting_min", "spaces", "space_ids", "categories"]
    assert set(pairs["change"]) == {"new"}
    got = [(r.zone_a, r.zone_b, r.across_groups == "True", r.space_ids, float(r.meeting_min))
           for r in pairs.itertuples()]
    assert got == [(a, b, across, ids, pytest.approx(t, abs=1e-4)) for a, b, across, ids, t in
                   COMMUNITY_PAIRS]
    names = {"S1": "Library S1", "S2": "Park S2"}
    assert pairs["spaces"].tolist() == ["; ".join(names[i] for i in ids.split("; "))
                                        for *_, ids, _ in COMMUNITY_PAIRS]
    assert pairs.loc[0, ["name_a", "group_a", "name_b", "group_b"]].tolist() == [
        "Zone 3", "group_b", "Zone 4", "group_a"]
    # the same table on the evaluation, for the report
    table = line_run.evaluation.scorecard.interaction.community_pairs
    assert table["zone_a"].tolist() == [p[0] for p in COMMUNITY_PAIRS]


def test_group_pairs_match_hand_derivation(line_run: LineRun) -> None:
    [row] = pd.read_csv(line_run.run_folder / "group_pairs.csv").to_dict("records")
    assert (row["group_a"], row["group_b"], row["resident_pairs"]) == ("group_a", "group_b",
                                                                       250_000)
    assert (row["baseline_potential"], row["scenario_potential"]) == (50_000, 450_000)
    assert (row["baseline_pairs_able_to_meet"], row["scenario_pairs_able_to_meet"]) == (
        50_000, 250_000)


@pytest.mark.parametrize("key", list(SCORECARD))
def test_scorecard_matches_hand_derivation(line_run: LineRun, key: str) -> None:
    scorecard = json.loads((line_run.run_folder / "scorecard.json").read_text(encoding="utf-8"))
    written = {row["key"]: row["value"] for row in scorecard["indicators"]}
    assert_same_value(key, written[key], SCORECARD[key], rel=1e-6)
    assert line_run.evaluation.scorecard.value(key) == pytest.approx(SCORECARD[key], rel=1e-6,
                                                                     nan_ok=True)


def test_scorecard_has_exactly_the_hand_derived_indicators(line_run: LineRun) -> None:
    assert [i.key for i in line_run.evaluation.scorecard.indicators] == list(SCORECARD)


def test_scorecard_values_follow_their_sources(line_run: LineRun, line_zones: pd.DataFrame) -> None:
    scorecard = json.loads((line_run.run_folder / "scorecard.json").read_text(encoding="utf-8"))
    for key, (written, recomputed) in recompute_scorecard(
            scorecard, line_zones.reset_index(), line_run.proposal,
            line_run.run_folder).items():
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
    assert re.search(r"buses needed at the peak: net \(new minus saved; negative = a saving\)"
                     r"\s+3(\.0+)?\s+vehicles\n", result.stdout)
    assert re.search(r"pairs of neighbourhoods newly connected within 15 min \(either way, each "
                     r"pair once\)\s+4(\.0+)?\s+pairs\n", result.stdout)
    assert re.search(r"residents of deprived neighbourhoods who gain jobs within 20 min\s+300"
                     r"(\.0+)?\s+residents\n", result.stdout)
    assert {p.name for p in folder.iterdir() if p.is_file()} >= RUN_FILES


def test_cli_evaluate_without_isochrones_draws_no_reachable_areas(line_study: Path) -> None:
    pytest.importorskip("folium")
    from _map_reader import overlays

    proposal = write_link_proposal(line_study.parent)
    drawn = {}
    for flag in ((), ("--no-isochrones",)):
        out = line_study.parent / f"runs{len(flag)}"
        result = run("--config", line_study, "evaluate", proposal, "--out", out, *flag)
        assert result.exit_code == 0, result.output
        page = (out / "link" / "map.html").read_text(encoding="utf-8")
        drawn[flag] = [name for name in overlays(page) if name.startswith("Reachable")]
        assert (out / "link" / "report.html").is_file()
    assert drawn[()], "the line study draws reachable areas by default"
    assert drawn[("--no-isochrones",)] == []
    refused = run("--config", line_study, "evaluate", proposal, "--no-isochrones",
                  "--map-zone", "Z1", "--out", line_study.parent / "runs2")
    assert refused.exit_code == 2
    assert "drop it or --no-isochrones" in refused.output
    assert not (line_study.parent / "runs2").exists()


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
    inputs = load_study(load_study_area(line_study))
    with pytest.raises(OutputExistsError, match=r"other exists; pass --force"):
        evaluate_to_folders(inputs, [proposal, other], out_root=tmp_path / "outputs")
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
    assert values["benefit_per_vehicle_hour"] is None  # it saves running time: n/a
    # R1's one trip, A 08:02 -> B 08:06 (1 km), holds a bus 4 + 5 min: 1 bus, 1 h a day
    assert values["peak_vehicles_saved"] == 1 and values["peak_vehicles"] == -1
    assert values["annual_vehicle_hours_saved"] == 260 and values["annual_vehicle_hours"] == -260
    assert values["annual_vehicle_km"] == pytest.approx(-260, rel=1e-3)
    rows = {row["key"]: row for row in scorecard["indicators"]}
    assert rows["annual_vehicle_hours"]["description"] == (
        "Saves money: 1 fewer bus at the peak and 260 fewer vehicle-hours (260 vehicle-km) a "
        "year.")
    # the losers: Z1 loses the library and its link with Z2
    assert values["residents_with_fewer_shared_spaces"] == 100
    assert values["residents_no_longer_reaching_a_space"] == 100  # S1 was Z1's only space
    assert values["lost_zone_pairs"] == 1
    assert values["social_interaction_lost_pairs_within_groups"] == 1  # Z1 and Z2: both group a
    assert values["social_interaction_exposure_deprived_change"] < 0
    pairs = pd.read_csv(line_study.parent / "outputs" / "cut" / "community_pairs.csv", dtype=str)
    assert pairs[["change", "zone_a", "zone_b", "spaces"]].values.tolist() == [
        ["lost", "Z1", "Z2", "Library S1"]]


# --------------------------------------------------------------------------- checks first


def test_every_check_comes_before_any_computing(
    line_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later proposal that fails validation (or an unknown map zone) stops the call first."""
    import routes.runs.evaluate

    folder = line_study.parent
    good = write_link_proposal(folder)
    weekend = write_proposal(folder / "weekend.geojson",
                             *link_features()[:1])  # the Link route, weekdays by default...
    data = json.loads(weekend.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["days"] = ["sat", "sun"]  # ...now weekends only
    weekend.write_text(json.dumps(data), encoding="utf-8")
    inputs = load_study(load_study_area(line_study))

    def no_computing(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed before every check")

    monkeypatch.setattr(routes.runs.evaluate, "compute_baseline", no_computing)
    out = folder / "runs"
    with pytest.raises(ProposalError, match=r"weekend.geojson feature 0 \('Link'\) days: "
                                            r"'weekends' does not include Monday, the study date"):
        evaluate_to_folders(inputs, [good, weekend], out_root=out)
    with pytest.raises(InputError, match=r"--map-zone 'Z9' \(closest: 'Z4', 'Z3', 'Z2'\): not "
                                         r"among the 4 zones"):
        evaluate_to_folders(inputs, [good], out_root=out, map_zones=["Z9"])
    with pytest.raises(InputError, match=r"would both be written to"):
        evaluate_to_folders(inputs, [good, folder / "sub" / "link.geojson"], out_root=out)
    assert not out.exists() or list(out.iterdir()) == []


def test_a_long_proposal_name_gets_a_short_folder(line_study: Path) -> None:
    """A 245-character file name: the run folder (and the run's name) is cut with a hash."""
    name = "crosstown_" + "x" * 235
    proposal = write_link_proposal(line_study.parent, name)
    result = run("--config", line_study, "evaluate", proposal)
    assert result.exit_code == 0, result.output
    [folder] = (line_study.parent / "outputs").iterdir()
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    assert folder.name == name[:91] + "-" + digest
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"] == folder.name
    assert f"{folder.name}  ->  {folder}" in result.stdout


# --------------------------------------------------------------------------- data warnings


@pytest.fixture
def warning_study(line_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The line study with three things to warn about, and a cold cache of its own.

    - the feed has a trip calling at an unknown stop (dropped with --allow-feed-errors);
    - jobs.csv has a site with no job count (counted as 0);
    - the proposal gives start/end and a headway table (start/end ignored), and its
      route has a hostile name.
    """
    from _evaluate_fixtures import feed_tables, lonlat
    from _feeds import write_feed

    folder = line_study.parent
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(tmp_path / "cold-cache"))
    tables = feed_tables()
    tables["stop_times"].append({"trip_id": "T2", "arrival_time": "07:20:00",
                                 "departure_time": "07:20:00", "stop_id": "ZZ",
                                 "stop_sequence": 3})
    write_feed(folder / "feed.zip", **tables)
    lon, lat = lonlat(1500.0, 0.0)
    with (folder / "jobs.csv").open("a", encoding="utf-8") as jobs:
        jobs.write(f"J9,{lon:.7f},{lat:.7f},\n")
    features = link_features()
    features[0]["properties"].update(name=HOSTILE, headway_min={"08:00-09:00": 10})
    for stop in features[1:]:
        stop["properties"]["route"] = HOSTILE
    write_proposal(folder / "warn.geojson", *features)
    return line_study


HOSTILE = "<script>alert(1)</script>"
FEED_WARNING = ("GTFS feed 'feed' ({folder}/feed.zip): ignored feed errors, dropping 1 trips "
                "with an unknown stop; e.g. stop_times.txt row 5: stop_id 'ZZ' is not in "
                "stops.txt")
JOBS_WARNING = ("jobs.csv column 'jobs': 1 of 3 destinations have no value (e.g. row 3 (id "
                "'J9')) and count as 0 jobs; fill them in if that is wrong")
PROPOSAL_WARNING = ("{folder}/{name}.geojson feature 0 ('<script>alert(1)</script>'): "
                    "'start'/'end' are ignored because headway_min is given by period; the "
                    "periods define the service span")


def _warnings_box(page: str) -> str:
    start = page.index('<div class="data-warnings" role="note"><h2>Data warnings</h2>')
    return page[start:page.index("</div>", start)]


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_evaluate_records_every_warning_in_the_manifest_and_the_report(
    warning_study: Path,
) -> None:

    folder = warning_study.parent
    result = run("--config", warning_study, "evaluate", folder / "warn.geojson",
                 "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    run_folder = folder / "outputs" / "warn"
    manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
    expected = [JOBS_WARNING, FEED_WARNING.format(folder=folder),
                PROPOSAL_WARNING.format(folder=folder, name="warn")]
    assert sorted(manifest["warnings"]) == sorted(expected)  # each once
    for text in expected:  # shown on stderr too, as the run went
        assert f"warning: {text}" in result.output
    box = _warnings_box((run_folder / "report.html").read_text(encoding="utf-8"))
    assert HOSTILE not in box  # escaped
    for text in expected:
        assert f"<li>{markupsafe.escape(text)}</li>" in box


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_access_records_the_warnings_in_its_manifest(warning_study: Path) -> None:
    folder = warning_study.parent
    result = run("--config", warning_study, "access", "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "outputs" / "access" / "manifest.json").read_text("utf-8"))
    assert sorted(manifest["warnings"]) == sorted([JOBS_WARNING,
                                                   FEED_WARNING.format(folder=folder)])


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_compare_records_the_warnings_of_every_proposal(warning_study: Path) -> None:
    import shutil

    folder = warning_study.parent
    shutil.copy(folder / "warn.geojson", folder / "again.geojson")
    result = run("--config", warning_study, "compare", folder / "warn.geojson",
                 folder / "again.geojson", "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    compare = folder / "outputs" / "compare"
    manifest = json.loads((compare / "manifest.json").read_text(encoding="utf-8"))
    expected = [JOBS_WARNING, FEED_WARNING.format(folder=folder),
                *(PROPOSAL_WARNING.format(folder=folder, name=n) for n in ("warn", "again"))]
    assert sorted(manifest["warnings"]) == sorted(expected)
    box = _warnings_box((compare / "report.html").read_text(encoding="utf-8"))
    assert all(f"<li>{markupsafe.escape(text)}</li>" in box for text in expected)
    for name in ("warn", "again"):  # each run folder lists its own
        own = json.loads((compare / name / "manifest.json").read_text(encoding="utf-8"))
        assert PROPOSAL_WARNING.format(folder=folder, name=name) in own["warnings"]


def test_a_run_without_warnings_has_an_empty_list_and_no_box(line_study: Path) -> None:
    proposal = write_link_proposal(line_study.parent)
    assert run("--config", line_study, "evaluate", proposal).exit_code == 0
    folder = line_study.parent / "outputs" / "link"
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["warnings"] == []
    assert "Data warnings" not in (folder / "report.html").read_text(encoding="utf-8")


def test_cli_unknown_gtfs_route_of_the_study_feed(line_study: Path) -> None:
    proposal = write_proposal(line_study.parent / "typo.geojson",
                              modification_feature("change_headway", "feed:R3", headway_min=5))
    line = one_line_error(run("--config", line_study, "evaluate", proposal))
    assert ("typo.geojson feature 0 ('change_headway feed:R3') gtfs_route_id: 'feed:R3' is not "
            "a route of the loaded GTFS feeds (closest: ") in line
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


#: The warnings a Porto Alegre run gives (the extract covers only part of the feeds).
POA_WARNINGS = [
    r"poa_hexgrid\.csv column 'jobs': 5 of 1,227 destinations have no value .*",
    r"1,1\d\d of 4,0\d\d served stops are more than 1,600 m from the street network .*",
    # 7, not the 14 of the largest component alone: walking islands of 40+ vertices stay (R5)
    r"7 of 1,227 zones in poa_hexgrid\.csv are more than 500 m from every street .*",
    r"7 of 1,227 points of destination layer 'jobs' in poa_hexgrid\.csv are more than 500 m "
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
    recomputed = recompute_scorecard(scorecard, zones, proposal, folder)
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
