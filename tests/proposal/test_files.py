"""Proposals from a GIS (GeoPackage, Shapefile), their size bounds, and their days of service.

The GIS files are written here with geopandas from the same features as a
GeoJSON proposal; each must load to the same routes as the GeoJSON does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

import routes.proposal._files
import routes.proposal.load
import routes.proposal.stops
from routes.errors import ProposalError
from routes.proposal.load import load_proposal
from routes.proposal.model import Proposal, Weekday
from routes.proposal.validate import validate_service_days

#: Porto Alegre, as in tests/proposal/test_load.py.
LINE = [[-51.235, -30.09], [-51.2146, -30.0849], [-51.1862, -30.0645], [-51.15, -30.07]]
STOPS = [("Nonoai", -51.235, -30.09), ("Lomba", -51.1862, -30.0645)]
PERIODS = {"07:00-09:30": 10, "09:30-18:00": 15}


def geojson(path: Path, props: dict[str, Any], *, stops: bool = False) -> Path:
    features: list[dict[str, Any]] = [{"type": "Feature", "properties": props,
                                       "geometry": {"type": "LineString", "coordinates": LINE}}]
    if stops:
        features += [{"type": "Feature", "properties": {"route": props["name"], "name": n},
                      "geometry": {"type": "Point", "coordinates": [x, y]}} for n, x, y in STOPS]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def same_routes(a: Proposal, b: Proposal, *, tolerance_deg: float = 0.0) -> None:
    """The routes are equal but for their coordinates, which agree within ``tolerance_deg``."""
    assert len(a.routes) == len(b.routes)
    for ra, rb in zip(a.routes, b.routes, strict=True):
        assert dataclasses.replace(ra, coords_lonlat=(), stops=None) == dataclasses.replace(
            rb, coords_lonlat=(), stops=None)
        assert len(ra.coords_lonlat) == len(rb.coords_lonlat)
        for (x1, y1), (x2, y2) in zip(ra.coords_lonlat, rb.coords_lonlat, strict=True):
            assert abs(x1 - x2) <= tolerance_deg and abs(y1 - y2) <= tolerance_deg
        assert (ra.stops is None) == (rb.stops is None)
        for sa, sb in zip(ra.stops or (), rb.stops or (), strict=True):
            assert sa.name == sb.name
            assert abs(sa.lon - sb.lon) <= tolerance_deg and abs(sa.lat - sb.lat) <= tolerance_deg


def write_layer(frame: gpd.GeoDataFrame, path: Path, **kwargs: Any) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL on cutting names for Shapefiles
        frame.to_file(path, **kwargs)
    return path


PROPS = {"name": "Crosstown", "headway_min": 12, "start": "06:30", "end": "22:00",
         "speed_kmh": 20, "dwell_s": 25, "stop_spacing_m": 350, "bidirectional": False,
         "days": ["mon", "sat"], "route_type": 3}


def test_a_geopackage_loads_as_the_geojson_does(tmp_path: Path) -> None:
    expected = load_proposal(geojson(tmp_path / "p.geojson", PROPS))
    columns = {k: [", ".join(v) if isinstance(v, list) else v] for k, v in PROPS.items()}
    frame = gpd.GeoDataFrame(columns, geometry=[shapely.LineString(LINE)], crs="EPSG:4326")
    got = load_proposal(write_layer(frame, tmp_path / "p.gpkg", driver="GPKG"))
    assert got.name == "p"
    same_routes(got, expected)
    assert got.routes[0].days == frozenset({Weekday.MON, Weekday.SAT})
    assert got.routes[0].bidirectional is False


def test_a_geopackage_in_british_national_grid_is_reprojected(tmp_path: Path) -> None:
    """The file declares its CRS (EPSG:27700), so reading it in WGS84 is not a guess."""
    line = shapely.LineString([[-2.49, 53.74], [-2.47, 53.75], [-2.45, 53.75]])
    props = {"name": "Blackburn", "headway_min": 10}
    (tmp_path / "p.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": shapely.geometry.mapping(line)}]}), encoding="utf-8")
    expected = load_proposal(tmp_path / "p.geojson")
    frame = gpd.GeoDataFrame({k: [v] for k, v in props.items()}, geometry=[line],
                             crs="EPSG:4326").to_crs("EPSG:27700")
    assert frame.geometry.iloc[0].coords[0][0] > 360_000  # metres, as QGIS would save it
    got = load_proposal(write_layer(frame, tmp_path / "bng.gpkg", driver="GPKG"))
    same_routes(got, expected, tolerance_deg=1e-7)


def test_a_shapefile_with_cut_names_and_text_values(tmp_path: Path) -> None:
    """DBF cuts names at 10 characters and holds no lists, tables or booleans."""
    props = {**PROPS, "headway_min": PERIODS}
    props.pop("start")
    props.pop("end")
    expected = load_proposal(geojson(tmp_path / "p.geojson", props))
    frame = gpd.GeoDataFrame({
        "name": ["Crosstown"], "headway_min": [json.dumps(PERIODS)], "speed_kmh": [20.0],
        "dwell_s": [25], "stop_spacing_m": [350.0], "bidirectional": [0], "days": ["mon,sat"],
        "route_type": [3.0],
    }, geometry=[shapely.LineString(LINE)], crs="EPSG:4326")
    path = write_layer(frame, tmp_path / "crosstown.shp")
    import pyogrio

    assert {"headway_mi", "stop_spaci", "bidirectio"} <= set(pyogrio.read_info(path)["fields"])
    got = load_proposal(path)
    same_routes(got, expected)


def test_a_geopackage_with_a_routes_and_a_stops_layer(tmp_path: Path) -> None:
    expected = load_proposal(geojson(tmp_path / "p.geojson", {"name": "Crosstown",
                                                              "headway_min": 10}, stops=True))
    path = tmp_path / "two.gpkg"
    write_layer(gpd.GeoDataFrame({"name": ["Crosstown"], "headway_min": [10]},
                                 geometry=[shapely.LineString(LINE)], crs="EPSG:4326"),
                path, driver="GPKG", layer="routes")
    write_layer(gpd.GeoDataFrame({"route": ["Crosstown"] * 2, "name": [n for n, _, _ in STOPS]},
                                 geometry=[shapely.Point(x, y) for _, x, y in STOPS],
                                 crs="EPSG:4326"), path, driver="GPKG", layer="stops")
    same_routes(load_proposal(path), expected)


def test_messages_name_the_layer_and_its_feature(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write_layer(gpd.GeoDataFrame({"name": ["Crosstown"], "headway_min": [10]},
                                 geometry=[shapely.LineString(LINE)], crs="EPSG:4326"),
                path, driver="GPKG", layer="routes")
    write_layer(gpd.GeoDataFrame({"route": ["Crosstown", "Crosstwon"], "name": ["A", "B"]},
                                 geometry=[shapely.Point(x, y) for _, x, y in STOPS],
                                 crs="EPSG:4326"), path, driver="GPKG", layer="stops")
    with pytest.raises(ProposalError) as info:
        load_proposal(path)
    assert str(info.value).splitlines() == [
        "2 problems:",
        f"  - {path} layer 'stops' feature 1 ('B') route: 'Crosstwon' is not the name of any "
        "route in this file; did you mean 'Crosstown'? (set it to a route's exact name)",
        f"  - {path} layer 'routes' feature 0 ('Crosstown') stops: has 1 stop feature; give at "
        "least 2, or remove it to place stops every stop_spacing_m"]


def test_a_geopackage_named_geojson_is_read_as_a_geopackage(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["Crosstown"], "headway_min": [10]},
                             geometry=[shapely.LineString(LINE)], crs="EPSG:4326")
    gpkg = write_layer(frame, tmp_path / "p.gpkg", driver="GPKG")
    renamed = tmp_path / "renamed.geojson"
    renamed.write_bytes(gpkg.read_bytes())
    assert load_proposal(renamed).routes[0].name == "Crosstown"


def test_a_folder_is_not_a_proposal(tmp_path: Path) -> None:
    with pytest.raises(ProposalError, match=r"is a folder, not a proposal file; give the "
                                            r"\.geojson \(or \.gpkg, \.shp\) file itself"):
        load_proposal(tmp_path)


# --------------------------------------------------------------------------- size bounds


def test_the_file_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = geojson(tmp_path / "p.geojson", {"name": "Crosstown", "headway_min": 10})
    size = path.stat().st_size
    monkeypatch.setattr(routes.proposal._files, "MAX_PROPOSAL_BYTES", size)
    assert load_proposal(path).routes  # at the bound
    monkeypatch.setattr(routes.proposal._files, "MAX_PROPOSAL_BYTES", size - 1)
    with pytest.raises(ProposalError, match=rf"p.geojson: {size / 1e6:,.1f} MB, more than the "):
        load_proposal(path)


def test_the_vertices_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = geojson(tmp_path / "p.geojson", {"name": "Crosstown", "headway_min": 10},
                   stops=True)  # 4 line vertices and 2 stops
    monkeypatch.setattr(routes.proposal._files, "MAX_PROPOSAL_VERTICES", 6)
    assert load_proposal(path).routes
    monkeypatch.setattr(routes.proposal._files, "MAX_PROPOSAL_VERTICES", 5)
    with pytest.raises(ProposalError, match=r"p.geojson: 6 vertices, more than the 5 a proposal "
                                            r"may have; simplify the route lines"):
        load_proposal(path)


def test_the_route_length_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = geojson(tmp_path / "p.geojson", {"name": "Crosstown", "headway_min": 10})
    length_km = routes.proposal.stops.compute_route_length_m(load_proposal(path).routes[0]) / 1000
    monkeypatch.setattr(routes.proposal.load, "MAX_ROUTE_KM", length_km * 0.99)
    with pytest.raises(ProposalError, match=rf"feature 0 \('Crosstown'\) coordinates: the line "
                                            rf"is {length_km:,.0f} km long, more than the"):
        load_proposal(path)


# --------------------------------------------------------------------------- days of service

MONDAY, SATURDAY = dt.date(2019, 5, 13), dt.date(2019, 5, 18)


@pytest.mark.parametrize(("days", "date"), [
    ("weekdays", MONDAY), ("daily", MONDAY), ("daily", SATURDAY), ("weekends", SATURDAY),
    (["sat"], SATURDAY), (["Monday", "fri"], MONDAY),
])
def test_days_that_include_the_study_date(tmp_path: Path, days: Any, date: dt.date) -> None:
    proposal = load_proposal(geojson(tmp_path / "p.geojson", {"name": "Crosstown",
                                                              "headway_min": 10, "days": days}))
    validate_service_days(proposal, date)


@pytest.mark.parametrize(("days", "date", "shown", "day", "short"), [
    ("weekends", MONDAY, "'weekends'", "Monday", "'mon'"),
    ("weekdays", SATURDAY, "'weekdays'", "Saturday", "'sat'"),
    (["tue", "sun"], MONDAY, "'tue, sun'", "Monday", "'mon'"),
])
def test_days_that_leave_out_the_study_date(tmp_path: Path, days: Any, date: dt.date,
                                            shown: str, day: str, short: str) -> None:
    path = geojson(tmp_path / "p.geojson", {"name": "Crosstown", "headway_min": 10,
                                            "days": days})
    with pytest.raises(ProposalError) as info:
        validate_service_days(load_proposal(path), date)
    assert str(info.value) == (
        f"{path} feature 0 ('Crosstown') days: {shown} does not include {day}, the study date "
        f"{date.isoformat()}, so the route would add no trips yet its running cost would count; "
        f"add {short} to its days, or choose a [study_area].date it runs on")
