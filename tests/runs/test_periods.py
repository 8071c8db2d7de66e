"""Run folders with ``[[periods]]``: ``routes access`` and ``routes evaluate`` on the line study.

Hand-derived values as in ``tests/evaluation/test_periods.py``: in the evening
(19:00) nobody rides, so jobs within 20 min are the walk-only [200, 0, 1000, 0]
and the proposal Link (08:00-09:00) changes nothing.

On Demo Town with ``am_peak`` 07:00-09:00 and ``evening`` 19:00-21:00, the
map of ``express_to_centre`` (buses 06:30-19:00) offers the change in jobs per
window, one at a time; in the evening nobody gains.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _evaluate_fixtures import ZONE_IDS, write_line_study, write_link_proposal
from _map_reader import base_layers, layer_features, overlays, shown_on_opening, zone_of
from click.testing import CliRunner

from cli import main
from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.demo.study_area import write_demo_study_area
from routes.evaluation.study import load_study
from routes.render.svg import NO_CHANGE_COLOUR
from routes.runs.evaluate import evaluate_to_folders

PERIODS = '\n[[periods]]\nname = "evening"\ndeparture_window = "19:00-19:01"\n'


def _run(*args: object) -> str:
    result = CliRunner().invoke(main, ["-q", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def test_access_and_evaluate_write_every_period(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path / "s")
    toml.write_text(toml.read_text(encoding="utf-8") + PERIODS, encoding="utf-8")
    _run("--config", toml, "access", "--out", tmp_path / "access")
    access = pd.read_csv(tmp_path / "access" / "zones.csv", index_col="id").loc[ZONE_IDS]
    assert list(access["jobs_within_20min"]) == [200, 0, 1000, 0]  # 08:00, R1 does not reach J2
    assert list(access["jobs_within_20min_evening"]) == [200, 0, 1000, 0]
    assert "population_evening" not in access and "name_evening" not in access
    manifest = json.loads((tmp_path / "access" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["routing"]["periods"] == [
        {"name": "evening", "departure_window": "19:00-19:01", "date": "2019-05-13"}]

    output = _run("--config", toml, "evaluate", write_link_proposal(tmp_path),
                  "--out", tmp_path / "runs")
    assert "link helps in the study window (08:00-08:01), but nothing after 19:00." in output
    folder = tmp_path / "runs" / "link"
    zones = pd.read_csv(folder / "zones.csv", index_col="id").loc[ZONE_IDS]
    assert list(zones["delta_jobs_within_20min"]) == [1000, 1000, 0, 1000]
    assert list(zones["delta_jobs_within_20min_evening"]) == [0, 0, 0, 0]
    card = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
    assert card["when_it_helps"].endswith("but nothing after 19:00.")
    [evening] = card["periods"]
    assert (evening["name"], evening["helps"]) == ("evening", False)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "By period" in page and "nothing after 19:00" in page
    layers = list(base_layers((folder / "map.html").read_text(encoding="utf-8")))
    assert layers == ["Change in jobs within 20 min, study window 08:00-08:01",
                      "Change in jobs within 20 min, evening 19:00-19:01"]


def test_without_periods_the_run_folder_is_as_before(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path / "s")
    _run("--config", toml, "evaluate", write_link_proposal(tmp_path), "--out", tmp_path / "r")
    folder = tmp_path / "r" / "link"
    assert set(json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))) == {
        "proposal", "indicators"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "periods" not in manifest["routing"]
    assert "By period" not in (folder / "report.html").read_text(encoding="utf-8")
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert base_layers(page) == {}  # one change-in-jobs overlay, as before periods
    assert "Change in jobs within 20 min" in overlays(page)


DEMO_PERIODS = """
[[periods]]
name = "am_peak"
departure_window = "07:00-09:00"

[[periods]]
name = "evening"
departure_window = "19:00-21:00"
"""


def _change_words(delta: float) -> str:
    """Naive: a whole number of jobs, signed, with thousands separators; 0 as 0."""
    assert delta == round(delta)
    return "0" if delta == 0 else f"{delta:+,.0f} jobs"


@pytest.mark.slow
def test_demo_map_shows_the_change_in_jobs_by_period(tmp_path: Path) -> None:
    demo = write_demo_study_area(tmp_path / "demo")
    demo.config.write_text(demo.config.read_text(encoding="utf-8") + DEMO_PERIODS,
                           encoding="utf-8")
    study = load_study(load_study_area(demo.config), cache=NetworkCache(tmp_path / "cache"))
    [express] = [p for p in demo.proposals if p.stem == "express_to_centre"]
    [run] = evaluate_to_folders(study, [express], out_root=tmp_path / "out")
    page = (run.folder / "map.html").read_text(encoding="utf-8")
    zones = pd.read_csv(run.folder / "zones.csv", index_col="id")
    windows = {"study window 07:00-09:00": "", "am_peak 07:00-09:00": "_am_peak",
               "evening 19:00-21:00": "_evening"}
    layers = base_layers(page)
    assert list(layers) == [f"Change in jobs within 45 min, {w}" for w in windows]
    assert [shown_on_opening(page, v) for v in layers.values()] == [True, False, False]
    assert "Change in jobs within 45 min" not in overlays(page)
    # The buses run 06:30-19:00: nobody gains in the evening, many in the morning.
    assert (zones["delta_jobs_within_45min_evening"] == 0).all()
    assert (zones["delta_jobs_within_45min_am_peak"] > 0).sum() > 5
    fills = {}
    for (window, suffix), var in zip(windows.items(), layers.values(), strict=True):
        features = {zone_of(f["properties"]["tooltip"]): f["properties"]
                    for f in layer_features(page, var)}
        assert set(features) == set(zones.index)
        fills[suffix] = {z: p["fill"] for z, p in features.items()}
        for zone, props in features.items():
            listed = "<br>".join(
                f"{w}: {_change_words(zones.at[zone, f'delta_jobs_within_45min{s}'])}"
                for w, s in windows.items())
            assert props["tooltip"].endswith(
                f"<b>Jobs within 45 min, change by period</b><br>{listed}")
            row = zones.loc[zone]
            before = row[f"baseline_jobs_within_45min{suffix}"]
            assert f"Jobs within 45 min, {window}: {before:,.0f} today, " in props["tooltip"]
    assert set(fills["_evening"].values()) == {NO_CHANGE_COLOUR}
    # The study window and am_peak are the same window: the same colours, on shared classes.
    assert fills[""] == fills["_am_peak"]
    assert len(set(fills["_am_peak"].values())) > 2
