"""Fare-limited accessibility of every zone: what residents reach within the time *and* a budget.

With ``[fares]`` in ``routes.toml``, the fare-aware engine
(:mod:`routes.engine.fare_raptor`) computes, from every zone to every
weighted destination and shared space, the travel time of the fastest
journey costing at most the budget (``[scoring] fare_budget``, default one
single fare); the per-zone metrics are then those of
:mod:`routes.access.metrics` on these times:

* ``<layer>_within_<T>min_fare<P>p`` for each weighted layer (jobs): the
  opportunities reachable within the job cutoff ``T`` for at most ``P``
  minor units (pence);
* ``spaces_within_<T>min_fare<P>p``: the shared spaces reachable within the
  space cutoff ``T`` for at most ``P``.

The routing horizon is the larger cutoff (when below ``[routing]
max_trip_min``): every time at or below it is exact, and nothing beyond it is
counted. The times are at the study area's first percentile, as the
time-only metrics, so a fare-limited count is never above its time-only one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.access.metrics import compute_cumulative_opportunities, compute_nearest
from routes.access.zone_access import space_layer_names
from routes.cache import NetworkCache, hash_inputs
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.engine.fare_raptor import compute_fare_travel_time_array
from routes.engine.request import TravelTimeRequest
from routes.fares.compiled import CompiledFares
from routes.inputs.destinations import Destinations
from routes.inputs.points import Points
from routes.inputs.zones import Zones
from routes.network.transit import TransitNetwork

__all__ = ["compute_fare_access", "distinct_places", "fare_columns", "fare_horizon_min",
           "fare_minutes", "fares_digest", "places_key", "weighted_layers"]


@dataclass(frozen=True, slots=True)
class _FareTimes:
    """What is cached: fare-limited minutes from each zone to each distinct coordinate."""

    minutes: NDArray[np.float32]


def weighted_layers(study: StudyArea, layers: tuple[Destinations, ...]) -> list[Destinations]:
    """Return the destination layers weighted by a count (jobs): all but the shared spaces."""
    spaces = space_layer_names(study)
    return [d for d in layers if d.name not in spaces]


def _space_layer(study: StudyArea, layers: tuple[Destinations, ...]) -> Destinations | None:
    """Return the layer of shared spaces when it has some (as compute_access counts them)."""
    spaces = space_layer_names(study)
    layer = next((d for d in layers if d.name in spaces), None)
    return layer if layer is not None and not _shared(study, layer).empty else None


def fare_columns(study: StudyArea, layers: tuple[Destinations, ...],
                 budget_minor: int) -> list[str]:
    """Names of the fare-limited columns :func:`compute_fare_access` returns, in order."""
    s = study.scoring
    names = [column_name(ColumnKind.WITHIN_FARE, layer=d.name, cutoff_min=s.job_cutoff_min,
                         budget_minor=budget_minor) for d in weighted_layers(study, layers)]
    if _space_layer(study, layers) is not None:
        names.append(column_name(ColumnKind.WITHIN_FARE, layer="spaces",
                                 cutoff_min=s.space_cutoff_min, budget_minor=budget_minor))
    return names


def fare_horizon_min(study: StudyArea, layers: tuple[Destinations, ...]) -> float:
    """Return the fare search's horizon: the largest cutoff, at most ``max_trip_min``."""
    s = study.scoring
    cutoffs = [s.job_cutoff_min] if weighted_layers(study, layers) else []
    if _space_layer(study, layers) is not None:
        cutoffs.append(s.space_cutoff_min)
    if not cutoffs:
        return study.routing.max_trip_min
    return min(study.routing.max_trip_min, max(cutoffs))


def _shared(study: StudyArea, layer: Destinations) -> pd.DataFrame:
    spaces = layer.table.reset_index(names="id")
    return spaces[spaces["category"].map(study.scoring.is_shared).astype(bool)].reset_index(
        drop=True)


def compute_fare_access(
    study: StudyArea,
    network: TransitNetwork,
    zones: Zones,
    layers: tuple[Destinations, ...],
    fares: CompiledFares,
    budget_minor: int,
    *,
    cache: NetworkCache | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Per-zone fare-limited access on one network (see the module docstring).

    Parameters
    ----------
    study
        Gives the cutoffs, the routing and the shared-space categories.
    network
        Baseline or scenario network (the built-in engine routes on it).
    zones, layers
        Origins and destination layers, as for
        :func:`routes.access.zone_access.compute_access`.
    fares
        The fares compiled against ``network.timetable``
        (:func:`routes.fares.compile.compile_study_fares`).
    budget_minor
        The fare budget, minor units (:func:`routes.fares.compile.fare_budget_minor`).
    cache
        Network cache: the fare-limited times are cached there, under the
        network, the routing, the points and the compiled fares.
    progress
        Called as ``progress(done, total)`` while the times are computed.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone id (str), the columns of :func:`fare_columns`; empty
        columns-wise when there is no destination layer.
    """
    index = zones.table.index.astype(str)
    columns = fare_columns(study, layers, budget_minor)
    if not columns:
        return pd.DataFrame(index=index)
    weighted = weighted_layers(study, layers)
    space_layer = _space_layer(study, layers)
    spaces = _shared(study, space_layer) if space_layer is not None else None
    parts = [(d.name, d.points.ids.astype(str), d.points.lon, d.points.lat) for d in weighted]
    if space_layer is not None and spaces is not None:
        keep = np.isin(space_layer.points.ids.astype(str), spaces["id"].astype(str).to_numpy())
        p = space_layer.points
        parts.append((space_layer.name, p.ids.astype(str)[keep], p.lon[keep], p.lat[keep]))
    lon = np.concatenate([p[2] for p in parts])
    lat = np.concatenate([p[3] for p in parts])
    places, inverse = distinct_places(lon, lat)
    routing = replace(study.routing, max_trip_min=fare_horizon_min(study, layers))
    request = TravelTimeRequest.from_routing(routing, percentiles=routing.percentiles[:1])
    cache = cache if cache is not None else NetworkCache()
    key = hash_inputs([], {
        "value": "fare-limited minutes between coordinates",
        "network": network.digest, "routing": repr(routing), "budget": budget_minor,
        **places_key(zones, places), "fares": fares_digest(fares),
    })

    def build() -> _FareTimes:
        minutes = fare_minutes(network, zones, places, request, fares, [budget_minor],
                               progress=progress)
        return _FareTimes(minutes[:, 0, 0, :].astype(np.float32))

    cached = cache.get_or_build("fare_times", key, _FareTimes, build,
                                f"fare-limited travel times {network.digest[:12]}")
    minutes = cached.minutes[:, inverse]
    pct = routing.percentiles[0]
    tcol = column_name(ColumnKind.TRAVEL_TIME, percentile=pct)
    origin_ids = index.to_numpy(dtype=object)
    result = pd.DataFrame(index=index)
    start = 0
    for (name, ids, _, _), column in zip(parts, columns, strict=True):
        block = minutes[:, start:start + len(ids)].astype(np.float64)
        start += len(ids)
        matrix = pd.DataFrame({"from_id": np.repeat(origin_ids.astype(str), len(ids)),
                               "to_id": np.tile(ids, len(origin_ids)), tcol: block.ravel()})
        if spaces is not None and space_layer is not None and name == space_layer.name:
            counted = compute_nearest(matrix, spaces, study.scoring.space_cutoff_min,
                                      percentile=pct, category_col=None, origins=origin_ids)
            count = column_name(ColumnKind.WITHIN, layer="spaces",
                                cutoff_min=study.scoring.space_cutoff_min)
            result[column] = counted[count].to_numpy()
        else:
            layer = next(d for d in weighted if d.name == name)
            counted = compute_cumulative_opportunities(
                matrix, layer.table["weight"], study.scoring.job_cutoff_min, percentile=pct,
                name=name, origins=origin_ids)
            result[column] = counted.iloc[:, 0].to_numpy()
    return result


def distinct_places(lon: NDArray[np.float64],
                    lat: NDArray[np.float64]) -> tuple[Points, NDArray[np.intp]]:
    """Return the distinct coordinates (to 1e-7 degree) as points, and each input's index there.

    The fare-aware engine routes once to each place that several destinations share.
    """
    unique, inverse = np.unique(np.round(np.column_stack([lon, lat]), 7), axis=0,
                                return_inverse=True)
    places = Points(np.arange(len(unique)).astype(str).astype(object),
                    unique[:, 0].astype(np.float64), unique[:, 1].astype(np.float64))
    return places, inverse.ravel()


def places_key(zones: Zones, places: Points) -> dict[str, str]:
    """Return the cache key's parts naming the zones and the places routed to."""
    return {"origins": hash_inputs([], {"lon": zones.points.lon.tolist(),
                                        "lat": zones.points.lat.tolist()}),
            "destinations": hash_inputs([], {"xy": np.column_stack(
                [places.lon, places.lat]).tolist()})}


def fare_minutes(network: TransitNetwork, zones: Zones, places: Points,
                 request: TravelTimeRequest, fares: CompiledFares, budgets_minor: list[int], *,
                 progress: ProgressCallback | None = None) -> NDArray[np.float64]:
    """Return fare-limited minutes from the zones to the places.

    As :func:`routes.engine.fare_raptor.compute_fare_travel_time_array` gives
    them; warnings of points off the streets are left to ``compute_access``.
    """
    with warnings.catch_warnings():
        # Points off the streets are reported by compute_access already.
        warnings.filterwarnings("ignore", message=r".* (origins|destinations) are more than")
        return compute_fare_travel_time_array(network, zones.points, places, request, fares,
                                              budgets_minor, progress=progress)


def fares_digest(fares: CompiledFares) -> str:
    """Return a digest of the compiled fares (every array and the currency)."""
    return hash_inputs([], {
        "currency": fares.currency,
        **{name: np.asarray(getattr(fares, name)).tolist()
           for name in ("pattern_group", "pattern_price", "regime_bounds_s", "transfer_price",
                        "transfer_counts", "group_window_s", "group_max_transfers",
                        "group_day_cap")},
    })
