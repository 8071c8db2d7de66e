"""The engine boundary: engines opened by kind on a network, one request, one long table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _study import write_study_area

from routes.config.study_area import StudyArea, load_study_area
from routes.engine.backends import compute_travel_times_with, open_engine
from routes.engine.base import BuiltinEngine, EngineKind
from routes.engine.raptor import compute_travel_time_array, compute_travel_times
from routes.engine.request import TravelTimeRequest
from routes.errors import InputError
from routes.inputs.points import load_layer, points_from_layer
from routes.network.transit import TransitNetwork, build_network


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[StudyArea, TransitNetwork, Any]:
    study = load_study_area(write_study_area(tmp_path_factory.mktemp("study")))
    network = build_network(study)
    assert study.zones is not None
    return study, network, points_from_layer(load_layer(study.zones.path))


def test_engine_kind_from_any_case() -> None:
    assert EngineKind(" R5PY ") is EngineKind.R5PY
    assert EngineKind("Builtin") is EngineKind.BUILTIN
    with pytest.raises(ValueError, match="'osrm' is not a valid EngineKind"):
        EngineKind("osrm")


def test_open_builtin_routes_on_its_network(tiny: tuple[StudyArea, TransitNetwork, Any]) -> None:
    study, network, points = tiny
    request = TravelTimeRequest.from_routing(study.routing, percentiles=(10, 50, 90))
    with open_engine("builtin", study, network, n_threads=1) as engine:
        assert isinstance(engine, BuiltinEngine)
        assert engine.digest == network.digest and engine.name == "builtin"
        got = engine.compute_travel_time_array(points, None, request)
    np.testing.assert_array_equal(got, compute_travel_time_array(network, points, None, request))
    assert got.shape == (3, 3, 3)


def test_one_long_table_for_every_engine(tiny: tuple[StudyArea, TransitNetwork, Any]) -> None:
    study, network, points = tiny
    request = TravelTimeRequest.from_routing(study.routing)
    table = compute_travel_times_with(BuiltinEngine(network), points, None, request)
    assert table.equals(compute_travel_times(network, points, None, request))
    assert list(table.columns) == ["from_id", "to_id", "travel_time_p50_min"]


def test_scenario_engine_routes_on_the_scenario(
        tiny: tuple[StudyArea, TransitNetwork, Any]) -> None:
    study, network, _ = tiny

    def never(folder: Path) -> tuple[Path, ...]:
        raise AssertionError("the built-in engine reads no GTFS file")

    engine = BuiltinEngine(network, n_threads=2).for_scenario(network, never)
    assert engine.network is network and engine.n_threads == 2


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [("r5py", {"workers": 2}, r"Dask \(--scheduler, --workers\) shards the builtin engine"),
     ("builtin", {"r5_classpath": Path("r5.jar")}, r"used only with --engine r5py"),
     ("builtin", {"scheduler": "tcp://x:1", "workers": 2}, "not both")],
    ids=["r5-with-dask", "jar-without-r5", "scheduler-and-workers"],
)
def test_options_that_do_not_go_together(tiny: tuple[StudyArea, TransitNetwork, Any], kind: str,
                                         options: dict[str, Any], message: str) -> None:
    study, network, _ = tiny
    with pytest.raises(InputError, match=message), open_engine(kind, study, network, **options):
        pass


def test_unknown_engine_is_an_input_error_naming_the_engines(
        tiny: tuple[StudyArea, TransitNetwork, Any]) -> None:
    with pytest.raises(InputError, match=r"unknown engine 'r6py': use one of builtin, r5py"), \
            open_engine("r6py", tiny[0], tiny[1]):
        pass


def test_builtin_needs_a_network(tiny: tuple[StudyArea, TransitNetwork, Any]) -> None:
    with pytest.raises(InputError, match="the builtin engine needs the network"), \
            open_engine(EngineKind.BUILTIN, tiny[0], None):
        pass


def test_access_refuses_an_engine_of_another_network(
        tiny: tuple[StudyArea, TransitNetwork, Any], tmp_path: Path) -> None:
    import dataclasses

    from routes.access.zone_access import compute_access
    from routes.inputs.zones import load_zones

    study, network, _ = tiny
    assert study.zones is not None
    other = dataclasses.replace(network, digest="0" * 64)
    with pytest.raises(ValueError, match="open the engine on this network"):
        compute_access(study, network, load_zones(study.zones), (),
                       engine=BuiltinEngine(other))
