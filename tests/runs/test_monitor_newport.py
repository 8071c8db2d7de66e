"""``routes monitor`` on Newport's two real BODS timetables (../shared/data/newport).

The small cut of the BODS feed of 13 June 2023 (176 trips) and the feed of
5 March 2024, on the same 2023 OSM extract, from the same origins: every
fourth ONS Output Area centroid at least 1 km inside the street extract
(to keep the run short), 300 residents each (``tests/_newport.py``), to the
same workplaces and supermarkets, leaving 08:00-08:05.

Checked against independent paths: each timetable's ``routes access`` run
(the command, on its own) gives the ``before_`` and ``after_`` columns, and
their difference the ``delta_`` columns; the manifest's feed hashes are
those of the data's ``SHA256SUMS``; the streets are built once for both.
Skips without ../shared/data/newport; fails when ``CI`` is set.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _newport import in_bbox, write_newport_study
from click.testing import CliRunner
from conftest import shared_data_dir

import routes.network.transit as transit
from cli import main
from routes.cache import NetworkCache
from routes.runs.monitor import monitor_to_folder

TIMETABLES = (("newport_bods_gtfs_20230613_small.zip", "2023-06-13"),
              ("newport_area_bods_gtfs_20240305.zip", "2024-03-05"))


def _study(folder: Path, data: Path, gtfs: str, date: str) -> Path:
    toml = write_newport_study(folder, data)
    zones = pd.read_csv(folder / "zones.csv", dtype={"id": str})
    zones = zones[in_bbox(zones["lon"], zones["lat"], buffer_m=-1000)].iloc[::4]
    zones.to_csv(folder / "zones.csv", index=False)
    text = re.sub(r"^gtfs = .*$", f"gtfs = [{(data / gtfs).as_posix()!r}]",
                  toml.read_text(encoding="utf-8"), flags=re.M)
    toml.write_text(re.sub(r"^date = .*$", f"date = {date}", text, flags=re.M),
                    encoding="utf-8")
    return toml


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::routes.errors.RoutesWarning")  # kept in the manifest
def test_monitor_newport_2023_against_2024(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    data = shared_data_dir("newport")
    tomls = [_study(tmp_path / date, data, gtfs, date) for gtfs, date in TIMETABLES]
    calls = []
    build = transit.load_street_network
    monkeypatch.setattr(transit, "load_street_network",
                        lambda *a, **k: calls.append(1) or build(*a, **k))
    out = tmp_path / "monitor"
    cache = NetworkCache(tmp_path / "fresh-cache")
    run = monitor_to_folder(tomls, out, cache=cache, map_page=False)
    assert len(calls) == 1  # the second study area reads the first one's streets back
    zones = pd.read_csv(out / "zones.csv", index_col="id", dtype={"id": str})
    assert len(zones) == len(pd.read_csv(tomls[0].parent / "zones.csv"))
    # Each timetable on its own, through `routes access` (the travel times of the same
    # networks are read back from the cache).
    monkeypatch.setenv("ROUTES_CACHE_DIR", str(tmp_path / "fresh-cache"))
    alone = []
    for toml in tomls:
        folder = toml.parent / "access"
        result = CliRunner().invoke(main, ["-q", "--config", str(toml), "access",
                                           "--out", str(folder)])
        assert result.exit_code == 0, result.output
        alone.append(pd.read_csv(folder / "zones.csv", index_col="id", dtype={"id": str}))
    for metric in ("jobs_within_45min", "jobs_decay_h20min", "nearest_space_min"):
        before = alone[0].loc[zones.index, metric].to_numpy(dtype=float)
        after = alone[1].loc[zones.index, metric].to_numpy(dtype=float)
        assert np.allclose(zones[f"before_{metric}"], before, equal_nan=True), metric
        assert np.allclose(zones[f"after_{metric}"], after, equal_nan=True), metric
        assert np.allclose(zones[f"delta_{metric}"], after - before, equal_nan=True), metric
    # Who gained and lost: every zone is of unknown decile (Wales has WIMD, not IoD).
    by_decile = pd.read_csv(out / "by_decile.csv")
    delta = zones["delta_jobs_within_45min"]
    assert list(by_decile["decile"]) == ["unknown"]
    assert by_decile.loc[0, "residents_gaining_jobs"] == 300 * int((delta > 0).sum())
    assert by_decile.loc[0, "residents_losing_jobs"] == 300 * int((delta < 0).sum())
    # The manifest names both timetables with the published checksums.
    sums = dict(line.split()[::-1] for line in
                (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines() if line)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(t["service_date"], t["gtfs"][0]["sha256"]) for t in manifest["timetables"]] == [
        (date, sums[gtfs]) for gtfs, date in TIMETABLES]
    assert any("served stops are more than 1,600 m" in w for w in manifest["warnings"])
    assert run.findings and "jobs within 45 minutes" in run.findings[0]
