"""Write a SYNTHETIC region the size of a BODS regional feed, for benchmarks.

    python benchmarks/gen_region.py OUT_DIR [--scale 1.0] [--seed 0] [--force]

At ``--scale 1`` (the sizes scale linearly; ``--scale 0.1`` for development):

* ``osm/region.osm.pbf`` (written with pyosmium's writer): about 1 M street nodes.
  16 towns, each a perturbed grid of streets (intersections jittered, 1-3 shape
  nodes on each block with a bend, 7 % of the minor blocks missing, some
  footways and service roads) inside a disc, with a main road every 5th line;
  the towns are linked by long roads (a spanning tree plus the two nearest
  neighbours of each town), and the tree's links also by motorways that
  pedestrians may not use;
* ``gtfs/region.zip``: ~30,000 stops, ~60,000 trips and ~2 M stop times on the
  weekday of the study (Tuesday 2026-03-10), plus Saturday and Sunday services
  in the same file. Routes are laid along the streets: a route along every main
  road of every town, and an inter-town route along each link road from centre
  to centre; stops every 4th block on main roads and every ~1 km on link roads,
  one on each side of the road. Headways by town size (8-60 min off-peak,
  shorter in the peaks, longer in the evening), times in whole minutes, the last
  trips past midnight, 20 operators, and 1 % of the weekday trips published
  twice under another service_id (as BODS feeds do);
* ``zones/zones.csv``: 4,000 LSOA-like zones (points with population, IMD
  decile and three community groups; deprivation and one group concentrated in a
  sector of each town), ``zones/jobs.csv`` (one workplace point per zone, jobs
  concentrated in town centres) and ``zones/community_spaces.csv``;
* ``proposals/crosstown_1.geojson`` ... ``crosstown_5.geojson``: five new routes
  across the largest town, each along a street no bus uses (so that a benchmark
  can evaluate one to fill the cache, then several new ones); ``routes.toml``
  ties it together (departure window 07:00-08:00).

Nothing in it describes a real place; the coordinates sit in Lancashire only so
that the local metric CRS is a British one. The script prints what it wrote and
how long it took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree

SERVICE_DATE = dt.date(2026, 3, 10)  # a Tuesday in term time
LON0, LAT0 = -2.55, 53.80  # the region's centre
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))

# ---- sizes at scale 1
N_TOWNS = 16
GRID_INTERSECTIONS = 235_000  # street intersections of all towns together
N_ZONES = 4_000
N_SPACES = 600
TRIPS_ON_THE_DAY = 60_000
N_OPERATORS = 20

MAIN_EVERY = 8  # every 8th street of the grid is a main road
STOP_EVERY = 4  # a stop every 4th block along main roads
LINK_STOP_EVERY_M = 1_000.0
LINK_NODE_EVERY_M = 70.0
MISSING_BLOCKS = 0.07
DUPLICATED_TRIPS = 0.01
PROPOSAL_ROWS = (-0.05, 0.05, -0.09, 0.09, -0.13)  # offsets from the centre, share of its size

TOWN_SPEED_KMH = 17.0  # running speed of buses between stops in town, dwell included
LINK_SPEED_KMH = 45.0

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- streets


@dataclass
class Streets:
    """Every OSM node and way of the region, and the bus-usable parts of the street graph."""

    x: list[FloatArray] = field(default_factory=list)  # metres east of the centre
    y: list[FloatArray] = field(default_factory=list)
    n_nodes: int = 0
    ways: list[tuple[IntArray, str]] = field(default_factory=list)  # node ids, highway
    bus_edges: list[tuple[IntArray, IntArray]] = field(default_factory=list)

    def add_nodes(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Append nodes; return their ids (1-based, contiguous)."""
        ids = np.arange(self.n_nodes + 1, self.n_nodes + 1 + len(x), dtype=np.int64)
        self.x.append(np.asarray(x, dtype=np.float64))
        self.y.append(np.asarray(y, dtype=np.float64))
        self.n_nodes += len(x)
        return ids

    def xy(self) -> tuple[FloatArray, FloatArray]:
        """Node coordinates indexed by id (index 0 unused)."""
        return np.r_[np.nan, *self.x], np.r_[np.nan, *self.y]


@dataclass
class Town:
    """A town's grid: intersection ids by grid position and its main lines."""

    name: str
    cx: float
    cy: float
    n: int
    spacing_m: float
    ids: IntArray  # (n, n) node id of each intersection, -1 outside the disc
    lines: dict[tuple[str, int], IntArray]  # ("row"|"col", index) -> node path of a main line
    centre: int


def _jitter(rng: np.random.Generator, n: int, sd: float) -> FloatArray:
    return rng.normal(0.0, sd, n)


def _chain(a: IntArray, b: IntArray, shape: list[IntArray]) -> IntArray:
    """Node path of consecutive blocks a[k] -> b[k] with their shape nodes."""
    parts = []
    for k in range(len(a)):
        parts.append(a[k : k + 1])
        parts.append(shape[k])
    parts.append(b[-1:])
    return np.concatenate(parts)


def build_town(
    streets: Streets, rng: np.random.Generator, name: str, cx: float, cy: float, n: int,
    spacing_m: float, keep_rows: tuple[int, ...] = (),
) -> Town:
    """Lay out one town's streets: a perturbed grid inside a disc.

    ``keep_rows`` are minor rows that keep all their blocks (proposals run on them).
    """
    c = n // 2
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    inside = (i - c) ** 2 + (j - c) ** 2 <= (n / 2) ** 2
    ids = np.full((n, n), -1, dtype=np.int64)
    gi, gj = i[inside], j[inside]
    x = cx + (gi - c) * spacing_m + _jitter(rng, len(gi), spacing_m * 0.12)
    y = cy + (gj - c) * spacing_m + _jitter(rng, len(gi), spacing_m * 0.12)
    ids[gi, gj] = streets.add_nodes(x, y)
    id0 = int(ids[gi[0], gj[0]])  # intersection ids are contiguous: x[id - id0]
    main_col = (np.arange(n) - c) % MAIN_EVERY == 0
    main_row = main_col.copy()

    lines: dict[tuple[str, int], IntArray] = {}
    for orient in ("row", "col"):
        # blocks along rows (i -> i+1 at fixed j) or columns (j -> j+1 at fixed i)
        if orient == "row":
            a, b = ids[:-1, :], ids[1:, :]
            along, line = i[:-1, :], j[:-1, :]
            is_main = main_row[line]
        else:
            a, b = ids[:, :-1], ids[:, 1:]
            along, line = j[:, :-1], i[:, :-1]
            is_main = main_col[line]
        ok = (a >= 0) & (b >= 0)
        a, b, along, line, is_main = a[ok], b[ok], along[ok], line[ok], is_main[ok]
        protected = is_main | (np.isin(line, keep_rows) if orient == "row" else False)
        kept = protected | (rng.random(len(a)) >= MISSING_BLOCKS)
        a, b, along, line, is_main = a[kept], b[kept], along[kept], line[kept], is_main[kept]
        order = np.lexsort((along, line))
        a, b, along, line, is_main = a[order], b[order], along[order], line[order], is_main[order]

        # 1-3 shape nodes per block, on a gentle bend
        n_shape = rng.integers(1, 4, len(a))
        block = np.repeat(np.arange(len(a)), n_shape)
        k = np.arange(len(block)) - np.repeat(np.cumsum(n_shape) - n_shape, n_shape)
        frac = (k + 1) / (n_shape[block] + 1)
        ax, ay, bx, by = x[a - id0], y[a - id0], x[b - id0], y[b - id0]
        dx, dy = bx - ax, by - ay
        length = np.hypot(dx, dy)
        bend = rng.normal(0.0, 0.04, len(a))[block] * length[block] * np.sin(np.pi * frac)
        sx = ax[block] + frac * dx[block] - bend * dy[block] / length[block]
        sy = ay[block] + frac * dy[block] + bend * dx[block] / length[block]
        shape_ids = streets.add_nodes(sx, sy)
        shape = np.split(shape_ids, np.cumsum(n_shape)[:-1])

        # ways: runs of consecutive blocks, cut at every main crossing and every gap
        cut = np.ones(len(a), dtype=bool)
        cut[1:] = (line[1:] != line[:-1]) | (along[1:] != along[:-1] + 1) | (
            (along[1:] - c) % MAIN_EVERY == 0)
        starts = np.flatnonzero(cut)
        ends = np.r_[starts[1:], len(a)]
        minor_kind = rng.choice(["residential", "unclassified", "service", "footway"],
                                len(starts), p=[0.8, 0.08, 0.07, 0.05])
        for w, (s, e) in enumerate(zip(starts, ends, strict=True)):
            path = _chain(a[s:e], b[s:e], shape[s:e])
            if is_main[s]:
                highway = "primary" if line[s] == c else "secondary"
            else:
                highway = str(minor_kind[w])
            streets.ways.append((path, highway))
            if is_main[s]:
                streets.bus_edges.append((path[:-1], path[1:]))
        for value in np.unique(line[is_main]):
            on = np.flatnonzero((line == value) & is_main)
            lines[(orient, int(value))] = _chain(a[on], b[on], [shape[q] for q in on])
    return Town(name, cx, cy, n, spacing_m, ids, lines, int(ids[c, c]))


def place_towns(
    rng: np.random.Generator, n_towns: int, total: float
) -> list[tuple[float, float, int, float]]:
    """(cx, cy, grid size, spacing) of each town: areas ~ rank^-0.7, no overlaps."""
    rank = np.arange(1, n_towns + 1)
    weight = rank ** -0.7
    sizes = np.sqrt(total * 4 / math.pi * weight / weight.sum()).round().astype(int)
    sizes = np.maximum(sizes, 12)
    spacing = rng.uniform(75.0, 95.0, n_towns)
    radius = sizes * spacing / 2
    side = math.sqrt(n_towns) * 22_000.0
    placed: list[tuple[float, float, int, float]] = []
    for t in range(n_towns):
        tries = 0
        while True:
            cx, cy = rng.uniform(-side / 2, side / 2, 2)
            if all(math.hypot(cx - px, cy - py) > radius[t] + n * s / 2 + 3_000
                   for px, py, n, s in placed):
                break
            tries += 1
            if tries % 1_000 == 0:  # crowded: widen the region
                side *= 1.1
        placed.append((float(cx), float(cy), int(sizes[t]), float(spacing[t])))
    return placed


def town_links(towns: list[Town]) -> list[tuple[int, int, bool]]:
    """Town pairs linked by a road: a minimum spanning tree plus each town's two nearest."""
    xy = np.array([[t.cx, t.cy] for t in towns])
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(dist).tocoo()
    links = {(min(a, b), max(a, b)): True for a, b in zip(tree.row, tree.col, strict=True)}
    for a in range(len(towns)):
        for b in np.argsort(dist[a])[1:3]:
            links.setdefault((min(a, int(b)), max(a, int(b))), False)
    return [(a, b, in_tree) for (a, b), in_tree in sorted(links.items())]


def _edge_node(town: Town, toward: tuple[float, float], xs: FloatArray, ys: FloatArray) -> int:
    """The node of a town's main lines nearest to a far point (where a link road starts)."""
    nodes = np.unique(np.concatenate(list(town.lines.values())))
    d = np.hypot(xs[nodes] - toward[0], ys[nodes] - toward[1])
    return int(nodes[np.argmin(d)])


def build_link(
    streets: Streets, rng: np.random.Generator, a: Town, b: Town, motorway: bool,
) -> IntArray:
    """A road from town a to town b (returns its node path, ends on the towns' main roads)."""
    xs, ys = streets.xy()
    start = _edge_node(a, (b.cx, b.cy), xs, ys)
    end = _edge_node(b, (a.cx, a.cy), xs, ys)
    x0, y0, x1, y1 = xs[start], ys[start], xs[end], ys[end]
    length = math.hypot(x1 - x0, y1 - y0)
    k = max(2, int(length / LINK_NODE_EVERY_M))
    f = np.arange(1, k) / k
    wiggle = (rng.normal(0, 0.05) * np.sin(np.pi * f) + rng.normal(0, 0.02) * np.sin(3 * np.pi * f))
    nx, ny = -(y1 - y0), x1 - x0
    inner = streets.add_nodes(x0 + f * (x1 - x0) + wiggle * nx, y0 + f * (y1 - y0) + wiggle * ny)
    path = np.r_[start, inner, end]
    for s in range(0, len(path) - 1, 40):
        streets.ways.append((path[s : s + 41], "primary"))
    streets.bus_edges.append((path[:-1], path[1:]))
    if motorway:  # a parallel motorway, closed to pedestrians, a kilometre off
        m = max(2, int(length / 150))
        g = np.arange(0, m + 1) / m
        off = 1_000.0 / length
        mids = streets.add_nodes(x0 + g * (x1 - x0) + off * nx, y0 + g * (y1 - y0) + off * ny)
        for s in range(0, len(mids) - 1, 60):
            streets.ways.append((mids[s : s + 61], "motorway"))
    return path


def write_osm(streets: Streets, path: Path) -> None:
    """Write the nodes (sorted by id) and ways with pyosmium's writer."""
    xs, ys = streets.xy()
    lon = LON0 + xs / M_PER_DEG_LON
    lat = LAT0 + ys / M_PER_DEG_LAT
    if path.exists():
        path.unlink()
    node = osmium.osm.mutable.Node(id=1, location=(0.0, 0.0))
    way = osmium.osm.mutable.Way(id=1, nodes=[], tags={})
    with osmium.SimpleWriter(str(path)) as writer:
        for k, (lo, la) in enumerate(zip(lon[1:].tolist(), lat[1:].tolist(), strict=True)):
            node.id = k + 1
            node.location = (lo, la)
            writer.add_node(node)
        for w, (nodes, highway) in enumerate(streets.ways):
            way.id = w + 1
            way.nodes = nodes.tolist()
            way.tags = {"highway": highway}
            writer.add_way(way)


# --------------------------------------------------------------------------- timetable


@dataclass
class Route:
    route_id: str
    agency: int
    short_name: str
    stops: list[IntArray]  # stop indexes per direction
    run_s: list[IntArray]  # seconds from the first stop per direction (whole minutes)
    headway_min: float  # off-peak weekday headway


def _clock(seconds: IntArray) -> NDArray[np.str_]:
    """HH:MM:SS (hours past 23 allowed) for whole seconds, through a lookup table."""
    table = np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
                      for s in range(0, 40 * 3600, 60)])
    return table[seconds // 60]


def departures(headway_min: float, day: str, offset_s: int) -> IntArray:
    """Departure times (s) of one route direction over a day, by period."""
    if day == "sun":
        periods = [(8.0, 22.5, 2.0)]
    else:
        peak = 0.75 if day == "wkdy" else 1.0
        base = 1.0 if day == "wkdy" else 1.25
        periods = [(5.75, 7.0, 1.5 * base), (7.0, 9.5, peak * base), (9.5, 15.5, base),
                   (15.5, 18.5, peak * base), (18.5, 23.6, 2.0 * base)]
    out = []
    t = periods[0][0] * 3600 + offset_s
    for start, end, factor in periods:
        t = max(t, start * 3600)
        step = max(300, round(headway_min * factor) * 60)
        while t < end * 3600:
            out.append(t)
            t += step
    return (np.asarray(out, dtype=np.int64) // 60) * 60


def lay_route(
    path: IntArray, stop_node: NDArray[np.bool_], xs: FloatArray, ys: FloatArray,
    link_node: NDArray[np.bool_], stop_index: dict[tuple[int, int], int],
    stop_xy: list[tuple[float, float]],
) -> tuple[list[IntArray], list[IntArray]]:
    """Stops and running times of a route along a node path, both directions."""
    stops_out, run_out = [], []
    for direction in (0, 1):
        p = path if direction == 0 else path[::-1]
        px, py = xs[p], ys[p]
        seg = np.hypot(np.diff(px), np.diff(py))
        speed = np.where(link_node[p[:-1]] & link_node[p[1:]], LINK_SPEED_KMH, TOWN_SPEED_KMH)
        t = np.r_[0.0, np.cumsum(seg / (speed / 3.6))]
        at = np.flatnonzero(stop_node[p])
        at = np.unique(np.r_[0, at, len(p) - 1])
        idx = []
        for q in at:
            prev, nxt = p[max(q - 1, 0)], p[min(q + 1, len(p) - 1)]
            hx, hy = xs[nxt] - xs[prev], ys[nxt] - ys[prev]
            side = 0 if (hx > abs(hy) or hy > abs(hx)) else 1
            key = (int(p[q]), side)
            if key not in stop_index:
                norm = math.hypot(hx, hy) or 1.0
                stop_index[key] = len(stop_xy)
                stop_xy.append((xs[p[q]] - 12 * hy / norm, ys[p[q]] + 12 * hx / norm))
            idx.append(stop_index[key])
        minutes = np.round(t[at] / 60.0).astype(np.int64)
        stops_out.append(np.asarray(idx, dtype=np.int64))
        run_out.append(np.maximum.accumulate(minutes) * 60)
    return stops_out, run_out


def write_gtfs(
    routes: list[Route], stop_xy: list[tuple[float, float]], path: Path,
    rng: np.random.Generator, headway_factor: float,
) -> dict[str, int]:
    """Write the GTFS zip; return counts."""
    stop_xy_a = np.asarray(stop_xy)
    n_stops = len(stop_xy_a)
    stop_codes = np.array([f"250{k // 100000 % 10}DA{k:06d}" for k in range(n_stops)])
    stops = pd.DataFrame({
        "stop_id": stop_codes,
        "stop_code": [f"lan{k:05d}" for k in range(n_stops)],
        "stop_name": [f"Stop {k}" for k in range(n_stops)],
        "stop_lat": np.round(LAT0 + stop_xy_a[:, 1] / M_PER_DEG_LAT, 6),
        "stop_lon": np.round(LON0 + stop_xy_a[:, 0] / M_PER_DEG_LON, 6),
        "wheelchair_boarding": 0, "location_type": 0,
    })
    agency = pd.DataFrame({
        "agency_id": [f"OP{100 + a}" for a in range(N_OPERATORS)],
        "agency_name": [f"Synthetic Buses {a}" for a in range(N_OPERATORS)],
        "agency_url": "https://www.example.org", "agency_timezone": "Europe/London",
        "agency_lang": "EN",
    })
    routes_df = pd.DataFrame({
        "route_id": [r.route_id for r in routes],
        "agency_id": [f"OP{100 + r.agency}" for r in routes],
        "route_short_name": [r.short_name for r in routes],
        "route_long_name": "", "route_type": 3,
    })
    start = SERVICE_DATE - dt.timedelta(days=SERVICE_DATE.weekday() + 14)
    end = start + dt.timedelta(days=7 * 12 - 1)
    ymd = (start.strftime("%Y%m%d"), end.strftime("%Y%m%d"))
    calendar = pd.DataFrame([
        ("WKDY", 1, 1, 1, 1, 1, 0, 0, *ymd), ("WKDY2", 1, 1, 1, 1, 1, 0, 0, *ymd),
        ("SAT", 0, 0, 0, 0, 0, 1, 0, *ymd), ("SUN", 0, 0, 0, 0, 0, 0, 1, *ymd),
    ], columns=["service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                "saturday", "sunday", "start_date", "end_date"])

    trip_route, trip_service, trip_dir, trip_first, trip_pattern = [], [], [], [], []
    patterns: list[tuple[IntArray, IntArray]] = []
    for r_index, route in enumerate(routes):
        for direction in (0, 1):
            patterns.append((route.stops[direction], route.run_s[direction]))
            pat = len(patterns) - 1
            offset = int(rng.integers(0, max(1, round(route.headway_min * headway_factor))) * 60)
            for day, service in (("wkdy", "WKDY"), ("sat", "SAT"), ("sun", "SUN")):
                dep = departures(route.headway_min * headway_factor, day, offset)
                trip_route.append(np.full(len(dep), r_index))
                trip_service.append(np.full(len(dep), service, dtype=object))
                trip_dir.append(np.full(len(dep), direction))
                trip_first.append(dep)
                trip_pattern.append(np.full(len(dep), pat))
    t_route = np.concatenate(trip_route)
    t_service = np.concatenate(trip_service)
    t_dir = np.concatenate(trip_dir)
    t_first = np.concatenate(trip_first)
    t_pattern = np.concatenate(trip_pattern)
    copy = (t_service == "WKDY") & (rng.random(len(t_route)) < DUPLICATED_TRIPS)
    t_route, t_dir, t_first, t_pattern = (np.r_[v, v[copy]] for v in
                                          (t_route, t_dir, t_first, t_pattern))
    t_service = np.r_[t_service, np.full(int(copy.sum()), "WKDY2", dtype=object)]
    n_trips = len(t_route)
    salt = rng.integers(0, 2**63 - 1, (n_trips, 2), dtype=np.int64).tolist()
    trip_ids = np.array([f"VJ{h:016x}{g:016x}{k:06x}" for k, (h, g) in enumerate(salt)])
    trips = pd.DataFrame({
        "route_id": np.asarray([r.route_id for r in routes])[t_route],
        "service_id": t_service, "trip_id": trip_ids, "trip_headsign": "",
        "direction_id": t_dir, "block_id": "", "shape_id": "", "wheelchair_accessible": 0,
    })

    lengths = np.array([len(p[0]) for p in patterns])[t_pattern]
    pat_ptr = np.r_[0, np.cumsum([len(p[0]) for p in patterns])]
    pat_stops = np.concatenate([p[0] for p in patterns])
    pat_run = np.concatenate([p[1] for p in patterns])
    row_trip = np.repeat(np.arange(n_trips), lengths)
    k = np.arange(len(row_trip)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    src = pat_ptr[t_pattern][row_trip] + k
    clock = _clock(t_first[row_trip] + pat_run[src])
    stop_times = pa.table({
        "trip_id": pa.array(trip_ids[row_trip]),
        "arrival_time": pa.array(clock), "departure_time": pa.array(clock),
        "stop_id": pa.array(stop_codes[pat_stops[src]]),
        "stop_sequence": pa.array(k + 1),
        "pickup_type": pa.array(np.zeros(len(k), dtype=np.int8)),
        "drop_off_type": pa.array(np.zeros(len(k), dtype=np.int8)),
        "timepoint": pa.array(np.ones(len(k), dtype=np.int8)),
    })
    feed_info = pd.DataFrame([("Synthetic region (gen_region.py)", "https://www.example.org",
                               "EN", *ymd, "1")],
                             columns=["feed_publisher_name", "feed_publisher_url", "feed_lang",
                                      "feed_start_date", "feed_end_date", "feed_version"])
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, frame in (("agency", agency), ("stops", stops), ("routes", routes_df),
                            ("trips", trips), ("calendar", calendar), ("feed_info", feed_info)):
            archive.writestr(f"{name}.txt", frame.to_csv(index=False))
        buffer = io.BytesIO()
        pacsv.write_csv(stop_times, buffer,
                        pacsv.WriteOptions(quoting_style="none"))
        archive.writestr("stop_times.txt", buffer.getvalue())
    tmp.replace(path)
    on_day = np.isin(t_service, ["WKDY", "WKDY2"])
    return {"stops": n_stops, "routes": len(routes), "trips": n_trips,
            "trips_on_day": int(on_day.sum()), "stop_times": len(k),
            "stop_times_on_day": int(lengths[on_day].sum()),
            "duplicated_trips": int(copy.sum())}


# --------------------------------------------------------------------------- zones


def write_zones(
    towns: list[Town], streets: Streets, rng: np.random.Generator, n_zones: int,
    n_spaces: int, folder: Path,
) -> dict[str, int]:
    """zones.csv (with deciles and groups), jobs.csv and community_spaces.csv."""
    xs, ys = streets.xy()
    area = np.array([(t.ids >= 0).sum() for t in towns], dtype=float)
    per_town = np.maximum(1, np.round(n_zones * area / area.sum())).astype(int)
    per_town[0] += n_zones - per_town.sum()
    rows = []
    for t, town in enumerate(towns):
        nodes = town.ids[town.ids >= 0]
        chosen = rng.choice(nodes, per_town[t], replace=False)
        x = xs[chosen] + rng.normal(0, 30, len(chosen))
        y = ys[chosen] + rng.normal(0, 30, len(chosen))
        radius = town.n * town.spacing_m / 2
        r = np.hypot(x - town.cx, y - town.cy) / radius
        angle = np.arctan2(y - town.cy, x - town.cx)
        sector = rng.uniform(-np.pi, np.pi)
        inner = np.exp(-2.0 * r)
        deprived = inner * (1 + np.cos(angle - sector)) + rng.normal(0, 0.15, len(r))
        minority = 1 / (1 + np.exp(-(deprived - 0.9) * 5))
        rows.append(pd.DataFrame({"x": x, "y": y, "town": t, "deprived": deprived,
                                  "minority": minority, "inner": inner}))
    z = pd.concat(rows, ignore_index=True)
    n = len(z)
    population = np.clip(rng.normal(1650, 280, n), 1000, 3000).round().astype(int)
    rank = (-z["deprived"]).rank(method="first").to_numpy()  # 1 = most deprived
    decile = np.minimum(10, 1 + ((rank - 1) * 10 // n)).astype(int)
    asian = np.round(population * np.clip(0.03 + 0.7 * z["minority"], 0, 0.9)).astype(int)
    other = np.round((population - asian) * rng.uniform(0.03, 0.12, n)).astype(int)
    white = population - asian - other
    ids = [f"E0{1_000_000 + k}" for k in range(n)]
    lon = np.round(LON0 + z["x"] / M_PER_DEG_LON, 6)
    lat = np.round(LAT0 + z["y"] / M_PER_DEG_LAT, 6)
    pd.DataFrame({"id": ids, "name": [f"Zone {k + 1}" for k in range(n)], "lon": lon,
                  "lat": lat, "population": population, "imd_decile": decile,
                  "white_british": white, "asian": asian, "other": other}
                 ).to_csv(folder / "zones.csv", index=False)

    jobs = np.round(rng.lognormal(5.0, 0.9, n) * (1 + 25 * z["inner"] ** 3)).astype(int)
    pd.DataFrame({"id": [f"W{k}" for k in range(n)],
                  "lon": np.round(lon + rng.normal(0, 0.0008, n), 6),
                  "lat": np.round(lat + rng.normal(0, 0.0005, n), 6), "jobs": jobs}
                 ).to_csv(folder / "jobs.csv", index=False)

    all_nodes = np.concatenate([t.ids[t.ids >= 0] for t in towns])
    at = rng.choice(all_nodes, n_spaces, replace=False)
    categories = rng.choice(["library", "community_centre", "park", "sports_centre",
                             "arts_centre"], n_spaces, p=[.15, .3, .35, .15, .05])
    pd.DataFrame({"id": [f"S{k}" for k in range(n_spaces)],
                  "name": [f"{c.replace('_', ' ').title()} {k}" for k, c in enumerate(categories)],
                  "category": categories,
                  "lon": np.round(LON0 + (xs[at] + 25) / M_PER_DEG_LON, 6),
                  "lat": np.round(LAT0 + ys[at] / M_PER_DEG_LAT, 6)}
                 ).to_csv(folder / "community_spaces.csv", index=False)
    return {"zones": n, "population": int(population.sum()), "jobs": int(jobs.sum()),
            "spaces": n_spaces}


def write_proposal(town: Town, row: int, number: int, streets: Streets, path: Path) -> None:
    """A new route along a minor row of the largest town (every block kept)."""
    xs, ys = streets.xy()
    nodes = town.ids[:, row]
    nodes = nodes[nodes >= 0]
    coords = [[round(LON0 + xs[v] / M_PER_DEG_LON, 6), round(LAT0 + ys[v] / M_PER_DEG_LAT, 6)]
              for v in nodes]
    feature = {
        "type": "Feature",
        "properties": {
            "name": f"X{number} Crosstown", "speed_kmh": 18, "stop_spacing_m": 350,
            "headway_min": {"06:30-09:30": 10, "09:30-15:30": 15, "15:30-18:30": 10,
                            "18:30-22:00": 20},
            "description": f"Synthetic: across {town.name} on a street no bus uses",
        },
        "geometry": {"type": "LineString", "coordinates": coords},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1),
                    encoding="utf-8")


ROUTES_TOML = """\
# A SYNTHETIC region written by benchmarks/gen_region.py (scale {scale}, seed {seed}).
# Nothing here describes a real place.

[study_area]
name = "Synthetic region (scale {scale}, seed {seed})"
gtfs = ["gtfs/region.zip"]
osm = "osm/region.osm.pbf"
date = "{date}"

[zones]
file = "zones/zones.csv"
id = "id"
name = "name"
population = "population"
deprivation_decile = "imd_decile"
groups = ["white_british", "asian", "other"]

[[destinations]]
name = "jobs"
file = "zones/jobs.csv"
weight = "jobs"

[[destinations]]
name = "community_spaces"
file = "zones/community_spaces.csv"
category = "category"

[routing]
departure_window = "07:00-08:00"
percentile = 50
max_walk_min = 15
walk_speed_kmh = 4.8
max_rides = 3
max_trip_min = 120

[scoring]
deprived_deciles = [1, 2, 3]
job_cutoff_min = 45
space_cutoff_min = 30
"""


# --------------------------------------------------------------------------- main


def generate(out: Path, scale: float, seed: int) -> dict[str, float]:
    """Write the region into ``out``; return counts and seconds per stage."""
    rng = np.random.default_rng(seed)
    stats: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stats[f"{name}_s"] = round(now - clock, 2)
        clock = now

    n_towns = max(2, round(N_TOWNS * scale))
    streets = Streets()
    layout = place_towns(rng, n_towns, GRID_INTERSECTIONS * scale)
    c0, n0 = layout[0][2] // 2, layout[0][2]
    # minor rows of the largest town, off the centre, for the proposals
    keep_rows = tuple(c0 + round(f * n0) for f in PROPOSAL_ROWS)
    keep_rows = tuple(r + 1 if (r - c0) % MAIN_EVERY == 0 else r for r in keep_rows)
    towns = [build_town(streets, rng, f"Town {t + 1}", cx, cy, n, s,
                        keep_rows=keep_rows if t == 0 else ())
             for t, (cx, cy, n, s) in enumerate(layout)]
    link_paths = [(a, b, build_link(streets, rng, towns[a], towns[b], motorway))
                  for a, b, motorway in town_links(towns)]
    lap("streets")
    (out / "osm").mkdir(parents=True, exist_ok=True)
    write_osm(streets, out / "osm" / "region.osm.pbf")
    lap("osm")
    stats.update(towns=n_towns, street_nodes=streets.n_nodes, ways=len(streets.ways),
                 largest_town_blocks=n0)

    # bus routes along main roads and link roads
    xs, ys = streets.xy()
    size = streets.n_nodes + 1
    stop_node = np.zeros(size, dtype=bool)
    link_node = np.zeros(size, dtype=bool)
    for town in towns:
        gi, gj = np.nonzero(town.ids >= 0)
        c = town.n // 2
        on_main = ((gi - c) % MAIN_EVERY == 0) | ((gj - c) % MAIN_EVERY == 0)
        stop_here = on_main & ((gi + gj) % STOP_EVERY == 0)
        stop_node[town.ids[gi[stop_here], gj[stop_here]]] = True
    for _, _, path in link_paths:
        link_node[path[1:-1]] = True
        seg = np.r_[0.0, np.cumsum(np.hypot(np.diff(xs[path]), np.diff(ys[path])))]
        marks = np.unique(np.searchsorted(seg, np.arange(0, seg[-1], LINK_STOP_EVERY_M)))
        stop_node[path[marks[(marks > 0) & (marks < len(path) - 1)]]] = True

    a_all = np.concatenate([e[0] for e in streets.bus_edges])
    b_all = np.concatenate([e[1] for e in streets.bus_edges])
    w_all = np.hypot(xs[a_all] - xs[b_all], ys[a_all] - ys[b_all])
    graph = sp.coo_matrix((w_all, (a_all, b_all)), shape=(size, size)).tocsr()

    stop_index: dict[tuple[int, int], int] = {}
    stop_xy: list[tuple[float, float]] = []
    routes: list[Route] = []
    sizes = np.array([t.n for t in towns])
    for t, town in enumerate(towns):
        big = town.n / sizes.max()
        for (_, value), path in sorted(town.lines.items()):
            if len(path) < 6:
                continue
            stops, run = lay_route(path, stop_node, xs, ys, link_node, stop_index, stop_xy)
            headway = float(rng.choice([8, 10, 12, 15, 20]) if big > 0.6 else
                            rng.choice([12, 15, 20, 30]) if big > 0.35 else
                            rng.choice([20, 30, 30, 60]))
            routes.append(Route(f"{len(routes) + 1}", int(rng.integers(N_OPERATORS)),
                                f"{t + 1}{'ABCDEFGHJKLMNPRSTUVWXYZ'[len(routes) % 23]}"
                                f"{value}", stops, run, headway))
    centres = np.array([t.centre for t in towns])
    _, pred = dijkstra(graph, directed=False, indices=centres, return_predecessors=True)
    for a, b, _ in link_paths:
        path = [towns[b].centre]
        while path[-1] != towns[a].centre:
            path.append(int(pred[a, path[-1]]))
        path_a = np.asarray(path[::-1], dtype=np.int64)
        stops, run = lay_route(path_a, stop_node, xs, ys, link_node, stop_index, stop_xy)
        routes.append(Route(f"{len(routes) + 1}", int(rng.integers(N_OPERATORS)),
                            f"X{a + 1}{b + 1}", stops, run, float(rng.choice([20, 30, 30, 60]))))
    lap("routes")

    # headways scaled so that the weekday has the target number of trips
    target = TRIPS_ON_THE_DAY * scale / (1 + DUPLICATED_TRIPS)
    per_minute = sum(2 * len(departures(r.headway_min, "wkdy", 0)) for r in routes)
    factor = per_minute / target
    (out / "gtfs").mkdir(exist_ok=True)
    counts = write_gtfs(routes, stop_xy, out / "gtfs" / "region.zip", rng, factor)
    stats.update(counts)
    stats["headway_factor"] = round(factor, 3)
    lap("gtfs")

    (out / "zones").mkdir(exist_ok=True)
    stats.update(write_zones(towns, streets, rng, max(50, round(N_ZONES * scale)),
                             max(20, round(N_SPACES * scale)), out / "zones"))
    (out / "proposals").mkdir(exist_ok=True)
    for k, row in enumerate(keep_rows):
        write_proposal(towns[0], row, k + 1, streets,
                       out / "proposals" / f"crosstown_{k + 1}.geojson")
    (out / "routes.toml").write_text(
        ROUTES_TOML.format(scale=scale, seed=seed, date=SERVICE_DATE.isoformat()),
        encoding="utf-8")
    lap("zones")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size relative to a BODS region (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    args = parser.parse_args()
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            parser.error(f"{args.out} exists and is not empty; pass --force to replace it")
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stats = generate(args.out, args.scale, args.seed)
    total = time.perf_counter() - started
    print(f"synthetic region (scale {args.scale}, seed {args.seed}) in {args.out}: "
          f"{total:.1f} s")
    for key, value in stats.items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
