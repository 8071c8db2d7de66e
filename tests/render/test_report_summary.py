"""Tests for routes.render.report_summary and report_figures: the one-minute summary.

Expected sentences are written out by hand from the tiny tables (tests/_pages.py):
North End (Z1, 1,000 residents, decile 1) gains 1,200 jobs, Z2 (2,000, decile 2)
gains 300, Z3 (500, decile 8) does not change.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from _html_reader import read_html
from _pages import (
    ALL_HOSTILE,
    HOSTILE_ZONE,
    JOB_COLUMN,
    tiny_changes,
    tiny_isochrones,
    tiny_scorecard,
    tiny_zone_geometry,
)

from routes.config.study_area import ScoringParams
from routes.evaluation.interaction import InteractionChange
from routes.proposal.costing import ProposalCost, RunningCost
from routes.render.report_figures import compute_story_figures, headline_zone
from routes.render.report_summary import compute_social_section, compute_summary, list_names
from routes.render.static_maps import render_change_map
from routes.render.svg import compute_class_breaks

S = ScoringParams()


def _summary(changes: pd.DataFrame, *, interaction: InteractionChange | None = None,
             cost: ProposalCost | None = None) -> list[str]:
    card = dataclasses.replace(tiny_scorecard(), interaction=interaction)
    return compute_summary(card, changes, scoring=S, job="jobs", job_metric=JOB_COLUMN,
                           cost=cost)


def _pairs() -> pd.DataFrame:
    rows = [
        ("new", "A1", "Ash", "white_british", 100.0, "B1", "Beck", "asian", 300.0, True, 2,
         "Hall; Library"),
        ("new", "C1", "Cole", "white_british", 50.0, "D1", "Dale", "black", 60.0, True, 1, "Hall"),
        ("new", "A1", "Ash", "white_british", 100.0, "C1", "Cole", "white_british", 50.0, False,
         1, "Pool"),
        ("lost", "B1", "Beck", "asian", 300.0, "D1", "Dale", "black", 60.0, True, 1, "Park"),
    ]
    return pd.DataFrame(rows, columns=["change", "zone_a", "name_a", "group_a", "residents_a",
                                       "zone_b", "name_b", "group_b", "residents_b",
                                       "across_groups", "n_spaces", "spaces"])


def _interaction(pairs: pd.DataFrame) -> InteractionChange:
    spaces = pd.DataFrame({"name": ["Hall", "Library", "Park"],
                           "category": ["community_centre", "library", "park"],
                           "baseline_reachable_residents_30min": [100.0, 50.0, 400.0],
                           "scenario_reachable_residents_30min": [700.0, 50.0, 300.0],
                           "delta_reachable_residents_30min": [600.0, 0.0, -100.0]},
                          index=pd.Index(["S1", "S2", "S3"], name="space_id"))
    return InteractionChange(spaces, pairs, pd.DataFrame(), (), 30.0)


def test_summary_names_who_gains_and_says_over_whom() -> None:
    out = _summary(tiny_changes())
    assert out[0] == ("3,000 residents in 2 neighbourhoods can reach more jobs within 45 minutes "
                      f"by bus and on foot, most of all in North End (+1,200) and {HOSTILE_ZONE} "
                      "(+300); on average 600 more jobs each (over the residents who gain).")
    # (1,000 x 1,200 + 2,000 x 300) / 3,000 = 600: both gainers are deprived (deciles 1, 2).
    assert out[1] == ("Of them, 3,000 live in the most deprived neighbourhoods (deprivation "
                      "deciles 1 to 3): 600 more jobs each on average (over these deprived "
                      "residents who gain).")
    assert out[2] == "Nobody loses: no neighbourhood can reach fewer jobs than today."


def test_summary_counts_who_loses() -> None:
    changes = tiny_changes()
    changes.loc["Z3", f"delta_{JOB_COLUMN}"] = -400.0
    out = _summary(changes)
    assert out[2] == ("500 residents in 1 neighbourhood lose: they can reach fewer jobs within "
                      "45 minutes by bus and on foot, most of all in Z3 (−400); on average 400 "
                      "fewer each (over the residents who lose). 0 of them live in the most "
                      "deprived neighbourhoods.")


def test_summary_names_communities_newly_able_to_meet_and_where() -> None:
    out = _summary(tiny_changes(), interaction=_interaction(_pairs()))
    # Two new pairs across groups (Ash-Beck, Cole-Dale), the biggest first; Ash-Cole is
    # within one group and is left out. Hall is where most of them can meet (2), then Library.
    assert ("2 pairs of neighbourhoods whose main communities differ can newly meet at a shared "
            "space within 30 minutes of both, for example Ash (mostly White British) and Beck "
            "(mostly Asian) at Hall and Library; Cole (mostly White British) and Dale (mostly "
            "Black) at Hall. Most of them can meet at Hall and Library.") in out
    assert ("1 pair of neighbourhoods whose main communities differ can no longer meet at a "
            "shared space within 30 minutes of both, for example Beck (mostly Asian) and Dale "
            "(mostly Black) at Park. Most of them could meet at Park.") in out
    assert ("1 of 3 shared community spaces are within 30 minutes of more residents, most of "
            "all Hall (+600 residents); 1 of fewer, most of all Park (−100).") in out


def test_summary_without_groups_speaks_of_neighbourhoods_only() -> None:
    pairs = _pairs().drop(columns=["group_a", "group_b", "across_groups"])
    out = _summary(tiny_changes(), interaction=_interaction(pairs))
    assert not any("communities" in s or "mostly" in s for s in out)
    assert any(s.startswith("3 pairs of neighbourhoods can newly meet") for s in out)


def test_summary_states_the_net_running_cost() -> None:
    saving = ProposalCost("p", (), 0.0, RunningCost(0, 0.0, 0.0),
                          RunningCost(4, 10_920.0, 85_765.0))
    assert _summary(tiny_changes(), cost=saving)[-1] == (
        "Saves money: 4 fewer buses at the peak and 10,920 fewer vehicle-hours (85,765 "
        "vehicle-km) a year.")


def test_social_section_tables_name_pairs_and_spaces() -> None:
    card = dataclasses.replace(tiny_scorecard(), interaction=_interaction(_pairs()))
    social = compute_social_section(card)
    assert social is not None and social.cutoff == "30"
    assert social.new_pairs is not None and social.lost_pairs is not None
    # Across groups first, then by residents of both.
    assert [r[:3] for r in social.new_pairs.rows] == [
        ("Ash (White British)", "Beck (Asian)", 400.0), ("Cole (White British)", "Dale (Black)",
                                                       110.0),
        ("Ash (White British)", "Cole (White British)", 150.0)]
    assert social.spaces is not None
    assert [r[0] for r in social.spaces.rows] == ["Hall", "Park"]  # Library does not change
    assert social.spaces.rows[0][2:5] == (100.0, 700.0, 600.0)


def test_headline_zone_is_the_isochrone_origin_or_the_zone_that_changes_most() -> None:
    changes = tiny_changes()
    assert headline_zone(changes, f"delta_{JOB_COLUMN}", tiny_isochrones()) == "Z1"
    changes.loc["Z2", f"delta_{JOB_COLUMN}"] = -900.0  # 2,000 x 900 > 1,000 x 1,200
    assert headline_zone(changes, f"delta_{JOB_COLUMN}", None) == "Z2"
    two = pd.concat([tiny_isochrones().assign(from_id="Z3"), tiny_isochrones()])
    assert headline_zone(changes, f"delta_{JOB_COLUMN}", two) == "Z1"  # Z3 does not change


def test_story_figures_say_over_whom() -> None:
    figures = compute_story_figures(tiny_changes(), job="jobs", job_metric=JOB_COLUMN,
                                    cutoff_min=45.0, geometry=tiny_zone_geometry(),
                                    isochrones=tiny_isochrones())
    assert figures.change_map is not None and figures.reach_map is not None
    assert figures.dumbbell is not None
    assert "Each of the 3 neighbourhoods" in figures.change_map.caption
    assert "2 of them change" in figures.change_map.caption
    assert "residents of North End (deprivation decile 1, 1,000 residents)" in \
        figures.reach_map.caption
    assert "The 2 neighbourhoods" in figures.dumbbell.caption
    assert "of the 2 whose access" in figures.dumbbell.caption
    rows = read_html(str(figures.dumbbell.graphic)).texts_of("text")
    assert rows.index("North End (decile 1)") < rows.index(f"{HOSTILE_ZONE} (decile 2)")
    assert "+1,200" in rows and "+300" in rows


@pytest.mark.parametrize("name", ALL_HOSTILE)
def test_static_map_labels_are_escaped(name: str) -> None:
    changes = tiny_changes()
    svg = render_change_map(tiny_zone_geometry(), changes[f"delta_{JOB_COLUMN}"],
                            compute_class_breaks(changes[f"delta_{JOB_COLUMN}"]), title=name,
                            unit="jobs", labels={"Z1": name})
    assert name not in svg
    page = read_html(str(svg))
    assert page.handlers() == [] and name in page.texts_of("text")


def test_list_names() -> None:
    assert list_names([]) == "" and list_names(["A"]) == "A"
    assert list_names(["A", "B"]) == "A and B"


def test_losses_lead_when_nobody_gains() -> None:
    changes = tiny_changes()
    changes[f"delta_{JOB_COLUMN}"] = [-100.0, 0.0, 0.0]
    out = _summary(changes)
    assert out[0].startswith("1,000 residents in 1 neighbourhood lose: they can reach fewer "
                             "jobs within 45 minutes by bus and on foot, most of all in North "
                             "End (−100); on average 100 fewer each")
    assert out[0].endswith("1,000 of them live in the most deprived neighbourhoods.")
    assert out[1] == "Nobody can reach more jobs within 45 minutes by bus and on foot than today."
