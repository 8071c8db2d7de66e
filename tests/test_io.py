"""Tests of routes.io: atomic writers of tables and layers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from routes.errors import OutputExistsError
from routes.io import write_layer


def _layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"zone": ["Mill Hey"]}, geometry=[shapely.Point(-2.5, 53.7)],
                            crs="EPSG:4326")


def test_geojson_layer_is_named_after_its_file_not_the_temporary_one(tmp_path: Path) -> None:
    path = write_layer(_layer(), tmp_path / "zones.geojson")
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["name"] == "zones"
    assert [f["properties"]["zone"] for f in written["features"]] == ["Mill Hey"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zones.geojson"]


def test_gpkg_layer_is_named_after_its_file(tmp_path: Path) -> None:
    import pyogrio

    path = write_layer(_layer(), tmp_path / "zones.gpkg")
    assert [str(name) for name in pyogrio.list_layers(path)[:, 0]] == ["zones"]


def test_write_layer_refuses_to_replace_a_file_unless_told(tmp_path: Path) -> None:
    path = write_layer(_layer(), tmp_path / "zones.geojson")
    with pytest.raises(OutputExistsError):
        write_layer(_layer(), path)
    write_layer(_layer().assign(zone=["Moorgate"]), path, overwrite=True)
    assert json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"] == {
        "zone": "Moorgate"}
