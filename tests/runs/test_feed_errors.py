"""``--allow-feed-errors`` reaches every path: the baseline, the scenarios, ``evaluate`` and
``compare``.

The Demo Town's feed gets one malformed stop time (``25:6:00``, the example of the
message style in STYLE.md) on a trip of route 1. Without the flag every command stops
with one line naming it; with it the trip is dropped with a warning, and proposals, one
of which changes the headway of route 1 itself, are evaluated and compared.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli

BAD_TRIP = "1-WD-O-0630"


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo Town with ``25:6:00`` as the departure of the second stop of trip 1-WD-O-0630,
    and a proposal that changes route 1 to a 20-minute headway; returns routes.toml."""
    from routes.demo.study_area import write_demo_study_area

    folder = tmp_path_factory.mktemp("town")
    write_demo_study_area(folder)
    feed = folder / "gtfs" / "demo_town.zip"
    with zipfile.ZipFile(feed) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    lines = members["stop_times.txt"].decode().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{BAD_TRIP},")
                 and line.split(",")[4] == "2")
    cells = lines[index].split(",")
    cells[2] = "25:6:00"
    lines[index] = ",".join(cells)
    members["stop_times.txt"] = "".join(lines).encode()
    with zipfile.ZipFile(feed, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    source = json.loads((folder / "examples" / "crosstown_link.geojson").read_text("utf-8"))
    source["features"].append({"type": "Feature", "geometry": None, "properties": {
        "type": "change_headway", "gtfs_route_id": "demo_town:1", "headway_min": 20}})
    (folder / "examples" / "link_and_route_1.geojson").write_text(json.dumps(source), "utf-8")
    return folder / "routes.toml"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.mark.parametrize("command", ["evaluate", "compare"])
def test_a_malformed_time_stops_the_run(town: Path, tmp_path: Path, command: str) -> None:
    examples = town.parent / "examples"
    result = run("--config", town, command, examples / "crosstown_link.geojson",
                 examples / "link_and_route_1.geojson", "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "departure_time '25:6:00' is not HH:MM:SS" in result.output
    assert "--allow-feed-errors" in result.output
    assert not list((tmp_path / "out").rglob("manifest.json"))  # no run was written


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_evaluate_allow_feed_errors(town: Path, tmp_path: Path) -> None:
    proposal = town.parent / "examples" / "link_and_route_1.geojson"
    result = run("--config", town, "evaluate", proposal, "--out", tmp_path, "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "link_and_route_1" / "manifest.json").read_text("utf-8"))
    [dropped] = [w for w in manifest["warnings"] if "malformed times" in w]
    assert "25:6:00" in dropped
    scorecard = json.loads((tmp_path / "link_and_route_1" / "scorecard.json").read_text("utf-8"))
    assert scorecard["proposal"] == "link_and_route_1"


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_compare_allow_feed_errors(town: Path, tmp_path: Path) -> None:
    examples = town.parent / "examples"
    out = tmp_path / "cmp"
    result = run("--config", town, "compare", examples / "crosstown_link.geojson",
                 examples / "link_and_route_1.geojson", "--out", out, "--allow-feed-errors")
    assert result.exit_code == 0, result.output
    assert (out / "ranking.csv").is_file()
    for name in ("crosstown_link", "link_and_route_1"):
        manifest = json.loads((out / name / "manifest.json").read_text("utf-8"))
        assert any("25:6:00" in w for w in manifest["warnings"]), name


def test_the_scenario_keeps_the_baselines_trips(town: Path) -> None:
    """The scenario is built from the trips the baseline kept: the malformed trip is gone
    from both, and route 1 runs every 20 minutes in the scenario."""
    import numpy as np

    from routes.evaluation.scenario import build_scenario
    from routes.evaluation.study import load_study
    from routes.proposal.load import load_proposal

    with pytest.warns(Warning):
        study = load_study(town, allow_feed_errors=True)
    baseline = study.network.timetable
    assert f"demo_town:{BAD_TRIP}" not in set(baseline.trip_ids)
    proposal = load_proposal(town.parent / "examples" / "link_and_route_1.geojson")
    scenario = build_scenario(study.area, study.network, proposal).network.timetable
    route_1 = int(np.flatnonzero(scenario.route_ids == "demo_town:1")[0])
    trips = np.repeat(scenario.pattern_route, np.diff(scenario.pattern_trip_ptr)) == route_1
    ids = scenario.trip_ids[trips]
    assert len(ids) and all("_hw1200s_" in str(t) for t in ids)
    shutil.rmtree(town.parent / "outputs", ignore_errors=True)
