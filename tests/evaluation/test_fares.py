"""Fare-limited access in an evaluation (routes/evaluation/fares.py), on the hand-made line study.

The line study of ``_evaluate_fixtures`` with ``[fares] single = 3.00`` and the
default budget, one single (300 p). Every boarding pays 300 p (no free
changes), so a journey within budget rides one bus at most:

* Baseline: no journey needs two buses, so the fare-limited counts equal the
  time-only ones: ``jobs_within_20min_fare300p`` Z1 200 (J1 on foot), Z2 0,
  Z3 1000 (J2 on foot), Z4 0; ``spaces_within_15min_fare300p`` Z1 1 (S1 by
  R1, one bus), Z2 1 (S1 on foot), Z3 0, Z4 1 (S2 on the spot).
* Scenario (Link added): Z1 reaches J2 at 18.5 min only by R1 then Link, two
  buses, 600 p: over budget, so Z1 stays at 200 (time only: 1200). Z2, Z3,
  Z4 reach J2 by Link alone or on foot: 1000 each. Spaces: Z1 1 (S2 at 16.5
  is beyond 15 min anyway), Z2 2 (S2 by Link), Z3 2, Z4 2 (S1 by Link and on
  foot): as time only.
* Deprived zones Z1 (100 residents) and Z2 (200): mean jobs within 20 min for
  one fare, baseline (100·200 + 200·0)/300 = 66 2/3, scenario
  (100·200 + 200·1000)/300 = 733 1/3, change 666 2/3; time only, scenario
  (100·1200 + 200·1000)/300 = 1066 2/3. Deprived residents gaining
  fare-limited jobs: Z2, 200; all residents: Z2 + Z4 = 600; nobody loses.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _evaluate_fixtures import ZONE_IDS, recompute_indicator, write_line_study, write_link_proposal
from click.testing import CliRunner

import cli
import routes
from routes.engine.base import BuiltinEngine
from routes.errors import RoutesWarning
from routes.evaluation.evaluate import evaluate_proposal
from routes.evaluation.fares import describe_budget, fastest_fare_indicators
from routes.evaluation.study import load_study
from routes.render.report import render_report
from routes.render.report_fares import compute_fare_section

_FASTEST_LINE = re.compile(r"fastest_fare|over_fare|two_operators")
JOBS = "jobs_within_20min_fare300p"
SPACES = "spaces_within_15min_fare300p"
EXPECTED = {
    JOBS: ([200, 0, 1000, 0], [200, 1000, 1000, 1000]),
    SPACES: ([1, 1, 0, 1], [1, 2, 2, 2]),
}


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> tuple[routes.Study, routes.Study, Path]:
    plain = tmp_path_factory.mktemp("line")
    toml = write_line_study(plain)
    proposal = write_link_proposal(plain)
    fares = plain / "routes_fares.toml"
    fares.write_text(toml.read_text(encoding="utf-8") + "\n[fares]\nsingle = 3.00\n",
                     encoding="utf-8")
    return load_study(toml), load_study(fares), proposal


@pytest.fixture(scope="module")
def evaluations(line: tuple[routes.Study, routes.Study, Path]) -> tuple[routes.Evaluation, ...]:
    plain, fares, proposal = line
    return evaluate_proposal(plain, proposal), evaluate_proposal(fares, proposal)


def test_fare_limited_columns_hold_the_hand_derived_counts(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    for metric, (baseline, scenario) in EXPECTED.items():
        assert ev.zones.loc[ZONE_IDS, f"baseline_{metric}"].tolist() == baseline, metric
        assert ev.zones.loc[ZONE_IDS, f"scenario_{metric}"].tolist() == scenario, metric
        assert ev.zones.loc[ZONE_IDS, f"delta_{metric}"].tolist() == list(
            np.subtract(scenario, baseline)), metric
    # Z1 needs two buses for J2: within reach in time, not for one fare.
    assert ev.zones.loc["Z1", "scenario_jobs_within_20min"] == 1200
    assert ev.baseline.zones.loc[ZONE_IDS, JOBS].tolist() == EXPECTED[JOBS][0]


def test_fare_indicators_hold_the_hand_derived_values(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    card = ev.scorecard
    expected = {
        f"mean_{JOBS}_deprived_baseline": 200 / 3,
        f"mean_{JOBS}_deprived_scenario": 2200 / 3,
        f"mean_change_{JOBS}_deprived": 2000 / 3,
        "mean_jobs_within_20min_time_only_deprived_scenario": 3200 / 3,
        "mean_jobs_within_20min_time_only_deprived_baseline": 200 / 3,
        f"deprived_residents_gaining_{JOBS}": 200,
        f"deprived_residents_losing_{JOBS}": 0,
        f"all_residents_gaining_{JOBS}": 600,
        f"all_residents_losing_{JOBS}": 0,
        f"mean_{JOBS}_all_scenario": (100 * 200 + 200 * 1000 + 300 * 1000 + 400 * 1000) / 1000,
        f"all_residents_gaining_{SPACES}": 900,
    }
    for key, value in expected.items():
        assert card.value(key) == pytest.approx(value), key
    # Every fare line can be recomputed from zones.csv by following its source text.
    fare_rows = [i for i in card.indicators if ("fare" in i.key or "time_only" in i.key)
                 and not _FASTEST_LINE.search(i.key)]
    assert len(fare_rows) == 2 * 2 * 7
    for indicator in fare_rows:
        again = recompute_indicator(indicator.source, ev.zones, {})
        assert again == pytest.approx(indicator.value), indicator.key
    keys = [i.key for i in card.indicators]
    assert keys.index(fare_rows[-1].key) < keys.index("route_km")  # before the costing lines
    assert describe_budget(ev.study.area) == "one £3.00 fare"


def test_without_fares_nothing_changes(evaluations: tuple[routes.Evaluation, ...]) -> None:
    plain, ev = evaluations
    assert not [c for c in plain.zones.columns if "fare" in c]
    assert not [i for i in plain.scorecard.indicators if "fare" in i.key]
    # With fares the time-only results are the same, the fare columns are additions.
    same = ev.zones[plain.zones.columns]
    assert same.equals(plain.zones)
    others = [i for i in ev.scorecard.indicators if "fare" not in i.key
              and "time_only" not in i.key and not _FASTEST_LINE.search(i.key)]
    assert [(i.key, i.source) for i in others] == [
        (i.key, i.source) for i in plain.scorecard.indicators]
    assert [i.value for i in others] == pytest.approx(
        [i.value for i in plain.scorecard.indicators], nan_ok=True)


class _OtherEngine(BuiltinEngine):
    """The built-in engine under another name: fares are refused by name."""

    name = "other"


def test_another_engine_computes_no_fare_columns(
        line: tuple[routes.Study, routes.Study, Path]) -> None:
    _, fares, proposal = line
    with pytest.warns(RoutesWarning, match=r"^fare-limited access is not computed: the other "
                      r"engine does not model fares"):
        ev = evaluate_proposal(fares, proposal, engine=_OtherEngine(fares.network),
                               n_map_zones=0)
    assert not [c for c in ev.zones.columns if "fare" in c]
    assert not math.isnan(ev.scorecard.value("residents_gaining_jobs"))


def test_routes_access_writes_the_fare_columns(
        line: tuple[routes.Study, routes.Study, Path], tmp_path: Path) -> None:
    """``routes access`` with ``[fares]``: the baseline's hand-derived fare-limited counts
    (module docstring) and the fastest-fare columns; none without ``[fares]``."""
    plain, fares, _ = line
    written = {}
    for study, name in ((plain, "plain"), (fares, "fares")):
        out = tmp_path / name
        result = CliRunner().invoke(cli.main, ["--config", str(study.area.config_path), "access",
                                               "--out", str(out)])
        assert result.exit_code == 0, result.output
        written[name] = pd.read_csv(out / "zones.csv", dtype={"id": str}).set_index("id")
        scoring = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["scoring"]
        assert scoring.get("fare_persona") == (None if name == "plain" else "adult")
    assert not [c for c in written["plain"].columns if "fare" in c]
    zones = written["fares"]
    for metric, (baseline, _) in EXPECTED.items():
        assert zones.loc[ZONE_IDS, metric].tolist() == baseline, metric
    fastest = [c for c in zones.columns if _FASTEST_LINE.search(c)]
    assert "fastest_fare_jobs_20min_p" in fastest
    time_only = written["plain"].loc[ZONE_IDS]
    assert (zones.loc[ZONE_IDS, "jobs_within_20min"] == time_only["jobs_within_20min"]).all()


def test_a_budget_other_than_one_fare_is_said_in_money(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path)
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[scoring]\n", "[scoring]\nfare_budget = 6.0\n") + "\n[fares]\nsingle = 3.00\n",
        encoding="utf-8")
    area = routes.load_study(toml).area
    assert describe_budget(area) == "£6.00 in fares"


def test_the_report_says_whether_people_can_afford_the_journey(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    plain, ev = evaluations
    assert "afford" not in render_report(plain.scorecard, plain.zones)
    page = render_report(ev.scorecard, ev.zones, cost=ev.cost)
    section = page.split('<section class="story fares">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Can people afford the journey?</h2>" in section
    whom = "residents of the most deprived neighbourhoods"
    # Deprived Z1 (100) and Z2 (200): 66 2/3 jobs for one fare before, the same
    # whatever the fare; 733 1/3 after for one fare, 1,066 2/3 whatever the fare.
    assert (f"With one £3.00 fare, {whom} can reach on average 67 jobs within 20 minutes, "
            "the same as if fares are ignored") in section
    assert ("With the proposal: 733 jobs on average for one £3.00 fare, 667 more than today "
            "(whatever the fare: 1,067, 1,000 more than today). 200 residents of the most "
            "deprived neighbourhoods gain jobs within reach for one £3.00 fare; nobody loses "
            "any.") in section
    assert "Fares counted: adult fares" in section
    summary = page.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    assert (f"For one £3.00 fare, {whom} can reach on average 733 jobs within 20 minutes with "
            "the proposal, 667 more than today (whatever the fare: 1,067).") in summary


def test_a_fares_only_proposal_leads_its_summary_with_the_fare_sentence(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    assert ev.cost is not None and not ev.cost.fares_only
    page = render_report(ev.scorecard, ev.zones, cost=dataclasses.replace(ev.cost,
                                                                            fares_only=True))
    summary = page.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    first = summary.split("<li", 2)[1]
    assert "For one £3.00 fare" in first
    ordinary = render_report(ev.scorecard, ev.zones, cost=ev.cost)
    summary = ordinary.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    assert "For one £3.00 fare" not in summary.split("<li", 2)[1]


# --------------------------------------------------------------------------- fastest journey
# The line study of this module's docstring, the fastest journey (time only) to
# the jobs within 20 minutes and its fare (every boarding 300 p, no free
# change; fare_report_max by default 2 x 300 = 600 p):
#
# * Baseline: Z1 reaches J1 on foot (0 p), Z3 J2 on foot (0 p); Z2 and Z4 reach
#   no job: their values are empty. Nothing costs more than 300, no change.
# * Scenario: Z1 reaches J1 on foot (200 jobs, 0 p) and J2 by R1 then Link
#   (1000 jobs, 600 p, two operators: Link is the proposal's own operator).
#   Job-weighted median: 200 of 1200 at 0 p, the rest at 600 p -> 600 p; share
#   over 300 p and share needing two operators 1000/1200 = 5/6. Z2 and Z4 reach
#   J2 by Link alone (300 p); Z3 on foot (0 p).
# * Residents (deprived Z1 100, Z2 200; Z3 300, Z4 400): median, deprived,
#   scenario: Z2's 300 holds 200 of 300 residents -> 300; all residents
#   scenario: 0 (300), 300 (600), 600 (100) -> 300; baselines 0. Mean share
#   over budget, deprived scenario: (100 x 5/6 + 200 x 0) / 300 = 5/18; the
#   change over zones reaching jobs before and after (Z1 only): 5/6.
FASTEST = "fastest_fare_jobs_20min_p"
OVER = "jobs_within_20min_over_fare300p_share"
OVER_MAX = "jobs_within_20min_over_fare600p_share"
TWO = "jobs_within_20min_two_operators_share"
NAN = math.nan
EXPECTED_FASTEST = {
    FASTEST: ([0, NAN, 0, NAN], [600, 300, 0, 300]),
    OVER: ([0, NAN, 0, NAN], [5 / 6, 0, 0, 0]),
    OVER_MAX: ([0, NAN, 0, NAN], [0, 0, 0, 0]),
    TWO: ([0, NAN, 0, NAN], [5 / 6, 0, 0, 0]),
}


def test_fastest_fare_columns_hold_the_hand_derived_values(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    for metric, (baseline, scenario) in EXPECTED_FASTEST.items():
        for which, values in (("baseline", baseline), ("scenario", scenario)):
            got = ev.zones.loc[ZONE_IDS, f"{which}_{metric}"].to_numpy(dtype=float)
            np.testing.assert_allclose(got, values, rtol=1e-12, err_msg=f"{which}_{metric}")
    np.testing.assert_allclose(ev.zones.loc[ZONE_IDS, f"delta_{FASTEST}"].to_numpy(dtype=float),
                               [600, NAN, 0, NAN])


def test_fastest_fare_lines_hold_the_hand_derived_values(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    card = ev.scorecard
    expected = {
        f"median_{FASTEST}_deprived_baseline": 0, f"median_{FASTEST}_deprived_scenario": 300,
        f"median_{FASTEST}_all_baseline": 0, f"median_{FASTEST}_all_scenario": 300,
        f"mean_{OVER}_deprived_baseline": 0, f"mean_{OVER}_deprived_scenario": 5 / 18,
        f"mean_change_{OVER}_deprived": 5 / 6,
        f"mean_{OVER}_all_scenario": (100 * 5 / 6) / 1000,
        f"deprived_residents_with_higher_{OVER}": 100,
        f"deprived_residents_with_lower_{OVER}": 0,
        f"all_residents_with_higher_{TWO}": 100, f"mean_{TWO}_deprived_scenario": 5 / 18,
    }
    for key, value in expected.items():
        assert card.value(key) == pytest.approx(value), key
    lines = [i for i in card.indicators if _FASTEST_LINE.search(i.key)]
    assert len(lines) == 2 * (2 + 2 * 5)  # two groups: 2 medians, 2 shares x 5 lines
    for line in lines:  # the share lines follow their source text in zones.csv
        if not line.key.startswith("median_"):
            again = recompute_indicator(line.source, ev.zones, {})
            assert again == pytest.approx(line.value), line.key
        assert "for want of commuting data" in line.description
    keys = [i.key for i in card.indicators]
    assert keys.index(lines[-1].key) < keys.index("route_km")


def test_a_median_above_the_reporting_limit_is_more_than_it(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    """With fare_report_max 300 p, Z1's scenario median (600 p) is "more than £3.00"."""
    _, ev = evaluations
    area = ev.study.area
    area = dataclasses.replace(area, scoring=dataclasses.replace(area.scoring,
                                                                 fare_report_max_minor=300))
    zones = ev.zones.copy()
    for which in ("baseline", "scenario", "delta"):
        zones[f"{which}_{FASTEST}"] = zones[f"{which}_{FASTEST}"].where(
            zones[f"{which}_{FASTEST}"] <= 300)  # as the access module leaves it: empty
    # Z2 too: more than half its jobs over 300 p, so deprived residents' median is over it.
    zones.loc["Z2", [f"scenario_{FASTEST}", f"scenario_{OVER}"]] = [NAN, 1.0]
    lines = {i.key: i for i in fastest_fare_indicators(area, zones)}
    more = lines[f"median_{FASTEST}_deprived_scenario"]
    assert math.isnan(more.value) and more.description.startswith("More than £3.00 ")
    # All residents: Z3 0 p (300), Z4 300 p (400: 700 of 1000 so far), Z1, Z2 more than.
    assert lines[f"median_{FASTEST}_all_scenario"].value == 300
    assert lines[f"median_{FASTEST}_deprived_baseline"].value == 0
    # The report puts it in words.
    card = dataclasses.replace(ev.scorecard, indicators=tuple(
        lines.get(i.key, i) for i in ev.scorecard.indicators))
    section = compute_fare_section(card)
    assert section is not None
    assert "with the proposal, more than £3.00." in section.fastest[0]


def test_the_report_says_what_the_quickest_journey_costs(
        evaluations: tuple[routes.Evaluation, ...]) -> None:
    _, ev = evaluations
    page = render_report(ev.scorecard, ev.zones, cost=ev.cost)
    section = page.split('<section class="story fares">', 1)[1].split("</section>", 1)[0]
    whom = "residents of the most deprived neighbourhoods"
    assert "<h3>What the quickest journey costs</h3>" in section
    assert (f"For {whom}, the quickest way to the jobs they can reach within 20 minutes "
            "typically costs nothing (free) one way (half of those jobs for at most that); "
            "with the proposal, £3.00.") in section
    assert ("For 0 % of those jobs, the quickest journey costs more than one £3.00 fare; with "
            "the proposal, 28 %. It falls for nobody and rises for 100 residents.") in section
    assert ("For 0 % of those jobs, the quickest way needs buses of two companies, each "
            "charging its own fare; with the proposal, 28 %.") in section
    assert "the jobs they can reach in the time stand for their work" in section
