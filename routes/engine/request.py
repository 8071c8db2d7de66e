"""What a travel-time computation is asked for: :class:`TravelTimeRequest`.

Every engine (:mod:`routes.engine.base`) takes the same request: the
departure window (first departure and number of one-minute departures), the
percentiles of the travel-time distribution to report, and the routing
parameters (walking speed and every limit: walks, transfers, rides, trip
length, snapping).

Examples
--------
>>> from routes.config.parameters import RoutingParams
>>> request = TravelTimeRequest.from_routing(RoutingParams(), window_min=1)
>>> request.departure_s, request.window_min, request.percentiles
(25200, 1, (50,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routes.config.parameters import RoutingParams
from routes.errors import InputError

__all__ = ["TravelTimeRequest"]


@dataclass(frozen=True, slots=True)
class TravelTimeRequest:
    """A travel-time computation: departure window, percentiles and limits.

    Attributes
    ----------
    routing
        Walking speed and the limits (walks, transfers, rides, trip length,
        snapping); its own window and percentiles are the defaults of
        :meth:`from_routing`.
    departure_s
        First departure, seconds after midnight of the service date.
    window_min
        Number of departures, one a minute from ``departure_s`` (1: a single one).
    percentiles
        Percentiles of the travel-time distribution over the departures, 1-99.

    Raises
    ------
    InputError
        If the window is empty or a percentile is not a whole number from 1 to 99.
    """

    routing: RoutingParams
    departure_s: int
    window_min: int
    percentiles: tuple[int, ...]

    def __post_init__(self) -> None:
        problems = []
        if self.window_min < 1:
            problems.append(f"departure window of {self.window_min} minutes: give at least 1")
        pcts = self.percentiles
        if not pcts or not all(float(p) == int(p) and 0 < p < 100 for p in pcts):
            problems.append(f"percentiles {list(pcts)!r}: give whole numbers between 1 and 99")
        if problems:
            msg = "; ".join(problems)
            raise InputError(msg)
        object.__setattr__(self, "percentiles", tuple(int(p) for p in pcts))

    @classmethod
    def from_routing(
        cls,
        routing: RoutingParams,
        *,
        departure_s: int | None = None,
        window_min: int | None = None,
        percentiles: Sequence[int] | None = None,
    ) -> TravelTimeRequest:
        """Make the request of the study area's routing parameters, with overrides.

        Parameters
        ----------
        routing
            The study area's ``[routing]``.
        departure_s
            First departure, seconds after midnight (default: the start of
            ``routing``'s window).
        window_min
            Number of one-minute departures (default: ``routing``'s window).
        percentiles
            Percentiles to report (default: ``routing``'s).

        Returns
        -------
        TravelTimeRequest
            The request.
        """
        return cls(
            routing=routing,
            departure_s=int(routing.departure_start_s if departure_s is None else departure_s),
            window_min=int(routing.window_min if window_min is None else window_min),
            percentiles=tuple(routing.percentiles if percentiles is None else percentiles),
        )

    @property
    def departures_s(self) -> NDArray[np.int32]:
        """Every departure of the window, seconds after midnight."""
        return (self.departure_s + 60 * np.arange(self.window_min)).astype(np.int32)
