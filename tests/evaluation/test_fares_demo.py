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

from dataclasses import replace

import numpy as np
import pytest

import routes
from routes.access.zone_access import compute_access
from routes.demo.study_area import write_demo_study_area

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
