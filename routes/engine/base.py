"""The engine boundary: the protocol every engine meets, engine kinds, the built-in engine.

Three engines compute the same dense array of travel times (origins x
percentiles x destinations, minutes, NaN where unreachable) for a
:class:`~routes.engine.request.TravelTimeRequest`:

* :class:`BuiltinEngine` — range-RAPTOR in this process (:mod:`routes.engine.raptor`);
* :class:`routes.engine.dask.DaskEngine` — the built-in engine with origins sharded
  over a Dask cluster (identical results);
* :class:`routes.engine.r5.backend.R5Engine` — R5 through r5py, to cross-check.

An engine routes on the network it was opened on
(:func:`routes.engine.backends.open_engine`); a scenario's engine comes from
:meth:`TravelTimeEngine.for_scenario`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.engine.request import TravelTimeRequest
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork

__all__ = ["BuiltinEngine", "EngineKind", "GtfsWriter", "TravelTimeEngine"]

GtfsWriter = Callable[[Path], tuple[Path, ...]]
"""Writes a scenario's GTFS feeds into a folder and returns their paths, for engines that
read files (:meth:`TravelTimeEngine.for_scenario`)."""


class EngineKind(enum.Enum):
    """The routing engines of ``--engine`` (case-insensitive)."""

    BUILTIN = "builtin"
    R5PY = "r5py"

    @classmethod
    def _missing_(cls, value: object) -> EngineKind | None:
        if isinstance(value, str):
            for member in cls:
                if member.value == value.strip().lower():
                    return member
        return None


class TravelTimeEngine(Protocol):
    """What ``matrix``, ``access``, ``evaluate`` and ``compare`` need from an engine.

    An engine routes on one network, given when it is opened (:func:`open_engine`).

    Attributes
    ----------
    name
        Short name shown to users (``builtin``, ``builtin+dask``, ``r5py``).
    cache_tag
        Added to the keys of cached travel times; empty for engines whose
        results are identical to the built-in engine's.
    digest
        Digest of the network it routes on (for R5: of the built-in network
        of the same inputs; ``""`` when opened without one).
    """

    name: str
    cache_tag: str
    digest: str

    def compute_travel_time_array(
        self,
        origins: Points,
        destinations: Points | None,
        request: TravelTimeRequest,
        *,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float64]:
        """Travel times, minutes, shape ``(n_origins, n_percentiles, n_destinations)``.

        ``destinations`` ``None`` means the origins.
        """
        ...

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> TravelTimeEngine:
        """Return the same engine for a scenario's network.

        ``network`` is the scenario's network, built in memory; ``gtfs`` writes
        its GTFS feeds, for engines that read files.
        """
        ...


class BuiltinEngine:
    """The built-in range-RAPTOR engine, in this process, on one network.

    Parameters
    ----------
    network
        The network to route on.
    n_threads
        Worker threads (default: all cores).
    baseline
        For a scenario's engine: the baseline's network.
    """

    name = "builtin"
    cache_tag = ""

    def __init__(self, network: TransitNetwork, *, n_threads: int | None = None,
                 baseline: TransitNetwork | None = None) -> None:
        self.network = network
        self.n_threads = n_threads
        self.digest = network.digest
        self.baseline = baseline

    def compute_travel_time_array(
        self,
        origins: Points,
        destinations: Points | None,
        request: TravelTimeRequest,
        *,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float64]:
        """Travel times by :func:`routes.engine.raptor.compute_travel_time_array`."""
        from routes.engine.raptor import compute_travel_time_array

        return compute_travel_time_array(self.network, origins, destinations, request,
                                         progress=progress, n_threads=self.n_threads)

    def for_scenario(self, network: TransitNetwork, gtfs: GtfsWriter) -> BuiltinEngine:
        """Return the built-in engine on the scenario's network (``gtfs`` is not needed).

        It knows this engine's network as its ``baseline``, so a scenario's travel
        times can reuse the baseline's rows of the origins the scenario cannot
        affect (:func:`routes.engine.incremental.reuse_baseline_rows`).
        """
        return BuiltinEngine(network, n_threads=self.n_threads, baseline=self.network)


