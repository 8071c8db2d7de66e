"""``routes monitor``: the run folder, its manifest and report, and the command's errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from _evaluate_fixtures import ZONE_IDS
from _map_reader import base_layers, layer_features
from _monitor_fixtures import write_withdrawn
from click.testing import CliRunner

from cli import main

PERIODS = '\n[[periods]]\nname = "evening"\ndeparture_window = "19:00-19:01"\n'


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_monitor_writes_the_run_folder(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    for toml in (before, after):
        text = toml.read_text(encoding="utf-8").replace('name = "Line street"',
                                                        'name = "Line <script>x</script>"')
        toml.write_text(text + PERIODS, encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["-q", "monitor", str(before), str(after),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "no longer reach any" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "by_community.csv", "by_decile.csv", "manifest.json", "map.html", "report.html",
        "zones.csv", "zones.gpkg"]
    zones = pd.read_csv(out / "zones.csv", index_col="id").loc[ZONE_IDS]
    assert list(zones["delta_spaces_within_15min"]) == [-1, 0, 0, 0]
    # In the evening nobody rides (R1 runs at 08:02): the withdrawal changes nothing then.
    assert list(zones["delta_spaces_within_15min_evening"]) == [0, 0, 0, 0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    feeds = [t["gtfs"][0] for t in manifest["timetables"]]
    assert [f["sha256"] for f in feeds] == [_sha256(tmp_path / "s" / "feed.zip"),
                                            _sha256(tmp_path / "s" / "feed_after.zip")]
    assert all(t["periods"] == [{"name": "evening", "departure_window": "19:00-19:01",
                                 "date": "2019-05-13"}] for t in manifest["timetables"])
    assert all(s["routing"]["periods"][0]["name"] == "evening" for s in manifest["studies"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    # The map offers the change in jobs in the study window and in the evening, one at a time.
    layers = base_layers((out / "map.html").read_text(encoding="utf-8"))
    assert list(layers) == ["Change in jobs within 20 min, study window 08:00-08:01",
                            "Change in jobs within 20 min, evening 19:00-19:01"]
    # Its tooltips name the two timetables compared, not "today" and "the proposal".
    map_page = (out / "map.html").read_text(encoding="utf-8")
    tips = [f["properties"]["tooltip"] for var in layers.values()
            for f in layer_features(map_page, var)]
    assert tips and all("with the proposal" not in t and " today" not in t for t in tips)
    assert all("under Line &lt;script&gt;x&lt;/script&gt; (2019-05-13, routes.toml)" in t
               and "under Line &lt;script&gt;x&lt;/script&gt; (2019-05-13, after.toml)" in t
               for t in tips), tips[0]


def _monitor_with_fares(tmp_path: Path, *, after_too: bool) -> tuple[pd.DataFrame, list[str],
                                                                      Path]:
    """Monitor the R1 withdrawal with ``[fares] single = 3.00`` in the first file (and the
    second with ``after_too``); return zones.csv, the manifest's fare warnings, after.toml."""
    before, after = write_withdrawn(tmp_path / "s")
    for toml in (before, after) if after_too else (before,):
        toml.write_text(toml.read_text(encoding="utf-8") + "\n[fares]\nsingle = 3.00\n",
                        encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["-q", "monitor", str(before), str(after),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return (pd.read_csv(out / "zones.csv", index_col="id"),
            [w for w in manifest["warnings"] if "fare" in w], after)


def test_monitor_compares_fare_limited_access(tmp_path: Path) -> None:
    """With [fares] in both files, zones.csv has before/after/delta fare columns.

    Hand-derived (``tests/evaluation/test_fares.py``, the line study at 300 p a
    boarding): before, jobs within 20 min for one fare are Z1 200, Z2 0, Z3 1000,
    Z4 0, and Z1 reaches shared space S1 within 15 min by R1 alone (one fare), so
    withdrawing R1 costs Z1 that space for one fare too.
    """
    zones, fare_warnings, _ = _monitor_with_fares(tmp_path, after_too=True)
    zones = zones.loc[ZONE_IDS]
    assert list(zones["before_jobs_within_20min_fare300p"]) == [200, 0, 1000, 0]
    assert list(zones["before_spaces_within_15min_fare300p"]) == [1, 1, 0, 1]
    assert list(zones["delta_spaces_within_15min_fare300p"]) == [-1, 0, 0, 0]
    assert "before_fastest_fare_jobs_20min_p" in zones.columns
    assert fare_warnings == []


@pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")
def test_monitor_says_why_it_leaves_fares_out(tmp_path: Path) -> None:
    zones, fare_warnings, after = _monitor_with_fares(tmp_path, after_too=False)
    assert not [c for c in zones.columns if "fare" in c]
    assert fare_warnings == [
        f"fare-limited access is not compared: {after} has no [fares]; give every file "
        "[fares] and the same [scoring] fare_budget"]


def test_monitor_refuses_other_zones_in_one_line(tmp_path: Path) -> None:
    before, _ = write_withdrawn(tmp_path / "s")
    other = before.with_name("fewer.toml")
    zones = (tmp_path / "s" / "zones.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "s" / "fewer.csv").write_text("\n".join(zones[:-1]) + "\n", encoding="utf-8")
    other.write_text(before.read_text(encoding="utf-8").replace('file = "zones.csv"',
                                                                'file = "fewer.csv"'),
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "monitor", str(before), str(other),
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "the zones differ (1 missing, e.g. 'Z4')" in lines[0]
    assert not (tmp_path / "run").exists()


def test_monitor_needs_two_files(tmp_path: Path) -> None:
    before, _ = write_withdrawn(tmp_path / "s")
    result = CliRunner().invoke(main, ["monitor", str(before), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2


def test_three_timetables_write_a_trend(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    restored = before.with_name("restored.toml")
    restored.write_text(before.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["-q", "monitor", str(before), str(after), str(restored),
                                       "--out", str(out), "--no-map"])
    assert result.exit_code == 0, result.output
    trend = pd.read_csv(out / "trend.csv").set_index("metric")
    # (100 + 200 + 400) / 1000 with R1, (200 + 400) / 1000 without (see test_monitor.py)
    assert list(trend.loc["spaces_within_15min"]) == pytest.approx([0.7, 0.6, 0.7])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Trend</h2>" in page and page.count("<polyline") == len(trend)
    assert not (out / "map.html").exists()
