"""Origins sharded over a Dask cluster: the built-in engine on many machines.

The client splits the origins into shards and sends each worker a
:class:`NetworkSpec` — the study area's ``routes.toml``, the cache folder and
the options — never the baseline network's arrays. A worker builds the
baseline network with :func:`routes.network.transit.build_network`, which
loads it from the cache when the client (or an earlier task) has built it,
keeps it for later tasks, checks its digest against the client's, and runs
:func:`routes.engine.raptor.compute_travel_time_array` on its shard. A
scenario, built in memory on the client, reaches the workers as arrays: its
timetable and stop links (:class:`ScenarioParts`) are scattered once to every
worker, which puts them on its baseline streets. Each origin's travel times
depend on nothing but the network, that origin and the destinations, so the
assembled array is identical to a single-process run.

Workers need the study area's files and the cache folder at the same paths as
the client (a shared file system, or copies): the cache key is a hash of the
input files' bytes. Run workers with one Dask thread each (``dask worker ADDRESS
--nthreads 1``) and let the engine use the cores: a task runs the engine's own
GIL-free threads (``n_threads``, by default the host's cores shared between
its workers).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routes._optional import import_optional_dependency
from routes._progress import ProgressCallback, no_progress
from routes.cache import NetworkCache
from routes.config.study_area import RoutingParams, StudyArea
from routes.engine.base import GtfsWriter
from routes.engine.request import TravelTimeRequest
from routes.errors import CacheError, RoutesError, RoutesWarning
from routes.inputs.points import Points
from routes.network.transit import StopLinks, TransitNetwork
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules
from routes.timetable.timetable import Timetable

__all__ = [
    "ClusterError",
    "DaskEngine",
    "NetworkSpec",
    "ScenarioParts",
    "compute_travel_time_array_distributed",
    "dask_client",
    "load_worker_network",
]

logger = logging.getLogger(__name__)

#: Shards per Dask thread. Each shard repeats fixed work (snapping every point, walks from
#: every destination to the stops: about 0.3 s of CPU on a 135,000-node street network), so
#: fewer is cheaper; origins are dealt to shards in turn, which balances their cost.
SHARDS_PER_THREAD = 1
#: At most this many travel times per shard (12 bytes each while a worker computes it), so a
#: large job is cut into more shards than threads rather than one huge array per worker.
MAX_SHARD_ENTRIES = 50_000_000
#: Networks a worker keeps in memory (the baseline and the scenarios being evaluated).
_KEEP_NETWORKS = 3


class ClusterError(RoutesError):
    """The Dask scheduler cannot be reached, or the cluster has no workers."""


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """What a worker needs to build (load from the cache) the client's baseline network.

    Attributes
    ----------
    config_path
        The study area's ``routes.toml``.
    cache_dir
        The network cache folder.
    cache_enabled
        Whether the cache is used at all.
    allow_feed_errors
        As for :func:`routes.network.transit.build_network`.
    digest
        The client's network digest; a worker whose network differs refuses to compute.
    feed_doctor
        As for :func:`routes.network.transit.build_network`.
    """

    config_path: str
    cache_dir: str
    cache_enabled: bool
    allow_feed_errors: bool
    digest: str
    feed_doctor: DoctorRules = DOCTOR_RULES


@dataclass(frozen=True, slots=True)
class ScenarioParts:
    """What a scenario's network adds to the baseline's: sent to the workers as arrays.

    Attributes
    ----------
    timetable, links
        The scenario's timetable and stop links.
    digest
        The scenario network's digest.
    """

    timetable: Timetable
    links: StopLinks
    digest: str


_NETWORKS: OrderedDict[str, TransitNetwork] = OrderedDict()
_NETWORKS_LOCK = threading.Lock()


def load_worker_network(spec: NetworkSpec, scenario: ScenarioParts | None = None) -> TransitNetwork:
    """Build (normally: load from the cache) the network a spec describes, once per process.

    With ``scenario``, the scenario's network on the baseline's streets.
    Warnings about the network (unsnapped stops, feeds) are not repeated here:
    the client reported them when it built the network.

    Raises
    ------
    CacheError
        If the network built here differs from the client's (other input files).
    """
    from routes.config.study_area import load_study_area
    from routes.network.transit import build_network

    with _NETWORKS_LOCK:
        wanted = spec.digest if scenario is None else scenario.digest
        network = _NETWORKS.get(wanted)
        if network is not None:
            _NETWORKS.move_to_end(wanted)
            return network
        started = time.perf_counter()
        baseline = _NETWORKS.get(spec.digest)
        if baseline is not None:
            _NETWORKS.move_to_end(spec.digest)
        else:
            study = load_study_area(Path(spec.config_path))
            cache = NetworkCache(Path(spec.cache_dir), enabled=spec.cache_enabled)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RoutesWarning)
                # The client checked the network for lost data (and was allowed on).
                baseline = build_network(study, cache=cache,
                                         allow_feed_errors=spec.allow_feed_errors,
                                         allow_data_loss=True, feed_doctor=spec.feed_doctor)
            if baseline.digest != spec.digest:
                msg = (
                    f"worker network {baseline.digest[:12]} differs from the client's "
                    f"{spec.digest[:12]} for {spec.config_path}: the input files differ between "
                    "machines; give every worker the same study area files at the same paths"
                )
                raise CacheError(msg)
            _keep(baseline)
        network = baseline
        if scenario is not None:
            network = dataclasses.replace(baseline, timetable=scenario.timetable,
                                          links=scenario.links, digest=scenario.digest, feeds=())
            _keep(network)
        logger.info("worker network %s ready in %.1f s", network.digest[:12],
                    time.perf_counter() - started)
        return network


def _keep(network: TransitNetwork) -> None:
    _NETWORKS[network.digest] = network
    while len(_NETWORKS) > _KEEP_NETWORKS:
        _NETWORKS.popitem(last=False)


def _task_threads(n_threads: int | None, slots_per_host: dict[str, int]) -> int:
    if n_threads is not None:
        return n_threads
    from distributed import get_worker

    host = get_worker().address.rsplit(":", 1)[0]
    slots = slots_per_host.get(host, 1)
    return max(1, (os.cpu_count() or 1) // max(1, slots))


def _compute_shard(
    spec: NetworkSpec,
    scenario: ScenarioParts | None,
    origins: Points,
    destinations: Points,
    request: TravelTimeRequest,
    n_threads: int | None,
    slots_per_host: dict[str, int],
) -> NDArray[np.float64]:
    """Run on a worker: travel times from a shard of origins to every destination."""
    from routes.engine.raptor import compute_travel_time_array

    network = load_worker_network(spec, scenario)
    with warnings.catch_warnings():
        # Unsnapped points were reported once by the client.
        warnings.simplefilter("ignore", RoutesWarning)
        return compute_travel_time_array(network, origins, destinations, request,
                                         n_threads=_task_threads(n_threads, slots_per_host))


def _warn_unsnapped(network: TransitNetwork, points: Points, routing: RoutingParams,
                    what: str) -> None:
    """Warn once, on the client, about points too far from the streets (as the engine does)."""
    from routes.streets.snapping import snap_points

    snapped = snap_points(network.streets, points.lon, points.lat, max_snap_m=routing.max_snap_m,
                          index=network.edge_index)
    dropped = snapped.n_dropped
    if dropped:
        msg = (
            f"{dropped:,} of {snapped.n_points:,} {what} are more than "
            f"{routing.max_snap_m:.0f} m from the street network and get no travel times; "
            "check their coordinates or extend the OSM extract"
        )
        warnings.warn(msg, RoutesWarning, stacklevel=4)


def _take(points: Points, index: NDArray[np.int64]) -> Points:
    return Points(points.ids[index], points.lon[index], points.lat[index])


def _slots_per_host(client: Any) -> dict[str, int]:
    workers = client.scheduler_info()["workers"]
    slots: dict[str, int] = {}
    for address, info in workers.items():
        host = address.rsplit(":", 1)[0]
        slots[host] = slots.get(host, 0) + int(info.get("nthreads", 1))
    return slots


def compute_travel_time_array_distributed(
    client: Any,
    spec: NetworkSpec,
    network: TransitNetwork,
    origins: Points,
    destinations: Points | None,
    request: TravelTimeRequest,
    *,
    scenario: Any = None,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
    shard_size: int | None = None,
) -> NDArray[np.float64]:
    """Travel times with origins sharded over a Dask cluster; identical to one process.

    Parameters
    ----------
    client
        A ``distributed.Client``.
    spec
        How workers build the baseline network (see :class:`NetworkSpec`).
    network
        The network to route on, as built on the client (for the digest and
        the warnings): the baseline's, or a scenario's.
    origins, destinations, request
        As for :func:`routes.engine.raptor.compute_travel_time_array`.
    scenario
        For a scenario's network, its :class:`ScenarioParts` as scattered to
        the workers (a future), or ``None`` for the baseline's.
    progress
        Called as ``progress(done, total)`` with origins done, as shards finish.
    n_threads
        Engine threads per task (default: each host's cores shared between
        its Dask threads).
    shard_size
        Origins per task (default: one task per Dask thread, more when a task
        would hold over :data:`MAX_SHARD_ENTRIES` travel times). Origins are dealt
        to the tasks in turn (task *k* of *S* gets origins *k*, *k + S*, ...),
        so neighbouring origins, which cost about the same, spread evenly.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, n_percentiles, n_destinations)``, minutes, NaN
        where unreachable.

    Raises
    ------
    ClusterError
        If the cluster has no workers.
    CacheError
        If a worker's network differs from the client's.
    """
    from distributed import as_completed

    destinations = origins if destinations is None else destinations
    pcts = request.percentiles
    routing = request.routing
    if scenario is None and network.digest != spec.digest:
        msg = (f"network {network.digest[:12]} is not the one the spec describes "
               f"({spec.digest[:12]})")
        raise CacheError(msg)
    _warn_unsnapped(network, origins, routing, "origins")
    if destinations is not origins:
        _warn_unsnapped(network, destinations, routing, "destinations")
    slots = _slots_per_host(client)
    n_slots = sum(slots.values())
    if n_slots == 0:
        msg = "the Dask cluster has no workers; start some with 'dask worker ADDRESS --nthreads 1'"
        raise ClusterError(msg)
    n_orig = len(origins)
    per_origin = max(1, len(pcts) * len(destinations))
    size = shard_size or max(1, min(math.ceil(n_orig / (SHARDS_PER_THREAD * n_slots)),
                                    MAX_SHARD_ENTRIES // per_origin))
    n_shards = math.ceil(n_orig / size)
    progress = progress or no_progress
    started = time.perf_counter()
    out = np.full((n_orig, len(pcts), len(destinations)), np.nan)
    if n_orig == 0:
        return out
    [dest_future] = client.scatter([destinations], broadcast=True, hash=False)
    futures = {}
    for k in range(n_shards):
        index = np.arange(k, n_orig, n_shards, dtype=np.int64)
        future = client.submit(
            _compute_shard, spec, scenario, _take(origins, index), dest_future, request,
            n_threads, slots, pure=False,
        )
        futures[future] = index
    done = 0
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = futures[future]
            out[index] = future.result()
            done += len(index)
            progress(done, n_orig)
    finally:
        client.cancel(list(futures))
    logger.info(
        "travel times on %d Dask threads: %s origins x %s destinations in %d shards; %.1f s",
        n_slots, f"{n_orig:,}", f"{len(destinations):,}", len(futures),
        time.perf_counter() - started,
    )
    return out


class DaskEngine:
    """The built-in engine with origins sharded over a Dask cluster, on one network.

    Parameters
    ----------
    client
        A ``distributed.Client`` (see :func:`dask_client`).
    study
        The study area (workers read its ``routes.toml``).
    network
        The network to route on: the study area's baseline network, built on
        the client with ``cache`` (workers build it the same way).
    cache
        The network cache the client built the network in (workers load from it).
    n_threads
        Engine threads per task (default: each host's cores shared between its
        Dask threads).
    shard_size
        Origins per task (default: one task per Dask thread, capped by
        :data:`MAX_SHARD_ENTRIES`).
    """

    name = "builtin+dask"
    cache_tag = ""  # identical results to the built-in engine

    def __init__(
        self,
        client: Any,
        study: StudyArea,
        network: TransitNetwork,
        *,
        cache: NetworkCache | None = None,
        n_threads: int | None = None,
        shard_size: int | None = None,
    ) -> None:
        self.client = client
        self.study = study
        self.network = network
        self.cache = cache if cache is not None else NetworkCache()
        self.n_threads = n_threads
        self.shard_size = shard_size
        self.digest = network.digest
        self.spec = NetworkSpec(
            config_path=str(Path(study.config_path).resolve()),
            cache_dir=str(Path(self.cache.root).resolve()),
            cache_enabled=self.cache.enabled,
            allow_feed_errors=network.allow_feed_errors,
            digest=network.digest,
            feed_doctor=network.feed_doctor,
        )
        self._scenario: Any = None

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> DaskEngine:
        """Return the engine for a scenario's network (same cluster and cache).

        The scenario's timetable and stop links are scattered to every worker
        once; ``gtfs`` is not needed.
        """
        engine = DaskEngine(self.client, self.study, self.network, cache=self.cache,
                            n_threads=self.n_threads, shard_size=self.shard_size)
        parts = ScenarioParts(network.timetable, network.links, network.digest)
        [engine._scenario] = self.client.scatter([parts], broadcast=True, hash=False)
        engine.network = network
        engine.digest = network.digest
        return engine

    def compute_travel_time_array(
        self,
        origins: Points,
        destinations: Points | None,
        request: TravelTimeRequest,
        *,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float64]:
        """Travel times, minutes, by :func:`compute_travel_time_array_distributed`."""
        return compute_travel_time_array_distributed(
            self.client, self.spec, self.network, origins, destinations, request,
            scenario=self._scenario, progress=progress, n_threads=self.n_threads,
            shard_size=self.shard_size,
        )


@contextmanager
def dask_client(
    *, scheduler: str | None = None, workers: int | None = None, processes: bool = True,
    connect_timeout_s: float = 20.0,
) -> Iterator[Any]:
    """Connect to a running scheduler, or start a local cluster for the block.

    Parameters
    ----------
    scheduler
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    workers
        Otherwise, start a local cluster of this many single-threaded worker processes.
    processes
        Local workers as processes (default) or as threads of this process.
    connect_timeout_s
        How long to try to reach ``scheduler``, seconds.

    Raises
    ------
    ClusterError
        If the scheduler cannot be reached.
    OptionalDependencyError
        If dask.distributed is not installed.
    """
    distributed = import_optional_dependency("distributed", extra="dask",
                                             purpose="for --scheduler and --workers")
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=f"{connect_timeout_s}s")
        except OSError as exc:
            msg = (
                f"cannot reach the Dask scheduler {scheduler!r} ({exc}); start it with "
                "'dask scheduler' and workers with 'dask worker ADDRESS --nthreads 1', "
                "or use --workers N for a local cluster"
            )
            raise ClusterError(msg) from exc
        with client:
            yield client
        return
    n_workers = workers or 1
    with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                  processes=processes, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        logger.info("local Dask cluster: %d workers (%s)", n_workers,
                    "processes" if processes else "threads")
        yield client
