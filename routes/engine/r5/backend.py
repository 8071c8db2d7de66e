"""The r5py engine: the same study area and scenario routed by R5, to cross-check.

:class:`R5Engine` maps the study area's parameters to r5py's
(:func:`r5py_travel_time_kwargs`), prepares the inputs R5 reads (an
``.osm.pbf``, GTFS zips) and turns r5py's tables into the built-in engine's
arrays. Finding Java and the R5 jar, and importing r5py without letting it
download anything, is :mod:`routes.engine.r5.runtime`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
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
from routes.errors import GtfsError, InputError, OsmError
from routes.inputs.osm_file import is_graphml_path
from routes.inputs.points import Points
from routes.io import atomic_path, write_zip
from routes.network.transit import TransitNetwork

__all__ = ["R5Engine", "r5py_travel_time_kwargs"]

logger = logging.getLogger(__name__)

R5_MAX_PERCENTILES = 5
"""R5 reports at most five percentiles per run."""

_ORIGINS_PER_CALL = 64
# --------------------------------------------------------------------------------------
# Parameters: a TravelTimeRequest -> r5py.TravelTimeMatrix keyword arguments
# --------------------------------------------------------------------------------------


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
        If there are more than five percentiles (R5's limit).

    Notes
    -----
    Not mapped, because R5 has no such setting: ``max_transfer_walk_min`` (R5
    finds transfers within 1 km when it builds its network) and waiting-time
    caps. R5 reports whole minutes and computes percentiles its own way, so
    small differences from the built-in engine are expected.
    """
    routing = request.routing
    pcts = list(request.percentiles)
    if len(pcts) > R5_MAX_PERCENTILES:
        msg = (f"--engine r5py: percentiles {pcts!r}: R5 reports at most "
               f"{R5_MAX_PERCENTILES}; ask for fewer")
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
    if is_graphml_path(osm_path):
        msg = (
            f"{osm_path}: R5 builds its street network from OpenStreetMap data, not GraphML; "
            "use the built-in engine, or point [study_area].osm at an OSM extract (.osm.pbf)"
        )
        raise OsmError(msg)
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
    digest
        Digest of the built-in network of the same inputs (keys cached results).
    gtfs
        For a scenario: writes its GTFS feeds into a folder, when R5 first needs them.

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
    ) -> None:
        self.study = study
        self.feeds = None if feeds is None else tuple(feeds)
        self.classpath = classpath
        self.allow_feed_errors = allow_feed_errors
        self.runtime = runtime if runtime is not None else find_r5_runtime(classpath)
        self.digest = digest
        self.gtfs = gtfs
        self._network: Any = None

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> R5Engine:
        """Return the engine for a scenario: its feeds are written by ``gtfs`` when first needed.

        They go into a folder of the cache named after the scenario network's
        digest, so each scenario gets its own files.
        """
        return R5Engine(self.study, classpath=self.classpath,
                        allow_feed_errors=self.allow_feed_errors, runtime=self.runtime,
                        digest=network.digest, gtfs=gtfs)

    def _feeds(self) -> tuple[Path, ...]:
        if self.feeds is None and self.gtfs is not None:
            folder = _input_folder() / f"scenario-{self.digest[:24]}"
            self.feeds = tuple(self.gtfs(folder))
        return self.study.gtfs_paths if self.feeds is None else self.feeds

    def _transport_network(self, r5py: ModuleType) -> Any:
        if self._network is None:
            started = time.perf_counter()
            osm = osm_pbf_for_r5(self.study.osm_path)
            zips = [str(gtfs_zip_for_r5(Path(f))) for f in self._feeds()]
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
        origins: Points,
        destinations: Points | None,
        request: TravelTimeRequest,
        *,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float64]:
        """Travel times by R5, minutes, shape ``(n_origins, n_percentiles, n_destinations)``.

        R5 builds its own network from the study area's (or the scenario's)
        files and runs its own Java threads. Origins are routed in batches,
        reporting progress between them.
        """
        kwargs = r5py_travel_time_kwargs(request, self.study.service_date)
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
