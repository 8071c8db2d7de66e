"""Origins sharded over a Dask cluster give exactly the single-process travel times.

The cluster is a ``LocalCluster`` of two single-threaded worker *processes*
(as ``--workers 2`` starts): each worker builds the network from the cache
folder the client filled, as a worker on another machine would. Its scheduler
and workers talk over TCP on 127.0.0.1 only, which is all these tests let
pytest-socket allow.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _study import write_study_area
from click.testing import CliRunner

import cli
from routes._optional import OptionalDependencyError
from routes.cache import NetworkCache
from routes.config.study_area import load_study_area
from routes.engine.backends import compute_travel_times_with
from routes.engine.raptor import compute_travel_time_array, compute_travel_times
from routes.engine.request import TravelTimeRequest
from routes.errors import CacheError, RoutesWarning
from routes.inputs.points import load_layer, points_from_layer
from routes.network.transit import build_network

distributed = pytest.importorskip("distributed")

from routes.engine.dask import (  # noqa: E402
    ClusterError,
    DaskEngine,
    NetworkSpec,
    compute_travel_time_array_distributed,
    dask_client,
    load_worker_network,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with dask_client(workers=2) as c:
        yield c


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Any, NetworkCache, Any, Any]:
    study = load_study_area(write_study_area(tmp_path / "study"))
    cache = NetworkCache(tmp_path / "cache")
    network = build_network(study, cache=cache)
    points = points_from_layer(load_layer(study.zones.path))
    return study, cache, network, points


def test_tiny_study_area_two_workers_equal_single_process(client: Any, tiny: Any) -> None:
    study, cache, network, points = tiny
    request = TravelTimeRequest.from_routing(study.routing, percentiles=(10, 50, 90))
    expected = compute_travel_time_array(network, points, None, request)
    engine = DaskEngine(client, study, network, cache=cache, shard_size=1)
    got = engine.compute_travel_time_array(points, None, request)
    assert got.shape == (3, 3, 3)
    np.testing.assert_array_equal(got, expected)
    # and through the long table of `routes matrix`
    table = compute_travel_times_with(engine, points, None, request)
    reference = compute_travel_times(network, points, None, request)
    assert table.equals(reference)


def test_a_scenario_reaches_the_workers_as_arrays(client: Any, tmp_path: Path) -> None:
    """The Link proposal on the line study area (tests/_evaluate_fixtures.py): workers put the
    scenario's timetable and links, sent by the client, on their baseline streets."""
    from _evaluate_fixtures import write_line_study, write_link_proposal

    from routes.evaluation.scenario import build_scenario
    from routes.proposal.load import load_proposal

    study = load_study_area(write_line_study(tmp_path / "line"))
    cache = NetworkCache(tmp_path / "cache")
    baseline = build_network(study, cache=cache)
    scenario = build_scenario(study, baseline,
                              load_proposal(write_link_proposal(tmp_path / "line"))).network
    assert study.zones is not None
    points = points_from_layer(load_layer(study.zones.path))
    request = TravelTimeRequest.from_routing(study.routing)

    def no_files(folder: Path) -> tuple[Path, ...]:
        raise AssertionError("Dask workers get arrays, not GTFS files")

    engine = DaskEngine(client, study, baseline, cache=cache, shard_size=1)
    on_scenario = engine.for_scenario(scenario, no_files)
    assert on_scenario.digest == scenario.digest != baseline.digest
    got = on_scenario.compute_travel_time_array(points, None, request)
    np.testing.assert_array_equal(got, compute_travel_time_array(scenario, points, None, request))
    assert not np.array_equal(got, compute_travel_time_array(baseline, points, None, request),
                              equal_nan=True)
    # the baseline engine still routes on the baseline
    np.testing.assert_array_equal(engine.compute_travel_time_array(points, None, request),
                                  compute_travel_time_array(baseline, points, None, request))


def test_progress_reports_every_origin(client: Any, tiny: Any) -> None:
    study, cache, network, points = tiny
    calls: list[tuple[int, int]] = []
    DaskEngine(client, study, network, cache=cache, shard_size=2).compute_travel_time_array(
        points, None, TravelTimeRequest.from_routing(study.routing),
        progress=lambda d, t: calls.append((d, t)))
    assert [t for _, t in calls] == [3, 3]
    assert calls[-1] == (3, 3)


def test_worker_refuses_a_network_other_than_the_clients(tiny: Any) -> None:
    study, cache, network, _ = tiny
    spec = NetworkSpec(str(study.config_path), str(cache.root), True, False, "0" * 64)
    with pytest.raises(CacheError, match="differs from the client's 000000000000.*same paths"):
        load_worker_network(spec)


def test_spec_must_describe_the_network(client: Any, tiny: Any) -> None:
    study, cache, network, points = tiny
    spec = NetworkSpec(str(study.config_path), str(cache.root), True, False, "f" * 64)
    with pytest.raises(CacheError, match="is not the one the spec describes"):
        compute_travel_time_array_distributed(client, spec, network, points, None,
                                              TravelTimeRequest.from_routing(study.routing))


def test_unreachable_scheduler_is_one_clear_error() -> None:
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler 'tcp://127\.0\.0\.1:9'"
                                           r".*--workers N"), \
            dask_client(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1):
        pass


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(OptionalDependencyError,
                       match=r'pip install "community-routes\[dask\]"'), dask_client(workers=1):
        pass


def test_cli_matrix_workers_equals_single_process(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path)
    runner = CliRunner()
    one = runner.invoke(cli.main, ["--config", str(toml), "matrix", "--out",
                                   str(tmp_path / "one.csv")])
    two = runner.invoke(cli.main, ["--config", str(toml), "matrix", "--workers", "2", "--out",
                                   str(tmp_path / "two.csv")])
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "give --scheduler or --workers"),
        (["--engine", "r5py", "--workers", "2"], "shard the builtin engine"),
    ],
    ids=["scheduler-and-workers", "r5py-and-workers"],
)
def test_cli_engine_option_conflicts_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    toml = write_study_area(tmp_path)
    result = CliRunner().invoke(cli.main, ["--config", str(toml), "matrix", *args, "--out",
                                           str(tmp_path / "m.csv")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "m.csv").exists()


@pytest.mark.slow
def test_porto_alegre_two_workers_equal_single_process(
    client: Any, poa_dir: Path, tmp_path: Path
) -> None:
    toml = tmp_path / "routes.toml"
    toml.write_text(
        "[study_area]\nname = 'Porto Alegre'\n"
        f"gtfs = ['{poa_dir / 'poa_eptc.zip'}', '{poa_dir / 'poa_trensurb.zip'}']\n"
        f"osm = '{poa_dir / 'poa_osm.pbf'}'\ndate = '2019-05-13'\n"
        "[routing]\ndeparture_window = '14:00-14:10'\n",
        encoding="utf-8",
    )
    study = load_study_area(toml)
    cache = NetworkCache(tmp_path / "cache")
    with pytest.warns(RoutesWarning, match="1,183 of 4,010 served stops"):
        network = build_network(study, cache=cache)
    points = points_from_layer(load_layer(poa_dir / "poa_hexgrid.csv"))
    request = TravelTimeRequest.from_routing(study.routing)
    with pytest.warns(RoutesWarning, match="7 of 1,227 origins are more than 500 m"):
        expected = compute_travel_time_array(network, points, None, request)
    with pytest.warns(RoutesWarning, match="7 of 1,227 origins are more than 500 m") as caught:
        got = DaskEngine(client, study, network, cache=cache).compute_travel_time_array(
            points, None, request)
    assert len(caught) == 1  # reported once, by the client, not once per shard
    assert got.shape == (1227, 1, 1227)
    assert np.isfinite(got).mean() > 0.8
    np.testing.assert_array_equal(got, expected)
