"""The r5py engine: the same study area and scenario routed by R5, to cross-check.

:class:`R5Engine` maps the study area's parameters to r5py's
(:func:`r5py_travel_time_kwargs`), prepares the inputs R5 reads (an
``.osm.pbf``, GTFS zips) and turns r5py's tables into the built-in engine's
arrays. Finding Java and the R5 jar, and importing r5py without letting it
download anything, is :mod:`routes.engine.r5.runtime`.

What r5py 1.1.7 would otherwise get wrong, and what this module does about it:

* **Inputs by content.** r5py links each input into its cache folder under the
  file's *bare name* and reuses an existing link of that name whatever it
  points to (``r5py/util/working_copy.py``, ``WorkingCopy.__new__``), so a
  scenario's ``feed.zip`` would be routed as the baseline's ``feed.zip``. Every
  zip and PBF handed to r5py is therefore a copy (or hard link) named after its
  SHA-256 (:func:`r5_input_file`): different contents never share a name.
* **Linking.** ``snap_to_network`` moves points onto the street before R5 sees
  them and always searches 1,600 m (``BaseTravelTimeMatrix._prepare_origins_destinations``
  calls ``TransportNetwork.snap_to_network`` without a radius). This module
  passes ``snap_to_network=False``, so R5 walks each point's off-street
  distance as R5 itself does, and decides with the built-in linking
  (``[routing].max_snap_m``) which points get no times (NaN).
* **Percentiles** reach R5 sorted and de-duplicated (R5's
  ``AnalysisWorkerTask.validatePercentiles`` refuses unsorted ones); results
  come back in the order asked for.
* **Windows** R5 cannot run are refused on one line: a start at or after
  24:00 (r5py moves it to the next calendar day, whose services R5 then runs)
  or not on a whole minute (r5py drops the seconds,
  ``RegionalTask.departure``).
* **One call.** All origins go to one ``TravelTimeMatrix``: R5 links the
  destinations once per call (``LinkageCache`` keys on the point set object).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._progress import ProgressCallback, no_progress
from routes.cache import default_cache_dir, sha256_file
from routes.config.study_area import StudyArea
from routes.engine.base import GtfsWriter
from routes.engine.r5.runtime import R5Runtime, find_r5_runtime, import_r5py
from routes.engine.request import TravelTimeRequest
from routes.errors import GtfsError, InputError, OsmError, RoutesWarning
from routes.inputs.osm_file import is_graphml_path
from routes.inputs.points import Points
from routes.io import atomic_path, write_zip
from routes.network.transit import TransitNetwork

__all__ = ["R5Engine", "r5_input_file", "r5py_percentiles", "r5py_travel_time_kwargs"]

logger = logging.getLogger(__name__)

R5_MAX_PERCENTILES = 5
"""R5 reports at most five percentiles per run (``AnalysisWorkerTask.MAX_PERCENTILES``)."""

SECONDS_PER_DAY = 86_400

# --------------------------------------------------------------------------------------
# Parameters: a TravelTimeRequest -> r5py.TravelTimeMatrix keyword arguments
# --------------------------------------------------------------------------------------


def r5py_percentiles(percentiles: Sequence[int]) -> list[int]:
    """Return the percentiles to ask R5 for: sorted, each once (R5 refuses unsorted ones).

    Raises
    ------
    InputError
        If more than five distinct percentiles are asked for (R5's limit).

    Examples
    --------
    >>> r5py_percentiles([90, 50, 90, 10])
    [10, 50, 90]
    """
    pcts = sorted({int(p) for p in percentiles})
    if len(pcts) > R5_MAX_PERCENTILES:
        msg = (f"--engine r5py: percentiles {pcts!r}: R5 reports at most "
               f"{R5_MAX_PERCENTILES}; ask for fewer")
        raise InputError(msg)
    return pcts


def r5py_travel_time_kwargs(request: TravelTimeRequest, service_date: dt.date) -> dict[str, Any]:
    """Keyword arguments of ``r5py.TravelTimeMatrix`` equivalent to a travel-time request.

    Parameters
    ----------
    request
        Departure window, percentiles, walking speed and limits.
    service_date
        The study area's date.

    Returns
    -------
    dict
        ``departure`` (datetime on ``service_date``), ``departure_time_window``
        (timedelta, one departure a minute), ``percentiles`` (sorted, each
        once: :func:`r5py_percentiles`), ``transport_modes`` (``["TRANSIT"]``),
        ``access_modes`` and ``egress_modes`` (``["WALK"]``), ``speed_walking``
        (km/h), ``max_public_transport_rides``, ``max_time`` (timedelta, the
        longest trip), ``max_time_walking`` (timedelta, each access, egress or
        walk-only leg) and ``snap_to_network`` (``False``: R5 links the points
        itself, walking their off-street distance).

    Raises
    ------
    InputError
        If there are more than five distinct percentiles (R5's limit), or the
        window starts at or after 24:00 or not on a whole minute (R5 runs the
        date's services from a whole minute of that date; r5py would move the
        start to the next day, or drop the seconds).

    Notes
    -----
    Not mapped, because R5 has no such setting: ``max_transfer_walk_min`` (R5
    finds transfers within 1 km when it builds its network), the boarding slack
    (R5's fixed 60 s), the transfer rule and the frequency draws (r5py's 60,
    unseeded). r5py truncates ``max_time`` and ``max_time_walking`` to whole
    minutes, and R5 reports whole minutes (floored).
    """
    routing = request.routing
    pcts = r5py_percentiles(request.percentiles)
    if request.departure_s >= SECONDS_PER_DAY or request.departure_s < 0:
        msg = (f"--engine r5py: departure {_clock(request.departure_s)} is not within the "
               f"service date {service_date}: R5 runs only that date's services, from 00:00 "
               "to 23:59; start the window before 24:00 or use the builtin engine")
        raise InputError(msg)
    if request.departure_s % 60:
        msg = (f"--engine r5py: departure {_clock(request.departure_s)}: R5 starts windows on "
               "whole minutes; start it on a whole minute")
        raise InputError(msg)
    departure = (dt.datetime.combine(service_date, dt.time())
                 + dt.timedelta(seconds=request.departure_s))
    return {
        "departure": departure,
        "departure_time_window": dt.timedelta(minutes=request.window_min),
        "percentiles": pcts,
        "transport_modes": ["TRANSIT"],
        "access_modes": ["WALK"],
        "egress_modes": ["WALK"],
        "speed_walking": float(routing.walk_speed_kmh),
        "max_public_transport_rides": int(routing.max_rides),
        "max_time": dt.timedelta(minutes=routing.max_trip_min),
        "max_time_walking": dt.timedelta(minutes=routing.max_walk_min),
        "snap_to_network": False,
    }


def _clock(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, sec = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")


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


_DIGEST_CHARS = 24


def r5_input_file(path: Path, folder: Path | None = None) -> Path:
    """Copy (or hard-link) ``path`` under a name made of its content, for r5py.

    r5py links every input into its cache under the file's bare name and
    reuses an existing link of that name (``r5py/util/working_copy.py``), so
    two different files named ``feed.zip`` (a baseline and its scenario, or two
    study areas) would be routed as one. The copy (a hard link where the file
    system allows) is ``<sha256[:24]>-<name>`` in ``folder``: the same name
    means the same bytes.

    Parameters
    ----------
    path
        A GTFS zip or an ``.osm.pbf``.
    folder
        Where to put it (default: ``r5py-inputs`` in the cache folder).

    Returns
    -------
    Path
        The content-named file (``path`` itself when already so named there).
    """
    folder = _input_folder() if folder is None else folder
    digest = sha256_file(path)[:_DIGEST_CHARS]
    if path.parent == folder and path.name.startswith(digest):
        return path
    target = folder / f"{digest}-{path.name}"
    if not target.exists():
        with atomic_path(target, overwrite=True) as tmp:
            try:
                os.link(path, tmp)
            except OSError:
                shutil.copyfile(path, tmp)
    return target


def osm_pbf_for_r5(osm_path: Path) -> Path:
    """Return the OSM extract as a content-named PBF (R5 reads only PBF), converting XML once."""
    if is_graphml_path(osm_path):
        msg = (
            f"{osm_path}: R5 builds its street network from OpenStreetMap data, not GraphML; "
            "use the built-in engine, or point [study_area].osm at an OSM extract (.osm.pbf)"
        )
        raise OsmError(msg)
    name = osm_path.name.lower()
    if name.endswith(".pbf"):
        return r5_input_file(osm_path)
    import osmium

    target = _input_folder() / f"{sha256_file(osm_path)[:_DIGEST_CHARS]}-{osm_path.stem}.osm.pbf"
    if not target.exists():
        with atomic_path(target, overwrite=True) as tmp, osmium.SimpleWriter(str(tmp)) as writer:
            for obj in osmium.FileProcessor(str(osm_path)):
                writer.add(obj)
    return target


def gtfs_zip_for_r5(feed: Path) -> Path:
    """Return a GTFS feed as a content-named zip (R5 reads zips), zipping a folder once."""
    if not feed.is_dir():
        return r5_input_file(feed)
    from routes.cache import hash_inputs

    target = _input_folder() / f"{hash_inputs([feed], {})[:_DIGEST_CHARS]}-{feed.name}.zip"
    if not target.exists():
        write_zip({file.name: file.read_bytes() for file in feed.glob("*.txt")}, target,
                  overwrite=True)
    return target


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------


def _geo_points(points: Points, keep: NDArray[np.intp], prefix: str) -> Any:
    import geopandas as gpd

    ids = [f"{prefix}{i}" for i in keep]
    return gpd.GeoDataFrame({"id": ids}, geometry=gpd.points_from_xy(points.lon[keep],
                                                                      points.lat[keep]),
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
    digest
        Digest of the built-in network of the same inputs (keys cached results).
    gtfs
        For a scenario: writes its GTFS feeds into a folder, when R5 first needs them.
    network
        The built-in network of the same inputs: its street linking
        (``[routing].max_snap_m``) decides which points get no times. Built
        from ``study`` when first needed if not given.

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
        digest: str = "",
        gtfs: GtfsWriter | None = None,
        network: TransitNetwork | None = None,
    ) -> None:
        self.study = study
        self.feeds = None if feeds is None else tuple(feeds)
        self.classpath = classpath
        self.allow_feed_errors = allow_feed_errors
        self.runtime = runtime if runtime is not None else find_r5_runtime(classpath)
        self.network = network
        self.digest = digest or (network.digest if network is not None else "")
        self.gtfs = gtfs
        self._transport: Any = None
        self.inputs: tuple[Path, ...] = ()
        """The files handed to r5py (the PBF, then the GTFS zips), once it has them."""

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> R5Engine:
        """Return the engine for a scenario: its feeds are written by ``gtfs`` when first needed.

        They go into a folder of the cache named after the scenario network's
        digest, and reach r5py under names made of their contents
        (:func:`r5_input_file`), so a scenario never shares a feed with its baseline.
        """
        return R5Engine(self.study, classpath=self.classpath,
                        allow_feed_errors=self.allow_feed_errors, runtime=self.runtime,
                        digest=network.digest, gtfs=gtfs, network=network)

    def _feeds(self) -> tuple[Path, ...]:
        if self.feeds is None and self.gtfs is not None:
            folder = _input_folder() / f"scenario-{self.digest[:24]}"
            self.feeds = tuple(self.gtfs(folder))
        return self.study.gtfs_paths if self.feeds is None else self.feeds

    def _transport_network(self, r5py: ModuleType) -> Any:
        if self._transport is None:
            started = time.perf_counter()
            osm = osm_pbf_for_r5(self.study.osm_path)
            zips = [gtfs_zip_for_r5(Path(f)) for f in self._feeds()]
            self.inputs = (osm, *zips)
            from r5py.util.exceptions import GtfsFileError

            try:
                self._transport = r5py.TransportNetwork(str(osm), [str(z) for z in zips],
                                                        allow_errors=self.allow_feed_errors)
            except GtfsFileError as exc:
                first = str(exc).strip().splitlines()[0]
                msg = f"R5 cannot read a feed: {first}; fix it or pass --allow-feed-errors"
                raise GtfsError(msg) from exc
            logger.info("R5 transport network built in %.1f s", time.perf_counter() - started)
        return self._transport

    def _linked(self, points: Points, request: TravelTimeRequest, what: str) -> NDArray[np.intp]:
        """Indexes of the points the built-in linking keeps (within ``max_snap_m`` of a street)."""
        from routes.streets.snapping import snap_points

        if self.network is None:
            from routes.network.transit import build_network

            self.network = build_network(self.study, allow_feed_errors=self.allow_feed_errors)
        network = self.network
        snapped = snap_points(network.streets, points.lon, points.lat,
                              max_snap_m=request.routing.max_snap_m, index=network.edge_index)
        if snapped.n_dropped:
            msg = (f"{snapped.n_dropped:,} of {snapped.n_points:,} {what} are more than "
                   f"{request.routing.max_snap_m:.0f} m from the street network and get no "
                   "travel times from R5 either; check their coordinates or extend the OSM "
                   "extract")
            warnings.warn(msg, RoutesWarning, stacklevel=3)
        return np.flatnonzero(snapped.snapped)

    def compute_travel_time_array(
        self,
        origins: Points,
        destinations: Points | None,
        request: TravelTimeRequest,
        *,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float64]:
        """Travel times by R5, minutes, shape ``(n_origins, n_percentiles, n_destinations)``.

        R5 builds its own network from the study area's (or the scenario's)
        files and runs its own Java threads. Points the built-in linking drops
        get NaN; all the others go to R5 in one ``TravelTimeMatrix`` (progress is
        reported when it returns). Percentiles come back in the request's order.
        """
        kwargs = r5py_travel_time_kwargs(request, self.study.service_date)
        pcts = kwargs["percentiles"]
        progress = progress or no_progress
        dest_points = origins if destinations is None else destinations
        out = np.full((len(origins), len(pcts), len(dest_points)), np.nan)
        keep_o = self._linked(origins, request, "origins")
        keep_d = keep_o if destinations is None else self._linked(dest_points, request,
                                                                  "destinations")
        started = time.perf_counter()
        if len(keep_o) and len(keep_d):
            r5py = import_r5py(self.runtime)
            transport_network = self._transport_network(r5py)
            origin_frame, origin_ids = _geo_points(origins, keep_o, "o")
            dest_frame, dest_ids = _geo_points(dest_points, keep_d, "d")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table = r5py.TravelTimeMatrix(transport_network, origins=origin_frame,
                                              destinations=dest_frame, **kwargs)
            _pass_on(caught)
            part = array_from_r5py_table(table, origin_ids, dest_ids, pcts)
            out[np.ix_(keep_o, np.arange(len(pcts)), keep_d)] = part
        progress(len(origins), len(origins))
        logger.info("R5 travel times: %s origins x %s destinations; %.1f s", f"{len(origins):,}",
                    f"{len(dest_points):,}", time.perf_counter() - started)
        return out[:, [pcts.index(p) for p in request.percentiles], :]


def _pass_on(caught: Sequence[warnings.WarningMessage]) -> None:
    """r5py's warnings: a date without service becomes a RoutesWarning, the rest log lines."""
    for w in caught:
        text = str(w.message)
        if "do not define any services" in text:
            warnings.warn(f"R5: {text}", RoutesWarning, stacklevel=3)
        else:
            logger.info("r5py: %s", text)
