"""Small stand-ins for the public sources of ``routes fetch``, made from Demo Town.

The synthetic Demo Town (``routes demo``) becomes the made-up district
**E06009999 "Demo Borough"** in the North West:

* its 30 neighbourhoods are its LSOAs ``E01900001``…``E01900030``
  ("Demo Borough 001A"…), with their IMD deciles, in an IoD 2025 File 7 CSV
  (with a byte-order mark) that also lists ``E01900099`` of "Other Borough"
  (E06009998), 0.02° (about 1.3 km) east of the town, inside a 5 km buffer;
* their polygons and population-weighted centroids (a point inside each polygon)
  are ArcGIS layers; E01900099 has a centroid, so its jobs count. The centroid
  layer also holds 14 LSOAs far away (``E01800001``…, in Manchester) whose codes
  sort first, and pages as ArcGIS Online does through its spatial index: the
  first two pages of 7 come back empty with ``exceededTransferLimit`` set;
* TS021: every LSOA's residents by group, with 3 "other White" residents added
  to each (White = white_british + 3, total = the demo population + 3);
* BRES: the whole LSOA 2021 table (the area's LSOAs and the far ones), 10 rows a
  page; each town LSOA's jobs are the jobs of the demo workplaces inside its
  polygon; E01900099 has 250;
* BODS ``north_west``: the demo feed, its calendar extended to 2099 (so the
  real "today" always lies inside it), plus one route far away (Manchester,
  stops FAR1 -> FAR2) that the area restriction must drop;
* Geofabrik: an "england" extract (a big box) and a "lancashire" one (a box
  around the town): the smaller must be chosen; its PBF is the demo OSM
  converted to PBF, with its MD5.

``FetchFixture.server(nptg_boundary=True)`` puts the area on an NPTG/ONS
boundary: E01900099 belongs to Cumberland (E06000063), in the ONS North West but
the NPTG North East. The ``north_west`` feed gains route CROSS (trip CROSS_T1
from the town's eastmost stop to stop CUMB1 by E01900099), and a ``north_east``
feed holds CROSS_T1 too (the same rows, as BODS writes a trip that calls in two
regions into both files) and route NE (trip NE_T1, CUMB1 -> CUMB2, both near
E01900099).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from routes.demo.study_area import write_demo_study_area
from tests._fetch_server import ArcgisLayer, BresTable, FixtureServer, StaticFile

CODE, NAME = "E06009999", "Demo Borough"
OTHER_LSOA = "E01900099"
OTHER_LSOA_JOBS = 250
OTHER_DISTRICT = ("E06009998", "Other Borough")
CUMBERLAND = ("E06000063", "Cumberland")
FAR_LSOAS = tuple(f"E01800{i:03d}" for i in range(1, 15))
WHITE_OTHER = 3
BRES_PAGE_ROWS = 10
GROUPS = ("white_british", "asian", "black", "mixed", "other")

PATHS = {
    "iod": "/iod/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
    "boundaries": "/arcgis/LSOA_2021_BGC/FeatureServer/0/query",
    "centroids": "/arcgis/LSOA_PopCentroids_V4/FeatureServer/0/query",
    "centroids_old": "/arcgis/LSOA_2021_PWC_2022/FeatureServer/0/query",
    "regions": "/arcgis/LAD24_RGN24_EN_LU/FeatureServer/0/query",
    "ts021": "/nomis/census2021-ts021.zip",
    "bres": "/nomis/api/v01/dataset/NM_189_1.data.csv",
    "index": "/geofabrik/index-v1.json",
    "pbf": "/geofabrik/europe/great-britain/england/lancashire-latest.osm.pbf",
    "md5": "/geofabrik/europe/great-britain/england/lancashire-latest.osm.pbf.md5",
    "bods": "/bods/gtfs-file/north_west/",
    "bods_ne": "/bods/gtfs-file/north_east/",
}

IOD_HEADER = [
    "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Score",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    "Total population: mid 2022",
]
TS021_HEADER = {
    "total": "Ethnic group: Total: All usual residents",
    "white": "Ethnic group: White",
    "white_british": "Ethnic group: White: English, Welsh, Scottish, Northern Irish or British",
    "asian": "Ethnic group: Asian, Asian British or Asian Welsh",
    "black": "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Ethnic group: Mixed or Multiple ethnic groups",
    "other": "Ethnic group: Other ethnic group",
}


@dataclass(frozen=True)
class FetchFixture:
    routes: dict[str, Any]
    zones: list[dict[str, Any]]  # the demo neighbourhood features, with their LSOA codes
    jobs: dict[str, int]  # jobs of every LSOA with a centroid in the buffered area
    boundary_routes: dict[str, Any] = field(default_factory=dict)

    def server(self, *, nptg_boundary: bool = False) -> FixtureServer:
        routes = copy.deepcopy(self.routes)
        if nptg_boundary:
            routes.update(copy.deepcopy(self.boundary_routes))
        return FixtureServer(routes=routes)

    @staticmethod
    def sources_toml(server: FixtureServer, *, page_size: int = 7) -> str:
        u = server.url
        return "\n".join([
            "[sources]",
            f'iod_file7 = "{u(PATHS["iod"])}"',
            f'lsoa_boundaries = "{u(PATHS["boundaries"])}"',
            f'lsoa_centroids = "{u(PATHS["centroids"])}"',
            f'lsoa_centroids_fallback = "{u(PATHS["centroids_old"])}"',
            f'lad_regions = "{u(PATHS["regions"])}"',
            f'census_ts021 = "{u(PATHS["ts021"])}"',
            f'bres = "{u(PATHS["bres"])}"',
            f'geofabrik_index = "{u(PATHS["index"])}"',
            f'bods_gtfs = "{u("/bods/gtfs-file/{region}/")}"',
            f"arcgis_page_size = {page_size}",
            "",
        ])


def _lsoa(i: int) -> str:
    return f"E01900{i:03d}"


def csv_bytes(rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def _osm_to_pbf(osm_xml: Path, pbf: Path) -> None:
    import osmium

    with osmium.SimpleWriter(str(pbf), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(osm_xml)):
            writer.add(obj)


_EXTRA_COLUMNS = {
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name",
                   "route_type"],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon"],
    "trips.txt": ["route_id", "service_id", "trip_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id",
                       "stop_sequence"],
}
_FAR = {
    "routes.txt": "FAR,DTB,X99,Far away,3",
    "stops.txt": "FAR1,Far stop 1,53.4800,-2.2400\nFAR2,Far stop 2,53.4850,-2.2300",
    "trips.txt": "FAR,WD,FAR_T1",
    "stop_times.txt": "FAR_T1,08:00:00,08:00:00,FAR1,1\nFAR_T1,08:10:00,08:10:00,FAR2,2",
}


def _with_rows(data: bytes, name: str, extra: str) -> bytes:
    """``data`` (a GTFS table) with rows in :data:`_EXTRA_COLUMNS` order appended."""
    lines = data.decode().splitlines()
    header = lines[0].split(",")
    for row in extra.splitlines():
        values = dict(zip(_EXTRA_COLUMNS[name], row.split(","), strict=True))
        lines.append(",".join(values.get(c, "") for c in header))
    return ("\n".join(lines) + "\n").encode()


def _demo_feed_with(demo_zip: Path, *extras: dict[str, str]) -> bytes:
    """The demo feed, its calendar valid until 2099, with the ``extras`` rows added."""
    out = io.BytesIO()
    with zipfile.ZipFile(demo_zip) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "calendar.txt":  # valid for years, so "today" is inside it
                data = data.replace(b",20261231", b",20991231")
            for extra in extras:
                if info.filename in extra:
                    data = _with_rows(data, info.filename, extra[info.filename])
            dst.writestr(info.filename, data)
    return out.getvalue()


def far_only_feed(demo_zip: Path) -> bytes:
    """A regional feed none of whose trips calls in Demo Town: route FAR only."""
    out = io.BytesIO()
    with zipfile.ZipFile(demo_zip) as src, zipfile.ZipFile(out, "w") as dst:
        for name in ("agency.txt", "calendar.txt", *_FAR):
            data = src.read(name).replace(b",20261231", b",20991231")
            header = data.decode().splitlines()[0].encode() + b"\n"
            dst.writestr(name, data if name in ("agency.txt", "calendar.txt")
                         else _with_rows(header, name, _FAR[name]))
    return out.getvalue()


def _boundary_feeds(demo_zip: Path, cumb: shapely.Point) -> tuple[bytes, bytes]:
    """The ``north_west`` and ``north_east`` feeds of an area on the NPTG/ONS boundary."""
    with zipfile.ZipFile(demo_zip) as src:
        tables = {n: src.read(n).decode().replace(",20261231", ",20991231")
                  for n in ("agency.txt", "calendar.txt", "stops.txt", "routes.txt",
                            "trips.txt", "stop_times.txt")}
    stops = list(csv.DictReader(io.StringIO(tables["stops.txt"])))
    east = max((s for s in stops if s["location_type"] in ("", "0") and not s["parent_station"]),
               key=lambda s: float(s["stop_lon"]))
    cross = {
        "routes.txt": "CROSS,DTB,X1,Demo Town - Cumberland,3",
        "trips.txt": "CROSS,WD,CROSS_T1",
        "stop_times.txt": (f"CROSS_T1,09:00:00,09:00:00,{east['stop_id']},1\n"
                           "CROSS_T1,09:06:00,09:06:00,CUMB1,2"),
        "stops.txt": f"CUMB1,Cumberland stop 1,{cumb.y:.6f},{cumb.x:.6f}",
    }
    north_west = _demo_feed_with(demo_zip, _FAR, cross)
    ne_rows = {
        "routes.txt": cross["routes.txt"] + "\nNE,DTB,N1,Cumberland local,3",
        "trips.txt": cross["trips.txt"] + "\nNE,WD,NE_T1",
        "stop_times.txt": cross["stop_times.txt"] + (
            "\nNE_T1,10:00:00,10:00:00,CUMB1,1\nNE_T1,10:04:00,10:04:00,CUMB2,2"),
        "stops.txt": cross["stops.txt"] + (
            f"\nCUMB2,Cumberland stop 2,{cumb.y + 0.002:.6f},{cumb.x + 0.002:.6f}"),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, text in tables.items():
            lines = text.splitlines()
            kept = {"agency.txt": lines[1:],
                    "calendar.txt": [r for r in lines[1:] if r.startswith("WD,")],
                    "stops.txt": [r for r in lines[1:] if r.startswith(east["stop_id"] + ",")]
                    }.get(name, [])
            data = ("\n".join([lines[0], *kept]) + "\n").encode()
            dst.writestr(name, _with_rows(data, name, ne_rows[name]) if name in ne_rows
                         else data)
    return north_west, out.getvalue()


def _iod(zones: list[dict[str, Any]], other_district: tuple[str, str]) -> bytes:
    rows = [IOD_HEADER] + [
        [z["code"], f"{NAME} {i:03d}A", CODE, NAME, "12.5",
         str(1000 * z["properties"]["imd_decile"]), str(z["properties"]["imd_decile"]),
         f"{z['properties']['pop'] + 40:,}"]
        for i, z in enumerate(zones, start=1)
    ] + [[OTHER_LSOA, f"{other_district[1]} 001A", *other_district, "5.0", "30000", "10",
          "1,500"]]
    return b"\xef\xbb\xbf" + csv_bytes(rows)


def _regions(*districts: tuple[str, str]) -> ArcgisLayer:
    return ArcgisLayer([{"type": "Feature", "properties": {"LAD24CD": code, "RGN24NM": region},
                         "geometry": None} for code, region in districts])


def build_fetch_fixture(folder: Path) -> FetchFixture:
    demo = write_demo_study_area(folder / "demo")
    zones = json.loads(demo.neighbourhoods.read_text())["features"]
    workplaces = json.loads(demo.workplaces.read_text())["features"]
    for i, zone in enumerate(zones, start=1):
        zone["code"] = _lsoa(i)
    polygons = [shapely.geometry.shape(z["geometry"]) for z in zones]
    town = shapely.union_all(polygons)
    other_point = shapely.Point(town.bounds[2] + 0.02, town.centroid.y)
    other_polygon = other_point.buffer(0.004)

    boundaries = [
        {"type": "Feature", "properties": {"LSOA21CD": z["code"], "LSOA21NM": f"{NAME} {i:03d}A"},
         "geometry": z["geometry"]} for i, z in enumerate(zones, start=1)
    ] + [{"type": "Feature", "properties": {"LSOA21CD": OTHER_LSOA,
                                            "LSOA21NM": "Other Borough 001A"},
          "geometry": shapely.geometry.mapping(other_polygon)}]
    centroids = [
        {"type": "Feature", "properties": {"LSOA21CD": z["code"]},
         "geometry": shapely.geometry.mapping(p.representative_point())}
        for z, p in zip(zones, polygons, strict=True)
    ] + [{"type": "Feature", "properties": {"LSOA21CD": OTHER_LSOA},
          "geometry": shapely.geometry.mapping(other_point)}]
    far = [{"type": "Feature", "properties": {"LSOA21CD": code},
            "geometry": {"type": "Point", "coordinates": [-2.24 + 0.001 * i, 53.48]}}
           for i, code in enumerate(FAR_LSOAS)]

    ts021_rows = [["date", "geography", "geography code", *TS021_HEADER.values()]]
    for i, z in enumerate(zones, start=1):
        p = z["properties"]
        total = sum(p[g] for g in GROUPS) + WHITE_OTHER
        ts021_rows.append(["2021", f"{NAME} {i:03d}A", z["code"], total,
                           p["white_british"] + WHITE_OTHER, p["white_british"], p["asian"],
                           p["black"], p["mixed"], p["other"]])
    ts021_rows.append(["2021", "Other Borough 001A", OTHER_LSOA, 1500, 1400, 1300, 50, 20, 20,
                       10])
    ts021 = io.BytesIO()
    with zipfile.ZipFile(ts021, "w") as archive:
        archive.writestr("census2021-ts021-ltla.csv", "date,geography\n")
        archive.writestr("census2021-ts021-lsoa.csv", b"\xef\xbb\xbf" + csv_bytes(ts021_rows))

    jobs = {z["code"]: 0 for z in zones}
    for w in workplaces:
        point = shapely.geometry.shape(w["geometry"])
        for z, polygon in zip(zones, polygons, strict=True):
            if polygon.covers(point):
                jobs[z["code"]] += int(w["properties"]["jobs"])
                break
    jobs[OTHER_LSOA] = OTHER_LSOA_JOBS
    bres: dict[str, int | str] = {**jobs, **dict.fromkeys(FAR_LSOAS, 1000)}

    pbf = folder / "lancashire.osm.pbf"
    _osm_to_pbf(demo.osm, pbf)
    pbf_bytes = pbf.read_bytes()
    minx, miny, maxx, maxy = town.bounds
    index = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "england", "name": "England",
                                           "urls": {"pbf": "/unused/england.osm.pbf"}},
         "geometry": shapely.geometry.mapping(shapely.box(-6.0, 49.8, 2.0, 55.9))},
        {"type": "Feature", "properties": {"id": "lancashire", "name": "Lancashire",
                                           "urls": {"pbf": "PBF_URL"}},
         "geometry": shapely.geometry.mapping(shapely.box(minx - 0.5, miny - 0.5, maxx + 0.5,
                                                          maxy + 0.5))},
        {"type": "Feature", "properties": {"id": "no-geometry", "urls": {"pbf": "x"}},
         "geometry": None},
    ]}
    routes: dict[str, Any] = {
        PATHS["iod"]: StaticFile(_iod(zones, OTHER_DISTRICT)),
        PATHS["boundaries"]: ArcgisLayer(boundaries),
        PATHS["centroids"]: ArcgisLayer(centroids + far, index_filtered=True),
        PATHS["regions"]: _regions((CODE, "North West"), (OTHER_DISTRICT[0], "North West")),
        PATHS["ts021"]: StaticFile(ts021.getvalue()),
        PATHS["bres"]: BresTable(bres, page_rows=BRES_PAGE_ROWS),
        PATHS["index"]: StaticFile(json.dumps(index).encode()),
        PATHS["pbf"]: StaticFile(pbf_bytes),
        PATHS["md5"]: StaticFile(
            f"{hashlib.md5(pbf_bytes).hexdigest()}  lancashire-latest.osm.pbf\n".encode()),
        PATHS["bods"]: StaticFile(_demo_feed_with(demo.gtfs, _FAR), ranges=False),
    }
    north_west, north_east = _boundary_feeds(demo.gtfs, other_point)
    boundary_routes: dict[str, Any] = {
        PATHS["iod"]: StaticFile(_iod(zones, CUMBERLAND)),
        PATHS["regions"]: _regions((CODE, "North West"), (CUMBERLAND[0], "North West")),
        PATHS["bods"]: StaticFile(north_west, ranges=False),
        PATHS["bods_ne"]: StaticFile(north_east, ranges=False),
    }
    return FetchFixture(routes=routes, zones=zones, jobs=jobs, boundary_routes=boundary_routes)


def point_index_at(server: FixtureServer) -> None:
    """Put the server's own address into the Geofabrik index (it is known once serving)."""
    route = server.routes[PATHS["index"]]
    assert isinstance(route, StaticFile)
    route.body = route.body.replace(b"PBF_URL", server.url(PATHS["pbf"]).encode())


# ---------------------------------------------------------------------- real Lancashire rows


def lancashire_iod_file7(lancashire: Path) -> bytes:
    """IoD 2025 File 7 for Lancashire's 945 LSOAs, from the real rows in ``lancashire``.

    Codes, names, districts, IMD scores, ranks and deciles are MHCLG's (via
    ``imd2025_lsoa21_lancs14.csv`` and ``lookup_lsoa21_ward24_ltla24_lancs14.csv``);
    the folder has no mid-2022 population, so that column carries the Census 2021
    residents (``census21_ts021_ethnicity_lsoa21_lancs14.csv``) in its place.
    """
    with (lancashire / "lookup_lsoa21_ward24_ltla24_lancs14.csv").open() as fh:
        lookup = {r["lsoa21_code"]: r for r in csv.DictReader(fh)}
    with (lancashire / "census21_ts021_ethnicity_lsoa21_lancs14.csv").open() as fh:
        residents = {r["lsoa21_code"]: int(float(r["total_residents"]))
                     for r in csv.DictReader(fh)}
    rows: list[list[Any]] = [IOD_HEADER]
    with (lancashire / "imd2025_lsoa21_lancs14.csv").open() as fh:
        for r in csv.DictReader(fh):
            place = lookup[r["lsoa21_code"]]
            rows.append([r["lsoa21_code"], place["lsoa21_name"], place["ltla24_code"],
                         place["ltla24_name"], r["IMD_score"], str(int(float(r["IMD_rank"]))),
                         str(int(float(r["IMD_decile"]))),
                         f"{residents[r['lsoa21_code']]:,}"])
    return b"\xef\xbb\xbf" + csv_bytes(rows)


def lancashire_ts021_zip(lancashire: Path) -> bytes:
    """A Nomis TS021 bulk zip for Lancashire's LSOAs, from the real broad-group counts.

    The folder has the five broad groups only, not "White: English, Welsh,
    Scottish, Northern Irish or British", so that column repeats "White" (every
    White resident is counted as ``white_british``, none as ``white_other``).
    """
    groups = {"White": "white", "Asian, Asian British or Asian Welsh": "asian",
              "Black, Black British, Black Welsh, Caribbean or African": "black",
              "Mixed or Multiple ethnic groups": "mixed", "Other ethnic group": "other"}
    counts: dict[str, dict[str, int]] = {}
    with (lancashire / "census21_ts021_ethnicity_lsoa21_lancs14.csv").open() as fh:
        for r in csv.DictReader(fh):
            row = counts.setdefault(r["lsoa21_code"],
                                    {"total": int(float(r["total_residents"]))})
            row[groups[r["ethnic_group"]]] = int(float(r["n"]))
    rows: list[list[Any]] = [["date", "geography", "geography code", *TS021_HEADER.values()]]
    for code, c in sorted(counts.items()):
        rows.append(["2021", code, code, c["total"], c["white"], c["white"], c["asian"],
                     c["black"], c["mixed"], c["other"]])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("census2021-ts021-lsoa.csv", b"\xef\xbb\xbf" + csv_bytes(rows))
    return out.getvalue()
