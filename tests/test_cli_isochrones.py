"""`routes isochrones --proposal P --zone ID|NAME`: isochrones before and after a proposal.

The baseline polygons must be those of the command without ``--proposal``;
a proposal that only adds a route cannot shrink anyone's reach (every journey
of today is still there), so each "scenario" polygon covers its "baseline".
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from cli import main
from routes.demo.study_area import DemoFiles, write_demo_study_area
from routes.inputs.points import load_layer


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_study_area(tmp_path_factory.mktemp("demo"))


def _run(demo: DemoFiles, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(demo.config), "isochrones", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_isochrones_before_and_after_a_proposal_by_zone_name(demo: DemoFiles,
                                                             tmp_path: Path) -> None:
    zones = load_layer(demo.neighbourhoods, id_column="id", columns=("name",))
    name, zone_id = str(zones["name"].iloc[20]), str(zones["id"].iloc[20])
    other = str(zones["id"].iloc[12])
    proposal = demo.folder / "examples" / "crosstown_link.geojson"
    both, plain = tmp_path / "both.geojson", tmp_path / "plain.geojson"
    out = _run(demo, "--zone", name.upper(), "--zone", other, "--cutoffs", "30",
               "--proposal", str(proposal), "--out", str(both))
    assert "4 polygons, today and with the proposal" in out
    _run(demo, "--zone", zone_id, "--zone", other, "--cutoffs", "30", "--out", str(plain))
    layer = gpd.read_file(both).to_crs(27700)
    today = gpd.read_file(plain).to_crs(27700)
    assert sorted(zip(layer["network"], layer["from_id"], strict=True)) == sorted(
        (n, z) for n in ("baseline", "scenario") for z in (zone_id, other))
    for z in (zone_id, other):
        base = layer[(layer["network"] == "baseline") & (layer["from_id"] == z)].geometry.iloc[0]
        scen = layer[(layer["network"] == "scenario") & (layer["from_id"] == z)].geometry.iloc[0]
        alone = today[today["from_id"] == z].geometry.iloc[0]
        assert base.symmetric_difference(alone).area < 1e-6 * alone.area
        assert base.difference(scen).area < 0.01 * base.area
        assert scen.area >= base.area


def test_unknown_zone_name_is_bad_usage(demo: DemoFiles, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(demo.config), "isochrones", "--zone",
                                       "Nowhere Town", "--out", str(tmp_path / "i.geojson")])
    assert result.exit_code == 2
    assert "or names from its name column" in result.output
