"""(Re)write the bad-input corpus of this folder, deterministically.

Each file holds exactly one defect, named by the file, in an otherwise valid
input of the tiny study area of ``tests/_study.py`` (street lattice, one-line
feed, three zones, dated 2019-05-13). ``tests/test_cli_bad_inputs.py`` puts one
file at a time in that study area and runs ``routes check`` on it.

Run from anywhere with the project's environment::

    python tests/data/bad/make_bad_inputs.py

Prefixes say which input a file replaces: ``feed_`` the GTFS feed, ``osm_`` the
OSM extract, ``zones_`` the zones file, ``routes_`` routes.toml itself (which
points at the valid ``feed.zip``, ``grid.osm`` and ``zones.csv``; among them bad
parameters, such as a walking speed of 10⁶ km/h). ``proposal_`` files are
proposals for ``routes evaluate`` drawn on the study area's street lattice.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import sqlite3
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for the _study builders

from _feeds import Table, _csv_text  # noqa: E402
from _osm import lonlat, osm_xml  # noqa: E402
from _study import (  # noqa: E402
    STUDY_ZONES,
    routes_toml,
    study_feed_tables,
    study_osm_xml,
    study_zones_csv,
)

_EPOCH = (1980, 1, 1, 0, 0, 0)


def _zip_bytes(files: dict[str, str], *, stored: tuple[str, ...] = ()) -> bytes:
    """A zip of text files with fixed timestamps (so the bytes never change)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text)
    return buffer.getvalue()


def _feed_bytes(tables: dict[str, Table | None], *, stored: tuple[str, ...] = ()) -> bytes:
    files = {f"{name}.txt": _csv_text(t) for name, t in tables.items() if t is not None}
    return _zip_bytes(files, stored=stored)


def _feed(change: Callable[[dict[str, Table | None]], None]) -> bytes:
    """The study feed with one change applied."""
    tables: dict[str, Table | None] = copy.deepcopy(study_feed_tables())  # type: ignore[arg-type]
    change(tables)
    return _feed_bytes(tables)


def _set(table: str, row: int, **values: object) -> Callable[[dict[str, Table | None]], None]:
    def change(tables: dict[str, Table | None]) -> None:
        rows = tables[table]
        assert isinstance(rows, list)
        rows[row].update(values)

    return change


def _drop(*names: str) -> Callable[[dict[str, Table | None]], None]:
    def change(tables: dict[str, Table | None]) -> None:
        for name in names:
            tables[name] = None

    return change


def _drop_column(table: str, column: str) -> Callable[[dict[str, Table | None]], None]:
    def change(tables: dict[str, Table | None]) -> None:
        rows = tables[table]
        assert isinstance(rows, list)
        for row in rows:
            del row[column]

    return change


def _append(table: str, row: dict[str, object]) -> Callable[[dict[str, Table | None]], None]:
    def change(tables: dict[str, Table | None]) -> None:
        rows = tables[table]
        assert isinstance(rows, list)
        rows.append(row)

    return change


def _corrupt_member(data: bytes, member: str) -> bytes:
    """Flip one byte inside a stored member's data, so its CRC-32 check fails."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    pos = start + info.compress_size // 2
    return data[:pos] + bytes([data[pos] ^ 0x20]) + data[pos + 1 :]


def _gpkg_without_crs(path: Path) -> bytes:
    """A tiny GeoPackage of the zones with no CRS (srs_id 0: undefined)."""
    import geopandas as gpd
    import shapely

    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    frame = gpd.GeoDataFrame(
        {"id": [z for z, _, _ in STUDY_ZONES], "population": [100] * len(STUDY_ZONES)},
        geometry=[shapely.Point(*lonlat(x, y)) for _, x, y in STUDY_ZONES],
        crs=None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": the point
        frame.to_file(tmp, driver="GPKG", layer="zones", SPATIAL_INDEX="NO")
    return _shrink_gpkg(tmp)


def _shrink_gpkg(tmp: Path) -> bytes:
    """A GeoPackage's bytes, small (512-byte pages) and with GDAL's varying counters fixed."""
    con = sqlite3.connect(tmp)
    con.execute("UPDATE gpkg_contents SET last_change = '2019-05-13T00:00:00.000Z'")
    con.commit()
    con.execute("PRAGMA page_size = 512")
    con.execute("VACUUM")
    con.close()
    data = bytearray(tmp.read_bytes())
    tmp.unlink()
    # SQLite's file change counter (bytes 24-27) and its copy "version-valid-for"
    # (92-95) count GDAL's writes, which vary from run to run: fix both at 1.
    data[24:28] = data[92:96] = (1).to_bytes(4, "big")
    return bytes(data)


def _geojson(features: list[dict[str, object]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


def _zone_features(**change: dict[str, object]) -> list[dict[str, object]]:
    """The zones as GeoJSON features; ``change`` maps a zone id to new members."""
    features: list[dict[str, object]] = []
    for z, x, y in STUDY_ZONES:
        lon, lat = lonlat(x, y)
        feature: dict[str, object] = {
            "type": "Feature",
            "properties": {"id": z, "population": 100},
            "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
        }
        feature.update(change.get(z, {}))
        features.append(feature)
    return features


def _osm_no_highways() -> str:
    nodes = {n: lonlat(x, y) for n, (x, y) in {1: (0, 0), 2: (20, 0), 3: (20, 20)}.items()}
    return osm_xml(nodes, [(1, [1, 2, 3, 1], {"building": "yes"})])


def _csv_with_bad_lon(csv_text: str) -> str:
    """Zones CSV whose second row has a longitude of 200.5 degrees."""
    lines = csv_text.splitlines()
    cells = lines[2].split(",")
    lines[2] = ",".join([cells[0], "200.5", *cells[2:]])
    return "\n".join(lines) + "\n"


def _toml(**kwargs: str) -> str:
    return routes_toml(**kwargs)  # type: ignore[arg-type]


def _routing_line(line: str) -> str:
    """The valid routes.toml with one more line in [routing]."""
    return routes_toml().replace("[routing]\n", f"[routing]\n{line}\n")


def _scoring(valid_toml: str, line: str) -> str:
    """The valid routes.toml with a [scoring] table of one line."""
    return valid_toml + f"\n[scoring]\n{line}\n"


def grid_route(**props: object) -> dict[str, object]:
    """A valid proposal route along the lattice: node 1 -> 3 -> 9 (0,0 -> 200,0 -> 200,200 m)."""
    coords = [[round(v, 7) for v in lonlat(x, y)] for x, y in ((0, 0), (200, 0), (200, 200))]
    return {"type": "Feature",
            "properties": {"name": "Grid", "headway_min": 10, "start": "07:00", "end": "09:00",
                           **props},
            "geometry": {"type": "LineString", "coordinates": coords}}


def _modification(kind: str, route_id: str, **props: object) -> dict[str, object]:
    return {"type": "Feature", "properties": {"type": kind, "gtfs_route_id": route_id, **props},
            "geometry": None}


def _gpkg_proposal(path: Path, *, crs: str | None, **props: object) -> bytes:
    """The grid route as a one-layer GeoPackage (``crs`` None: no CRS declared)."""
    import geopandas as gpd
    import shapely

    feature = grid_route(**props)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    properties = dict(feature["properties"])  # type: ignore[call-overload]
    frame = gpd.GeoDataFrame(
        {k: [v] for k, v in properties.items()},
        geometry=[shapely.LineString(feature["geometry"]["coordinates"])],  # type: ignore[index]
        crs=crs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": the point
        frame.to_file(tmp, driver="GPKG", layer="routes", SPATIAL_INDEX="NO")
    return _shrink_gpkg(tmp)


def build_corpus(folder: Path) -> dict[str, bytes]:
    """Return every bad file's name and bytes."""
    valid_feed = _feed(lambda tables: None)
    valid_toml = _toml()
    text: dict[str, str] = {
        # --- GTFS feeds
        "feed_not_a_zip.zip": "<html><body>404 Not Found</body></html>\n",
        # --- OSM extracts
        "osm_not_osm.osm.pbf": "This is not OpenStreetMap data, just a text file.\n",
        "osm_no_highways.osm": _osm_no_highways(),
        "osm_truncated.osm": study_osm_xml()[: len(study_osm_xml()) // 2],
        "osm_wrong_extension.xml": study_osm_xml(),
        # --- routes.toml (pointing at the valid feed.zip, grid.osm and zones.csv)
        "routes_not_toml.toml": valid_toml.replace('name = "Tiny grid"', "name = Tiny grid"),
        "routes_unknown_key.toml": _routing_line("max_walk = 15"),
        "routes_unknown_section.toml": valid_toml + "\n[scenario]\nname = 'x'\n",
        "routes_wrong_type.toml": _routing_line('max_walk_min = "fifteen"'),
        "routes_missing_osm.toml": _toml(osm="missing.osm.pbf"),
        "routes_gtfs_matches_nothing.toml": _toml(gtfs="gtfs/*.zip"),
        "routes_bad_date.toml": _toml(date="2019-13-45"),
        "routes_missing_date.toml": valid_toml.replace('date = "2019-05-13"\n', ""),
        "routes_bad_window.toml": valid_toml.replace('"07:50-08:10"', '"09:00-07:00"'),
        "routes_bad_percentile.toml": _routing_line("percentile = 150"),
        # --- routes.toml: parameters outside their physical bounds
        "routes_walk_speed_absurd.toml": _routing_line("walk_speed_kmh = 1e6"),
        "routes_walk_speed_nan.toml": _routing_line("walk_speed_kmh = nan"),
        "routes_max_walk_zero.toml": _routing_line("max_walk_min = 0"),
        "routes_max_walk_ten_hours.toml": _routing_line("max_walk_min = 600"),
        "routes_max_trip_too_long.toml": _routing_line("max_trip_min = 100000"),
        "routes_max_rides_fraction.toml": _routing_line("max_rides = 2.5"),
        "routes_max_rides_absurd.toml": _routing_line("max_rides = 100"),
        "routes_max_snap_negative.toml": _routing_line("max_snap_m = -5"),
        "routes_transfer_walk_hours.toml": _routing_line("max_transfer_walk_min = 120"),
        "routes_window_past_48h.toml": valid_toml.replace('"07:50-08:10"', '"47:00-49:00"'),
        "routes_window_longer_than_a_day.toml": valid_toml.replace('"07:50-08:10"',
                                                                   '"00:00-30:00"'),
        "routes_percentile_zero.toml": _routing_line("percentiles = [0, 50]"),
        "routes_cutoff_beyond_max_trip.toml": _scoring(_routing_line("max_trip_min = 60"),
                                                       "job_cutoff_min = 90"),
        "routes_half_life_infinite.toml": _scoring(valid_toml, "decay_half_life_min = inf"),
        "routes_space_cutoff_text.toml": _scoring(valid_toml, 'space_cutoff_min = "thirty"'),
        # --- routes.toml: a folder where a file is meant (the test makes the folders)
        "routes_osm_is_a_folder.toml": _toml(osm="osm"),
        "routes_zones_is_a_folder.toml": _toml(zones="zones"),
        # --- proposals
        "proposal_days_not_on_date.geojson": _geojson([grid_route(days="weekends")]),
        "proposal_days_list_without_monday.geojson": _geojson([grid_route(days=["tue", "wed"])]),
        "proposal_remove_unknown_route.geojson": _geojson([_modification("remove_route",
                                                                         "feed:R9")]),
        "proposal_change_headway_unknown_feed.geojson": _geojson(
            [_modification("change_headway", "buses:R1", headway_min=5)]),
        "proposal_route_too_long.geojson": _geojson([{
            **grid_route(), "geometry": {"type": "LineString", "coordinates": [
                [round(v, 7) for v in lonlat(0, 0)], [round(v, 7) for v in lonlat(600_000, 0)]]},
        }]),
        "proposal_empty.geojson": _geojson([]),
        "proposal_nan_coordinate.geojson": _geojson([grid_route()]).replace(
            str(round(lonlat(200, 200)[1], 7)), "NaN", 1),
        "proposal_not_vector.dat": "route,headway\nGrid,10\n",
        # --- zones
        "zones_duplicate_ids.geojson": _geojson(
            _zone_features(z3={"properties": {"id": "z1", "population": 100}})
        ),
        "zones_missing_id_column.geojson": _geojson(
            [{**f, "properties": {"code": f["properties"]["id"]}}  # type: ignore[index]
             for f in _zone_features()]
        ),
        "zones_empty_geometry.geojson": _geojson(_zone_features(z2={"geometry": None})),
        "zones_not_geojson.geojson": _geojson(_zone_features())[:200],
        "zones_csv_without_lon_lat.csv": study_zones_csv()
        .replace("id,lon,lat,", "id,x,y,", 1),
        "zones_csv_bad_coordinates.csv": _csv_with_bad_lon(study_zones_csv()),
        "zones_csv_empty_id.csv": study_zones_csv().replace("\nz2,", "\n,", 1),
        "zones_unsupported_type.txt": study_zones_csv(),
    }
    binary: dict[str, bytes] = {
        # --- GTFS feeds
        "feed_broken.zip": valid_feed[: len(valid_feed) // 2],
        "feed_corrupt_member.zip": _corrupt_member(
            _feed_bytes(study_feed_tables(), stored=("stop_times.txt",)),  # type: ignore[arg-type]
            "stop_times.txt",
        ),
        "feed_missing_stop_times.zip": _feed(_drop("stop_times")),
        "feed_missing_calendar.zip": _feed(_drop("calendar")),
        "feed_stop_times_without_stop_sequence.zip": _feed(
            _drop_column("stop_times", "stop_sequence")
        ),
        "feed_time_not_hhmmss.zip": _feed(_set("stop_times", 3, departure_time="25:6:00")),
        "feed_calendar_without_date.zip": _feed(
            _set("calendar", 0, start_date="20190601", end_date="20190630")
        ),
        "feed_calendar_bad_date.zip": _feed(_set("calendar", 0, start_date="2019-05-01")),
        "feed_unknown_stop.zip": _feed(_set("stop_times", 1, stop_id="Z")),
        "feed_trip_unknown_route.zip": _feed(_set("trips", 0, route_id="R9")),
        "feed_duplicate_stop_id.zip": _feed(
            _append("stops", {"stop_id": "A", "stop_name": "Stop A again",
                              "stop_lat": "0.0100000", "stop_lon": "0.5000000"})
        ),
        # --- OSM extracts
        "osm_zip_named_pbf.osm.pbf": _zip_bytes({"grid.osm": study_osm_xml()}),
        "osm_gzip_named_osm.osm": gzip.compress(study_osm_xml().encode(), mtime=0),
        # --- zones
        "zones_without_crs.gpkg": _gpkg_without_crs(folder / "zones_without_crs.gpkg"),
        # --- proposals drawn in a GIS
        "proposal_binary.geojson": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "proposal_without_crs.gpkg": _gpkg_proposal(folder / "proposal_without_crs.gpkg",
                                                    crs=None),
        "proposal_bad_headway.gpkg": _gpkg_proposal(folder / "proposal_bad_headway.gpkg",
                                                    crs="EPSG:4326", headway_min=0),
    }
    corpus = {name: data.encode("utf-8") for name, data in text.items()}
    corpus.update(binary)
    return dict(sorted(corpus.items()))


def main() -> None:
    corpus = build_corpus(HERE)
    for old in HERE.iterdir():
        if (old.name.startswith(("feed_", "osm_", "routes_", "zones_", "proposal_"))
                and old.name not in corpus):
            old.unlink()
    for name, data in corpus.items():
        (HERE / name).write_bytes(data)
    total = sum(len(d) for d in corpus.values())
    print(f"wrote {len(corpus)} bad inputs ({total / 1024:.1f} KB) to {HERE}")


if __name__ == "__main__":
    main()
