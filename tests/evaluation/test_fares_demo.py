"""Issue #15, acceptance 2: fare-limited access on the demo, and a through ticket raising it.

Demo Town with ``routes_fares.toml`` (``[fares] single = 3.00``, budget one
fare). Demo Town has one bus company and no free changes, so a journey costs
£3.00 per bus: for one fare, residents reach what one bus (or walking) takes
them to. The independent check is therefore the plain engine with
``max_rides = 1``: its counts must equal the fare-limited ones exactly.
The Hopper ticket (``examples/hopper_ticket.geojson``: change buses within an
hour for nothing, no new buses) makes every journey of at most 45 minutes cost
one fare, so in the scenario the fare-limited counts equal the time-only ones.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import routes
from routes.access.zone_access import compute_access
from routes.demo.study_area import write_demo_study_area
from routes.runs.write import write_evaluation

JOBS, SPACES = "jobs_within_45min", "spaces_within_30min"
FARE = {JOBS: "jobs_within_45min_fare300p", SPACES: "spaces_within_30min_fare300p"}


@pytest.fixture(scope="module")
def hopper(tmp_path_factory: pytest.TempPathFactory) -> routes.Evaluation:
    demo = write_demo_study_area(tmp_path_factory.mktemp("demo"))
    assert demo.fares_config is not None
    study = routes.load_study(demo.fares_config)
    [ticket] = [p for p in demo.proposals if p.name == "hopper_ticket.geojson"]
    return routes.evaluate_proposal(study, ticket, n_map_zones=0)


def test_fare_limited_access_is_never_above_time_only_and_lower_where_a_change_is_needed(
        hopper: routes.Evaluation) -> None:
    zones = hopper.zones
    for time_only, fare in FARE.items():
        for which in ("baseline", "scenario"):
            assert (zones[f"{which}_{fare}"] <= zones[f"{which}_{time_only}"]).all(), (which, fare)
    lower = zones[f"baseline_{FARE[JOBS]}"] < zones[f"baseline_{JOBS}"]
    assert lower.any()
    # Independently: for one fare a resident rides one bus, so the plain engine
    # limited to one ride gives the same counts, zone by zone.
    study = hopper.study
    one_ride = replace(study.area, routing=replace(study.area.routing, max_rides=1))
    plain = compute_access(one_ride, study.network, study.zones, study.layers, cache=study.cache)
    for time_only, fare in FARE.items():
        expected = plain.zones[time_only].reindex(zones.index).to_numpy(dtype=float)
        assert zones[f"baseline_{fare}"].to_numpy(dtype=float) == pytest.approx(expected), fare
    # Where fare-limited access is lower, the fastest journeys to some jobs need a change.
    one_bus = plain.zones[JOBS].reindex(zones.index)
    assert (one_bus[lower] < zones.loc[lower, f"baseline_{JOBS}"]).all()


def test_the_hopper_ticket_raises_fare_limited_access_and_lowers_it_nowhere(
        hopper: routes.Evaluation) -> None:
    zones = hopper.zones
    delta = zones[f"delta_{FARE[JOBS]}"]
    assert (delta > 0).any() and (delta >= 0).all()
    assert (zones[f"delta_{FARE[SPACES]}"] >= 0).all()
    # No new buses: time-only access is unchanged, and with free changes every
    # journey of at most 45 minutes costs one fare.
    for time_only, fare in FARE.items():
        assert (zones[f"delta_{time_only}"] == 0).all()
        assert np.array_equal(zones[f"scenario_{fare}"].to_numpy(dtype=float),
                              zones[f"scenario_{time_only}"].to_numpy(dtype=float)), fare
    card = hopper.scorecard
    gain = card.value("mean_change_jobs_within_45min_fare300p_deprived")
    assert gain > 0
    assert card.value("mean_jobs_within_45min_fare300p_deprived_baseline") + gain == pytest.approx(
        card.value("mean_jobs_within_45min_time_only_deprived_baseline"))
    assert card.value("deprived_residents_losing_jobs_within_45min_fare300p") == 0


# --------------------------------------------------------------------------- fastest journey
FASTEST = "fastest_fare_jobs_45min_p"
OVER = "jobs_within_45min_over_fare300p_share"
TWO = "jobs_within_45min_two_operators_share"


def test_the_share_over_budget_is_the_share_whose_fastest_journey_needs_a_second_bus(
        hopper: routes.Evaluation) -> None:
    """One company, every boarding £3.00, no free change: more than one fare = two buses or more.

    Independently of the fare engine: the plain engine with ``max_rides = 1``
    is as fast as without the limit exactly for the jobs whose fastest journey
    has a way of at most one bus, i.e. costs at most £3.00.
    """
    study, zones = hopper.study, hopper.zones
    one_ride = replace(study.area, routing=replace(study.area.routing, max_rides=1))
    plain = compute_access(one_ride, study.network, study.zones, study.layers, cache=study.cache)
    fastest = hopper.baseline.travel_times
    jobs = [d for d in study.layers if d.name == "jobs"][0]
    cols = np.flatnonzero(fastest.point_layer == "jobs")
    assert fastest.point_ids[cols].astype(str).tolist() == jobs.table.index.astype(str).tolist()
    weight = jobs.table["weight"].to_numpy(dtype=float)
    t_all = fastest.minutes[:, cols].astype(float)
    t_one = plain.travel_times.minutes[:, cols].astype(float)
    within = t_all <= 45
    over = within & ~(t_one == t_all)
    total = (within * weight).sum(axis=1)
    expected = np.where(total > 0, (over * weight).sum(axis=1) / np.where(total > 0, total, 1),
                        np.nan)
    order = hopper.study.zones.table.index.astype(str)
    got = zones.loc[order, f"baseline_{OVER}"].to_numpy(dtype=float)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    assert np.nanmax(got) > 0  # some fastest journeys cost two fares today
    # The hopper ticket makes every journey of at most 45 minutes one fare.
    assert (zones[f"scenario_{OVER}"].dropna() == 0).all()
    assert (zones[f"scenario_{FASTEST}"].dropna() <= 300).all()
    # Medians are fares a journey can cost: 0 (on foot) or whole fares.
    assert set(zones[f"baseline_{FASTEST}"].dropna()) <= {0.0, 300.0, 600.0}


def test_one_company_means_two_operators_are_not_applicable(hopper: routes.Evaluation) -> None:
    zones = hopper.zones
    for which in ("baseline", "scenario", "delta"):
        assert zones[f"{which}_{TWO}"].isna().all()
    card = hopper.scorecard
    for who in ("deprived", "all"):
        line = next(i for i in card.indicators if i.key == f"mean_{TWO}_{who}_baseline")
        assert math.isnan(line.value)
        assert line.description.startswith("Not applicable: one operator runs every bus")
    assert not [i for i in card.indicators if i.key == f"mean_{TWO}_all_scenario"]


def test_the_run_folder_holds_the_columns_the_section_and_the_persona(
        hopper: routes.Evaluation, tmp_path: Path) -> None:
    folder = write_evaluation(hopper, tmp_path / "run", pages=["report.html"])
    zones = pd.read_csv(folder / "zones.csv")
    for metric in (FASTEST, OVER, TWO, "jobs_within_45min_over_fare600p_share"):
        for which in ("baseline", "scenario", "delta"):
            assert f"{which}_{metric}" in zones.columns
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scoring"]["fare_persona"] == "adult"
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = page.split('<section class="story fares">', 1)[1].split("</section>", 1)[0]
    assert "<h3>What the quickest journey costs</h3>" in section
    assert ("One company runs every bus here, today and with the proposal, so no journey needs "
            "the fares of two companies.") in section
    card = hopper.scorecard
    share = card.value(f"mean_{OVER}_deprived_baseline")
    assert f"For {100 * share:.0f} % of those jobs, the quickest journey costs more" in section
    assert "Fares counted: adult fares" in section
