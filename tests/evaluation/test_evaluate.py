"""Evaluating in memory: the README's Python example writes no file; what an Evaluation holds.

- The README's example (the ``python`` block under "In Python") runs in a copy of
  the Demo Town while the file system is watched: the study folder, the
  current folder, the temporary folder, the home folder and the package's own
  folder are unchanged, and the network cache holds nothing but its entries.
- On the line study area of ``tests/_evaluate_fixtures.py`` the Evaluation's
  matrices and per-zone table are the hand-derived ones of that module.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import (
    BASELINE_MIN,
    METRICS,
    POINTS,
    SCENARIO_MIN,
    ZONE_IDS,
    write_line_study,
    write_link_proposal,
)

import routes
from routes.evaluation.evaluate import Evaluation, evaluate_proposal, evaluate_proposals
from routes.evaluation.study import load_study

REPO = Path(__file__).resolve().parents[2]
ENTRY = re.compile(r"^(streets|feed|links|times|isochrones)-[0-9a-f]{32}$")


def readme_example() -> str:
    """The ``python`` code block of the README's "In Python" section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## In Python\n", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return code


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder with its size and modification time (ns)."""
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            stat = path.stat()
            out[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return out


def test_readme_example_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from routes.demo.study_area import write_demo_study_area

    code = readme_example()
    assert "routes.evaluate_proposal(" in code and "routes.load_study(" in code
    # a first run compiles the kernels (numba caches them beside the package's modules)
    warm = tmp_path / "warm"
    write_demo_study_area(warm)
    monkeypatch.chdir(warm)
    exec(compile(code, "README.md", "exec"), {})

    demo, cache, tmp, home = (tmp_path / n for n in ("demo", "cache", "tmp", "home"))
    write_demo_study_area(demo)
    for folder in (tmp, home):
        folder.mkdir()
    monkeypatch.chdir(demo)
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(cache))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    package = Path(routes.__file__).parent
    watched = {folder: files_of(folder) for folder in (demo, tmp, home, package)}
    capsys.readouterr()
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert "delta_jobs_within_45min" in capsys.readouterr().out
    for folder, before in watched.items():
        assert files_of(folder) == before, folder
    # the cache holds entries only: no leftover, no stray file
    assert sorted({ENTRY.match(p.name) is not None for p in cache.iterdir()}) == [True]
    kinds = {p.name.split("-")[0] for p in cache.iterdir()}
    assert kinds == {"streets", "feed", "links", "times", "isochrones"}  # the map's too
    ev = namespace["ev"]
    assert isinstance(ev, Evaluation)
    assert ev.isochrones is not None and set(ev.isochrones["network"]) == {"baseline",
                                                                            "scenario"}


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> tuple[routes.Study, Path]:
    folder = tmp_path_factory.mktemp("line")
    return load_study(write_line_study(folder)), write_link_proposal(folder)


def test_the_evaluation_holds_the_hand_derived_results(line: tuple[routes.Study, Path]) -> None:
    study, proposal = line
    ev = evaluate_proposal(study, proposal)
    assert ev.proposal.name == "link" and ev.study is study
    for which, expected in (("baseline", BASELINE_MIN), ("scenario", SCENARIO_MIN)):
        times = getattr(ev, which).travel_times
        assert list(times.point_ids) == POINTS
        for row, zone in enumerate(ZONE_IDS):
            for col, want in enumerate(expected[zone]):
                got = float(times.minutes[row, col])
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want), (
                    which, zone, POINTS[col])
    for metric, (baseline, scenario) in METRICS.items():
        assert ev.zones.loc[ZONE_IDS, f"baseline_{metric}"].to_numpy() == pytest.approx(
            baseline, rel=1e-6, nan_ok=True), metric
        assert ev.zones.loc[ZONE_IDS, f"scenario_{metric}"].to_numpy() == pytest.approx(
            scenario, rel=1e-6, nan_ok=True), metric
    assert ev.changes is ev.zones
    assert ev.scenario_network.timetable.n_trips == study.network.timetable.n_trips + 12
    assert ev.engine == "builtin" and ev.seconds > 0


def test_several_proposals_share_one_baseline(line: tuple[routes.Study, Path]) -> None:
    study, proposal = line
    loaded = routes.load_proposal(proposal)
    first, second = evaluate_proposals(study, [proposal, loaded], n_map_zones=0)
    assert first.scorecard.to_dict() == second.scorecard.to_dict()  # NaN != NaN in the dataclass
    assert first.baseline is second.baseline
    assert first.isochrones is None
    alone = evaluate_proposal(study, proposal, n_map_zones=0)
    np.testing.assert_array_equal(alone.scenario.travel_times.minutes,
                                  first.scenario.travel_times.minutes)
