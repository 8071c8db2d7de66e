"""The demo's example proposals tell their stories: who can newly meet, and where; who loses.

``crosstown_link`` is drawn to link the deprived, mostly Asian neighbourhoods east
of the river to Riverside Community Centre and the white-majority Southgate
estates; ``route_6_withdrawn`` withdraws bus route 6 to save money. Both are
evaluated once on a freshly written Demo Town (slow: a few tens of seconds).
"""

from __future__ import annotations

import pandas as pd
import pytest

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.demo.study_area import write_demo_study_area
from routes.evaluation.study import load_study
from routes.proposal.costing import compute_timetable_route_cost
from routes.runs.evaluate import EvaluationRun, evaluate_to_folders

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EvaluationRun]:
    folder = tmp_path_factory.mktemp("demo")
    demo = write_demo_study_area(folder)
    cache = NetworkCache(folder / "cache")
    inputs = load_study(load_study_area(demo.config), cache=cache)
    chosen = [p for p in demo.proposals if p.stem in ("crosstown_link", "route_6_withdrawn")]
    evaluations = evaluate_to_folders(inputs, chosen, out_root=folder / "out")
    return {r.evaluation.proposal.name: r for r in evaluations}


def test_crosstown_names_the_communities_newly_able_to_meet_and_where(
    runs: dict[str, EvaluationRun],
) -> None:
    run = runs["crosstown_link"]
    interaction = run.evaluation.scorecard.interaction
    assert interaction is not None
    pairs = interaction.community_pairs
    new_across = pairs[(pairs["change"] == "new") & pairs["across_groups"].fillna(False)]
    assert run.evaluation.scorecard.value("social_interaction_new_pairs_across_groups") == len(
        new_across) > 0
    assert run.evaluation.scorecard.value("social_interaction_potential_change") > 0
    # Mill Hey (mostly Asian, east of the river) newly meets white-majority neighbourhoods,
    # at the community centre the route was drawn to serve
    mill_hey = new_across[(new_across["name_a"] == "Mill Hey")
                          | (new_across["name_b"] == "Mill Hey")]
    assert len(mill_hey) > 0
    groups = set(mill_hey["group_a"]) | set(mill_hey["group_b"])
    assert groups == {"asian", "white_british"}
    assert mill_hey["spaces"].str.contains("Riverside Community Centre").any()
    # the table on disk is the same, with names
    written = pd.read_csv(run.folder / "community_pairs.csv")
    assert written["name_a"].tolist() == pairs["name_a"].tolist()


def test_places_of_worship_are_not_shared_spaces(runs: dict[str, EvaluationRun]) -> None:
    run = runs["crosstown_link"]
    spaces = pd.read_csv(run.folder / "spaces.csv")
    assert len(spaces) == 18
    assert "place_of_worship" not in set(spaces["category"])
    assert {"name", "category", "baseline_reachable_asian_30min",
            "scenario_reachable_white_british_30min",
            "delta_simpson_diversity_30min"} <= set(spaces.columns)
    pairs = run.evaluation.scorecard.interaction.community_pairs
    assert not pairs["categories"].str.contains("place_of_worship").any()


def test_the_cut_shows_losers_and_the_saving(runs: dict[str, EvaluationRun]) -> None:
    run = runs["route_6_withdrawn"]
    values = {i.key: i.value for i in run.evaluation.scorecard.indicators}
    assert values["residents_gaining_jobs"] == 0
    assert values["residents_losing_jobs"] > 0
    assert values["deprived_residents_losing_jobs"] > 0
    assert values["mean_loss_jobs_deprived_losers"] > 0
    assert values["social_interaction_lost_pairs_across_groups"] > 0
    assert values["social_interaction_new_pairs_across_groups"] == 0
    # the saving is route 6's whole service on the date, as costed from its trips
    [mod] = run.evaluation.cost.modifications
    inputs = load_study(load_study_area(run.folder.parents[1] / "routes.toml"),
                               cache=NetworkCache(run.folder.parents[1] / "cache"))
    route_6 = compute_timetable_route_cost(inputs.network.timetable, "demo_town:6")
    assert mod.baseline == route_6 and route_6.trips_per_day > 0
    assert values["peak_vehicles_saved"] == route_6.peak_vehicles > 0
    assert values["annual_vehicle_hours"] == -route_6.annual_vehicle_hours
    assert values["peak_vehicles_new"] == 0
    described = {i.key: i.description for i in run.evaluation.scorecard.indicators}
    assert described["annual_vehicle_hours"].startswith("Saves money: ")
    assert pd.isna(values["benefit_per_vehicle_hour"])  # no net vehicle-hours to divide by
