"""Accessibility of every zone on one network: travel times, then the per-zone metrics.

One engine run per network computes travel times from the zones to every
destination point at once (zones for cross-community reach, and each
destination layer); the metrics of :mod:`routes.access.metrics` are then
plain functions of those tables.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes._progress import ProgressCallback
from routes.access._od import DenseMatrix
from routes.access.community import (
    compute_meeting_potential,
    compute_reach_other_groups,
    compute_space_mix,
)
from routes.access.interaction import compute_exposure
from routes.access.metrics import (
    compute_cumulative_opportunities,
    compute_decay_opportunities,
    compute_nearest,
)
from routes.cache import NetworkCache, hash_inputs
from routes.columns import ColumnKind, column_name
from routes.config.study_area import StudyArea
from routes.engine.base import BuiltinEngine, TravelTimeEngine
from routes.engine.request import TravelTimeRequest
from routes.errors import CacheError
from routes.inputs.destinations import Destinations
from routes.inputs.points import Points
from routes.inputs.zones import Zones
from routes.network.coverage import check_point_coverage, check_reach
from routes.network.transit import TransitNetwork

__all__ = [
    "AccessResult",
    "TravelTimes",
    "compute_access",
    "check_layer_coverage",
    "compute_zone_travel_times",
    "space_layer_names",
]

logger = logging.getLogger(__name__)

ZONES_LAYER = "zones"


@dataclass(frozen=True, slots=True)
class TravelTimes:
    """Travel times from every zone to every destination point of a study area.

    Attributes
    ----------
    minutes
        ``float32`` minutes at the study area's first percentile, shape
        ``(n_zones, n_points)``; NaN where unreachable.
    point_layer
        Layer of each destination point (``zones`` or a destination layer name).
    point_ids
        ID of each destination point within its layer.
    """

    minutes: NDArray[np.float32]
    point_layer: NDArray[np.object_]
    point_ids: NDArray[np.object_]

    def long_table(self, layer: str, origin_ids: NDArray[np.object_], column: str) -> pd.DataFrame:
        """All zone-to-point pairs of one layer as a long table (NaN kept)."""
        return self.dense(layer, origin_ids, column).to_frame()

    def dense(self, layer: str, origin_ids: NDArray[np.object_], column: str) -> DenseMatrix:
        """Return the pairs of :meth:`long_table` as an array (the metrics read it faster)."""
        cols = self.point_layer == layer
        return DenseMatrix(origin_ids.astype(str).astype(object),
                           self.point_ids[cols].astype(str).astype(object),
                           self.minutes[:, cols], column)


@dataclass(frozen=True, slots=True)
class _UniqueTimes:
    """What is cached: minutes from each origin to each distinct destination coordinate.

    No ids: the columns are the distinct rounded coordinates in sorted order,
    which the key covers, and ids and layers are attached from the current
    files after reading, so renamed or reordered points never get stale times.
    """

    minutes: NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AccessResult:
    """Per-zone accessibility on one network.

    Attributes
    ----------
    zones
        Indexed by zone id: ``population``, ``deprivation_decile``, the group
        columns, and the metric columns named by :func:`routes.columns.column_name`.
    spaces
        Indexed by space id, one row per shared community space (the
        destinations of :attr:`space_layer` whose category counts as shared,
        :meth:`~routes.config.parameters.ScoringParams.is_shared`): ``name``,
        ``category``, and the residents who can reach it, in all and by group,
        and their Simpson diversity (:func:`routes.access.community.compute_space_mix`;
        only ``name`` and ``category`` when the zones have neither groups
        nor deprivation deciles); empty when there is no space layer.
    travel_times
        The travel times the metrics were computed from.
    space_layer
        The destination layer of the shared spaces (``None`` when there is none).
    """

    zones: pd.DataFrame
    spaces: pd.DataFrame
    travel_times: TravelTimes
    space_layer: str | None = None

    def space_matrix(self, column: str) -> pd.DataFrame:
        """Long zone-to-shared-space table (``from_id``, ``to_id``, ``column``), NaN kept."""
        if self.space_layer is None:
            return pd.DataFrame({"from_id": [], "to_id": [], column: []})
        return self.space_times(column).to_frame()

    def space_times(self, column: str) -> DenseMatrix:
        """Return the pairs of :meth:`space_matrix` as an array."""
        layer = self.space_layer if self.space_layer is not None else ""
        matrix = self.travel_times.dense(layer, self.zones.index.to_numpy(dtype=object), column)
        return matrix.columns(np.isin(matrix.to_ids, self.spaces.index.astype(str)))


def _all_points(
    zones: Zones, layers: tuple[Destinations, ...]
) -> tuple[Points, NDArray[np.object_], NDArray[np.object_]]:
    parts = [(ZONES_LAYER, zones.points)] + [(d.name, d.points) for d in layers]
    lon = np.concatenate([p.lon for _, p in parts])
    lat = np.concatenate([p.lat for _, p in parts])
    layer = np.concatenate([np.full(len(p), name, dtype=object) for name, p in parts])
    ids = np.concatenate([p.ids for _, p in parts]).astype(object)
    keys = np.array([f"{a}\x00{b}" for a, b in zip(layer, ids, strict=True)], dtype=object)
    return Points(keys, lon, lat), layer, ids


def compute_zone_travel_times(
    study: StudyArea,
    network: TransitNetwork,
    zones: Zones,
    layers: tuple[Destinations, ...],
    *,
    cache: NetworkCache | None = None,
    progress: ProgressCallback | None = None,
    engine: TravelTimeEngine | None = None,
    allow_data_loss: bool | None = None,
    baseline: TravelTimes | None = None,
) -> TravelTimes:
    """Travel times from the zones to the zones and to every destination layer.

    Identical destination coordinates are routed once. The minutes between
    coordinates are cached under the network's digest, the routing
    parameters, the engine's cache tag, the origins' coordinates in order and
    the distinct destination coordinates; point ids and layers are attached
    afterwards, so a baseline is computed once per study area and engine and
    an edited points file never gets another file's times.
    ``engine`` defaults to the built-in engine in this process; an engine
    given must route on ``network`` (:func:`routes.engine.backends.open_engine`).

    Parameters
    ----------
    allow_data_loss
        Go on, with warnings, when most zones or most points of a layer are
        off the street network (default: the network's
        :attr:`~routes.network.transit.TransitNetwork.allow_data_loss`).
    baseline
        For a scenario: the baseline's travel times to the same points. With a
        scenario's built-in engine, only the origins the scenario can affect
        are routed again (:mod:`routes.engine.incremental`); the result is the same.

    Returns
    -------
    TravelTimes
        Minutes at the study area's first percentile.

    Raises
    ------
    DataLossError
        When more than half of the zones, or of a layer's points, are farther
        than ``[routing].max_snap_m`` from every street (see
        :mod:`routes.network.coverage`), unless ``allow_data_loss``.
    """
    cache = cache if cache is not None else NetworkCache()
    allow = network.allow_data_loss if allow_data_loss is None else allow_data_loss
    check_layer_coverage(study, network, zones, layers, allow_data_loss=allow)
    points, layer, ids = _all_points(zones, layers)
    coords = np.round(np.column_stack([points.lon, points.lat]), 7)
    unique, inverse = np.unique(coords, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    routing = study.routing
    engine = engine if engine is not None else BuiltinEngine(network)
    if engine.digest and engine.digest != network.digest:
        msg = (f"the {engine.name} engine routes on network {engine.digest[:12]}, not on "
               f"{network.digest[:12]}; open the engine on this network (or its scenario's)")
        raise ValueError(msg)
    params = {
        "value": "minutes between coordinates",
        "network": network.digest, "routing": repr(routing),
        "origins": hash_inputs([], {"lon": zones.points.lon.tolist(),
                                    "lat": zones.points.lat.tolist()}),
        "destinations": hash_inputs([], {"xy": unique.tolist()}),
    }
    if engine.cache_tag:
        params["engine"] = engine.cache_tag
    key = hash_inputs([], params)

    def build() -> _UniqueTimes:
        dest = Points(np.arange(len(unique)).astype(str).astype(object),
                      unique[:, 0].astype(np.float64), unique[:, 1].astype(np.float64))
        with warnings.catch_warnings():
            # Points off the streets are reported by check_layer_coverage, hit or miss.
            warnings.filterwarnings("ignore", message=r".* (origins|destinations) are more than")
            request = TravelTimeRequest.from_routing(routing, percentiles=routing.percentiles[:1])
            reused = _reuse_baseline(baseline, layer, ids, inverse, engine, zones.points, dest,
                                     request, progress)
            minutes = reused if reused is not None else engine.compute_travel_time_array(
                zones.points, dest, request, progress=progress)[:, 0, :]
        return _UniqueTimes(minutes.astype(np.float32))

    cached = cache.get_or_build("times", key, _UniqueTimes, build,
                                f"travel times {network.digest[:12]}")
    if cached.minutes.shape != (len(zones.points), len(unique)):
        msg = (f"cached travel times have shape {cached.minutes.shape}, expected "
               f"{(len(zones.points), len(unique))}; run 'routes cache clear' and try again")
        raise CacheError(msg)
    return TravelTimes(cached.minutes[:, inverse], layer, ids)


def _reuse_baseline(
    baseline: TravelTimes | None, layer: NDArray[np.object_], ids: NDArray[np.object_],
    inverse: NDArray[np.intp], engine: TravelTimeEngine, origins: Points, dest: Points,
    request: TravelTimeRequest, progress: ProgressCallback | None,
) -> NDArray[np.float64] | None:
    """Route only the origins a scenario can affect, reusing the baseline's other rows.

    ``None`` when that cannot be done (no baseline, other points, another engine).
    """
    if baseline is None or len(baseline.minutes) != len(origins):
        return None
    if not (np.array_equal(baseline.point_layer, layer)
            and np.array_equal(baseline.point_ids, ids)):
        return None
    from routes.engine.incremental import reuse_baseline_rows

    first = np.empty(len(dest), dtype=np.intp)
    first[inverse] = np.arange(len(inverse))  # any point of each coordinate
    rows = reuse_baseline_rows(engine, origins, dest, request,
                               baseline.minutes[:, None, first], progress=progress)
    return None if rows is None else rows[:, 0, :]


def check_layer_coverage(
    study: StudyArea,
    network: TransitNetwork,
    zones: Zones,
    layers: tuple[Destinations, ...],
    *,
    allow_data_loss: bool = False,
) -> NDArray[np.bool_]:
    """Check that most zones and most points of each layer are on the street network.

    Returns
    -------
    numpy.ndarray
        Mask of the zones on the street network.

    Raises
    ------
    DataLossError
        When more than half of the zones, or of a layer's points, are off it
        and ``allow_data_loss`` is false.

    Warns
    -----
    RoutesWarning
        When some are off it (with counts).
    """
    max_snap_m = study.routing.max_snap_m
    sources = {d.name: d.path for d in study.destinations}
    zone_file = (study.zones.centroids_path or study.zones.path) if study.zones else None
    on_streets = check_point_coverage(
        network.streets, zones.points, max_snap_m, what="zones",
        source=zone_file.name if zone_file else "the zones", allow_data_loss=allow_data_loss,
        index=network.edge_index)
    for layer in layers:
        path = sources.get(layer.name)
        check_point_coverage(
            network.streets, layer.points, max_snap_m,
            what=f"points of destination layer {layer.name!r}",
            source=path.name if path is not None else "the OSM extract",
            allow_data_loss=allow_data_loss, index=network.edge_index)
    return on_streets


def space_layer_names(study: StudyArea) -> frozenset[str]:
    """Names of the destination layers that are shared community spaces.

    A layer is one when it has categories or comes from OSM tags, or when it
    has no weight column (each feature is a place, not a count of opportunities).
    """
    return frozenset(d.name for d in study.destinations
                     if d.category_column or d.osm_tags or d.weight_column is None)


def compute_access(
    study: StudyArea,
    network: TransitNetwork,
    zones: Zones,
    layers: tuple[Destinations, ...],
    *,
    cache: NetworkCache | None = None,
    progress: ProgressCallback | None = None,
    engine: TravelTimeEngine | None = None,
    allow_data_loss: bool | None = None,
    baseline: TravelTimes | None = None,
) -> AccessResult:
    """Compute every per-zone accessibility metric on one network.

    For each weighted destination layer: opportunities within
    ``job_cutoff_min`` and decay-weighted with ``decay_half_life_min``. For the
    layer with categories (shared community spaces): time to the nearest space
    overall and per category, spaces within ``space_cutoff_min``, and meeting
    potential. Between zones: cross-community reach within ``space_cutoff_min``.

    Parameters
    ----------
    study
        Gives the scoring and routing parameters.
    network
        Baseline or scenario network.
    zones
        Origins.
    layers
        Destination layers.
    cache
        Network cache (travel times are cached there).
    progress
        Called as ``progress(done, total)`` while travel times are computed.
    engine
        Computes the travel times (default: the built-in engine in this process).
    allow_data_loss
        Go on, with warnings, when most zones or destinations are off the
        street network or reach nothing (default: the network's
        :attr:`~routes.network.transit.TransitNetwork.allow_data_loss`).
    baseline
        For a scenario: the baseline's travel times (see
        :func:`compute_zone_travel_times`).

    Returns
    -------
    AccessResult
        Per-zone table (columns documented in :mod:`routes.columns`), per-space
        table, and the travel times.

    Raises
    ------
    DataLossError
        When more than half of the zones, or of a layer's points, are off the
        street network, or more than half of the zones on it reach no point
        of a layer (see :mod:`routes.network.coverage`), unless ``allow_data_loss``.
    """
    scoring = study.scoring
    pct = study.routing.percentiles[0]
    tcol = column_name(ColumnKind.TRAVEL_TIME, percentile=pct)
    allow = network.allow_data_loss if allow_data_loss is None else allow_data_loss
    times = compute_zone_travel_times(study, network, zones, layers, cache=cache,
                                      progress=progress, engine=engine, allow_data_loss=allow,
                                      baseline=baseline)
    # A zone on the street network reaches at least its own point.
    on_streets = np.asarray(
        np.isfinite(times.minutes[:, times.point_layer == ZONES_LAYER]).any(axis=1), dtype=bool)
    for layer in layers:
        check_reach(times.minutes[:, times.point_layer == layer.name], on_streets,
                    what=f"destination layer {layer.name!r}",
                    max_trip_min=study.routing.max_trip_min, allow_data_loss=allow)
    origin_ids = zones.table.index.to_numpy(dtype=object)
    table = zones.table.copy()
    zone_frame = zones.table.reset_index(names="id")
    groups = list(zones.group_columns) or None
    space_names = space_layer_names(study)
    parts = []
    for layer in layers:
        matrix = times.dense(layer.name, origin_ids, tcol)
        weights = layer.table["weight"]
        if layer.name in space_names:
            spaces = _shared_spaces(study, layer)
            if spaces.empty:
                continue
            matrix = matrix.columns(np.isin(matrix.to_ids, spaces["id"].astype(str)))
            parts.append(compute_nearest(matrix, spaces, scoring.space_cutoff_min,
                                         percentile=pct, origins=origin_ids))
        else:
            parts.append(compute_cumulative_opportunities(
                matrix, weights, scoring.job_cutoff_min, percentile=pct, name=layer.name,
                origins=origin_ids))
            parts.append(compute_decay_opportunities(
                matrix, weights, scoring.decay_half_life_min, percentile=pct, name=layer.name,
                origins=origin_ids))
    # Reach needs community groups, or deprivation deciles to split zones in two.
    has_mix = bool(groups) or bool(table.get("deprivation_decile", pd.Series()).notna().any())
    if has_mix:
        zone_matrix = times.dense(ZONES_LAYER, origin_ids, tcol)
        parts.append(compute_reach_other_groups(
            zone_matrix, zone_frame, scoring.space_cutoff_min, groups=groups,
            deprived_deciles=scoring.deprived_deciles, percentile=pct))
    else:
        logger.info("zones have neither community groups nor deprivation deciles: "
                    "cross-community reach and meeting potential are not computed")
    space_table = pd.DataFrame()
    spaces_layer = next((d for d in layers if d.name in space_names), None)
    spaces = _shared_spaces(study, spaces_layer) if spaces_layer is not None else None
    if spaces is not None:
        space_table = spaces.set_index("id")[["name", "category"]].rename_axis("space_id")
    if spaces_layer is not None and spaces is not None and not spaces.empty and has_mix:
        matrix = times.dense(spaces_layer.name, origin_ids, tcol)
        matrix = matrix.columns(np.isin(matrix.to_ids, spaces["id"].astype(str)))
        parts.append(compute_meeting_potential(
            matrix, zone_frame, spaces, scoring.space_cutoff_min, groups=groups,
            deprived_deciles=scoring.deprived_deciles, percentile=pct))
        if groups:
            parts.append(compute_exposure(matrix, zone_frame, spaces, scoring.space_cutoff_min,
                                          groups=groups, percentile=pct))
        space_table = space_table.join(compute_space_mix(
            matrix, zone_frame, spaces, scoring.space_cutoff_min, groups=groups,
            deprived_deciles=scoring.deprived_deciles, percentile=pct))
    for part in parts:
        part.index = part.index.astype(str)
        table = table.join(part)
    return AccessResult(table, space_table, times,
                        spaces_layer.name if spaces_layer is not None else None)


def _shared_spaces(study: StudyArea, layer: Destinations) -> pd.DataFrame:
    """Return the destinations of a space layer whose category counts as shared."""
    spaces = layer.table.reset_index(names="id")
    shared = spaces["category"].map(study.scoring.is_shared).astype(bool)
    if not shared.all():
        left_out = sorted(set(spaces.loc[~shared, "category"]))
        logger.info("%s: %d of %d destinations are not counted as shared spaces (%s; see "
                    "[scoring].shared_space_categories)", layer.name, int((~shared).sum()),
                    len(spaces), ", ".join(left_out))
    return spaces[shared].reset_index(drop=True)
