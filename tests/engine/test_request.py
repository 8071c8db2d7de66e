"""TravelTimeRequest: the one description of a travel-time computation every engine takes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from routes.config.parameters import RoutingParams
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError


def test_defaults_come_from_the_routing_parameters() -> None:
    routing = RoutingParams(departure_start_s=7 * 3600, departure_end_s=7 * 3600 + 300,
                            percentiles=(25, 75))
    request = TravelTimeRequest.from_routing(routing)
    assert (request.departure_s, request.window_min, request.percentiles) == (25_200, 5, (25, 75))
    assert request.routing is routing
    np.testing.assert_array_equal(request.departures_s, 25_200 + 60 * np.arange(5))


def test_overrides() -> None:
    request = TravelTimeRequest.from_routing(RoutingParams(), departure_s=90_000, window_min=1,
                                             percentiles=[5, 95])
    assert (request.departure_s, request.window_min, request.percentiles) == (90_000, 1, (5, 95))
    assert request.departures_s.tolist() == [90_000]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"window_min": 0}, r"departure window of 0 minutes: give at least 1"),
     ({"percentiles": [0, 50]}, r"percentiles \[0, 50\]: give whole numbers between 1 and 99"),
     ({"percentiles": [100]}, "between 1 and 99"),
     ({"percentiles": []}, "between 1 and 99"),
     ({"window_min": -1, "percentiles": [50.5]}, r"-1 minutes.*; percentiles \[50\.5\]")],
    ids=["empty-window", "percentile-0", "percentile-100", "no-percentile", "both"],
)
def test_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        TravelTimeRequest.from_routing(RoutingParams(), **overrides)  # type: ignore[arg-type]


def test_frozen() -> None:
    request = TravelTimeRequest.from_routing(RoutingParams())
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.window_min = 3  # type: ignore[misc]
