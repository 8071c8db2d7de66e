"""Newport (Wales), whose zones have no community groups: no cross-group indicators.

The study area of ``tests/_newport.py`` (511 Output Areas, 300 residents each, no
deprivation decile, no group columns; the supermarkets are its only layer of
places) is evaluated with a cut: bus route 8C (``8807``), a Newport town route
whose every stop lies inside the street extract, is withdrawn. Nothing on the
scorecard, in ``report.html`` or in the run folder may speak of community groups,
while the cut still shows who loses and what it saves.

Skips without ../shared/data/newport; fails when ``CI`` is set.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _newport import write_newport_study
from conftest import shared_data_dir

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.evaluation.study import load_study
from routes.runs.evaluate import EvaluationRun, evaluate_to_folders

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("default::routes.errors.RoutesWarning")]

ROUTE_8C = "newport_area_bods_gtfs_20240305:8807"
GROUP_WORDS = ("group", "social_interaction", "exposure")


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> EvaluationRun:
    data = shared_data_dir("newport")
    folder = tmp_path_factory.mktemp("newport")
    toml = write_newport_study(folder, data)
    proposal = folder / "cut_8c.geojson"
    proposal.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": None,
        "properties": {"type": "remove_route", "gtfs_route_id": ROUTE_8C}}]}), encoding="utf-8")
    cache = NetworkCache(folder / "cache")
    inputs = load_study(load_study_area(toml), cache=cache)
    [evaluation] = evaluate_to_folders(inputs, [proposal], out_root=folder / "out")
    return evaluation


def test_no_cross_group_indicator(cut: EvaluationRun) -> None:
    for indicator in cut.evaluation.scorecard.indicators:
        text = f"{indicator.key} {indicator.label} {indicator.description}".lower()
        assert not any(word in text for word in GROUP_WORDS), indicator
    zones = pd.read_csv(cut.folder / "zones.csv", nrows=1)
    assert not [c for c in zones.columns if any(w in c for w in GROUP_WORDS)]
    assert not (cut.folder / "group_pairs.csv").exists()
    pairs = pd.read_csv(cut.folder / "community_pairs.csv")
    assert pairs["group_a"].isna().all() and pairs["across_groups"].isna().all()
    report = (cut.folder / "report.html").read_text(encoding="utf-8").lower()
    assert "other groups" not in report and "social-interaction" not in report


def test_the_cut_shows_its_losers_and_its_saving(cut: EvaluationRun) -> None:
    values = {i.key: i.value for i in cut.evaluation.scorecard.indicators}
    [mod] = cut.evaluation.cost.modifications
    assert mod.route_name.startswith("8C")
    assert mod.baseline.trips_per_day == 31 and mod.scenario.trips_per_day == 0
    assert values["peak_vehicles_saved"] == mod.baseline.peak_vehicles > 0
    assert values["annual_vehicle_hours"] == -mod.baseline.annual_vehicle_hours < 0
    assert values["residents_gaining_jobs"] == 0
    assert values["residents_losing_jobs"] > 0
    assert values["mean_loss_jobs_losers"] > 0
    assert cut.evaluation.scorecard.value("annual_vehicle_hours") < 0
    described = {i.key: i.description for i in cut.evaluation.scorecard.indicators}
    assert described["annual_vehicle_hours"].startswith("Saves money: ")
