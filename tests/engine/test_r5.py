"""The r5py backend: parameter mapping, finding Java and the jar, error paths, agreement.

None of these tests needs R5: the parameter mapping is a pure function, the
error paths run with r5py hidden or absent, and the engine's plumbing runs
against a stand-in ``r5py`` module. ``test_r5py_agrees_with_builtin_on_porto_alegre``
runs the real R5 and is skipped wherever r5py, the R5 jar (``--r5-classpath`` /
``$R5_CLASSPATH``) or Java >= 21 is missing — CI included (README, "Cross-checking
with R5").
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
import types
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _osm import lonlat as grid_lonlat
from _r5_fixtures import fake_jar as _jar
from _r5_fixtures import without_r5
from _study import STUDY_ZONES, write_study_area
from click.testing import CliRunner

import cli
from routes.cache import sha256_file
from routes.config.study_area import RoutingParams, load_study_area
from routes.engine.backends import compute_engine_agreement
from routes.engine.base import BuiltinEngine
from routes.engine.r5 import backend as r5
from routes.engine.r5.backend import R5Engine, array_from_r5py_table, r5py_travel_time_kwargs
from routes.engine.r5.runtime import (
    JavaRuntime,
    R5Runtime,
    R5UnavailableError,
    find_r5_runtime,
)
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError, RoutesWarning
from routes.inputs.points import Points, load_layer, points_from_layer
from routes.network.transit import build_network

MONDAY = dt.date(2019, 5, 13)

# --------------------------------------------------------------------------- parameter mapping

@pytest.fixture
def no_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No jar anywhere (:func:`_r5_fixtures.without_r5`)."""
    return without_r5(monkeypatch, tmp_path)



def test_kwargs_map_every_routing_parameter() -> None:
    routing = RoutingParams(departure_start_s=7 * 3600, departure_end_s=9 * 3600,
                            percentiles=(25, 50, 75), max_walk_min=12.0, walk_speed_kmh=4.5,
                            max_rides=2, max_trip_min=90.0, max_snap_m=400.0)
    assert r5py_travel_time_kwargs(TravelTimeRequest.from_routing(routing), MONDAY) == {
        "departure": dt.datetime(2019, 5, 13, 7, 0),
        "departure_time_window": dt.timedelta(minutes=120),
        "percentiles": [25, 50, 75],
        "transport_modes": ["TRANSIT"],
        "access_modes": ["WALK"],
        "egress_modes": ["WALK"],
        "speed_walking": 4.5,
        "max_public_transport_rides": 2,
        "max_time": dt.timedelta(minutes=90),
        "max_time_walking": dt.timedelta(minutes=12),
        "snap_to_network": False,  # R5 links the points and walks their off-street part
    }


def test_kwargs_overrides_and_a_window_crossing_midnight() -> None:
    request = TravelTimeRequest.from_routing(RoutingParams(), departure_s=23 * 3600 + 59 * 60,
                                             window_min=30, percentiles=[5, 95])
    kwargs = r5py_travel_time_kwargs(request, MONDAY)
    assert kwargs["departure"] == dt.datetime(2019, 5, 13, 23, 59)  # on the service date
    assert kwargs["departure_time_window"] == dt.timedelta(minutes=30)
    assert kwargs["percentiles"] == [5, 95]


@pytest.mark.parametrize(
    ("departure_s", "message"),
    [
        (24 * 3600, r"departure 24:00 is not within the service date 2019-05-13: R5 runs only "
                    r"that date's services, from 00:00 to 23:59; start the window before 24:00"),
        (25 * 3600 + 30 * 60, r"departure 25:30 is not within the service date"),
        (7 * 3600 + 30, r"departure 07:00:30: R5 starts windows on whole minutes"),
    ],
    ids=["24:00", "25:30", "seconds"],
)
def test_windows_r5_cannot_run_are_refused_on_one_line(departure_s: int, message: str) -> None:
    request = TravelTimeRequest.from_routing(RoutingParams(), departure_s=departure_s)
    with pytest.raises(InputError, match=message) as info:
        r5py_travel_time_kwargs(request, MONDAY)
    assert "\n" not in str(info.value)


def test_percentiles_reach_r5_sorted_and_once() -> None:
    request = TravelTimeRequest.from_routing(RoutingParams(), percentiles=[90, 50, 10, 50])
    assert r5py_travel_time_kwargs(request, MONDAY)["percentiles"] == [10, 50, 90]
    # six asked for, five distinct: R5 can do it
    assert r5.r5py_percentiles([95, 5, 25, 50, 75, 95]) == [5, 25, 50, 75, 95]


def test_kwargs_default_routing_matches_design_defaults() -> None:
    kwargs = r5py_travel_time_kwargs(TravelTimeRequest.from_routing(RoutingParams()), MONDAY)
    assert kwargs["departure"] == dt.datetime(2019, 5, 13, 7, 0)
    assert kwargs["departure_time_window"] == dt.timedelta(minutes=120)
    assert kwargs["percentiles"] == [50]
    assert kwargs["speed_walking"] == 4.8
    assert kwargs["max_public_transport_rides"] == 3
    assert kwargs["max_time"] == dt.timedelta(minutes=120)
    assert kwargs["max_time_walking"] == dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"percentiles": [5, 25, 50, 75, 90, 95]}, "R5 reports at most 5; ask for fewer"),
        ({"percentiles": [0, 50]}, "between 1 and 99"),
        ({"percentiles": [100]}, "between 1 and 99"),
        ({"window_min": 0}, "departure window of 0 minutes"),
    ],
    ids=["six-percentiles", "percentile-0", "percentile-100", "empty-window"],
)
def test_kwargs_refuse_what_r5_cannot_do(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):  # the request's checks, then R5's
        r5py_travel_time_kwargs(TravelTimeRequest.from_routing(RoutingParams(), **overrides),
                                MONDAY)


def test_mapping_never_imports_r5py(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "r5py", None)  # any `import r5py` would now fail
    r5py_travel_time_kwargs(TravelTimeRequest.from_routing(RoutingParams()), MONDAY)


# --------------------------------------------------------------------------- r5py's table


def test_r5py_table_becomes_our_array() -> None:
    table = pd.DataFrame({
        "from_id": ["o0", "o0", "o1", "o1"], "to_id": ["d1", "d0", "d0", "d1"],
        "travel_time_p10": [3.0, np.nan, 7.0, 1.0], "travel_time_p90": [4.0, 9.0, np.nan, 2.0],
    })
    out = array_from_r5py_table(table, ["o0", "o1"], ["d0", "d1"], [10, 90])
    expected = np.array([[[np.nan, 3.0], [9.0, 4.0]], [[7.0, 1.0], [np.nan, 2.0]]])
    np.testing.assert_array_equal(out, expected)


def test_r5py_median_only_column_is_travel_time() -> None:
    table = pd.DataFrame({"from_id": ["o0"], "to_id": ["d0"], "travel_time": [12.0]})
    out = array_from_r5py_table(table, ["o0"], ["d0", "d1"], [50])
    np.testing.assert_array_equal(out, [[[12.0, np.nan]]])


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "args",
    [
        ["matrix", "--engine", "r5py", "--out", "{tmp}/m.csv"],
        ["matrix", "--engine", "R5PY", "--out", "{tmp}/m.csv"],
        ["compare-engines"],
        ["access", "--engine", "r5py", "--out", "{tmp}/access"],
    ],
    ids=["matrix", "matrix-upper-case", "compare-engines", "access"],
)
def test_cli_without_r5_exits_1_with_one_line(no_r5: Path, args: list[str]) -> None:
    toml = write_study_area(no_r5 / "study")
    args = [a.replace("{tmp}", str(no_r5)) for a in args]
    result = CliRunner().invoke(cli.main, ["--config", str(toml), *args])
    output = result.output.strip()
    assert result.exit_code == 1, output
    assert output.startswith("Error: --engine r5py cannot run:")
    assert "--r5-classpath" in output
    assert "\n" not in output and "Traceback" not in output
    assert not (no_r5 / "m.csv").exists() and not (no_r5 / "access").exists()
    assert "r5py" not in sys.modules  # checked before importing it: nothing started or fetched


def test_cli_r5_classpath_needs_engine_r5py(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path)
    result = CliRunner().invoke(cli.main, [
        "--config", str(toml), "matrix", "--r5-classpath", str(_jar(tmp_path / "r5.jar")),
        "--out", str(tmp_path / "m.csv")])
    assert result.exit_code == 2
    assert "--r5-classpath is used only with --engine r5py" in result.output


# --------------------------------------------------------------------------- the engine's plumbing


class _FakeTravelTimeMatrix(pd.DataFrame):
    """Stands in for r5py.TravelTimeMatrix: origin i to destination j takes i + 10 j + p / 100.

    ``i`` and ``j`` are read from r5py's ids (``o<i>``, ``d<j>``); percentiles
    are checked as R5 checks them (``AnalysisWorkerTask.validatePercentiles``)
    and columns named as r5py names them (``travel_time`` for the median alone).
    """

    calls: list[dict[str, Any]] = []

    def __init__(self, network: Any, origins: Any, destinations: Any, **kwargs: Any) -> None:
        pcts = kwargs["percentiles"]
        if any(b < a for a, b in itertools.pairwise(pcts)):
            raise RuntimeError("java.lang.IllegalStateException: Percentiles must be in "
                               "ascending order.")
        _FakeTravelTimeMatrix.calls.append({"network": network, "origins": list(origins["id"]),
                                            "destinations": list(destinations["id"]), **kwargs})
        columns = ["travel_time"] if pcts == [50] else [f"travel_time_p{p:d}" for p in pcts]
        rows = [(o, d, *(int(o[1:]) + 10 * int(d[1:]) + p / 100 for p in pcts))
                for o in origins["id"] for d in destinations["id"]]
        super().__init__(pd.DataFrame(rows, columns=["from_id", "to_id", *columns]))


class _FakeTransportNetwork:
    """Stands in for r5py.TransportNetwork, with r5py 1.1.7's working copies.

    r5py links each input into its cache under the file's bare name and reuses
    a link of that name if there is one (``r5py/util/working_copy.py``): this
    does the same in ``cache``, then reads the trips of each GTFS working copy,
    which is what R5 would route.
    """

    cache: Path = Path()

    def __init__(self, osm: str, gtfs: list[str], allow_errors: bool) -> None:
        def working_copy(path: str) -> Path:
            destination = self.cache / Path(path).name
            if not destination.exists():
                destination.symlink_to(Path(path).absolute())
            return destination

        self.osm = osm
        self.gtfs = tuple(gtfs)
        self.working_copies = [working_copy(p) for p in (osm, *gtfs)]
        self.trip_ids: set[str] = set()
        for copy in self.working_copies[1:]:
            with zipfile.ZipFile(copy) as feed:
                trips = pd.read_csv(feed.open("trips.txt"), dtype=str)
            self.trip_ids |= set(trips["trip_id"])


def _fake_r5py(monkeypatch: pytest.MonkeyPatch, cache: Path | None = None) -> types.ModuleType:
    module = types.ModuleType("r5py")
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        _FakeTransportNetwork.cache = cache
        module.TransportNetwork = _FakeTransportNetwork
    else:
        module.TransportNetwork = lambda osm, gtfs, allow_errors: ("network", osm, tuple(gtfs))
    module.TravelTimeMatrix = _FakeTravelTimeMatrix
    exceptions = types.ModuleType("r5py.util.exceptions")
    exceptions.GtfsFileError = type("GtfsFileError", (Exception,), {})
    monkeypatch.setitem(sys.modules, "r5py", module)
    monkeypatch.setitem(sys.modules, "r5py.util", types.ModuleType("r5py.util"))
    monkeypatch.setitem(sys.modules, "r5py.util.exceptions", exceptions)
    _FakeTravelTimeMatrix.calls = []
    return module


def _runtime(tmp_path: Path) -> R5Runtime:
    return R5Runtime(tmp_path / "r5.jar", JavaRuntime(tmp_path, 21, "test"))


def _zone_points(*names: str) -> Points:
    """Study zones by name; ``far`` is 5 km from every street of the study's grid."""
    xy = {z: (x, y) for z, x, y in STUDY_ZONES} | {"far": (5000.0, 5000.0)}
    lonlats = [grid_lonlat(*xy[n]) for n in names]
    return Points(np.array(names, dtype=object), np.array([p[0] for p in lonlats]),
                  np.array([p[1] for p in lonlats]))


def test_engine_routes_linked_points_in_one_call_with_sorted_percentiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_r5py(monkeypatch)
    study = load_study_area(write_study_area(tmp_path / "study"))
    engine = R5Engine(study, runtime=_runtime(tmp_path))
    origins, dests = _zone_points("z1", "far", "z3"), _zone_points("z2", "far")
    request = TravelTimeRequest.from_routing(study.routing, percentiles=[90, 50, 10, 50])
    progress: list[tuple[int, int]] = []
    with pytest.warns(RoutesWarning) as record:
        out = engine.compute_travel_time_array(origins, dests, request,
                                               progress=lambda d, t: progress.append((d, t)))
    assert [str(w.message).split(";")[0] for w in record] == [
        f"1 of {n} {what} are more than 500 m from the street network and get no travel times "
        "from R5 either" for n, what in ((3, "origins"), (2, "destinations"))]
    [call] = _FakeTravelTimeMatrix.calls  # one call for all origins
    assert call["origins"] == ["o0", "o2"] and call["destinations"] == ["d0"]  # far left out
    assert call["percentiles"] == [10, 50, 90] and call["snap_to_network"] is False
    assert progress == [(3, 3)]
    # back in the order asked for: origin i to destination j took i + 10 j + p / 100
    expected = np.full((3, 4, 2), np.nan)
    for i in (0, 2):
        expected[i, :, 0] = [i + p / 100 for p in (90, 50, 10, 50)]
    np.testing.assert_array_equal(out, expected)
    # the inputs r5py got are named by their contents
    _, osm, gtfs = call["network"]
    feed = study.gtfs_paths[0]
    assert Path(osm).name.endswith("-grid.osm.pbf")  # grid.osm (XML) converted for R5
    assert [Path(g).name for g in gtfs] == [f"{sha256_file(feed)[:24]}-feed.zip"]
    assert Path(gtfs[0]).read_bytes() == feed.read_bytes()
    assert engine.inputs == (Path(osm), Path(gtfs[0]))


def test_engine_without_linked_points_does_not_call_r5(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_r5py(monkeypatch)
    study = load_study_area(write_study_area(tmp_path / "study"))
    far = _zone_points("far")
    with pytest.warns(RoutesWarning, match="1 of 1 origins are more than 500 m"):
        out = R5Engine(study, runtime=_runtime(tmp_path)).compute_travel_time_array(
            far, None, TravelTimeRequest.from_routing(study.routing))
    assert out.shape == (1, 1, 1) and np.isnan(out).all()
    assert _FakeTravelTimeMatrix.calls == []


@pytest.mark.parametrize("departure_s", [24 * 3600, 26 * 3600, 8 * 3600 + 1])
def test_engine_refuses_bad_windows_before_starting_r5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, departure_s: int
) -> None:
    _fake_r5py(monkeypatch)
    study = load_study_area(write_study_area(tmp_path / "study"))
    engine = R5Engine(study, runtime=_runtime(tmp_path))
    request = TravelTimeRequest.from_routing(study.routing, departure_s=departure_s)
    with pytest.raises(InputError, match="--engine r5py: departure"):
        engine.compute_travel_time_array(_zone_points("z1"), None, request)
    assert _FakeTravelTimeMatrix.calls == [] and engine.inputs == ()


def test_input_files_are_named_by_content(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    a, b = tmp_path / "a" / "feed.zip", tmp_path / "b" / "feed.zip"
    for path, text in ((a, b"one"), (b, b"two")):
        path.parent.mkdir()
        path.write_bytes(text)
    ca, cb = r5.r5_input_file(a, folder), r5.r5_input_file(b, folder)
    assert ca.name == f"{sha256_file(a)[:24]}-feed.zip" and ca.read_bytes() == b"one"
    assert cb.name != ca.name and cb.read_bytes() == b"two"
    assert r5.r5_input_file(a, folder) == ca  # the same bytes: the same file
    assert r5.r5_input_file(ca, folder) == ca  # already named by content
    assert sorted(p.name for p in folder.iterdir()) == sorted([ca.name, cb.name])


def test_scenario_reaches_r5_as_its_own_feed_files(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Acceptance (#17): a scenario through the r5py path gets feed files distinct from the
    baseline's, so r5py's working copies (bare names, reused) cannot route the baseline."""

    from _evaluate_fixtures import (
        link_features,
        modification_feature,
        write_line_study,
        write_proposal,
    )

    from routes.evaluation.scenario import build_scenario, write_scenario_feeds
    from routes.proposal.load import load_proposal

    _fake_r5py(monkeypatch, cache=tmp_path / "r5py-cache")
    study = load_study_area(write_line_study(tmp_path / "line"))
    baseline = build_network(study)
    proposal = load_proposal(write_proposal(tmp_path / "cut.geojson", *link_features(),
                                            modification_feature("remove_route", "feed:R1")))
    scenario = build_scenario(study, baseline, proposal)
    written: list[tuple[Path, ...]] = []

    def gtfs(folder: Path) -> tuple[Path, ...]:
        written.append(write_scenario_feeds(study, proposal, folder))
        return written[-1]

    engine = R5Engine(study, runtime=_runtime(tmp_path), network=baseline)
    scenario_engine = engine.for_scenario(scenario.network, gtfs)
    assert scenario_engine.network is scenario.network and written == []
    points = Points(np.array(["p"], dtype=object), baseline.timetable.stop_lon[:1],
                    baseline.timetable.stop_lat[:1])
    request = TravelTimeRequest.from_routing(study.routing)
    engine.compute_travel_time_array(points, None, request)
    scenario_engine.compute_travel_time_array(points, None, request)
    base_net, scen_net = (c["network"] for c in _FakeTravelTimeMatrix.calls)
    # the scenario wrote its changed feed under the baseline's file name ...
    [files] = written
    assert study.gtfs_paths[0].name in [f.name for f in files]
    # ... but r5py got other names, and so routes the scenario's trips
    assert not set(map(Path, base_net.gtfs)) & set(map(Path, scen_net.gtfs))
    assert {Path(g).name for g in base_net.gtfs}.isdisjoint(Path(g).name for g in scen_net.gtfs)
    assert base_net.trip_ids == {"T1", "T2"}
    assert "T1" not in scen_net.trip_ids and "T2" in scen_net.trip_ids
    assert len(scen_net.trip_ids) == 1 + 12  # T2 and the Link's 12 trips
    # both share one OSM file (same contents, same name)
    assert base_net.osm == scen_net.osm


@pytest.fixture
def fake_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stand-in r5py and a runtime that passes the checks: the CLI runs end to end."""
    _fake_r5py(monkeypatch)
    runtime = _runtime(tmp_path)
    monkeypatch.setattr(r5, "find_r5_runtime", lambda classpath=None: runtime)


def test_cli_matrix_engine_r5py_writes_our_long_table(fake_r5: None, tmp_path: Path) -> None:
    toml = write_study_area(tmp_path / "study")
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(cli.main, ["--config", str(toml), "matrix", "--engine", "r5py",
                                           "--percentiles", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"from_id": str, "to_id": str})
    assert list(table.columns) == ["from_id", "to_id", "travel_time_p50_min"]
    assert len(table) == 9
    # the stand-in's time for origin i to destination j is i + 10 j + p / 100, under our ids
    assert table.set_index(["from_id", "to_id"]).loc[("z2", "z3"), "travel_time_p50_min"] == 21.5


def test_cli_compare_engines_prints_the_agreement(fake_r5: None, tmp_path: Path) -> None:
    toml = write_study_area(tmp_path / "study")
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(cli.main, ["--config", str(toml), "compare-engines",
                                           "--out", str(out)])
    assert result.exit_code == 0, result.output
    for fragment in ("pairs compared", "within 1 min", "within 5 min",
                     "median difference (r5py - builtin)"):
        assert fragment in result.output
    pairs = pd.read_csv(out)
    assert list(pairs.columns) == ["from_id", "to_id", "percentile", "builtin_min", "r5py_min",
                                   "diff_min"]
    assert (pairs["diff_min"] == pairs["r5py_min"] - pairs["builtin_min"]).all()


def test_converted_osm_is_a_readable_pbf(tmp_path: Path) -> None:
    import osmium

    study = load_study_area(write_study_area(tmp_path / "study"))
    pbf = r5.osm_pbf_for_r5(study.osm_path)
    ways = sum(1 for o in osmium.FileProcessor(str(pbf)) if o.is_way())
    assert ways == 6
    assert r5.osm_pbf_for_r5(study.osm_path) == pbf  # converted once


# --------------------------------------------------------------------------- agreement


def test_agreement_of_synthetic_arrays() -> None:
    nan = np.nan
    builtin = np.array([[[0.0, 10.0, 20.0, nan, 30.0, 40.0]]])
    r5py = np.array([[[0.5, 11.5, 24.0, 5.0, nan, 46.0]]])
    agreement = compute_engine_agreement(builtin, r5py)
    assert (agreement.n_pairs, agreement.n_both) == (6, 4)
    assert (agreement.n_only_first, agreement.n_only_second) == (1, 1)
    # |diffs| = 0.5, 1.5, 4, 6
    assert agreement.within_min == ((1.0, 0.25), (2.0, 0.5), (5.0, 0.75))
    assert agreement.median_diff_min == 2.75
    assert agreement.median_abs_diff_min == 2.75
    frame = agreement.to_frame()
    assert list(frame.columns) == ["indicator", "value", "unit"]
    assert frame.set_index("indicator").loc["within 2 min", "value"] == 0.5


def test_agreement_signs_and_diagonal() -> None:
    rng = np.random.default_rng(7)
    a = rng.uniform(5, 60, size=(4, 2, 4))
    b = a - 3.0
    b[np.arange(4), :, np.arange(4)] = a[np.arange(4), :, np.arange(4)] + 50  # self-trips differ
    agreement = compute_engine_agreement(a, b, ignore_diagonal=True, names=("x", "y"))
    assert agreement.n_pairs == 4 * 2 * 3
    assert agreement.median_diff_min == pytest.approx(-3.0)
    assert dict(agreement.within_min) == {1.0: 0.0, 2.0: 0.0, 5.0: 1.0}
    assert agreement.to_dict()["within_min"] == {"1": 0.0, "2": 0.0, "5": 1.0}


def test_agreement_without_common_pairs_is_nan() -> None:
    a = np.full((1, 1, 2), np.nan)
    agreement = compute_engine_agreement(a, np.ones((1, 1, 2)))
    assert agreement.n_both == 0 and agreement.n_only_second == 2
    assert np.isnan(agreement.median_diff_min)


def test_agreement_needs_same_shapes() -> None:
    with pytest.raises(InputError, match=r"shapes \(1, 1, 2\) and \(1, 1, 3\)"):
        compute_engine_agreement(np.ones((1, 1, 2)), np.ones((1, 1, 3)))


# --------------------------------------------------------------------------- the real R5


def _r5_or_skip() -> R5Runtime:
    try:
        return find_r5_runtime()
    except R5UnavailableError as exc:
        pytest.skip(f"R5 not available: {exc}")


@pytest.mark.slow
@pytest.mark.r5
def test_r5py_agrees_with_builtin_on_porto_alegre(poa_dir: Path, tmp_path: Path) -> None:
    """Documented tolerance: of pairs both engines reach, >= 80 % within 5 minutes and a median
    absolute difference <= 3 minutes (R5 reports whole minutes, links points to streets its own
    way and finds transfers within 1 km)."""
    runtime = _r5_or_skip()

    toml = tmp_path / "routes.toml"
    toml.write_text(
        "[study_area]\nname = 'Porto Alegre'\n"
        f"gtfs = ['{poa_dir / 'poa_eptc.zip'}', '{poa_dir / 'poa_trensurb.zip'}']\n"
        f"osm = '{poa_dir / 'poa_osm.pbf'}'\ndate = '2019-05-13'\n"
        "[routing]\ndeparture_window = '14:00-14:10'\n",
        encoding="utf-8",
    )
    study = load_study_area(toml)
    points = points_from_layer(load_layer(poa_dir / "poa_hexgrid.csv"))
    sample = np.random.default_rng(42).choice(len(points), size=150, replace=False)
    points = Points(points.ids[sample], points.lon[sample], points.lat[sample])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutesWarning)  # stops and hexes outside the extract
        network = build_network(study)
        request = TravelTimeRequest.from_routing(study.routing)
        ours = BuiltinEngine(network).compute_travel_time_array(points, None, request)
    theirs = R5Engine(study, runtime=runtime).compute_travel_time_array(points, None, request)
    agreement = compute_engine_agreement(ours, theirs, ignore_diagonal=True)
    assert agreement.n_both > 0.5 * agreement.n_pairs
    assert dict(agreement.within_min)[5.0] >= 0.8
    assert agreement.median_abs_diff_min <= 3.0
