"""Loud failures for lost data: when most of what a run needs is off the street network.

A run whose zones, destinations or transit network mostly fall outside the
street extract gives numbers that look sound and are not (all zero, or
inflated by a proposal that is the only bus left). These checks stop such a
run with a :class:`~routes.errors.DataLossError` that says what was lost and
what to do, and give a :class:`~routes.errors.RoutesWarning` with counts for
smaller losses. ``allow_data_loss=True`` (the CLI's ``--allow-data-loss``)
lets an expert go on; the losses then stay as warnings.

The thresholds (measured on the real study areas in ``../shared/data``):

- **zones, destination points**: more than half of a layer farther than
  ``[routing].max_snap_m`` from every street (Newport: 132 of 511 output-area
  centroids and 7 of 22 supermarkets lie outside its extract, a warning);
- **zones without results**: more than half of the zones on the street network
  reach no point of a destination layer within ``max_trip_min``;
- **the transit network** (:func:`routes.network.transit.check_stop_links`): feeds
  none of whose served stops is within reach of a street carrying more than
  half of the trips of the date, or no trip left with two usable stops. A
  share of *stops* would be the wrong test: a regional feed is meant to reach
  beyond a district's extract (Newport: 4,669 of 5,360 served stops, 3,760 of
  5,061 trips, are outside its extract, and its results are sound).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from numpy.typing import NDArray

from routes.errors import DataLossError, RoutesWarning
from routes.inputs.points import Points
from routes.streets.graph import StreetNetwork
from routes.streets.snapping import EdgeIndex, snap_points

__all__ = [
    "ALLOW_DATA_LOSS",
    "MAX_LOST_SHARE",
    "check_point_coverage",
    "check_reach",
    "report_loss",
]

logger = logging.getLogger(__name__)

MAX_LOST_SHARE = 0.5
"""A run stops when more than this share of a layer is lost (see the module notes)."""

ALLOW_DATA_LOSS = ("pass --allow-data-loss (in Python: allow_data_loss=True) to go on with what "
                   "is left")
"""How to go on anyway, ending every :class:`~routes.errors.DataLossError` message."""


def report_loss(
    lost: str, fix: str, *, fatal: bool, allow_data_loss: bool, stacklevel: int = 3
) -> None:
    """Raise :class:`DataLossError`, or warn, about a loss.

    Parameters
    ----------
    lost
        What was lost, with counts, e.g. ``"400 of 400 zones in z.geojson are ..."``.
    fix
        What to do about it.
    fatal
        Whether the loss stops the run (unless ``allow_data_loss``).
    allow_data_loss
        Go on after a fatal loss, with a warning.
    stacklevel
        For the warning.

    Raises
    ------
    DataLossError
        When ``fatal`` and not ``allow_data_loss``.

    Warns
    -----
    RoutesWarning
        Otherwise.
    """
    if fatal and not allow_data_loss:
        msg = f"{lost}; {fix}; or {ALLOW_DATA_LOSS}"
        raise DataLossError(msg)
    going_on = " (more than half: going on as --allow-data-loss asks)" if fatal else ""
    warnings.warn(f"{lost}{going_on}; {fix}", RoutesWarning, stacklevel=stacklevel + 1)


def check_point_coverage(
    streets: StreetNetwork,
    points: Points,
    max_snap_m: float,
    *,
    what: str,
    source: str,
    allow_data_loss: bool,
    index: EdgeIndex | None = None,
    warn: bool = True,
) -> NDArray[np.bool_]:
    """Check that most of a layer's points are within ``max_snap_m`` of a street.

    Parameters
    ----------
    streets
        The walk graph.
    points
        The layer's points.
    max_snap_m
        Farthest a point may be from a street, metres (``[routing].max_snap_m``).
    what
        What the points are, plural (``"zones"``, ``"destinations of layer 'jobs'"``).
    source
        The file they come from, for the message.
    allow_data_loss
        Go on, with a warning, when more than half are lost.
    index
        The streets' edge index, if built.
    warn
        Warn about a smaller loss (false: the engine warns when it routes).

    Returns
    -------
    numpy.ndarray
        Mask of the points on the street network.

    Raises
    ------
    DataLossError
        When more than :data:`MAX_LOST_SHARE` of the points are off the street
        network and ``allow_data_loss`` is false.
    """
    snapped = snap_points(streets, points.lon, points.lat, max_snap_m=max_snap_m,
                          index=index).snapped
    n_lost, n = int((~snapped).sum()), len(snapped)
    fatal = n_lost > MAX_LOST_SHARE * n
    if n_lost and (warn or fatal):
        example = points.ids[np.flatnonzero(~snapped)[0]]
        lost = (
            f"{n_lost:,} of {n:,} {what} in {source} are more than {max_snap_m:,.0f} m from "
            f"every street of the OSM extract (e.g. id {str(example)!r}) and get no travel times"
        )
        fix = ("check their coordinates (WGS84 longitude and latitude) or use an OSM extract "
               "that covers them")
        report_loss(lost, fix, fatal=fatal, allow_data_loss=allow_data_loss)
    return snapped


def check_reach(
    minutes: NDArray[np.floating],
    on_streets: NDArray[np.bool_],
    *,
    what: str,
    max_trip_min: float,
    allow_data_loss: bool,
) -> int:
    """Check that most zones on the street network reach some point of a layer.

    Parameters
    ----------
    minutes
        Travel times from each zone to each point of the layer, NaN where
        unreachable, shape ``(n_zones, n_points)``.
    on_streets
        Mask of the zones on the street network (the others were reported
        by :func:`check_point_coverage`).
    what
        The layer, for the message (``"destination layer 'jobs'"``).
    max_trip_min
        The longest trip routed, minutes.
    allow_data_loss
        Go on, with a warning, when more than half reach nothing.

    Returns
    -------
    int
        Zones on the street network that reach no point of the layer.

    Raises
    ------
    DataLossError
        When more than :data:`MAX_LOST_SHARE` of the zones on the street
        network reach nothing and ``allow_data_loss`` is false.
    """
    n = int(on_streets.sum())
    if n == 0 or minutes.shape[1] == 0:
        return 0
    reach_none = on_streets & ~np.isfinite(minutes).any(axis=1)
    n_lost = int(reach_none.sum())
    if n_lost > MAX_LOST_SHARE * n:
        lost = (f"{n_lost:,} of {n:,} zones on the street network reach no point of {what} "
                f"within {max_trip_min:g} min, so their results would all be zero")
        fix = ("check [routing].max_trip_min, that the feeds run on [study_area].date and near "
               "the zones ('routes check' reports both), and that the layer's points lie in the "
               "study area")
        report_loss(lost, fix, fatal=True, allow_data_loss=allow_data_loss)
    elif n_lost:
        logger.info("%s of %s zones reach no point of %s within %g min", f"{n_lost:,}",
                    f"{n:,}", what, max_trip_min)
    return n_lost
