"""Travel-time backends: the protocol every engine meets, the built-in one, and the long table.

Three backends compute the same dense array of travel times (origins x
percentiles x destinations, minutes, NaN where unreachable):

* :class:`BuiltinEngine` — range-RAPTOR in this process (:mod:`routes.engine.raptor`);
* :class:`routes.engine.dask.DaskEngine` — the built-in engine with origins sharded
  over a Dask cluster (identical results);
* :class:`routes.engine.r5.backend.R5Engine` — R5 through r5py, to cross-check.

Downstream code (``routes matrix``, ``access``, ``evaluate``) takes any of them.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.columns import ColumnKind, column_name
from routes.config.study_area import RoutingParams
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork

__all__ = [
    "BuiltinEngine",
    "EngineAgreement",
    "EngineKind",
    "TravelTimeEngine",
    "compute_engine_agreement",
    "compute_travel_times_with",
    "travel_time_table",
]


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
    """What ``matrix``, ``access`` and ``evaluate`` need from an engine.

    Attributes
    ----------
    name
        Short name shown to users (``builtin``, ``builtin+dask``, ``r5py``).
    cache_tag
        Added to the keys of cached travel times; empty for engines whose
        results are identical to the built-in engine's.
    """

    name: str
    cache_tag: str

    def compute_travel_time_array(
        self,
        network: TransitNetwork,
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
        """Travel times, minutes, shape ``(n_origins, n_percentiles, n_destinations)``."""
        ...

    def for_feeds(self, feeds: tuple[Path, ...]) -> TravelTimeEngine:
        """Return the same engine for a network built from other GTFS feeds (a scenario)."""
        ...


class BuiltinEngine:
    """The built-in range-RAPTOR engine, in this process."""

    name = "builtin"
    cache_tag = ""

    def compute_travel_time_array(
        self,
        network: TransitNetwork,
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
        """Travel times by :func:`routes.engine.raptor.compute_travel_time_array`."""
        from routes.engine.raptor import compute_travel_time_array

        return compute_travel_time_array(
            network, origins, destinations, routing=routing, departure_s=departure_s,
            window_min=window_min, percentiles=percentiles, progress=progress,
            n_threads=n_threads,
        )

    def for_feeds(self, feeds: tuple[Path, ...]) -> BuiltinEngine:
        """Return itself: the built-in engine routes on the network it is given."""
        return self


def travel_time_table(
    minutes: NDArray[np.float64],
    origins: Points,
    destinations: Points,
    percentiles: Sequence[int],
) -> pd.DataFrame:
    """Turn a dense travel-time array into the long table of ``routes matrix``.

    Parameters
    ----------
    minutes
        Shape ``(n_origins, n_percentiles, n_destinations)``, minutes, NaN
        where unreachable.
    origins, destinations
        The points of the first and last axes.
    percentiles
        The percentile of each entry of the middle axis.

    Returns
    -------
    pandas.DataFrame
        One row per pair reachable at some percentile: ``from_id`` and
        ``to_id`` (str), and ``travel_time_pNN_min`` (float minutes, NaN where
        unreachable at that percentile) per percentile.
    """
    reachable = ~np.isnan(minutes).all(axis=1)
    o_idx, d_idx = np.nonzero(reachable)
    table = {
        "from_id": origins.ids[o_idx].astype(str),
        "to_id": destinations.ids[d_idx].astype(str),
    }
    for j, p in enumerate(percentiles):
        table[column_name(ColumnKind.TRAVEL_TIME, percentile=p)] = minutes[o_idx, j, d_idx]
    return pd.DataFrame(table)


def compute_travel_times_with(
    engine: TravelTimeEngine,
    network: TransitNetwork,
    origins: Points,
    destinations: Points | None = None,
    *,
    routing: RoutingParams,
    departure_s: int | None = None,
    window_min: int | None = None,
    percentiles: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """:func:`routes.engine.raptor.compute_travel_times` through any engine.

    Returns
    -------
    pandas.DataFrame
        The long table of :func:`travel_time_table`.
    """
    destinations = origins if destinations is None else destinations
    pcts = tuple(routing.percentiles if percentiles is None else percentiles)
    minutes = engine.compute_travel_time_array(
        network, origins, destinations, routing=routing, departure_s=departure_s,
        window_min=window_min, percentiles=pcts, progress=progress, n_threads=n_threads,
    )
    return travel_time_table(minutes, origins, destinations, pcts)


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
