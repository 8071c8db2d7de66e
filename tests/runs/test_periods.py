"""Run folders with ``[[periods]]``: ``routes access`` and ``routes evaluate`` on the line study.

Hand-derived values as in ``tests/evaluation/test_periods.py``: in the evening
(19:00) nobody rides, so jobs within 20 min are the walk-only [200, 0, 1000, 0]
and the proposal Link (08:00-09:00) changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from _evaluate_fixtures import ZONE_IDS, write_line_study, write_link_proposal
from click.testing import CliRunner

from cli import main

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


def test_without_periods_the_run_folder_is_as_before(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path / "s")
    _run("--config", toml, "evaluate", write_link_proposal(tmp_path), "--out", tmp_path / "r")
    folder = tmp_path / "r" / "link"
    assert set(json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))) == {
        "proposal", "indicators"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "periods" not in manifest["routing"]
    assert "By period" not in (folder / "report.html").read_text(encoding="utf-8")
