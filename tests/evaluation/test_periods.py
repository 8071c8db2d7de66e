"""Periods (``[[periods]]``) on the line study area of ``tests/_evaluate_fixtures.py``.

The hand-derived expectations (see that module's docstring):

- the proposal Link runs 08:00-09:00 only, so it helps the ``morning`` period
  (one departure at 08:00, as the study's own window) exactly as it helps the
  study window, and changes nothing in the ``evening`` (19:00): no trip of
  Link, nor of R1 (08:02) or R2 (07:00), runs then;
- in the evening everyone walks: jobs within 20 min are Z1 200 (J1 at
  300 m), Z2 0, Z3 1000 (J2 at 300 m), Z4 0; the nearest shared space is
  Z2 5 5/6 min (S1 at 350 m), Z4 0 (S2 on the zone), none within the
  10-minute walk for Z1 and Z3;
- a period on another weekday (Tuesday) with the same window has the same
  feed trips at the same times, hence the same numbers as the study window;
- the street network and the stop links are built once for all of it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from _evaluate_fixtures import METRICS, ZONE_IDS, write_line_study, write_link_proposal

import routes.network.transit as transit
from routes.cache import NetworkCache
from routes.errors import GtfsError
from routes.evaluation.compare import compute_ranking
from routes.evaluation.evaluate import evaluate_proposal
from routes.evaluation.study import compute_baseline, load_study

PERIODS = """
[[periods]]
name = "morning"
departure_window = "08:00-08:01"

[[periods]]
name = "evening"
departure_window = "19:00-19:01"

[[periods]]
name = "tuesday"
departure_window = "08:00-08:01"
date = "2019-05-14"
"""


def _study(folder: Path, periods: str = PERIODS) -> Path:
    toml = write_line_study(folder)
    toml.write_text(toml.read_text(encoding="utf-8") + periods, encoding="utf-8")
    return toml


def _values(table, column: str) -> list[float]:
    return [float(v) for v in table.loc[ZONE_IDS, column]]


def _same(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or math.isclose(x, y, abs_tol=1e-5)
               for x, y in zip(a, b, strict=True))


def test_morning_route_helps_only_the_morning(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path / "s"), cache=NetworkCache(tmp_path / "cache"))
    ev = evaluate_proposal(study, write_link_proposal(tmp_path), n_map_zones=0)
    zones = ev.zones
    # The study window keeps its column names and its hand-derived values.
    before, after = METRICS["jobs_within_20min"]
    assert _values(zones, "baseline_jobs_within_20min") == before
    assert _values(zones, "scenario_jobs_within_20min") == after
    # The morning period is the same window: the same numbers, suffixed.
    for metric in ("jobs_within_20min", "nearest_space_min", "spaces_within_15min"):
        for prefix in ("baseline_", "scenario_", "delta_"):
            assert _same(_values(zones, f"{prefix}{metric}_morning"),
                         _values(zones, f"{prefix}{metric}")), (prefix, metric)
            assert _same(_values(zones, f"{prefix}{metric}_tuesday"),
                         _values(zones, f"{prefix}{metric}")), (prefix, metric)
    # The evening: walking only, before and after; nothing changes.
    assert _values(zones, "baseline_jobs_within_20min_evening") == [200, 0, 1000, 0]
    assert _values(zones, "scenario_jobs_within_20min_evening") == [200, 0, 1000, 0]
    assert _values(zones, "delta_jobs_within_20min_evening") == [0, 0, 0, 0]
    assert _same(_values(zones, "scenario_nearest_space_min_evening"),
                 [math.nan, 5 + 5 / 6, math.nan, 0.0])
    deltas = zones.filter(regex=r"^delta_.*_evening$").to_numpy(dtype=float)
    assert np.all(np.isnan(deltas) | (deltas == 0))
    # Scorecard: per-period indicators, and the plain-words line.
    cards = {c.name: c for c in ev.scorecard.periods}
    assert [cards[n].helps for n in ("morning", "evening", "tuesday")] == [True, False, True]
    gaining = {c.name: next(i for i in c.indicators
                            if i.key == f"residents_gaining_jobs_{c.name}") for c in cards.values()}
    # Z1, Z2 and Z4 gain jobs within 20 min: 100 + 200 + 400 residents; nobody in the evening.
    assert gaining["morning"].value == 700
    assert gaining["tuesday"].value == 700
    assert gaining["evening"].value == 0
    assert "delta_jobs_within_20min_evening" in gaining["evening"].source
    assert ev.scorecard.when_it_helps == (
        "link helps in the study window (08:00-08:01), morning (08:00-08:01) and tuesday "
        "(08:00-08:01 on 2019-05-14), but nothing after 19:00.")
    data = ev.scorecard.to_dict()
    assert [p["name"] for p in data["periods"]] == ["morning", "evening", "tuesday"]
    # compare's ranking: deprived Z1 (100 residents) and Z2 (200) gain 1000 jobs each.
    ranking = compute_ranking([ev]).iloc[0]
    assert ranking["benefit"] == ranking["benefit_morning"] == 300_000
    assert ranking["benefit_evening"] == 0
    assert ranking["residents_gaining_morning"] == 300


def test_without_periods_nothing_changes(tmp_path: Path) -> None:
    study = load_study(write_line_study(tmp_path / "s"), cache=NetworkCache(tmp_path / "c"))
    ev = evaluate_proposal(study, write_link_proposal(tmp_path), n_map_zones=0)
    assert ev.periods == () and ev.scorecard.periods == ()
    assert not any(c.endswith(("_morning", "_evening")) for c in ev.zones.columns)
    assert set(ev.scorecard.to_dict()) == {"proposal", "indicators"}


def test_streets_and_stop_links_are_built_once(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Count the builds: one street network, one set of stop links, for three periods."""
    calls = {"streets": 0, "links": 0, "feeds": 0}

    def counting(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(transit, "load_street_network",
                        counting("streets", transit.load_street_network))
    monkeypatch.setattr(transit, "build_stop_links", counting("links", transit.build_stop_links))
    monkeypatch.setattr(transit, "load_feed_trips", counting("feeds", transit.load_feed_trips))
    import routes.evaluation.periods as periods

    monkeypatch.setattr(periods, "link_stops", counting("links", periods.link_stops))
    study = load_study(_study(tmp_path / "s"), cache=NetworkCache(tmp_path / "fresh"))
    evaluate_proposal(study, write_link_proposal(tmp_path), n_map_zones=0)
    # The feed is read for the study date and once more for Tuesday's period.
    assert calls == {"streets": 1, "links": 1, "feeds": 2}


def test_a_period_on_a_day_without_service_says_so(tmp_path: Path) -> None:
    toml = _study(tmp_path / "s", '\n[[periods]]\nname = "saturday"\n'
                                  'departure_window = "10:00-10:01"\ndate = "2019-05-18"\n')
    study = load_study(toml, cache=NetworkCache(tmp_path / "c"))
    with pytest.raises(GtfsError, match="2019-05-18"):
        compute_baseline(study)
