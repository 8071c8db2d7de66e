"""Tests for routes.inputs.zones: hand-made zone layers, every validation rule, real data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from routes.config.study_area import ZoneLayer
from routes.errors import InputError, RoutesWarning
from routes.inputs.zones import Zones, load_zones

# --------------------------------------------------------------------------- hand-made layer

SQUARE = [[0.00, 0.00], [0.01, 0.00], [0.01, 0.01], [0.00, 0.01], [0.00, 0.00]]
# A "C" open to the east: the square 0.02-0.05 × 0-0.03 minus the notch
# 0.03-0.05 × 0.01-0.02. Its centroid (0.03357, 0.015) lies in the notch, outside.
C_SHAPE = [
    [0.02, 0.00], [0.05, 0.00], [0.05, 0.01], [0.03, 0.01], [0.03, 0.02],
    [0.05, 0.02], [0.05, 0.03], [0.02, 0.03], [0.02, 0.00],
]  # fmt: skip
ZONE_GEOMETRY: dict[str, dict[str, Any]] = {
    "a": {"type": "Polygon", "coordinates": [SQUARE]},
    "b": {"type": "Polygon", "coordinates": [C_SHAPE]},
    "c": {"type": "Point", "coordinates": [0.06, 0.005]},
}
ZONE_PROPERTIES: dict[str, dict[str, Any]] = {
    "a": {"code": "a", "pop": 100, "imd": 1, "white": 60, "asian": 40, "nm": "Alpha"},
    "b": {"code": "b", "pop": 200, "imd": 10, "white": 50, "asian": 150, "nm": "Beta"},
    "c": {"code": "c", "pop": 50, "imd": 3, "white": 25, "asian": 25, "nm": None},
}
LAYER = {
    "id_column": "code",
    "population_column": "pop",
    "deprivation_decile_column": "imd",
    "group_columns": ("white", "asian"),
    "name_column": "nm",
}


def write_geojson(path: Path, features: list[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": properties}
            for geometry, properties in features
        ],
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def write_zones(
    path: Path,
    changes: dict[str, dict[str, Any]] | None = None,
    geometry: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Zones a (square), b (C shape) and c (a point), with some properties changed::

    0.03 +--------+
         |   b    |
    0.02 |   +----+
         | * |          * = representative point of b (0.025, 0.015)
    0.01 +-+ +----+     o = centroid of b (0.0336, 0.015), in the notch
         |a| |   o|     . = zone c, a point
    0.00 +-+ +----+   .
         0  0.02  0.05 0.06  (degrees east)
    """
    changes = changes or {}
    geometry = {**ZONE_GEOMETRY, **(geometry or {})}
    features = [
        (geometry[zone], {**props, **changes.get(zone, {})})
        for zone, props in ZONE_PROPERTIES.items()
    ]
    return write_geojson(path, features)


@pytest.fixture
def zones_path(tmp_path: Path) -> Path:
    return write_zones(tmp_path / "zones.geojson")


@pytest.fixture
def zones(zones_path: Path) -> Zones:
    return load_zones(ZoneLayer(path=zones_path, **LAYER))


def test_table_columns_and_dtypes(zones: Zones) -> None:
    table = zones.table
    assert list(table.index) == ["a", "b", "c"]
    assert table.index.name == "id"
    assert pd.api.types.is_string_dtype(table.index)
    assert list(table.columns) == ["population", "deprivation_decile", "name", "white", "asian"]
    assert table["population"].dtype == np.float64
    assert table["deprivation_decile"].dtype == "Int64"
    assert pd.api.types.is_string_dtype(table["name"])
    assert table["population"].tolist() == [100.0, 200.0, 50.0]
    assert table["deprivation_decile"].tolist() == [1, 10, 3]
    assert table["white"].tolist() == [60.0, 50.0, 25.0]
    assert table["asian"].tolist() == [40.0, 150.0, 25.0]
    assert table["name"].tolist() == ["Alpha", "Beta", "c"]  # a missing name falls back to the id
    assert zones.group_columns == ("white", "asian")
    assert len(zones) == 3


def test_origin_points_inside_polygons(zones: Zones) -> None:
    points = zones.points
    assert points.ids.tolist() == ["a", "b", "c"]
    # a: the square's representative point is its centre
    assert (points.lon[0], points.lat[0]) == pytest.approx((0.005, 0.005))
    # b: the scan line y = 0.015 crosses the C only in its spine, 0.02-0.03
    assert (points.lon[1], points.lat[1]) == pytest.approx((0.025, 0.015))
    c_shape = shapely.Polygon(C_SHAPE)
    assert not c_shape.contains(c_shape.centroid)  # why the centroid would not do
    assert c_shape.contains(shapely.Point(points.lon[1], points.lat[1]))
    # c: a point zone is its own origin
    assert (points.lon[2], points.lat[2]) == (0.06, 0.005)


def test_geometry_kept_in_wgs84(zones: Zones) -> None:
    assert zones.geometry.crs == "EPSG:4326"
    assert zones.geometry.index.tolist() == ["a", "b", "c"]
    assert zones.geometry.geom_type.tolist() == ["Polygon", "Polygon", "Point"]
    assert zones.geometry["b"].equals(shapely.Polygon(C_SHAPE))


def test_reprojected_from_declared_crs(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["p", "q"], "population": [10, 20]},
        geometry=[shapely.Point(0.5, 0.01), shapely.box(0.6, 0.0, 0.62, 0.02)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    path = tmp_path / "zones_web_mercator.gpkg"
    frame.to_file(path)
    zones = load_zones(ZoneLayer(path=path))
    assert zones.geometry.crs == "EPSG:4326"
    assert zones.points.lon == pytest.approx([0.5, 0.61])
    assert zones.points.lat == pytest.approx([0.01, 0.01])


def test_defaults_population_column_and_no_decile(tmp_path: Path) -> None:
    path = tmp_path / "zones.csv"
    path.write_text("id,lon,lat,population\n1,0.1,0.2,5\n2,0.3,0.4,0\n", encoding="utf-8")
    zones = load_zones(ZoneLayer(path=path))
    assert zones.table.index.tolist() == ["1", "2"]
    assert zones.table["population"].tolist() == [5.0, 0.0]
    assert zones.table["deprivation_decile"].isna().all()
    assert zones.table["deprivation_decile"].dtype == "Int64"
    assert zones.table["name"].tolist() == ["1", "2"]
    assert zones.group_columns == ()
    assert zones.points.lon.tolist() == [0.1, 0.3]
    assert zones.points.lat.tolist() == [0.2, 0.4]


def test_population_column_required(tmp_path: Path) -> None:
    path = tmp_path / "zones_no_population.csv"
    path.write_text("id,lon,lat,people\n1,0.1,0.2,5\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"no column 'population' \(set by \[zones\]\.population\)"
    ):
        load_zones(ZoneLayer(path=path))


def test_csv_rows_counted_from_one(tmp_path: Path) -> None:
    path = tmp_path / "zones_negative_population.csv"
    path.write_text("id,lon,lat,population\nx,0.1,0.2,5\ny,0.3,0.4,-7\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"zones_negative_population\.csv column 'population': 1 value\(s\) are negative "
        r"\(row 2 \(id 'y'\): -7",
    ):
        load_zones(ZoneLayer(path=path))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("defect", "changes", "layer", "match"),
    [
        (
            "negative_population",
            {"b": {"pop": -5}},
            {},
            r"zones_negative_population\.geojson column 'pop': 1 value\(s\) are negative "
            r"\(feature 1 \(id 'b'\): -5",
        ),
        (
            "population_missing",
            {"c": {"pop": None}},
            {},
            r"column 'pop': 1 value\(s\) are missing \(feature 2 \(id 'c'\)\); fill them in",
        ),
        (
            "decile_zero",
            {"a": {"imd": 0}},
            {},
            r"column 'imd': 1 value\(s\) are not whole numbers from 1 to 10 "
            r"\(feature 0 \(id 'a'\): 0\)",
        ),
        ("decile_eleven", {"b": {"imd": 11}}, {}, r"column 'imd'.*\(feature 1 \(id 'b'\): 11\)"),
        ("decile_fraction", {"b": {"imd": 2.5}}, {}, r"column 'imd'.*\(id 'b'\): 2\.5\)"),
        (
            "decile_missing",
            {"c": {"imd": None}},
            {},
            r"column 'imd': 1 value\(s\) are missing \(feature 2 \(id 'c'\)\); give the "
            r"deprivation decile, 1 = most deprived 10 %",
        ),
        (
            "group_negative",
            {"a": {"white": -1, "asian": 101}},
            {},
            r"column 'white': 1 value\(s\) are negative \(feature 0 \(id 'a'\): -1\)",
        ),
        (
            "groups_exceed_population",
            {"b": {"asian": 161}},
            {},
            r"column 'white\+asian': 1 value\(s\) sum to more than 105% of the population "
            r"\(feature 1 \(id 'b'\): 211 vs population 200\)",
        ),
        (
            "group_column_missing",
            {},
            {"group_columns": ("white", "asian", "black")},
            r"zones_group_column_missing\.geojson: no column 'black' \(set by \[zones\]\.groups\)",
        ),
        (
            "population_column_missing",
            {},
            {"population_column": "people"},
            r"no column 'people' \(set by \[zones\]\.population\)",
        ),
        (
            "decile_column_missing",
            {},
            {"deprivation_decile_column": "imd_decile"},
            r"no column 'imd_decile' \(set by \[zones\]\.deprivation_decile\)",
        ),
        (
            "name_column_missing",
            {},
            {"name_column": "label"},
            r"no column 'label' \(set by \[zones\]\.name\)",
        ),
        (
            "id_column_missing",
            {},
            {"id_column": "LSOA21CD"},
            r"no column 'LSOA21CD'",
        ),
        ("duplicate_ids", {"c": {"code": "a"}}, {}, r"'code' is not unique"),
        (
            "group_column_reserved",
            {},
            {"group_columns": ("pop", "name")},
            r"\[zones\]\.groups: \['name'\] would clash",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isidentifier() else "",
)
def test_invalid_zones(
    tmp_path: Path,
    defect: str,
    changes: dict[str, dict[str, Any]],
    layer: dict[str, Any],
    match: str,
) -> None:
    path = write_zones(tmp_path / f"zones_{defect}.geojson", changes)
    with pytest.raises(InputError, match=match):
        load_zones(ZoneLayer(path=path, **{**LAYER, **layer}))


# A GeoJSON column mixing numbers and text makes pyogrio warn while reading (it tries to
# parse the column as JSON), so text values are tested in CSV files.
@pytest.mark.parametrize(
    ("defect", "row", "match"),
    [
        (
            "population_not_numeric",
            "a,0.1,0.1,many,1,60,40",
            r"zones_population_not_numeric\.csv column 'pop': 1 value\(s\) are not numbers "
            r"\(row 1 \(id 'a'\): 'many'\); give counts as numbers",
        ),
        (
            "decile_text",
            "a,0.1,0.1,100,high,60,40",
            r"column 'imd': 1 value\(s\) are not whole numbers from 1 to 10 "
            r"\(row 1 \(id 'a'\): 'high'\)",
        ),
        (
            "group_not_numeric",
            "a,0.1,0.1,100,1,60,forty",
            r"column 'asian': 1 value\(s\) are not numbers \(row 1 \(id 'a'\): 'forty'\)",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isidentifier() else "",
)
def test_text_values_rejected(tmp_path: Path, defect: str, row: str, match: str) -> None:
    path = tmp_path / f"zones_{defect}.csv"
    path.write_text(
        f"code,lon,lat,pop,imd,white,asian,nm\n{row},A\nb,0.2,0.2,200,10,50,150,B\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=match):
        load_zones(ZoneLayer(path=path, **LAYER))


def test_line_geometry_rejected(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0.06, 0.0], [0.07, 0.01]]}
    path = write_zones(tmp_path / "zones_line_geometry.geojson", geometry={"c": line})
    with pytest.raises(
        InputError,
        match=r"column 'geometry': 1 value\(s\) are not MultiPolygon or Point or Polygon "
        r"\(feature 2 \(id 'c'\): LineString\); zones must be points or polygons",
    ):
        load_zones(ZoneLayer(path=path, **LAYER))


def test_every_problem_listed_at_once(tmp_path: Path) -> None:
    path = write_zones(
        tmp_path / "zones_three_defects.geojson",
        {"a": {"pop": -1}, "b": {"imd": 11, "asian": -3}},
    )
    with pytest.raises(InputError) as caught:
        load_zones(ZoneLayer(path=path, **LAYER))
    message = str(caught.value)
    assert message.startswith("3 problems:")
    assert "column 'pop': 1 value(s) are negative (feature 0 (id 'a'): -1)" in message
    assert "column 'imd'" in message and "(feature 1 (id 'b'): 11)" in message
    assert "column 'asian': 1 value(s) are negative (feature 1 (id 'b'): -3)" in message


def test_groups_short_of_population_warn(tmp_path: Path) -> None:
    path = write_zones(tmp_path / "zones_groups_short.geojson", {"b": {"asian": 139}})
    with pytest.warns(
        RoutesWarning,
        match=r"in 1 of 3 zones the group counts \(white\+asian\) sum to less than 95% of the "
        r"population \(e\.g\. feature 1 \(id 'b'\): 189 vs population 200\)",
    ):
        zones = load_zones(ZoneLayer(path=path, **LAYER))
    assert zones.table.loc["b", "asian"] == 139.0


@pytest.mark.parametrize("asian", [140, 160], ids=["95_percent", "105_percent"])
def test_group_sums_at_tolerance_accepted(tmp_path: Path, asian: int) -> None:
    path = write_zones(tmp_path / "zones.geojson", {"b": {"asian": asian}})
    zones = load_zones(ZoneLayer(path=path, **LAYER))  # no warning: filterwarnings = error
    assert zones.table.loc["b", ["white", "asian"]].sum() == 50 + asian


def test_empty_zone_with_no_groups_accepted(tmp_path: Path) -> None:
    path = write_zones(tmp_path / "zones.geojson", {"c": {"pop": 0, "white": 0, "asian": 0}})
    zones = load_zones(ZoneLayer(path=path, **LAYER))
    assert zones.table.loc["c", "population"] == 0.0


# --------------------------------------------------------------------------- centroids


def test_population_weighted_centroids_used(tmp_path: Path, zones_path: Path) -> None:
    centroids = tmp_path / "centroids.csv"
    centroids.write_text(
        "code,lon,lat\nc,0.061,0.006\nx,9.0,9.0\na,0.004,0.006\nb,0.021,0.001\n",
        encoding="utf-8",
    )
    zones = load_zones(ZoneLayer(path=zones_path, **LAYER), centroids=centroids)
    assert zones.points.ids.tolist() == ["a", "b", "c"]
    assert zones.points.lon.tolist() == [0.004, 0.021, 0.061]
    assert zones.points.lat.tolist() == [0.006, 0.001, 0.006]
    assert zones.geometry.geom_type.tolist() == ["Polygon", "Polygon", "Point"]


def test_centroids_of_the_layer_are_the_default(tmp_path: Path, zones_path: Path) -> None:
    centroids = tmp_path / "centroids.csv"
    centroids.write_text("code,lon,lat\nc,0.061,0.006\na,0.004,0.006\nb,0.021,0.001\n",
                         encoding="utf-8")
    zones = load_zones(ZoneLayer(path=zones_path, **LAYER, centroids_path=centroids))
    assert zones.points.lon.tolist() == [0.004, 0.021, 0.061]


def test_centroids_matched_on_id_column_fallback(tmp_path: Path, zones_path: Path) -> None:
    centroids = write_geojson(
        tmp_path / "centroids.geojson",
        [
            ({"type": "Point", "coordinates": [0.001, 0.002]}, {"id": "a"}),
            ({"type": "Point", "coordinates": [0.022, 0.003]}, {"id": "b"}),
            ({"type": "Point", "coordinates": [0.063, 0.004]}, {"id": "c"}),
        ],
    )
    zones = load_zones(ZoneLayer(path=zones_path, **LAYER), centroids=centroids)
    assert zones.points.lon.tolist() == [0.001, 0.022, 0.063]
    assert zones.points.lat.tolist() == [0.002, 0.003, 0.004]


def test_centroid_missing_for_a_zone(tmp_path: Path, zones_path: Path) -> None:
    centroids = tmp_path / "centroids_missing_zone.csv"
    centroids.write_text("code,lon,lat\na,0.004,0.006\nc,0.061,0.006\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"centroids_missing_zone\.csv: no centroid for 1 of 3 zones of zones\.geojson "
        r"\(e\.g\. 'b'; matched on column 'code'\)",
    ):
        load_zones(ZoneLayer(path=zones_path, **LAYER), centroids=centroids)


def test_centroids_must_be_points(tmp_path: Path, zones_path: Path) -> None:
    features = [
        ({"type": "Point", "coordinates": [0.004, 0.006]}, {"code": "a"}),
        ({"type": "Polygon", "coordinates": [C_SHAPE]}, {"code": "b"}),
        ({"type": "Point", "coordinates": [0.061, 0.006]}, {"code": "c"}),
    ]
    centroids = write_geojson(tmp_path / "centroids_polygon.geojson", features)
    with pytest.raises(
        InputError,
        match=r"centroids_polygon\.geojson column 'geometry': 1 value\(s\) are not points",
    ):
        load_zones(ZoneLayer(path=zones_path, **LAYER), centroids=centroids)


# --------------------------------------------------------------------------- downstream


def test_table_feeds_accessibility(zones: Zones) -> None:
    from routes.access.community import compute_reach_other_groups

    ids = zones.table.index.tolist()
    matrix = pd.DataFrame(
        [(i, j, 10.0) for i in ids for j in ids],
        columns=["from_id", "to_id", "travel_time_p50_min"],
    )
    reach = compute_reach_other_groups(matrix, zones.table, 30, groups=list(zones.group_columns))
    # zone a is 60 % white, 40 % asian; all zones hold 135 white and 215 asian residents:
    # 0.4 × 135 + 0.6 × 215 = 183 residents of the other group
    assert reach.iloc[0, 0] == pytest.approx(183.0)


# --------------------------------------------------------------------------- real data


def test_porto_alegre_hexgrid_as_zones(poa_dir: Path) -> None:
    path = poa_dir / "poa_hexgrid.csv"
    zones = load_zones(ZoneLayer(path=path, population_column="population"))
    raw = pd.read_csv(path, dtype={"id": str})
    assert len(zones) == 1227
    assert zones.table.index.tolist() == raw["id"].tolist()
    assert zones.table["population"].sum() == 812_935
    assert zones.table["deprivation_decile"].isna().all()
    assert zones.group_columns == ()
    assert (zones.geometry.geom_type == "Point").all()
    np.testing.assert_array_equal(zones.points.lon, raw["lon"].to_numpy())
    np.testing.assert_array_equal(zones.points.lat, raw["lat"].to_numpy())


_ETHNIC_GROUPS = {
    "white": "White",
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "other": "Other ethnic group",
}
# The three wards with the highest Asian share in Census 2021 (86 %, 86 %, 72 %):
# Bastwell & Daisyfield, Shear Brow & Corporation Park, Audley & Queen's Park.
_INNER_WARDS = {"E05011509", "E05011522", "E05011508"}
# Darwen West, South and East (3 %, 3 %, 10 % Asian).
_DARWEN_WARDS = {"E05011516", "E05011515", "E05011514"}


def _ward_shares(blackburn_dir: Path) -> pd.DataFrame:
    """Share of each ward's residents in each top-level Census 2021 ethnic group."""
    census = pd.read_csv(blackburn_dir / "bwd_census2021_ward_topics.csv")
    ethnicity = census[
        (census["topic"] == "ethnicity")
        & (census["area_type"] == "WD")
        & census["category"].isin(_ETHNIC_GROUPS.values())
    ]
    counts = ethnicity.pivot(index="area_code", columns="category", values="count")
    counts = counts[list(_ETHNIC_GROUPS.values())].set_axis(list(_ETHNIC_GROUPS), axis=1)
    return counts.div(counts.sum(axis=1), axis=0)


def test_blackburn_lsoa_zones(blackburn_dir: Path, tmp_path: Path) -> None:
    """Blackburn with Darwen's 91 LSOAs as zones, with community groups apportioned from wards.

    Built from the shared data: LSOA 2011 polygons joined on ``LSOA11CD`` to the IMD 2019
    table (``imd_decile``; population ``pop_total_mid2015``). Census 2021 ethnic group
    (TS021) is only available here by ward, and the OA→LSOA lookup has no ward column, so
    each LSOA's residents are split into the five top-level groups (white, asian, black,
    mixed, other) with the ward shares, weighted by how much of the LSOA's area lies in
    each ward (areas measured in EPSG:27700, British National Grid):

        n_g(LSOA) = pop(LSOA) · Σ_w [area(LSOA ∩ w) / area(LSOA ∩ wards)] · s_g(w)

    where s_g(w) = count_g(w) / Σ_g count_g(w). The shares of a ward sum to 1, so the
    group counts of an LSOA sum to its population (no warning). This smooths over the
    LSOA/ward boundary mismatch (2011 LSOAs, 2018 wards, super-generalised ward polygons)
    but cannot recover within-ward segregation: every LSOA of a ward gets the ward's mix.
    """
    lsoas = gpd.read_file(blackburn_dir / "bwd_lsoa11_boundaries.geojson")
    imd = pd.read_csv(blackburn_dir / "bwd_imd2019_lsoa11.csv")
    wards = gpd.read_file(blackburn_dir / "bwd_wards_bsc.geojson")[["ons_code", "name", "geometry"]]
    shares = _ward_shares(blackburn_dir)

    pieces = gpd.overlay(
        lsoas[["LSOA11CD", "geometry"]].to_crs("EPSG:27700"),
        wards.to_crs("EPSG:27700"),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["area_m2"] = pieces.area
    pieces["weight"] = pieces["area_m2"] / pieces.groupby("LSOA11CD")["area_m2"].transform("sum")
    lsoa_shares = (
        shares.loc[pieces["ons_code"]]
        .mul(pieces["weight"].to_numpy(), axis=0)
        .set_axis(pieces["LSOA11CD"].to_numpy())
        .groupby(level=0)
        .sum()
    )
    frame = lsoas.merge(imd, left_on="LSOA11CD", right_on="lsoa11cd", validate="1:1")
    population = frame["pop_total_mid2015"].to_numpy(dtype=float)
    for group in _ETHNIC_GROUPS:
        frame[group] = population * lsoa_shares.loc[frame["LSOA11CD"], group].to_numpy()
    path = tmp_path / "bwd_zones.geojson"
    columns = ["LSOA11CD", "lsoa11nm", "imd_decile", "pop_total_mid2015", *_ETHNIC_GROUPS]
    frame[[*columns, "geometry"]].to_file(path, driver="GeoJSON")

    zones = load_zones(
        ZoneLayer(
            path=path,
            id_column="LSOA11CD",
            population_column="pop_total_mid2015",
            deprivation_decile_column="imd_decile",
            group_columns=tuple(_ETHNIC_GROUPS),
            name_column="lsoa11nm",
        )
    )
    table = zones.table
    assert len(zones) == 91
    assert set(table.index) == set(imd["lsoa11cd"])
    assert table["deprivation_decile"].between(1, 10).all()
    expected_deciles = imd["imd_decile"].value_counts().sort_index()
    assert table["deprivation_decile"].value_counts().sort_index().tolist() == (
        expected_deciles.tolist()
    )
    assert (table["deprivation_decile"] == 1).sum() == 33  # README: 33 LSOAs in decile 1
    assert table["population"].sum() == imd["pop_total_mid2015"].sum() == 147_856
    assert table[list(_ETHNIC_GROUPS)].sum(axis=1).to_numpy() == pytest.approx(
        table["population"].to_numpy()
    )
    assert table.loc["E01012622", "name"] == "Blackburn with Darwen 009C"

    # Group shares: the borough is about a third Asian (Census 2021: 35.7 %) ...
    asian_share = table["asian"] / table["population"]
    assert 0.30 < table["asian"].sum() / table["population"].sum() < 0.42
    # ... concentrated in the inner Blackburn wards, and low in Darwen.
    points = gpd.GeoDataFrame(
        index=table.index,
        geometry=gpd.points_from_xy(zones.points.lon, zones.points.lat),
        crs="EPSG:4326",
    )
    ward_of = gpd.sjoin_nearest(points.to_crs("EPSG:27700"), wards.to_crs("EPSG:27700"))["ons_code"]
    ward_of = ward_of[~ward_of.index.duplicated()]
    assert ward_of[asian_share.idxmax()] in _INNER_WARDS
    assert asian_share[ward_of.isin(_INNER_WARDS)].min() > 0.5
    assert asian_share[ward_of.isin(_DARWEN_WARDS)].max() < 0.2

    # Origins are inside their LSOA (E01032485 has a hole holding E01032486).
    polygons = zones.geometry
    inside = [
        polygons[zone].contains(shapely.Point(lon, lat))
        for zone, lon, lat in zip(zones.points.ids, zones.points.lon, zones.points.lat, strict=True)
    ]
    assert all(inside)
