"""A trip from a point to itself takes 0 minutes, as in R5, not twice its walk to the street.

On the street lattice of ``tests/_study.py`` (streets 100 m apart), place P at
(50, 30): 30 m off the street y = 0 (its nearest), in the middle of a block.
Walking at 4.8 km/h (4/3 m/s), P to a point Q 1 m east of P walks 30 m to the
street, 1 m along it and 30 m back: 61 m = 45.75 s, rounded to 46 s. P to P
would be 60 m = 45 s by the same walk; it is 0 (and so is P to another point
given at P's coordinates). A point off the street network keeps no time at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _osm import lonlat
from _study import write_study_area

from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.engine.raptor import compute_travel_time_array
from routes.engine.request import TravelTimeRequest
from routes.inputs.points import Points
from routes.network.transit import TransitNetwork, build_network


def request(routing: object) -> TravelTimeRequest:
    return TravelTimeRequest.from_routing(routing)  # type: ignore[arg-type]


def points(*xy: tuple[float, float], prefix: str = "p") -> Points:
    lon, lat = zip(*(lonlat(x, y) for x, y in xy), strict=True)
    return Points(np.array([f"{prefix}{k}" for k in range(len(xy))], dtype=object),
                  np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64))


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple[TransitNetwork, object]:
    folder = tmp_path_factory.mktemp("grid")
    study = load_study_area(write_study_area(folder))
    return build_network(study, cache=NetworkCache(folder / "cache")), study.routing


def test_a_point_to_itself_is_zero(network: tuple[TransitNetwork, object]) -> None:
    net, routing = network
    here = points((50.0, 30.0), (51.0, 30.0))
    minutes = compute_travel_time_array(net, here, None, request(routing))[:, 0, :]
    assert minutes[0, 0] == 0.0 and minutes[1, 1] == 0.0
    assert minutes[0, 1] * 60 == pytest.approx(46.0)  # 61 m at 4/3 m/s, whole seconds
    assert minutes[1, 0] * 60 == pytest.approx(46.0)


def test_the_same_place_given_twice_is_zero(network: tuple[TransitNetwork, object]) -> None:
    net, routing = network
    origins = points((50.0, 30.0), (150.0, 130.0))
    destinations = points((150.0, 130.0), (0.0, 0.0), (50.0, 30.0), prefix="d")
    minutes = compute_travel_time_array(net, origins, destinations, request(routing))[:, 0, :]
    assert minutes[0, 2] == 0.0 and minutes[1, 0] == 0.0
    assert (minutes[0, :2] > 0).all() and (minutes[1, 1:] > 0).all()


def test_a_point_off_the_streets_gets_no_time(network: tuple[TransitNetwork, object]) -> None:
    net, routing = network
    far = points((50.0, 30.0), (50.0, 5_000.0))  # 4.8 km north of the lattice
    with pytest.warns(match="1 of 2 origins are more than"):
        minutes = compute_travel_time_array(net, far, None, request(routing))[:, 0, :]
    assert minutes[0, 0] == 0.0
    assert np.isnan(minutes[1]).all() and np.isnan(minutes[:, 1]).all()


def test_the_grid_is_as_documented(tmp_path: Path) -> None:
    """The premise: P's nearest street is y = 0, 30 m away."""
    from routes.streets.snapping import snap_points

    study = load_study_area(write_study_area(tmp_path))
    net = build_network(study, cache=NetworkCache(tmp_path / "cache"))
    p = points((50.0, 30.0))
    snapped = snap_points(net.streets, p.lon, p.lat, max_snap_m=500.0)
    assert snapped.offstreet_m[0] == pytest.approx(30.0, abs=0.05)  # the UTM scale factor
