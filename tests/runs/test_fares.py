"""``routes evaluate`` with fares: the fare columns and section in the run folder, ``--persona``.

The line study of ``_evaluate_fixtures`` with ``[fares] single = 3.00``
(hand-derived fare-limited values: tests/evaluation/test_fares.py). The
departure (Monday 08:00) is before 09:30, when bus-pass holders (``encts``)
still pay, so their numbers are the adults'; the run says whose fares it counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from _evaluate_fixtures import ZONE_IDS, write_line_study, write_link_proposal
from click.testing import CliRunner, Result

import cli


def run(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_a_run_with_fares_and_a_persona(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path)
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[fares]\nsingle = 3.00\n",
                    encoding="utf-8")
    proposal = write_link_proposal(tmp_path)
    result = run("-q", "--config", toml, "evaluate", proposal, "--persona", "encts")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "outputs" / "link"
    zones = pd.read_csv(folder / "zones.csv", dtype={"zone_id": str, "id": str})
    zones = zones.set_index(zones.columns[0])
    assert zones.loc[ZONE_IDS, "scenario_jobs_within_20min_fare300p"].tolist() == [
        200, 1000, 1000, 1000]
    scorecard = json.loads((folder / "scorecard.json").read_text(encoding="utf-8"))
    fare_rows = [r for r in scorecard["indicators"] if "fare300p" in r["key"]]
    assert fare_rows and all("older or disabled person's bus pass" in r["description"]
                             for r in fare_rows if "time_only" not in r["key"])
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Can people afford the journey?" in page
    assert "Fares counted: fares for holders of an older or disabled person&#39;s bus pass" in page


def test_persona_without_fares_is_a_usage_error(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path)
    result = run("--config", toml, "evaluate", write_link_proposal(tmp_path), "--persona", "adult")
    assert result.exit_code == 2
    assert "--persona needs fares: add a [fares] table to routes.toml" in result.output
