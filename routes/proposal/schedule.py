"""When a proposed route's buses leave and reach each stop: departures and running times."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from routes.proposal.model import ProposalRoute, RouteStop

__all__ = ["compute_departures_s", "compute_stop_offsets_s"]


def compute_stop_offsets_s(
    route: ProposalRoute, stops: tuple[RouteStop, ...], *, reverse: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Scheduled arrival and departure at each stop, relative to the first departure.

    Parameters
    ----------
    route
        The route (its ``speed_kmh`` and ``dwell_s`` are used).
    stops
        Its stops in forward order, from :func:`compute_route_stops`.
    reverse
        Give the offsets of the reverse direction (stops in reverse order).

    Returns
    -------
    arrival_s, departure_s
        Seconds after the departure from the first stop served, ``int64``, one per
        stop in the direction's running order.

    Notes
    -----
    Arrival at stop *i* is ``d_i / v + (i - 1) * dwell`` for *i* >= 1, with ``d_i``
    the distance run since the first stop and ``v`` the speed; departure is arrival
    plus the dwell at intermediate stops. There is no dwell at the first and last
    stop. Times are rounded to whole seconds (half up) from the unrounded running
    total, so rounding errors do not accumulate.
    """
    distance_m = np.asarray([s.distance_m for s in stops], dtype=np.float64)
    distance_m = distance_m[-1] - distance_m[::-1] if reverse else distance_m - distance_m[0]
    n = len(distance_m)
    dwells_before = np.maximum(np.arange(n) - 1, 0)
    arrival = distance_m * 3.6 / route.speed_kmh + dwells_before * route.dwell_s
    departure = arrival.copy()
    departure[1:-1] += route.dwell_s
    return (
        np.floor(arrival + 0.5).astype(np.int64),
        np.floor(departure + 0.5).astype(np.int64),
    )


def compute_departures_s(route: ProposalRoute) -> NDArray[np.int64]:
    """Departure times from the first stop, in one direction.

    Parameters
    ----------
    route
        The route.

    Returns
    -------
    NDArray[np.int64]
        Seconds after midnight, sorted: in every period, ``start_s``,
        ``start_s + headway_s``, ... while before ``end_s``. Each period starts
        its own sequence at its start. The reverse direction has the same
        departures from its own first stop.
    """
    parts = [np.arange(p.start_s, p.end_s, p.headway_s, dtype=np.int64) for p in route.headways]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
