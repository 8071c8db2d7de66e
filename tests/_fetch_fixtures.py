"""Small stand-ins for the public sources of ``routes fetch``, made from Demo Town.

The synthetic Demo Town (``routes demo``) becomes the made-up district
**E06009999 "Demo Borough"** in the North West:

* its 30 neighbourhoods are its LSOAs ``E01900001``…``E01900030``
  ("Demo Borough 001A"…), with their IMD deciles, in an IoD 2025 File 7 CSV
  (with a byte-order mark) that also lists ``E01900099`` of "Other Borough"
  (E06009998), 0.02° (about 1.3 km) east of the town, inside a 5 km buffer;
* their polygons and population-weighted centroids (a point inside each polygon)
  are ArcGIS layers; E01900099 has a centroid, so its jobs count;
* TS021: every LSOA's residents by group, with 3 "other White" residents added
  to each (White = white_british + 3, total = the demo population + 3);
* BRES: each LSOA's jobs are the jobs of the demo workplaces inside its polygon;
  E01900099 has 250;
* BODS ``north_west``: the demo feed, its calendar extended to 2099 (so the
  real "today" always lies inside it), plus one route far away (Manchester,
  stops FAR1 -> FAR2) that the area restriction must drop;
* Geofabrik: an "england" extract (a big box) and a "lancashire" one (a box
  around the town): the smaller must be chosen; its PBF is the demo OSM
  converted to PBF, with its MD5.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from routes.demo import write_demo_study_area
from tests._fetch_server import ArcgisLayer, BresTable, FixtureServer, StaticFile

CODE, NAME = "E06009999", "Demo Borough"
OTHER_LSOA = "E01900099"
OTHER_LSOA_JOBS = 250
WHITE_OTHER = 3
GROUPS = ("white_british", "asian", "black", "mixed", "other")

PATHS = {
    "iod": "/iod/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
    "boundaries": "/arcgis/LSOA_2021_BGC/FeatureServer/0/query",
    "centroids": "/arcgis/LSOA_2021_PWC/FeatureServer/0/query",
    "regions": "/arcgis/LAD24_RGN24_EN_LU/FeatureServer/0/query",
    "ts021": "/nomis/census2021-ts021.zip",
    "bres": "/nomis/api/v01/dataset/NM_189_1.data.csv",
    "index": "/geofabrik/index-v1.json",
    "pbf": "/geofabrik/europe/great-britain/england/lancashire-latest.osm.pbf",
    "md5": "/geofabrik/europe/great-britain/england/lancashire-latest.osm.pbf.md5",
    "bods": "/bods/gtfs-file/north_west/",
}

_IOD_HEADER = [
    "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Score",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    "Total population: mid 2022",
]
_TS021 = {
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
    jobs: dict[str, int]

    def server(self) -> FixtureServer:
        return FixtureServer(routes=copy.deepcopy(self.routes))

    @staticmethod
    def sources_toml(server: FixtureServer, *, page_size: int = 7) -> str:
        u = server.url
        return "\n".join([
            "[sources]",
            f'iod_file7 = "{u(PATHS["iod"])}"',
            f'lsoa_boundaries = "{u(PATHS["boundaries"])}"',
            f'lsoa_centroids = "{u(PATHS["centroids"])}"',
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


def _csv(rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def _osm_to_pbf(osm_xml: Path, pbf: Path) -> None:
    import osmium

    with osmium.SimpleWriter(str(pbf), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(osm_xml)):
            writer.add(obj)


def _feed_with_far_route(demo_zip: Path) -> bytes:
    """The demo feed plus route FAR (Manchester): 2 stops, 1 trip, every weekday."""
    extra = {
        "routes.txt": "FAR,DTB,X99,Far away,3",
        "stops.txt": "FAR1,Far stop 1,53.4800,-2.2400\nFAR2,Far stop 2,53.4850,-2.2300",
        "trips.txt": "FAR,WD,FAR_T1",
        "stop_times.txt": "FAR_T1,08:00:00,08:00:00,FAR1,1\nFAR_T1,08:10:00,08:10:00,FAR2,2",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(demo_zip) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "calendar.txt":  # valid for years, so "today" is inside it
                data = data.replace(b",20261231", b",20991231")
            if info.filename in extra:
                lines = data.decode().splitlines()
                header = lines[0].split(",")
                for row in extra[info.filename].splitlines():
                    values = dict(zip(_EXTRA_COLUMNS[info.filename], row.split(","),
                                      strict=True))
                    lines.append(",".join(values.get(c, "") for c in header))
                data = ("\n".join(lines) + "\n").encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


_EXTRA_COLUMNS = {
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name",
                   "route_type"],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon"],
    "trips.txt": ["route_id", "service_id", "trip_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id",
                       "stop_sequence"],
}


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

    iod = [_IOD_HEADER] + [
        [z["code"], f"{NAME} {i:03d}A", CODE, NAME, "12.5", str(1000 * z["properties"]
                                                                ["imd_decile"]),
         str(z["properties"]["imd_decile"]), f"{z['properties']['pop'] + 40:,}"]
        for i, z in enumerate(zones, start=1)
    ] + [[OTHER_LSOA, "Other Borough 001A", "E06009998", "Other Borough", "5.0", "30000",
          "10", "1,500"]]
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
    regions = [{"type": "Feature", "properties": {"LAD24CD": code, "RGN24NM": "North West"},
                "geometry": None} for code in (CODE, "E06009998")]

    ts021_rows = [["date", "geography", "geography code", *_TS021.values()]]
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
        archive.writestr("census2021-ts021-lsoa.csv", b"\xef\xbb\xbf" + _csv(ts021_rows))

    jobs = {z["code"]: 0 for z in zones}
    for w in workplaces:
        point = shapely.geometry.shape(w["geometry"])
        for z, polygon in zip(zones, polygons, strict=True):
            if polygon.covers(point):
                jobs[z["code"]] += int(w["properties"]["jobs"])
                break
    jobs[OTHER_LSOA] = OTHER_LSOA_JOBS

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
        PATHS["iod"]: StaticFile(b"\xef\xbb\xbf" + _csv(iod)),
        PATHS["boundaries"]: ArcgisLayer(boundaries),
        PATHS["centroids"]: ArcgisLayer(centroids),
        PATHS["regions"]: ArcgisLayer(regions),
        PATHS["ts021"]: StaticFile(ts021.getvalue()),
        PATHS["bres"]: BresTable(jobs),
        PATHS["index"]: StaticFile(json.dumps(index).encode()),
        PATHS["pbf"]: StaticFile(pbf_bytes),
        PATHS["md5"]: StaticFile(
            f"{hashlib.md5(pbf_bytes).hexdigest()}  lancashire-latest.osm.pbf\n".encode()),
        PATHS["bods"]: StaticFile(_feed_with_far_route(demo.gtfs), ranges=False),
    }
    return FetchFixture(routes=routes, zones=zones, jobs=jobs)


def point_index_at(server: FixtureServer) -> None:
    """Put the server's own address into the Geofabrik index (it is known once serving)."""
    route = server.routes[PATHS["index"]]
    assert isinstance(route, StaticFile)
    route.body = route.body.replace(b"PBF_URL", server.url(PATHS["pbf"]).encode())
