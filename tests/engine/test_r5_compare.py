"""``routes compare-engines`` like for like: R5's settings, R5's reporting, the differences left.

No R5 is needed: the differences a study area brings are found from its files
and parameters; the comparison runs on stand-in engines whose arrays are
written out here, so every expected number is derived by hand.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _feeds import service, timed_trip, write_feed
from _study import study_feed_tables, write_study_area
from click.testing import CliRunner

import cli
from routes.config.parameters import RoutingParams
from routes.config.study_area import load_study_area
from routes.engine.r5 import backend as r5
from routes.engine.r5.compare import (
    ALWAYS_DIFFERENT,
    compare_engines,
    find_convention_differences,
    like_for_like_routing,
    like_for_like_study,
    r5_whole_minutes,
)
from routes.engine.r5.runtime import JavaRuntime, R5Runtime
from routes.engine.request import TravelTimeRequest
from routes.errors import RoutesWarning
from routes.inputs.points import Points
from routes.network.transit import build_network

# --------------------------------------------------------------------------- settings


def test_like_for_like_routing_sets_r5s_conventions() -> None:
    mine = RoutingParams(board_slack_s=0, transfers="all", max_transfer_walk_min=10.0,
                         frequency_phase="fixed", frequency_draws=100, max_walk_min=12.0)
    like, changed = like_for_like_routing(mine)
    assert (like.board_slack_s, like.transfers, like.max_transfer_walk_min,
            like.frequency_phase, like.frequency_draws) == (60, "closest_per_pattern", None,
                                                            "random", 60)
    assert like.max_walk_min == 12.0  # limits R5 shares are kept
    assert changed == ("board_slack_s = 0 -> 60", "transfers = all -> closest_per_pattern",
                       "max_transfer_walk_min = 10 -> unset (R5's rule)",
                       "frequency_phase = fixed -> random", "frequency_draws = 100 -> 60")
    assert like_for_like_routing(RoutingParams()) == (RoutingParams(), ())  # defaults are R5's


def test_whole_minutes_as_r5_reports_them() -> None:
    minutes = np.array([0.0, 0.99, 1.0, 59.5, 119.98, 120.0, 130.0, np.nan])
    # floor of whole seconds / 60; 120 min or more is past R5's (strict) limit
    expected = np.array([0.0, 0.0, 1.0, 59.0, 119.0, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(r5_whole_minutes(minutes, 120.0), expected)


# --------------------------------------------------------------------------- study areas


def _study(folder: Path, *, feed: dict[str, Any] | None = None, routing: str = "",
           study_area: str = "") -> Path:
    toml = write_study_area(folder)
    if feed is not None:
        write_feed(folder / "feed.zip", **feed)
    text = toml.read_text(encoding="utf-8")
    text = text.replace("[routing]\n", "[routing]\n" + routing)
    text = text.replace("[study_area]\n", "[study_area]\n" + study_area)
    toml.write_text(text, encoding="utf-8")
    return toml


def _causes(toml: Path, departure_s: int | None = None) -> list[str]:
    study = load_study_area(toml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutesWarning)  # the feed doctor's own report
        network = build_network(study)
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s)
    return [d.cause for d in find_convention_differences(study, network, request)]


def _with_frequencies() -> dict[str, Any]:
    tables = study_feed_tables()
    tables["frequencies"] = [{"trip_id": "T1", "start_time": "07:00:00",
                              "end_time": "09:00:00", "headway_secs": 600}]
    return tables


def _with_a_duplicate() -> dict[str, Any]:
    tables = study_feed_tables()
    tables["trips"] = [*tables["trips"], {"route_id": "R1", "service_id": "WK",
                                          "trip_id": "T1copy"}]
    tables["stop_times"] = [*tables["stop_times"],
                            *({**row, "trip_id": "T1copy"} for row in tables["stop_times"])]
    return tables


def _with_sunday_night_trip() -> dict[str, Any]:
    tables = study_feed_tables()
    tables["calendar"] = [*tables["calendar"], service("SU", "0000001")]
    tables["trips"] = [*tables["trips"], {"route_id": "R1", "service_id": "SU",
                                          "trip_id": "NIGHT"}]
    # Sunday 23:50 -> 24:20, i.e. Monday 00:20
    tables["stop_times"] = [*tables["stop_times"], *timed_trip("NIGHT", "23:50",
                                                               (0, 10, 20, 30))]
    return tables


def test_a_plain_study_area_differs_only_in_what_always_differs(tmp_path: Path) -> None:
    assert _causes(write_study_area(tmp_path)) == []
    assert [d.cause for d in ALWAYS_DIFFERENT] == ["walk_arithmetic", "walk_limits",
                                                   "stop_vertices", "transfer_ties"]


@pytest.mark.parametrize(
    ("kwargs", "causes"),
    [
        ({"feed": _with_frequencies()}, ["frequencies"]),
        ({"feed": _with_a_duplicate()}, ["feed_doctor"]),
        ({"study_area": 'walk_access = "permissive"\n'}, ["walk_access"]),
        ({"study_area": 'walk_access = "ignore_foot_no"\n'}, ["walk_access"]),
        # 30 min at 4.8 km/h = 2,400 m > R5's 2,000 m of egress; 25 min = 2,000 m is not past it
        ({"routing": "max_walk_min = 30\n"}, ["egress_cap"]),
        ({"routing": "max_walk_min = 25\n"}, []),
        ({"routing": "max_snap_m = 2000\n"}, ["link_radius"]),
        ({"routing": "max_snap_m = 1600\n"}, []),
        ({"routing": "max_trip_min = 90.5\n"}, ["whole_minute_limits"]),
        ({"routing": "max_walk_min = 12.5\nmax_snap_m = 1700\n"},
         ["link_radius", "whole_minute_limits"]),
    ],
    ids=["frequencies", "feed-doctor", "permissive", "ignore-foot-no", "walk-30", "walk-25",
         "snap-2000", "snap-1600", "trip-90.5", "two-at-once"],
)
def test_features_whose_conventions_differ(tmp_path: Path, kwargs: dict[str, Any],
                                           causes: list[str]) -> None:
    assert _causes(_study(tmp_path, **kwargs)) == causes


def test_previous_days_trips_only_while_they_run(tmp_path: Path) -> None:
    toml = _study(tmp_path, feed=_with_sunday_night_trip())
    assert _causes(toml, departure_s=0) == ["previous_day"]  # NIGHT runs until 00:20
    assert _causes(toml, departure_s=20 * 60) == []  # it arrives at 00:20, not after
    assert _causes(toml) == []  # the study's window, 07:50


def test_details_say_how_much(tmp_path: Path) -> None:
    study = load_study_area(_study(tmp_path, feed=_with_frequencies(),
                                   routing="max_walk_min = 30\n"))
    network = build_network(study)
    found = find_convention_differences(study, network,
                                        TravelTimeRequest.from_routing(study.routing))
    details = {d.cause: d.detail for d in found}
    assert details["frequencies"].startswith("1 frequencies.txt entries run on 2019-05-13")
    assert details["egress_cap"].startswith("max_walk_min = 30 at 4.8 km/h is 2,400 m, but R5 "
                                            "walks at most 2,000 m from the last stop")


# --------------------------------------------------------------------------- the comparison


class _Engine:
    """An engine returning a fixed array (minutes)."""

    def __init__(self, name: str, minutes: np.ndarray) -> None:
        self.name, self.cache_tag, self.digest = name, name, ""
        self.minutes = minutes
        self.requests: list[TravelTimeRequest] = []

    def compute_travel_time_array(self, origins: Points, destinations: Points | None,
                                  request: TravelTimeRequest, *, progress: Any = None
                                  ) -> np.ndarray:
        self.requests.append(request)
        return self.minutes.copy()

    def for_scenario(self, network: Any, gtfs: Any) -> _Engine:  # pragma: no cover
        return self


def test_comparison_is_like_for_like_and_warns_once_per_difference(tmp_path: Path) -> None:
    study, aligned = like_for_like_study(load_study_area(_study(
        tmp_path, feed=_with_frequencies(), routing="board_slack_s = 0\nmax_walk_min = 30\n")))
    assert aligned == ("board_slack_s = 0 -> 60",)
    network = build_network(study)
    points = Points(np.array(["a", "b"], dtype=object), np.zeros(2), np.zeros(2))
    nan = np.nan
    # builtin in whole minutes: 10.5 -> 10, 20.99 -> 20
    builtin = _Engine("builtin", np.array([[[0.0, 10.5]], [[20.99, 0.0]]]))
    theirs = _Engine("r5py", np.array([[[0.0, 12.0]], [[nan, 0.0]]]))
    request = TravelTimeRequest.from_routing(study.routing)
    with pytest.warns(RoutesWarning) as record:
        result = compare_engines(builtin, theirs, study, network, points, points, request,
                                 aligned=aligned)
    messages = [str(w.message) for w in record]
    assert len(messages) == 2
    assert messages[0].startswith("compare-engines: 1 frequencies.txt entries run on")
    assert messages[1].startswith("compare-engines: max_walk_min = 30 at 4.8 km/h is 2,400 m")
    assert builtin.requests[0].routing.board_slack_s == 60 == theirs.requests[0].routing \
        .board_slack_s
    np.testing.assert_array_equal(result.builtin_min, [[[0.0, 10.0]], [[20.0, 0.0]]])
    agreement = result.agreement  # the diagonal is left out: pairs a->b and b->a
    assert (agreement.n_pairs, agreement.n_both, agreement.n_only_first) == (2, 1, 1)
    assert agreement.median_diff_min == 2.0  # 12 - 10
    assert [d.cause for d in result.differences] == ["frequencies", "egress_cap",
                                                     *(d.cause for d in ALWAYS_DIFFERENT)]
    as_dict = result.to_dict()
    assert as_dict["aligned"] == ["board_slack_s = 0 -> 60"]
    assert set(as_dict["differences"]) == {d.cause for d in result.differences}


def test_trips_at_the_limit_are_dropped_as_r5_drops_them(tmp_path: Path) -> None:
    study = load_study_area(write_study_area(tmp_path))
    network = build_network(study)
    points = Points(np.array(["a", "b", "c"], dtype=object), np.zeros(3), np.zeros(3))
    ours = np.array([[[0.0, 119.99, 120.0]], [[119.0, 0.0, 5.0]], [[1.0, 2.0, 0.0]]])
    result = compare_engines(_Engine("builtin", ours), _Engine("r5py", ours), study, network,
                             points, points, TravelTimeRequest.from_routing(study.routing))
    np.testing.assert_array_equal(result.builtin_min[0, 0], [0.0, 119.0, np.nan])
    assert result.agreement.n_only_second == 1  # 120 min: R5 would not report it


# --------------------------------------------------------------------------- the command line


class _FakeMatrix:
    """Stands in for r5py.TravelTimeMatrix: every pair takes 7 minutes."""

    def __new__(cls, network: Any, origins: Any, destinations: Any, **kwargs: Any) -> Any:
        import pandas as pd

        rows = [(o, d, 7.0) for o in origins["id"] for d in destinations["id"]]
        return pd.DataFrame(rows, columns=["from_id", "to_id", "travel_time"])


@pytest.fixture
def fake_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys
    import types

    module = types.ModuleType("r5py")
    module.TransportNetwork = lambda osm, gtfs, allow_errors: ("network", osm, tuple(gtfs))
    module.TravelTimeMatrix = _FakeMatrix
    exceptions = types.ModuleType("r5py.util.exceptions")
    exceptions.GtfsFileError = type("GtfsFileError", (Exception,), {})
    monkeypatch.setitem(sys.modules, "r5py", module)
    monkeypatch.setitem(sys.modules, "r5py.util", types.ModuleType("r5py.util"))
    monkeypatch.setitem(sys.modules, "r5py.util.exceptions", exceptions)
    runtime = R5Runtime(tmp_path / "r5.jar", JavaRuntime(tmp_path, 21, "test"))
    monkeypatch.setattr(r5, "find_r5_runtime", lambda classpath=None: runtime)


def test_cli_reports_what_was_aligned_and_what_remains(fake_r5: None, tmp_path: Path) -> None:
    toml = _study(tmp_path / "study", routing="board_slack_s = 30\nmax_transfer_walk_min = 5\n")
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(cli.main, ["--config", str(toml), "compare-engines",
                                           "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ("like for like: builtin times in whole minutes (floored), trips of max_trip_min or "
            "longer dropped; board_slack_s = 30 -> 60; max_transfer_walk_min = 5 -> unset "
            "(R5's rule)") in result.output
    assert "differences that remain:" in result.output
    for difference in ALWAYS_DIFFERENT:
        assert f"  {difference.cause}: {difference.detail}" in result.output
    import pandas as pd

    pairs = pd.read_csv(out)
    reached = pairs["builtin_min"].dropna()
    assert len(reached) and (reached == np.floor(reached)).all()  # whole minutes
    assert (pairs["r5py_min"] == 7.0).all()
    json_result = CliRunner().invoke(cli.main, ["--config", str(toml), "compare-engines",
                                                "--json"])
    assert json_result.exit_code == 0, json_result.output
    summary = json.loads(json_result.output[json_result.output.index("{"):])
    assert summary["aligned"] == ["board_slack_s = 30 -> 60",
                                  "max_transfer_walk_min = 5 -> unset (R5's rule)"]
    assert "walk_arithmetic" in summary["differences"]
