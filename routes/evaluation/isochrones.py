"""The isochrones a run's map draws: which zones, and where they reach before and after.

Computed with the evaluation (:func:`routes.evaluation.evaluate.evaluate_proposal`)
and carried on it, so that rendering the map only renders.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from routes.cache import NetworkCache, hash_inputs
from routes.config.study_area import RoutingParams, StudyArea
from routes.engine.base import TravelTimeEngine
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.inputs.points import Points
from routes.inputs.zones import Zones
from routes.network.transit import TransitNetwork
from routes.proposal.model import Proposal

__all__ = [
    "ISOCHRONE_GRID_M",
    "choose_isochrone_zones",
    "compute_map_isochrones",
    "compute_proposal_isochrones",
    "resolve_zone_ids",
]

ISOCHRONE_GRID_M = 100.0
"""Map isochrones route to one street node per square of this size (fast enough for maps)."""


def choose_isochrone_zones(changes: pd.DataFrame, job_column: str, *, n: int = 3) -> list[str]:
    """Default origins for the isochrones: the most deprived zones that gain.

    Parameters
    ----------
    changes
        Per-zone table (``zones.csv``) with ``population``,
        ``deprivation_decile`` and ``baseline_``/``delta_`` job columns.
    job_column
        The job-access column, e.g. ``jobs_within_45min``.
    n
        How many zones.

    Returns
    -------
    list[str]
        Zone ids: among populated zones whose job access improves (when
        none does, those whose access falls, as when a route is withdrawn;
        all populated zones when nothing changes), the most deprived (lowest
        decile), or where there are no deciles the lowest baseline job
        access; ties go to the bigger change.
    """
    table = changes
    if "population" in table:
        table = table[table["population"].fillna(0) > 0]
    delta = f"delta_{job_column}"
    gains = delta in table and bool((table[delta] > 0).any())
    if gains:
        table = table[table[delta] > 0]
    elif delta in table and bool((table[delta] < 0).any()):
        table = table[table[delta] < 0]
    keys: list[pd.Series] = []
    decile = table.get("deprivation_decile")
    if decile is not None and bool(decile.notna().any()):
        keys.append(decile.astype("Float64").fillna(11.0).astype(float))
    elif f"baseline_{job_column}" in table:
        keys.append(table[f"baseline_{job_column}"].fillna(np.inf).astype(float))
    if delta in table:
        keys.append(-table[delta].fillna(0.0).abs().astype(float))
    if not keys:
        return [str(i) for i in table.index[:n]]
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    return [str(i) for i in table.index.to_numpy()[order[:n]]]


@dataclass(frozen=True, slots=True)
class _CachedIsochrones:
    """What is cached of one network's map isochrones: each row's zone, cutoff and WKB polygon."""

    from_id: NDArray[np.object_]
    cutoff_min: NDArray[np.float64]
    wkb: NDArray[np.uint8]
    wkb_ptr: NDArray[np.int64]


def compute_map_isochrones(
    baseline: TransitNetwork, scenario: TransitNetwork, zones: Zones, zone_ids: Sequence[str],
    *, routing: RoutingParams, cutoff_min: float, cache: NetworkCache | None = None,
) -> gpd.GeoDataFrame:
    """Isochrones from chosen zones on the baseline and on the scenario network.

    With ``cache``, each network's isochrones are cached there under the
    network's digest, the routing parameters, the chosen zones' ids and
    coordinates in order, the cutoff and the grid (and the code, as every
    key of :mod:`routes.cache`): evaluating a proposal again, or another one
    that draws the same zones, reads the baseline's instead of routing.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``network`` (``"baseline"`` or ``"scenario"``),
        ``from_id`` (zone id), ``cutoff_min`` (minutes) and ``geometry``.

    Notes
    -----
    The journeys are searched up to the cutoff, not up to ``max_trip_min``:
    the polygons are the same, faster. The built-in engine's time to a node
    for one departure is the earliest arrival over the journeys that arrive
    within the trip limit ``T``, each label pruned against it, so for any
    ``T >= cutoff`` the times within the cutoff are the same and those beyond
    are beyond it or unreached; a percentile over the departures within the
    cutoff is then the same too (the departures' times within it are the
    same, and as many), and one beyond it stays beyond it. The polygon only
    reads the nodes within the cutoff and their times.
    """
    from routes.engine.isochrones import compute_isochrones

    request = TravelTimeRequest.from_routing(
        replace(routing, max_trip_min=min(routing.max_trip_min, float(cutoff_min))))
    frames = []
    for name, network in (("baseline", baseline), ("scenario", scenario)):
        def build(network: TransitNetwork = network) -> gpd.GeoDataFrame:
            return compute_isochrones(network, zones.points, list(zone_ids), [cutoff_min],
                                      request, grid_m=ISOCHRONE_GRID_M)  # EPSG:4326
        layer = build() if cache is None else _cached(cache, network, zones, zone_ids, request,
                                                      cutoff_min, build)
        frames.append(layer.assign(network=name))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out[["network", "from_id", "cutoff_min", "geometry"]],
                            geometry="geometry", crs="EPSG:4326")


def _cached(cache: NetworkCache, network: TransitNetwork, zones: Zones, zone_ids: Sequence[str],
            request: TravelTimeRequest, cutoff_min: float,
            build: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """One network's map isochrones (EPSG:4326), read from the cache or built and cached."""
    points = zones.points
    where = {str(i): k for k, i in enumerate(points.ids)}
    chosen = [where.get(str(i), -1) for i in zone_ids]
    key = hash_inputs([], {
        "value": "map isochrones", "network": network.digest, "request": repr(request),
        "zones": [(str(i), float(points.lon[k]), float(points.lat[k])) if k >= 0 else str(i)
                  for i, k in zip(zone_ids, chosen, strict=True)],
        "cutoff_min": float(cutoff_min), "grid_m": ISOCHRONE_GRID_M,
    })

    def store() -> _CachedIsochrones:
        layer = build()
        wkb = [bytes(shapely.to_wkb(g)) for g in layer.geometry]
        return _CachedIsochrones(
            layer["from_id"].astype(str).to_numpy(dtype=object),
            layer["cutoff_min"].to_numpy(dtype=np.float64),
            np.frombuffer(b"".join(wkb), dtype=np.uint8).copy(),
            np.r_[0, np.cumsum([len(w) for w in wkb])].astype(np.int64))

    if not network.digest:  # a network the cache cannot name
        return build()
    value = cache.get_or_build("isochrones", key, _CachedIsochrones, store,
                               f"map isochrones {network.digest[:12]}")
    raw = value.wkb.tobytes()
    geometry = shapely.from_wkb([raw[a:b] for a, b in itertools.pairwise(value.wkb_ptr)])
    return gpd.GeoDataFrame({"from_id": value.from_id.astype(object),
                             "cutoff_min": value.cutoff_min},
                            geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def resolve_zone_ids(asked: Sequence[str], ids: Sequence[str], names: Sequence[object],
                     *, what: str = "--zone") -> list[str]:
    """Turn what a user typed into zone ids: an id, or a zone's name (any case).

    Parameters
    ----------
    asked
        Zone ids or names, as typed.
    ids
        The zones' ids.
    names
        The zones' names, aligned with ``ids`` (missing names: ``None``/NaN).
    what
        Where the values come from, for messages (``"--zone"``).

    Returns
    -------
    list[str]
        One id per value asked, in order (an exact id wins over a name).

    Raises
    ------
    InputError
        If a value is neither an id nor a name (naming the closest ones), or
        names more than one zone (listing their ids).

    Examples
    --------
    >>> resolve_zone_ids(["DT021", "mill hey"], ["DT021", "DT022"], ["Mill Hey", "Moorgate"])
    ['DT021', 'DT021']
    """
    from routes._closest import check_known_ids

    known = [str(i) for i in ids]
    by_name: dict[str, list[str]] = {}
    for zone_id, name in zip(known, names, strict=True):
        if isinstance(name, str) and name.strip():
            by_name.setdefault(name.strip().casefold(), []).append(zone_id)
    out: list[str] = []
    for value in asked:
        if value in known:
            out.append(value)
            continue
        matches = by_name.get(value.strip().casefold(), [])
        if len(matches) > 1:
            msg = (f"{what} {value!r} names {len(matches)} zones ({', '.join(matches)}); "
                   "give one of their ids instead")
            raise InputError(msg)
        if not matches:
            check_known_ids([value], known, what=what, noun="zones",
                            todo="give zone ids from the zones file's id column"
                            + (", or names from its name column" if by_name else ""))
        out.append(matches[0])
    return out


def compute_proposal_isochrones(
    study: StudyArea, baseline: TransitNetwork, proposal: Proposal, points: Points,
    zone_ids: Sequence[str], cutoffs_min: Sequence[float], request: TravelTimeRequest,
    *, engine: TravelTimeEngine | None = None,
) -> gpd.GeoDataFrame:
    """Isochrones from chosen zones before and after a proposal.

    Parameters
    ----------
    study
        The study area (its feeds and OSM extract, to build the scenario).
    baseline
        The baseline network.
    proposal
        The proposal (new routes, withdrawn or changed routes).
    points
        The origins (zone points).
    zone_ids
        Which origins.
    cutoffs_min
        Cutoffs, minutes.
    request
        Departure window, walking limits and the like.
    engine
        The engine opened on ``baseline`` (:func:`routes.engine.backends.open_engine`;
        default: the built-in engine); the scenario is routed by its
        :meth:`~routes.engine.base.TravelTimeEngine.for_scenario` (R5 on the
        scenario's GTFS files).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, the columns of :func:`routes.engine.isochrones.compute_isochrones`
        and ``network``: ``"baseline"`` (today) or ``"scenario"`` (with the
        proposal), baseline rows first.
    """
    from routes.engine.isochrones import compute_isochrones
    from routes.evaluation.scenario import build_scenario, write_scenario_feeds

    scenario = build_scenario(study, baseline, proposal).network
    scenario_engine = None if engine is None else engine.for_scenario(
        scenario, partial(write_scenario_feeds, study, proposal))
    frames = []
    for name, network, chosen in (("baseline", baseline, engine),
                                  ("scenario", scenario, scenario_engine)):
        layer = compute_isochrones(network, points, list(zone_ids), list(cutoffs_min), request,
                                   engine=chosen)
        frames.append(layer.assign(network=name))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs)
