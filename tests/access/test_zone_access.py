"""Per-zone accessibility on one network (:func:`routes.access.zone_access.compute_access`).

- The baseline of the line study area (``tests/_evaluate_fixtures.py``) against
  the travel times and metrics derived by hand there.
- Travel times are cached: a second call does not route again.
- Invariant (STYLE 42): a proposal that only adds trips never lowers any
  zone's access. Random new routes on the line study area, over a 20-minute
  departure window (so the median of many departures is compared), never
  lengthen a travel time, never lower jobs within the cutoff, decay-weighted
  jobs, spaces within the cutoff, cross-community reach or meeting potential,
  and never lengthen the time to the nearest space (overall or per category).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _evaluate_fixtures import (
    BASELINE_MIN,
    METRICS,
    NODE_XY,
    POINTS,
    ZONE_IDS,
    coords,
    route_feature,
    stop_feature,
    write_line_study,
    write_proposal,
)

from routes.access.zone_access import AccessResult, compute_access, space_layer_names
from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.evaluation.scenario import build_scenario
from routes.evaluation.scoring import compute_zone_changes
from routes.evaluation.study import Study, load_study
from routes.evaluation.study import compute_baseline as compute_study_baseline
from routes.proposal.load import load_proposal


def compute_baseline(study: Study) -> AccessResult:
    """The study's baseline accessibility."""
    return compute_study_baseline(study).access


@pytest.fixture(scope="module")
def line_inputs(tmp_path_factory: pytest.TempPathFactory) -> Study:
    folder = tmp_path_factory.mktemp("line")
    return load_study(load_study_area(write_line_study(folder)))


def test_space_layers(line_inputs: Study) -> None:
    assert space_layer_names(line_inputs.area) == frozenset({"spaces"})


def test_baseline_travel_times_are_the_hand_derived_ones(line_inputs: Study) -> None:
    result = compute_baseline(line_inputs)
    times = result.travel_times
    assert times.point_layer.tolist() == ["zones"] * 4 + ["jobs"] * 2 + ["spaces"] * 2
    assert times.point_ids.tolist() == POINTS
    assert times.minutes.dtype == np.float32
    expected = np.array([BASELINE_MIN[z] for z in ZONE_IDS])
    np.testing.assert_allclose(times.minutes, expected, rtol=1e-6)


def test_baseline_metrics_are_the_hand_derived_ones(line_inputs: Study) -> None:
    zones = compute_baseline(line_inputs).zones
    assert zones.index.tolist() == ZONE_IDS
    for metric, (baseline, _) in METRICS.items():
        assert zones[metric].to_numpy(dtype=float) == pytest.approx(
            baseline, rel=1e-6, nan_ok=True), metric
    assert zones["spaces_within_15min"].dtype == np.int64
    # the zone attributes come along, unchanged
    assert zones["population"].tolist() == [100, 200, 300, 400]
    assert zones["group_b"].tolist() == [0, 100, 300, 100]


def test_per_space_mix_of_the_baseline(line_inputs: Study) -> None:
    spaces = compute_baseline(line_inputs).spaces
    assert spaces.index.tolist() == ["S1", "S2"]
    assert spaces["reachable_residents_15min"].tolist() == [300, 400]
    assert spaces["simpson_diversity_15min"].tolist() == pytest.approx([4 / 9, 3 / 8])


class RecordingCache(NetworkCache):
    """A network cache that records which kinds of entry it had to build."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.built: list[str] = []

    def get_or_build(self, kind: str, digest: str, cls: Any, build: Any,
                     description: str) -> Any:
        def recorded() -> Any:
            self.built.append(kind)
            return build()

        return super().get_or_build(kind, digest, cls, recorded, description)


def test_travel_times_are_cached(line_inputs: Study, tmp_path: Path) -> None:
    cache = RecordingCache(tmp_path / "cache")
    cached = dataclasses.replace(line_inputs, cache=cache)
    first = compute_baseline(cached)
    assert cache.built == ["times"]
    second = compute_baseline(cached)
    assert cache.built == ["times"]  # read back, not routed again
    np.testing.assert_array_equal(second.travel_times.minutes, first.travel_times.minutes)
    pd.testing.assert_frame_equal(second.zones, first.zones)
    assert [p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()] == ["times"]


def test_travel_times_depend_on_the_network(line_inputs: Study, tmp_path: Path) -> None:
    """A scenario's network has another digest, so its times are not the baseline's."""
    proposal = write_proposal(
        tmp_path / "p.geojson",
        route_feature("Back", [1000.0, 0.0], headway_min=5, start="07:55", end="08:30"),
        stop_feature("Back", "b", 1000.0), stop_feature("Back", "a", 0.0),
    )
    scenario = build_scenario(line_inputs.area, line_inputs.network,
                              load_proposal(proposal))
    result = compute_access(line_inputs.area, scenario.network, line_inputs.zones,
                            line_inputs.layers)
    # Z2 -> Z1 by the new route: the 08:00 trip leaves the second Z2 reaches B, and R5 boards
    # only a later one, so the 08:05 trip, reaching A 1000 m later at 18 km/h (200 s)
    assert result.travel_times.minutes[1, 0] == pytest.approx(5 + 200 / 60, rel=1e-6)
    assert np.isnan(compute_baseline(line_inputs).travel_times.minutes[1, 0])


# --------------------------------------------------------------------------- adding trips

#: Street paths a random route can run along (node ids of ``NODE_XY``).
PATHS = [[1, 2, 3, 4, 5, 6], [7, 3, 4, 5, 6], [1, 2, 3, 7]]


def random_route(rng: np.random.Generator, name: str) -> list[dict[str, Any]]:
    """A random route along the streets, with explicit stops on street nodes."""
    path = PATHS[int(rng.integers(len(PATHS)))]
    start = int(rng.integers(0, len(path) - 1))
    end = int(rng.integers(start + 1, len(path)))
    nodes = path[start:end + 1]
    if rng.random() < 0.5:
        nodes = nodes[::-1]
    xy = [NODE_XY[n] for n in nodes]
    inner = [p for p in xy[1:-1] if rng.random() < 0.6]
    stops = [xy[0], *inner, xy[-1]]
    first = 7 * 60 + 40 + int(rng.integers(0, 40))
    span = int(rng.integers(10, 90))
    route = route_feature(
        name, [0.0], headway_min=int(rng.integers(2, 16)),
        start=f"{first // 60:02d}:{first % 60:02d}",
        end=f"{(first + span) // 60:02d}:{(first + span) % 60:02d}",
        speed_kmh=float(rng.integers(8, 40)), dwell_s=int(rng.integers(0, 60)),
        bidirectional=bool(rng.random() < 0.5),
    )
    route["geometry"]["coordinates"] = [coords(x, y) for x, y in xy]
    return [route, *(stop_feature(name, f"{name} {i}", x, y) for i, (x, y) in enumerate(stops))]


@pytest.fixture(scope="module")
def window_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, AccessResult]:
    """The line study area over 20 departures, 07:55 to 08:14, and its baseline."""
    folder = tmp_path_factory.mktemp("window")
    inputs = load_study(load_study_area(write_line_study(folder, window="07:55-08:15")))
    return inputs, compute_baseline(inputs)


NOT_LOWER = ["jobs_within_20min", "jobs_decay_h10min", "spaces_within_15min",
             "reach_other_groups_15min", "meeting_potential_15min"]
NOT_LONGER = ["nearest_space_min", "nearest_space_library_min", "nearest_space_park_min"]


@pytest.mark.parametrize("seed", range(10))
def test_adding_trips_never_lowers_access(
        window_inputs: tuple[Study, AccessResult], tmp_path: Path, seed: int) -> None:
    inputs, baseline = window_inputs
    rng = np.random.default_rng(seed)
    features = [f for k in range(int(rng.integers(1, 3))) for f in random_route(rng, f"R{k}")]
    proposal = load_proposal(write_proposal(tmp_path / f"random{seed}.geojson", *features))
    scenario = build_scenario(inputs.area, inputs.network, proposal)
    assert scenario.network.timetable.n_trips > inputs.network.timetable.n_trips
    result = compute_access(inputs.area, scenario.network, inputs.zones, inputs.layers)

    before = np.nan_to_num(baseline.travel_times.minutes, nan=np.inf)
    after = np.nan_to_num(result.travel_times.minutes, nan=np.inf)
    assert (after <= before).all()
    changes = compute_zone_changes(inputs.area, baseline, result)
    for metric in NOT_LOWER:
        assert (changes[f"delta_{metric}"] >= -1e-9).all(), metric
    for metric in NOT_LONGER:
        b, s = changes[f"baseline_{metric}"], changes[f"scenario_{metric}"]
        assert s[b.notna()].notna().all(), metric  # reached before, still reached
        assert (changes[f"delta_{metric}"].dropna() <= 1e-6).all(), metric
    assert (changes["new_zone_pairs_within_15min"] >= 0).all()
    assert (result.spaces["reachable_residents_15min"]
            >= baseline.spaces["reachable_residents_15min"]).all()
