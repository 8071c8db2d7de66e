"""A minimal valid study area (street grid + one-line feed + zones + routes.toml).

:func:`write_study_area` writes, into a folder::

    grid.osm      the lattice of tests/_osm.py (ways 101-106 only: 9 nodes, 12
                  streets of 100 m, one component, so nothing is dropped)
    feed.zip      a one-route feed whose four stops sit on the lattice
    zones.csv     three points (id, lon, lat) near lattice nodes
    routes.toml   the study area, dated Monday 2019-05-13

      y (m)
      200    7 ------- 8 ------- 9       stops (x): A near node 1, B near 2,
             |         |         |       C near 6, D near 9 (10 m off the street)
      100    4 ------- 5 ------- 6 x C   zones (z): z1 at node 1, z2 at 5, z3 at 9
             |         |         |
        0    1 ------- 2 ------- 3       trip T1 (Mon-Fri in May 2019):
           x A       x B                 A 08:00, B and C untimed, D 08:12
    x (m)    0       100       200

Any one file can be swapped for another (a bad input), through the keyword
arguments naming the file routes.toml should point at. The pieces are also
used by ``tests/data/bad/make_bad_inputs.py`` to build the bad-input corpus.
"""

from __future__ import annotations

from pathlib import Path

from _feeds import MONDAY, Table, line_feed, service, stop_times, write_feed
from _osm import GRID_NODE_XY, GRID_WAYS, lonlat, osm_xml

STUDY_DATE = MONDAY

#: Lattice ways of the grid (101-106: three east-west, three north-south streets).
STUDY_WAYS = [w for w in GRID_WAYS if 101 <= w[0] <= 106]
STUDY_NODE_XY = {n: GRID_NODE_XY[n] for n in range(1, 10)}

#: ``(stop_id, x_m, y_m)``: metres from lattice node 1, each 10 m from a street.
STUDY_STOPS = [("A", 0.0, -10.0), ("B", 100.0, -10.0), ("C", 210.0, 100.0), ("D", 210.0, 200.0)]
STUDY_ZONES = [("z1", 0.0, 0.0), ("z2", 100.0, 100.0), ("z3", 200.0, 200.0)]


def study_osm_xml() -> str:
    """OSM XML of the study area's street lattice."""
    nodes = {node_id: lonlat(x, y) for node_id, (x, y) in STUDY_NODE_XY.items()}
    return osm_xml(nodes, STUDY_WAYS)


def study_feed_tables() -> dict[str, Table]:
    """GTFS tables of the study area's one-route feed (trip T1, Mon-Fri, May 2019)."""
    tables = line_feed()
    tables["stops"] = [
        {"stop_id": s, "stop_name": f"Stop {s}", "stop_lat": f"{lonlat(x, y)[1]:.7f}",
         "stop_lon": f"{lonlat(x, y)[0]:.7f}"}
        for s, x, y in STUDY_STOPS
    ]
    tables["calendar"] = [service("WK", "1111100")]
    tables["stop_times"] = stop_times(
        "T1", [("08:00:00", "08:00:00"), None, None, ("08:12:00", "08:12:00")]
    )
    return tables


def study_zones_csv() -> str:
    """Zones of the study area as a CSV of points (id, lon, lat, population)."""
    rows = ["id,lon,lat,population"]
    rows += [f"{z},{lonlat(x, y)[0]:.7f},{lonlat(x, y)[1]:.7f},100" for z, x, y in STUDY_ZONES]
    return "\n".join(rows) + "\n"


def routes_toml(
    *, gtfs: str = "feed.zip", osm: str = "grid.osm", zones: str | None = "zones.csv",
    date: str = STUDY_DATE,
) -> str:
    """Text of a routes.toml with the given (relative) input paths."""
    text = (
        "[study_area]\n"
        'name = "Tiny grid"\n'
        f"gtfs = [{gtfs!r}]\n"
        f"osm = {osm!r}\n"
        f'date = "{date}"\n'
        "\n[routing]\n"
        'departure_window = "07:50-08:10"\n'
    )
    if zones is not None:
        text += f'\n[zones]\nfile = {zones!r}\nid = "id"\npopulation = "population"\n'
    return text


def write_study_area(
    folder: Path, *, gtfs: str = "feed.zip", osm: str = "grid.osm",
    zones: str | None = "zones.csv", date: str = STUDY_DATE,
) -> Path:
    """Write the valid study area into ``folder`` and return its routes.toml.

    ``gtfs``, ``osm`` and ``zones`` name the files routes.toml points at; the
    valid files are always written under their default names, so pointing at
    another name (a bad input copied into ``folder``) swaps that one input.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grid.osm").write_text(study_osm_xml(), encoding="utf-8")
    write_feed(folder / "feed.zip", **study_feed_tables())
    (folder / "zones.csv").write_text(study_zones_csv(), encoding="utf-8")
    toml = folder / "routes.toml"
    toml.write_text(routes_toml(gtfs=gtfs, osm=osm, zones=zones, date=date), encoding="utf-8")
    return toml
