"""Opening engines by kind, the long table through any engine, and agreement between engines.

:func:`open_engine` is the one way to get an engine (the protocol and the
built-in engine are in :mod:`routes.engine.base`); downstream code (``routes
matrix``, ``isochrones``, ``access``, ``evaluate``, ``compare``, ``monitor``) takes any of
them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.engine.base import BuiltinEngine, EngineKind, TravelTimeEngine
from routes.engine.request import TravelTimeRequest
from routes.engine.table import travel_time_table
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork

if TYPE_CHECKING:
    from routes.cache import NetworkCache
    from routes.config.study_area import StudyArea

__all__ = [
    "EngineAgreement",
    "compute_engine_agreement",
    "compute_travel_times_with",
    "open_engine",
]

@contextmanager
def open_engine(
    kind: EngineKind | str,
    study: StudyArea,
    network: TransitNetwork | None,
    *,
    cache: NetworkCache | None = None,
    n_threads: int | None = None,
    r5_classpath: Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    allow_feed_errors: bool | None = None,
) -> Iterator[TravelTimeEngine]:
    """Open the engine of a kind on a study area's network, for the block.

    Parameters
    ----------
    kind
        ``builtin`` or ``r5py`` (an :class:`EngineKind`, or its name in any case).
    study
        The study area (R5 routes on its files; Dask workers read its ``routes.toml``).
    network
        The network to route on, from :func:`routes.network.transit.build_network`
        with the study area (R5 takes its digest and its street linking, which
        decides which points get no times; built when first needed if ``None``).
    cache
        The network cache ``network`` was built with (Dask workers load it from there).
    n_threads
        Threads of the built-in engine (per Dask task with ``scheduler`` or ``workers``).
    r5_classpath
        The R5 jar, for ``r5py`` (default: ``$R5_CLASSPATH``).
    scheduler, workers
        Shard the built-in engine's origins over the Dask cluster of this
        scheduler address, or over a local cluster of this many worker
        processes (closed at the end of the block).
    allow_feed_errors
        For ``r5py``: let R5 load feeds with errors (default: as the network
        was built; Dask workers always build the network as it was built).

    Yields
    ------
    TravelTimeEngine
        The engine.

    Raises
    ------
    InputError
        If the kind is unknown, the options do not go together (Dask with R5,
        R5 options with the built-in engine), or the built-in engine has no
        network.
    R5UnavailableError
        For ``r5py``, if r5py, the jar or Java is missing.
    ClusterError
        If the Dask scheduler cannot be reached.
    """
    from routes.errors import InputError

    try:
        kind = EngineKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in EngineKind)
        msg = f"unknown engine {kind!r}: use one of {names}"
        raise InputError(msg) from None
    if scheduler and workers:
        msg = "give a Dask scheduler or a number of workers, not both"
        raise InputError(msg)
    if kind is EngineKind.R5PY:
        if scheduler or workers:
            msg = ("Dask (--scheduler, --workers) shards the builtin engine; drop it for "
                   "--engine r5py")
            raise InputError(msg)
        from routes.engine.r5.backend import R5Engine

        if allow_feed_errors is None:
            allow_feed_errors = network.allow_feed_errors if network is not None else False
        yield R5Engine(study, classpath=r5_classpath, allow_feed_errors=allow_feed_errors,
                       network=network)
        return
    if r5_classpath is not None:
        msg = "the R5 jar (--r5-classpath) is used only with --engine r5py"
        raise InputError(msg)
    if network is None:
        msg = "the builtin engine needs the network to route on; build it with build_network"
        raise InputError(msg)
    if scheduler or workers:
        from routes.engine.dask import DaskEngine, dask_client

        with dask_client(scheduler=scheduler, workers=workers) as client:
            yield DaskEngine(client, study, network, cache=cache, n_threads=n_threads)
        return
    yield BuiltinEngine(network, n_threads=n_threads)


def compute_travel_times_with(
    engine: TravelTimeEngine,
    origins: Points,
    destinations: Points | None,
    request: TravelTimeRequest,
    *,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """:func:`routes.engine.raptor.compute_travel_times` through any engine.

    Returns
    -------
    pandas.DataFrame
        The long table of :func:`routes.engine.table.travel_time_table`.
    """
    destinations = origins if destinations is None else destinations
    minutes = engine.compute_travel_time_array(origins, destinations, request, progress=progress)
    return travel_time_table(minutes, origins, destinations, request.percentiles)


# --------------------------------------------------------------------------------------
# Agreement between two engines
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EngineAgreement:
    """How closely two engines' travel times agree.

    Attributes
    ----------
    first, second
        Names of the engines compared (differences are second minus first).
    n_pairs
        Origin-destination-percentile entries compared.
    n_both
        Entries reachable by both engines.
    n_only_first, n_only_second
        Entries reachable by one engine only.
    within_min
        ``(threshold, share)`` pairs: the share of ``n_both`` entries whose
        times differ by at most ``threshold`` minutes.
    median_diff_min
        Median of second minus first over ``n_both``, minutes (NaN if none).
    median_abs_diff_min
        Median absolute difference over ``n_both``, minutes (NaN if none).
    """

    first: str
    second: str
    n_pairs: int
    n_both: int
    n_only_first: int
    n_only_second: int
    within_min: tuple[tuple[float, float], ...]
    median_diff_min: float
    median_abs_diff_min: float

    def to_frame(self) -> pd.DataFrame:
        """Tidy ``indicator``/``value``/``unit`` rows."""
        rows: list[tuple[str, float, str]] = [
            ("pairs compared", self.n_pairs, "pairs"),
            ("reachable by both", self.n_both, "pairs"),
            (f"reachable by {self.first} only", self.n_only_first, "pairs"),
            (f"reachable by {self.second} only", self.n_only_second, "pairs"),
        ]
        rows += [(f"within {t:g} min", share, "share of pairs reachable by both")
                 for t, share in self.within_min]
        rows += [
            (f"median difference ({self.second} - {self.first})", self.median_diff_min, "min"),
            ("median absolute difference", self.median_abs_diff_min, "min"),
        ]
        return pd.DataFrame(rows, columns=["indicator", "value", "unit"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "first": self.first, "second": self.second, "n_pairs": self.n_pairs,
            "n_both": self.n_both, "n_only_first": self.n_only_first,
            "n_only_second": self.n_only_second,
            "within_min": {f"{t:g}": share for t, share in self.within_min},
            "median_diff_min": self.median_diff_min,
            "median_abs_diff_min": self.median_abs_diff_min,
        }


def compute_engine_agreement(
    first: NDArray[np.float64],
    second: NDArray[np.float64],
    *,
    thresholds_min: Sequence[float] = (1.0, 2.0, 5.0),
    ignore_diagonal: bool = False,
    names: tuple[str, str] = ("builtin", "r5py"),
) -> EngineAgreement:
    """Compare two engines' travel-time arrays of the same points.

    Parameters
    ----------
    first, second
        Minutes, shape ``(n_origins, n_percentiles, n_destinations)``, NaN where
        unreachable.
    thresholds_min
        Differences to report the share within, minutes.
    ignore_diagonal
        Leave out origin ``i`` to destination ``i`` (when origins and
        destinations are the same points: engines treat a trip to oneself differently).
    names
        Names of the two engines.

    Returns
    -------
    EngineAgreement
        Counts, shares within each threshold, and median differences.

    Raises
    ------
    InputError
        If the arrays differ in shape.
    """
    from routes.errors import InputError

    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 3:
        msg = (f"travel-time arrays of shapes {a.shape} and {b.shape}: both must be "
               "(origins, percentiles, destinations) of the same points")
        raise InputError(msg)
    keep = np.ones(a.shape, dtype=bool)
    if ignore_diagonal:
        n = min(a.shape[0], a.shape[2])
        keep[np.arange(n), :, np.arange(n)] = False
    ra, rb = ~np.isnan(a) & keep, ~np.isnan(b) & keep
    both = ra & rb
    diff = (b - a)[both]
    within = tuple(
        (float(t), float((np.abs(diff) <= t).mean()) if diff.size else float("nan"))
        for t in thresholds_min
    )
    return EngineAgreement(
        first=names[0], second=names[1], n_pairs=int(keep.sum()), n_both=int(both.sum()),
        n_only_first=int((ra & ~rb).sum()), n_only_second=int((rb & ~ra).sum()),
        within_min=within,
        median_diff_min=float(np.median(diff)) if diff.size else float("nan"),
        median_abs_diff_min=float(np.median(np.abs(diff))) if diff.size else float("nan"),
    )
