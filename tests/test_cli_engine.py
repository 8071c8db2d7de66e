"""``--engine`` on every command that routes: ``isochrones`` and ``monitor`` as the others.

The option is one definition (:mod:`routes.cli.options`); a bad value is the
same usage error everywhere, the built-in engine named explicitly is the
default, and R5 missing is the same one-line error as ``matrix`` and ``access``
give (``tests/engine/test_r5.py``), before anything is written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _evaluate_fixtures import ZONE_IDS, write_line_study, write_link_proposal
from _monitor_fixtures import write_withdrawn
from _r5_fixtures import fake_jar, without_r5
from _study import write_study_area
from click.testing import CliRunner, Result

import cli

ROUTING_COMMANDS = ["matrix", "isochrones", "access", "evaluate", "compare", "monitor"]


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.main, list(args))


def _param(command: str, name: str) -> dict[str, object]:
    params = [p for p in cli.main.commands[command].params if p.name == name]
    assert len(params) == 1, (command, name)
    return params[0].to_info_dict()


@pytest.mark.parametrize("name", ["engine", "r5_classpath"])
def test_every_routing_command_takes_the_same_engine_option(name: str) -> None:
    wanted = _param("evaluate", name)
    assert wanted["opts"] == ["--" + name.replace("_", "-")]
    for command in ROUTING_COMMANDS:
        assert _param(command, name) == wanted, command


def test_monitor_takes_the_dask_options_as_access_does() -> None:
    for name in ("scheduler", "workers"):
        assert _param("monitor", name) == _param("access", name)


def test_unknown_engine_is_the_same_usage_error_everywhere(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    proposal = write_link_proposal(tmp_path / "s")
    config = ["--config", str(before)]
    runs = {
        "evaluate": _invoke(*config, "evaluate", str(proposal), "--engine", "osrm",
                            "--out", str(tmp_path / "e")),
        "isochrones": _invoke(*config, "isochrones", "--zone", ZONE_IDS[0], "--engine", "osrm",
                              "--out", str(tmp_path / "i.geojson")),
        "monitor": _invoke("monitor", str(before), str(after), "--engine", "osrm",
                           "--out", str(tmp_path / "m")),
    }
    last_lines = {}
    for command, result in runs.items():
        assert result.exit_code == 2, (command, result.output)
        last_lines[command] = result.output.strip().splitlines()[-1]
    assert last_lines["evaluate"] == ("Error: Invalid value for '--engine': 'osrm' is not one "
                                      "of 'builtin', 'r5py'.")
    assert set(last_lines.values()) == {last_lines["evaluate"]}
    assert not any((tmp_path / name).exists() for name in ("e", "i.geojson", "m"))


def test_isochrones_builtin_engine_given_is_the_default(tmp_path: Path) -> None:
    toml = write_line_study(tmp_path / "s")
    proposal = write_link_proposal(tmp_path / "s")
    outputs = []
    for name, engine in (("default", []), ("builtin", ["--engine", "builtin"]),
                         ("upper", ["--engine", "BUILTIN"])):
        out = tmp_path / f"{name}.geojson"
        result = _invoke("--config", str(toml), "isochrones", "--zone", ZONE_IDS[0], "--zone",
                         ZONE_IDS[2], "--cutoffs", "10,20", "--proposal", str(proposal),
                         *engine, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert "8 polygons, today and with the proposal" in result.output
        layer = json.loads(out.read_text(encoding="utf-8"))
        layer.pop("name")  # the layer's name: the temporary file's, different each time
        outputs.append(layer)
    assert outputs[0] == outputs[1] == outputs[2]  # the same coordinates, to the last digit


def test_monitor_builtin_engine_given_is_the_default(tmp_path: Path) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    tables = {}
    for name, engine in (("default", []), ("builtin", ["--engine", "builtin"])):
        out = tmp_path / name
        result = _invoke("-q", "monitor", str(before), str(after), *engine, "--no-map",
                         "--out", str(out))
        assert result.exit_code == 0, result.output
        tables[name] = [(out / f).read_bytes() for f in ("zones.csv", "by_decile.csv")]
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert [s["engine"] for s in manifest["studies"]] == ["builtin", "builtin"]
    assert tables["default"] == tables["builtin"]


@pytest.fixture
def no_r5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return without_r5(monkeypatch, tmp_path)


@pytest.mark.parametrize("command", ["isochrones", "isochrones-proposal", "monitor"])
def test_without_r5_exits_1_with_one_line(no_r5: Path, command: str) -> None:
    before, after = write_withdrawn(no_r5 / "s")
    out = no_r5 / "out"
    if command == "monitor":
        args = ["monitor", str(before), str(after), "--engine", "r5py", "--out", str(out)]
    else:
        args = ["--config", str(before), "isochrones", "--zone", ZONE_IDS[0], "--engine", "r5py",
                "--out", str(out.with_suffix(".geojson"))]
        if command == "isochrones-proposal":
            args += ["--proposal", str(write_link_proposal(no_r5 / "s"))]
    result = _invoke(*args)
    output = result.output.strip()
    assert result.exit_code == 1, output
    assert output.startswith("Error: --engine r5py cannot run:")
    assert "--r5-classpath" in output
    assert "\n" not in output and "Traceback" not in output
    assert not out.exists() and not out.with_suffix(".geojson").exists()
    assert "r5py" not in sys.modules  # checked before importing it: nothing started or fetched


def test_isochrones_r5_classpath_needs_engine_r5py(tmp_path: Path) -> None:
    toml = write_study_area(tmp_path)
    result = _invoke("--config", str(toml), "isochrones", "--zone", "z1", "--r5-classpath",
                     str(fake_jar(tmp_path / "r5.jar")), "--out", str(tmp_path / "i.geojson"))
    assert result.exit_code == 2
    assert "--r5-classpath is used only with --engine r5py" in result.output
    assert not (tmp_path / "i.geojson").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "give --scheduler or --workers"),
        (["--engine", "r5py", "--workers", "2"], "shard the builtin engine"),
    ],
    ids=["scheduler-and-workers", "r5py-and-workers"],
)
def test_monitor_engine_option_conflicts_exit_2(tmp_path: Path, args: list[str],
                                                message: str) -> None:
    before, after = write_withdrawn(tmp_path / "s")
    result = _invoke("monitor", str(before), str(after), *args, "--out", str(tmp_path / "m"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "m").exists()
