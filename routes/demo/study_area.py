"""The bundled demo study area: "Demo Town", a synthetic town for ``routes demo``.

:func:`write_demo_study_area` writes a small but realistic study area that every
command runs on out of the box:

==================================  =================================================
file                                content
==================================  =================================================
``routes.toml``                     the study area (service date Tuesday 2026-03-10)
``osm/demo_town.osm``               OSM XML street network: a jittered grid, denser in
                                    the centre, radial and diagonal A-roads, an inner
                                    ring road, cul-de-sacs, footpaths and a park, cut
                                    north to south by a river with three road bridges
                                    and one footbridge
``gtfs/demo_town.zip``              GTFS feed: six bus routes radiating from the town
                                    centre bus station, Monday to Friday and Saturday
                                    timetables for 2026, peak and off-peak headways
``zones/neighbourhoods.geojson``    30 neighbourhoods (LSOA-like polygons) with
                                    population, IMD decile and five community groups
``zones/workplaces.geojson``        15 employment zones (points) with job counts
``zones/community_spaces.geojson``  25 shared community spaces (points) by category
``examples/*.geojson``              three proposals of different strength
==================================  =================================================

Everything is invented, placed near Blackburn, Lancashire (lon -2.48, lat 53.75)
only so that the coordinates and the UTM zone look like those of a real English
town. The most deprived neighbourhoods lie east of the river and are mostly of one
community group, the town centre, the jobs and most community spaces west of it.

The output is deterministic: one fixed seed drives Python's Mersenne Twister
(whose ``random()`` stream is stable across Python versions), the street network
and timetable are built in plain Python (shapely only cuts the neighbourhood
polygons), coordinates are rounded to fixed decimals, and the GTFS zip entries
carry a fixed date. Writing twice gives byte-identical files. The street network
is OSM XML rather than PBF so that its bytes do not depend on the libosmium
version either (and so that it diffs in review); it is about 380 kB.
"""

from __future__ import annotations

import csv
import heapq
import io
import itertools
import json
import logging
import math
import random
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from routes.config.study_area import DEFAULT_PARAMETERS_TOML
from routes.errors import OutputExistsError
from routes.io import write_bytes, zip_bytes
from routes.timetable.gtfs_time import format_gtfs_time

__all__ = ["DEMO_SEED", "DemoFiles", "write_demo_study_area"]

logger = logging.getLogger(__name__)

DEMO_SEED = 20260310
"""Seed of the random numbers that shape Demo Town."""

CONFIG_FILE = "routes.toml"
GTFS_FILE = "gtfs/demo_town.zip"
OSM_FILE = "osm/demo_town.osm"
ZONES_FILE = "zones/neighbourhoods.geojson"
WORKPLACES_FILE = "zones/workplaces.geojson"
SPACES_FILE = "zones/community_spaces.geojson"
PROPOSAL_FILES = (
    "examples/crosstown_link.geojson",
    "examples/hospital_shuttle.geojson",
    "examples/express_to_centre.geojson",
)

# Local frame: x metres east and y metres north of the bus station.
_LON0, _LAT0 = -2.48, 53.75
_M_PER_DEG_LON = 65_968.0  # at latitude 53.75
_M_PER_DEG_LAT = 111_300.0

# Street grid: index (i, j) sits at radius S0 * rho + S1 * rho**2 metres, rho = |(i, j)|,
# so blocks are ~75 m across in the centre and ~180 m in the suburbs.
_R_IDX = 30
_S0_M, _S1_M = 75.0, 2.125
_SWIRL_RAD = 0.10
_CENTRE_IDX = 3  # town centre: Chebyshev index distance <= 3; the ring road is at 4
_RING_IDX = 4
_BOUNDARY_CENTRE = (-350.0, 0.0)
_BOUNDARY_AXES_M = (3700.0, 2900.0)
_RIVER_CLEAR_M = 30.0
_PARK_CENTRE, _PARK_RADIUS_M = (-1150.0, 650.0), 330.0
_SOUTH_BRIDGE_ROW, _FOOTBRIDGE_ROW = -12, 16
_BRIDGE_LINES = (("row", 0), ("diag", 0), ("row", _SOUTH_BRIDGE_ROW), ("row", _FOOTBRIDGE_ROW))

_ROW_WORDS = (
    "Market", "Alder", "Ash", "Beech", "Birch", "Bramble", "Cedar", "Cherry", "Clover",
    "Elm", "Fern", "Hawthorn", "Hazel", "Heather", "Holly", "Juniper", "Laurel", "Lime",
    "Maple", "Oak", "Pine", "Poplar", "Rowan", "Sycamore", "Willow", "Yew", "Linden",
    "Myrtle", "Primrose", "Bluebell", "Foxglove",
)  # fmt: skip
_COL_WORDS = (
    "High", "Albion", "Bright", "Canal", "Chapel", "Church", "Cotton", "Dale", "Fountain",
    "Garden", "George", "Grange", "Hall", "King", "Lark", "Mill", "Moss", "Park", "Queen",
    "Regent", "School", "Spring", "Station", "Union", "Victoria", "Water", "Weaver",
    "York", "Shuttle", "Bobbin", "Spindle",
)  # fmt: skip
_CLOSE_WORDS = (
    "Acorn", "Badger", "Coppice", "Dove", "Finch", "Heron", "Kestrel", "Linnet", "Meadow",
    "Orchard", "Otter", "Robin", "Sorrel", "Swallow", "Thrush", "Wren",
)  # fmt: skip

_ROAD_FACTOR = {
    "primary": 0.55, "secondary": 0.65, "tertiary": 0.8, "unclassified": 0.9,
    "residential": 1.0,
}  # fmt: skip
_NOT_DRIVABLE = frozenset({"footway", "pedestrian"})

# (id, short name, long name, arm, terminus, peak headway, off-peak headway, colour)
_BUS_ROUTES = (
    ("1", "1", "Bus Station - Eastfield", "E", "Eastfield", 10, 15, "C8102E"),
    ("2", "2", "Bus Station - Hospital - Northwood", "NW", "Northwood", 12, 20, "0072CE"),
    ("3", "3", "Bus Station - Southgate Industrial Estate", "SW", "Southgate", 15, 20, "F1B434"),
    ("4", "4", "Bus Station - Westbrook", "W", "Westbrook", 12, 20, "00A651"),
    ("5", "5", "Bus Station - Retail Park - Southfield", "S", "Southfield", 15, 30, "8E44AD"),
    ("6", "6", "Bus Station - Northgate", "NE", "Northgate", 12, 20, "E67E22"),
)
_ARMS = {
    "E": (1, 0), "W": (-1, 0), "N": (0, 1), "S": (0, -1),
    "NE": (1, 1), "NW": (-1, 1), "SW": (-1, -1), "SE": (1, -1),
}  # fmt: skip
_ARM_ROADS = {
    "E": "Eastfield Road", "W": "Westbrook Road", "S": "Southfield Road",
    "NE": "Northgate Road", "NW": "Hospital Road", "SW": "Southgate Road",
}  # fmt: skip
_STOP_SPACING_M = 350.0
_DWELL_S = 20
_BANK_HOLIDAYS_2026 = (
    "20260101", "20260403", "20260406", "20260504", "20260525", "20260831", "20261225",
    "20261228",
)  # fmt: skip

# Employment zones: (id, name, x, y, jobs).
_WORKPLACES = (
    ("W01", "Town Centre offices", -150, 150, 3200),
    ("W02", "Town Centre shops and market", 120, -180, 2400),
    ("W03", "Town Hall and council offices", -300, 320, 1100),
    ("W04", "Demo Town General Hospital", -1600, 1600, 3400),
    ("W05", "Southgate Industrial Estate (north)", -1750, -1650, 2100),
    ("W06", "Southgate Industrial Estate (south)", -2250, -2100, 1900),
    ("W07", "Riverside Retail Park", 150, -2250, 1200),
    ("W08", "Moor Lane Business Park", -2800, 900, 1300),
    ("W09", "Demo Town College", -500, 800, 700),
    ("W10", "Eastfield Mills workshops", 1500, 250, 600),
    ("W11", "Eastgate supermarket", 2300, -500, 350),
    ("W12", "Northgate distribution centre", 2300, 1900, 900),
    ("W13", "Westbrook schools", -2000, -300, 250),
    ("W14", "Southfield leisure centre and schools", -600, -1300, 300),
    ("W15", "Council depot and works yard", -1100, -2350, 250),
)
# Shared community spaces: (id, name, category, x, y).
_SPACES = (
    ("CS01", "Central Library", "library", -80, 220),
    ("CS02", "Eastfield Library", "library", 1700, 100),
    ("CS03", "Westbrook Library", "library", -2300, 100),
    ("CS04", "Town Hall Community Hub", "community_centre", -250, 380),
    ("CS05", "Riverside Community Centre", "community_centre", 250, -1400),
    ("CS06", "Weavers Fold Community Centre", "community_centre", 1400, 700),
    ("CS07", "Southgate Community Centre", "community_centre", -1500, -1300),
    ("CS08", "Northwood Community Centre", "community_centre", -900, 2100),
    ("CS09", "Moorgate Community Centre", "community_centre", 2600, 1200),
    ("CS10", "Mill Hey Youth and Community Centre", "community_centre", 1200, -900),
    ("CS11", "Jamia Mosque", "place_of_worship", 1250, -300),
    ("CS12", "Masjid-e-Noor", "place_of_worship", 1700, 1150),
    ("CS13", "Madina Mosque", "place_of_worship", 2000, -1000),
    ("CS14", "St Mary's Church", "place_of_worship", -350, -250),
    ("CS15", "St John's Church", "place_of_worship", -1800, -900),
    ("CS16", "Westbrook Methodist Church", "place_of_worship", -2600, -200),
    ("CS17", "Shree Krishna Mandir", "place_of_worship", -600, 1400),
    ("CS18", "Demo Town Leisure Centre", "sports_centre", -400, -600),
    ("CS19", "Eastfield Sports Hall", "sports_centre", 2100, -200),
    ("CS20", "Westbrook Sports Club", "sports_centre", -2900, -600),
    ("CS21", "Town Park", "park", -1150, 650),
    ("CS22", "Riverside Park", "park", 450, 1300),
    ("CS23", "Eastfield Recreation Ground", "park", 2500, -1300),
    ("CS24", "Southgate Playing Fields", "park", -1250, -2000),
    ("CS25", "Northwood Country Park", "park", -500, 2450),
)
_OSM_TAGS = {
    "community_centre": ("amenity", "community_centre"),
    "library": ("amenity", "library"),
    "place_of_worship": ("amenity", "place_of_worship"),
    "sports_centre": ("leisure", "sports_centre"),
    "park": ("leisure", "park"),
}

# Neighbourhood kinds: IMD deciles, population range, community-group shares
# (white_british, asian, black, mixed, other) and names.
_GROUPS = ("white_british", "asian", "black", "mixed", "other")
_KINDS: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[float, ...], tuple[str, ...]]] = {
    "inner_east": (
        (1, 2), (1900, 2500), (0.07, 0.87, 0.02, 0.02, 0.02),
        ("Weavers Fold", "Mill Hey", "Loom Street", "Bank Side", "Spinners Row",
         "Canal Bank", "Foundry Hill", "Brookhouse", "Tenter Fields", "Cotton Row"),
    ),
    "outer_east": (
        (3, 5), (1500, 2100), (0.46, 0.44, 0.03, 0.04, 0.03),
        ("Eastfield", "Moorgate", "Whinfield", "Heatherlea", "Copse Hill", "Ridgeway"),
    ),
    "centre": (
        (3, 4), (1400, 2000), (0.52, 0.32, 0.06, 0.05, 0.05),
        ("Town Centre", "Market Quarter", "Cathedral Quarter", "Station Quarter",
         "King Street", "Railway Terrace"),
    ),
    "southwest": (
        (3, 4), (1600, 2300), (0.90, 0.05, 0.01, 0.03, 0.01),
        ("Southgate", "Ironworks", "Furnace Lane", "Bleachworks", "Gasworks Row",
         "Brickfield"),
    ),
    "northwest": (
        (7, 9), (1400, 2000), (0.78, 0.14, 0.03, 0.03, 0.02),
        ("Northwood", "Infirmary Hill", "Parkside", "Larchfield", "Beacon Rise"),
    ),
    "middle": (
        (5, 7), (1300, 1900), (0.80, 0.13, 0.02, 0.03, 0.02),
        ("Highfield", "Fernlea", "Ashgrove", "Oakwood", "Kingsmoor", "Larkrise"),
    ),
    "west_suburb": (
        (8, 10), (1200, 1700), (0.91, 0.06, 0.01, 0.01, 0.01),
        ("Westbrook", "Moor Park", "Lowerhouse", "Greenacres", "Hillcrest", "Woodlands",
         "Broadmeadow"),
    ),
}  # fmt: skip
_N_ZONES_WEST, _N_ZONES_EAST = 19, 11

_TOML = """\
# Demo Town: a SYNTHETIC study area, written by `routes demo`.
#
# The town, its streets, neighbourhoods, people, jobs, community spaces and buses
# are all invented. They sit near Blackburn, Lancashire, only so that coordinates
# and the local metric CRS (UTM zone 30N) look like those of a real English town.
# Do not read anything about a real place into the numbers.
#
# The most deprived neighbourhoods (IMD deciles 1-2) lie east of the River Wend and
# are mostly of one community group; the town centre, the hospital, the Southgate
# industrial estate and most shared community spaces lie west of it. Three road
# bridges and a footbridge cross the river. Six bus routes radiate from the bus
# station; none runs across town.
#
# Try:  routes check
#       routes evaluate examples/crosstown_link.geojson
#       routes compare examples/*.geojson

[study_area]
name = "Demo Town (synthetic)"
gtfs = ["gtfs/demo_town.zip"]
osm = "osm/demo_town.osm"
date = "2026-03-10"  # a Tuesday in term time

[zones]
file = "zones/neighbourhoods.geojson"
id = "id"
name = "name"
population = "pop"
deprivation_decile = "imd_decile"
groups = ["white_british", "asian", "black", "mixed", "other"]

[[destinations]]
name = "jobs"
file = "zones/workplaces.geojson"
weight = "jobs"

[[destinations]]
name = "community_spaces"
file = "zones/community_spaces.geojson"
category = "category"

""" + DEFAULT_PARAMETERS_TOML


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """The files of a demo study area written by :func:`write_demo_study_area`.

    Attributes
    ----------
    folder
        The folder they were written to.
    config
        ``routes.toml``.
    gtfs
        The GTFS feed (zip).
    osm
        The OSM XML street network.
    neighbourhoods, workplaces, community_spaces
        The zones and destination layers (GeoJSON).
    proposals
        The example proposals (GeoJSON).
    """

    folder: Path
    config: Path
    gtfs: Path
    osm: Path
    neighbourhoods: Path
    workplaces: Path
    community_spaces: Path
    proposals: tuple[Path, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every written file, in a fixed order."""
        return (
            self.config,
            self.gtfs,
            self.osm,
            self.neighbourhoods,
            self.workplaces,
            self.community_spaces,
            *self.proposals,
        )


def write_demo_study_area(folder: Path, *, overwrite: bool = False) -> DemoFiles:
    """Write the synthetic "Demo Town" study area into a folder.

    Parameters
    ----------
    folder
        Where to write; created if missing. The files go to ``routes.toml``,
        ``gtfs/``, ``osm/``, ``zones/`` and ``examples/`` inside it; other files
        in the folder are left alone.
    overwrite
        Replace demo files that already exist.

    Returns
    -------
    DemoFiles
        The paths written.

    Raises
    ------
    OutputExistsError
        If any of the files exists and ``overwrite`` is false; nothing is written.

    Notes
    -----
    The output is the same, byte for byte, on every run. Each file is written to
    a temporary file beside it and renamed into place.
    """
    started = time.perf_counter()
    folder = Path(folder)
    names = (
        CONFIG_FILE,
        GTFS_FILE,
        OSM_FILE,
        ZONES_FILE,
        WORKPLACES_FILE,
        SPACES_FILE,
        *PROPOSAL_FILES,
    )
    existing = [name for name in names if (folder / name).exists()]
    if existing and not overwrite:
        msg = (
            f"{folder}: {len(existing)} demo file(s) already exist ({', '.join(existing)}); "
            "choose another folder, or overwrite them (routes demo --force)"
        )
        raise OutputExistsError(msg)
    contents = _build_demo_contents()
    for name in names:
        write_bytes(contents[name], folder / name, overwrite=True)
    logger.info(
        "demo study area: %d files, %s bytes written to %s; %.1f s",
        len(names),
        f"{sum(len(b) for b in contents.values()):,}",
        folder,
        time.perf_counter() - started,
    )
    return DemoFiles(
        folder=folder,
        config=folder / CONFIG_FILE,
        gtfs=folder / GTFS_FILE,
        osm=folder / OSM_FILE,
        neighbourhoods=folder / ZONES_FILE,
        workplaces=folder / WORKPLACES_FILE,
        community_spaces=folder / SPACES_FILE,
        proposals=tuple(folder / name for name in PROPOSAL_FILES),
    )


def _build_demo_contents() -> dict[str, bytes]:
    """Generate every demo file in memory.

    Returns
    -------
    dict[str, bytes]
        File contents keyed by the path relative to the study-area folder
        (``"routes.toml"``, ``"gtfs/demo_town.zip"``...).
    """
    rng = _Rng(DEMO_SEED)
    town = _build_town(rng)
    zones = _build_zones(town, rng)
    spaces = [(sid, name, cat, _place_near(town, x, y)) for sid, name, cat, x, y in _SPACES]
    lines = [_build_bus_line(town, spec) for spec in _BUS_ROUTES]
    contents = {
        CONFIG_FILE: _TOML.encode("utf-8"),
        OSM_FILE: _render_osm(town, spaces),
        GTFS_FILE: _render_gtfs(lines),
        ZONES_FILE: _render_zones(zones),
        WORKPLACES_FILE: _render_points(
            "Demo Town employment zones (synthetic)",
            [
                ({"id": i, "name": n, "jobs": jobs}, _place_near(town, x, y))
                for i, n, x, y, jobs in _WORKPLACES
            ],
        ),
        SPACES_FILE: _render_points(
            "Demo Town shared community spaces (synthetic)",
            [({"id": i, "name": n, "category": c}, xy) for i, n, c, xy in spaces],
        ),
    }
    contents.update(_render_proposals(town))
    return contents


# --------------------------------------------------------------------------- randomness


class _Rng:
    """Seeded random numbers built only on ``random.Random.random``.

    Python guarantees that stream across versions; its other methods (and
    NumPy's generators) may change their algorithms between releases.
    """

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random.random()

    def normal(self, sigma: float) -> float:
        u1 = 1.0 - self._random.random()  # in (0, 1]
        u2 = self._random.random()
        return sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def integer(self, low: int, high: int) -> int:
        """Return a whole number from ``low`` to ``high`` inclusive."""
        return min(high, low + int(self._random.random() * (high - low + 1)))

    def chance(self, p: float) -> bool:
        return self._random.random() < p


# --------------------------------------------------------------------------- geometry


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return _LON0 + x / _M_PER_DEG_LON, _LAT0 + y / _M_PER_DEG_LAT


def _river_x(y: float, phase: tuple[float, float]) -> float:
    """Return x of the river's centreline at y (metres east and north of the bus station)."""
    return 760.0 + 170.0 * math.sin(y / 650.0 + phase[0]) + 70.0 * math.sin(y / 260.0 + phase[1])


def _segments_cross(
    p: tuple[float, float], q: tuple[float, float], r: tuple[float, float], s: tuple[float, float]
) -> bool:
    def orient(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(r, s, p), orient(r, s, q)
    d3, d4 = orient(p, q, r), orient(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def _point_segment_m(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


@dataclass
class _River:
    phase: tuple[float, float]
    points: list[tuple[float, float]]  # south to north, every 50 m of y

    def x_at(self, y: float) -> float:
        return _river_x(y, self.phase)

    def is_east(self, x: float, y: float) -> bool:
        return x > self.x_at(y)

    def _near(self, y_low: float, y_high: float) -> Iterator[int]:
        first = max(0, int((y_low - self.points[0][1]) // 50.0) - 2)
        last = min(len(self.points) - 2, int((y_high - self.points[0][1]) // 50.0) + 2)
        return iter(range(first, last + 1))

    def distance_m(self, x: float, y: float) -> float:
        return min(
            _point_segment_m((x, y), self.points[k], self.points[k + 1])
            for k in self._near(y - 200.0, y + 200.0)
        )

    def crosses(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        return any(
            _segments_cross(a, b, self.points[k], self.points[k + 1])
            for k in self._near(min(a[1], b[1]), max(a[1], b[1]))
        )


# --------------------------------------------------------------------------- streets


@dataclass
class _Edge:
    line: tuple[str, int]
    param: int
    a: int
    b: int
    highway: str
    name: str | None
    bridge: bool = False


@dataclass
class _Town:
    """The street network in the local frame (metres), plus the river and boundary."""

    xy: list[tuple[float, float]]
    grid: dict[tuple[int, int], int]  # grid index -> node
    edges: list[_Edge]
    river: _River
    boundary: list[tuple[float, float]]
    adjacency: dict[int, list[tuple[int, float, float]]] = field(default_factory=dict)

    def nearest_node(self, x: float, y: float, *, junction: bool = False) -> int:
        """Return the nearest node on the same river bank (or the nearest road junction)."""
        east = self.river.is_east(x, y)
        best, best_d = -1, math.inf
        for node, (nx, ny) in enumerate(self.xy):
            if junction and len(self.adjacency.get(node, ())) < 3:
                continue
            if self.river.is_east(nx, ny) != east:
                continue
            d = math.hypot(nx - x, ny - y)
            if d < best_d:
                best, best_d = node, d
        return best


def _boundary_radius(theta: float, phase: tuple[float, float]) -> float:
    a, b = _BOUNDARY_AXES_M
    ellipse = a * b / math.hypot(b * math.cos(theta), a * math.sin(theta))
    wobble = 0.05 * math.sin(3 * theta + phase[0]) + 0.03 * math.sin(5 * theta + phase[1])
    return ellipse * (1.0 + wobble)


def _inside_boundary(x: float, y: float, phase: tuple[float, float]) -> bool:
    dx, dy = x - _BOUNDARY_CENTRE[0], y - _BOUNDARY_CENTRE[1]
    return math.hypot(dx, dy) < _boundary_radius(math.atan2(dy, dx), phase) - 40.0


def _grid_position(i: int, j: int) -> tuple[float, float, float]:
    """Position (x, y) of grid index (i, j) before jitter, and the local block size, metres."""
    rho = math.hypot(i, j)
    radius = _S0_M * rho + _S1_M * rho * rho
    theta = math.atan2(j, i) + _SWIRL_RAD * math.sin(rho / 6.0)
    return radius * math.cos(theta), radius * math.sin(theta), _S0_M + 2.0 * _S1_M * rho


def _lines_of(i: int, j: int) -> list[tuple[str, int]]:
    lines = [("row", j), ("col", i)]
    if i == j:
        lines.append(("diag", 0))
    if i == -j:
        lines.append(("anti", 0))
    return lines


def _grid_street_name(kind: str, index: int) -> str:
    if kind == "row" and index == _SOUTH_BRIDGE_ROW:
        return "Bridge Street"
    if kind == "row":
        return f"{_ROW_WORDS[abs(index)]} {'Street' if index > 0 else 'Grove'}"
    return f"{_COL_WORDS[abs(index)]} {'Road' if index > 0 else 'Lane'}"


def _classify(
    line: tuple[str, int], param: int, a: tuple[int, int], b: tuple[int, int]
) -> tuple[str, str | None]:
    """OSM ``highway`` and ``name`` of a grid edge from index ``a`` to ``b``."""
    kind, index = line
    if kind == "diag":
        return ("primary", "Southgate Road") if param < 0 else ("primary", "Northgate Road")
    if kind == "anti":
        return ("primary", "Hospital Road") if param < 0 else ("secondary", "Mill Lane")
    if kind == "row" and index == 0:
        return ("primary", "Westbrook Road") if param < 0 else ("primary", "Eastfield Road")
    if kind == "col" and index == 0:
        return ("secondary", "Southfield Road") if param < 0 else ("secondary", "North Road")
    cheb_a, cheb_b = max(abs(a[0]), abs(a[1])), max(abs(b[0]), abs(b[1]))
    if cheb_a == cheb_b == _RING_IDX and abs(index) == _RING_IDX:
        return "primary", "Ring Way"
    name = _grid_street_name(kind, index)
    if max(cheb_a, cheb_b) <= _CENTRE_IDX:
        if kind == "row" and index == 1 and param < 0:
            return "pedestrian", name
        return "unclassified", name
    if abs(index) % 8 == 0:
        return "secondary", name
    if abs(index) % 4 == 0:
        return "tertiary", name
    return "residential", name


def _build_town(rng: _Rng) -> _Town:
    boundary_phase = (rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
    river = _River((rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)), [])
    river.points = [(river.x_at(float(y)), float(y)) for y in range(-4500, 4501, 50)]
    boundary = []
    for k in range(180):
        theta = 2 * math.pi * k / 180
        r = _boundary_radius(theta, boundary_phase) - 20.0
        boundary.append(
            (_BOUNDARY_CENTRE[0] + r * math.cos(theta), _BOUNDARY_CENTRE[1] + r * math.sin(theta))
        )

    # Nodes: the jittered grid inside the boundary, clear of the river except on bridges.
    xy: list[tuple[float, float]] = []
    grid: dict[tuple[int, int], int] = {}
    for j in range(-_R_IDX, _R_IDX + 1):
        for i in range(-_R_IDX, _R_IDX + 1):
            x, y, block = _grid_position(i, j)
            jitter = 0.0 if (i, j) == (0, 0) else 0.11 * block
            x += max(-2.5 * jitter, min(2.5 * jitter, rng.normal(jitter)))
            y += max(-2.5 * jitter, min(2.5 * jitter, rng.normal(jitter)))
            if not _inside_boundary(x, y, boundary_phase):
                continue
            on_bridge_line = any(line in _BRIDGE_LINES for line in _lines_of(i, j))
            if river.distance_m(x, y) < _RIVER_CLEAR_M and not on_bridge_line:
                continue
            grid[(i, j)] = len(xy)
            xy.append((x, y))

    # Grid edges, with their line (for ways) and position along it.
    candidates: list[tuple[tuple[str, int], int, tuple[int, int], tuple[int, int]]] = []
    for j in range(-_R_IDX, _R_IDX + 1):
        for i in range(-_R_IDX, _R_IDX + 1):
            candidates.append((("row", j), i, (i, j), (i + 1, j)))
            candidates.append((("col", i), j, (i, j), (i, j + 1)))
        candidates.append((("diag", 0), j, (j, j), (j + 1, j + 1)))
        candidates.append((("anti", 0), j, (j, -j), (j + 1, -j - 1)))
    edges: list[_Edge] = []
    for line, param, ia, ib in candidates:
        if ia not in grid or ib not in grid:
            continue
        a, b = grid[ia], grid[ib]
        highway, name = _classify(line, param, ia, ib)
        bridge = False
        if river.crosses(xy[a], xy[b]):
            if line not in _BRIDGE_LINES:
                continue
            bridge = True
            if line == ("row", _FOOTBRIDGE_ROW):
                highway, name = "footway", "Wend Footbridge"
        in_park = all(
            math.hypot(xy[n][0] - _PARK_CENTRE[0], xy[n][1] - _PARK_CENTRE[1]) < _PARK_RADIUS_M
            for n in (a, b)
        )
        if in_park and highway in ("residential", "tertiary"):
            if rng.chance(0.4):
                continue
            highway, name = "footway", None
        elif highway == "residential" and not bridge and line not in _BRIDGE_LINES:
            rho = math.hypot(*ia)
            if rng.chance(0.08 + 0.12 * min(1.0, rho / 24.0)):
                if not rng.chance(0.35):
                    continue
                highway, name = "footway", None  # a ginnel where the road was closed
        edges.append(_Edge(line, param, a, b, highway, name, bridge))

    # Cul-de-sacs: a short close into some suburban blocks.
    n_spurs = 0
    for j in range(-_R_IDX, _R_IDX):
        for i in range(-_R_IDX, _R_IDX):
            corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            if math.hypot(i + 0.5, j + 0.5) < 8 or i == j or i + j == -1:
                continue
            if any(c not in grid for c in corners) or not rng.chance(0.25):
                continue
            cx = sum(xy[grid[c]][0] for c in corners) / 4.0
            cy = sum(xy[grid[c]][1] for c in corners) / 4.0
            corner = grid[corners[rng.integer(0, 3)]]
            vx, vy = cx - xy[corner][0], cy - xy[corner][1]
            bend = rng.uniform(-0.25, 0.25)
            p1 = (xy[corner][0] + 0.5 * vx, xy[corner][1] + 0.5 * vy)
            p2 = (xy[corner][0] + 0.85 * vx - bend * vy, xy[corner][1] + 0.85 * vy + bend * vx)
            if math.hypot(cx - _PARK_CENTRE[0], cy - _PARK_CENTRE[1]) < _PARK_RADIUS_M + 50:
                continue
            if any(river.distance_m(*p) < _RIVER_CLEAR_M for p in (p1, p2)) or river.crosses(
                xy[corner], p2
            ):
                continue
            name = f"{_CLOSE_WORDS[n_spurs % len(_CLOSE_WORDS)]} Close"
            n1, n2 = len(xy), len(xy) + 1
            xy.extend([p1, p2])
            edges.append(_Edge(("spur", n_spurs), 0, corner, n1, "residential", name))
            edges.append(_Edge(("spur", n_spurs), 1, n1, n2, "residential", name))
            n_spurs += 1

    # Keep the part connected to the bus station; renumber nodes densely.
    neighbours: dict[int, list[int]] = {}
    for e in edges:
        neighbours.setdefault(e.a, []).append(e.b)
        neighbours.setdefault(e.b, []).append(e.a)
    seen = {grid[(0, 0)]}
    stack = [grid[(0, 0)]]
    while stack:
        for other in neighbours[stack.pop()]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    new_id = {old: new for new, old in enumerate(n for n in range(len(xy)) if n in seen)}
    town = _Town(
        xy=[xy[n] for n in range(len(xy)) if n in seen],
        grid={k: new_id[v] for k, v in grid.items() if v in seen},
        edges=[],
        river=river,
        boundary=boundary,
    )
    for e in edges:
        if e.a in seen:
            town.edges.append(
                _Edge(e.line, e.param, new_id[e.a], new_id[e.b], e.highway, e.name, e.bridge)
            )
    for e in town.edges:
        if e.highway in _NOT_DRIVABLE:
            continue
        length = math.dist(town.xy[e.a], town.xy[e.b])
        cost = length * _ROAD_FACTOR[e.highway] * (3.0 if e.line[0] == "spur" else 1.0)
        town.adjacency.setdefault(e.a, []).append((e.b, length, cost))
        town.adjacency.setdefault(e.b, []).append((e.a, length, cost))
    return town


def _shortest_path(town: _Town, source: int, target: int) -> list[int]:
    """Cheapest drivable path (main roads preferred), as a list of nodes."""
    best = {source: 0.0}
    previous: dict[int, int] = {}
    heap = [(0.0, source)]
    while heap:
        cost, node = heapq.heappop(heap)
        if node == target:
            break
        if cost > best[node]:
            continue
        for other, _, step in town.adjacency[node]:
            new = cost + step
            if new < best.get(other, math.inf):
                best[other] = new
                previous[other] = node
                heapq.heappush(heap, (new, other))
    path = [target]
    while path[-1] != source:
        path.append(previous[path[-1]])
    return path[::-1]


def _route_through(town: _Town, waypoints: Sequence[tuple[float, float]]) -> list[int]:
    """Drivable path through the road junctions nearest to the waypoints, without U-turns."""
    nodes = [town.nearest_node(x, y, junction=True) for x, y in waypoints]
    path = [nodes[0]]
    for a, b in itertools.pairwise(nodes):
        for node in _shortest_path(town, a, b)[1:]:
            if len(path) > 1 and path[-2] == node:
                path.pop()
            else:
                path.append(node)
    return path


def _place_near(town: _Town, x: float, y: float) -> tuple[float, float]:
    """Return a point 17 m from the street node nearest to (x, y), on the same river bank."""
    nx, ny = town.xy[town.nearest_node(x, y)]
    return nx + 14.0, ny + 10.0


# --------------------------------------------------------------------------- OSM


def _ways(town: _Town) -> list[tuple[list[int], list[tuple[str, str]]]]:
    """Chain edges of one line and equal tags into ways, in a fixed order."""
    by_line: dict[tuple[str, int], list[_Edge]] = {}
    for e in town.edges:
        by_line.setdefault(e.line, []).append(e)
    ways: list[tuple[list[int], list[tuple[str, str]]]] = []
    for line in sorted(by_line):
        run: list[_Edge] = []
        for e in sorted(by_line[line], key=lambda e: e.param):
            prev = run[-1] if run else None
            if prev is not None and (
                e.param == prev.param + 1
                and e.a == prev.b
                and (e.highway, e.name, e.bridge) == (prev.highway, prev.name, prev.bridge)
            ):
                run.append(e)
                continue
            if run:
                ways.append(_way(run))
            run = [e]
        if run:
            ways.append(_way(run))
    return ways


def _way(run: list[_Edge]) -> tuple[list[int], list[tuple[str, str]]]:
    first = run[0]
    tags = [("highway", first.highway)]
    if first.name:
        tags.append(("name", first.name))
    if first.bridge:
        tags += [("bridge", "yes"), ("layer", "1")]
    if first.highway in ("primary", "secondary"):
        tags.append(("maxspeed", "30 mph"))
    return [first.a] + [e.b for e in run], sorted(tags)


def _render_osm(town: _Town, spaces: list[tuple[str, str, str, tuple[float, float]]]) -> bytes:
    lonlat = [_lonlat(x, y) for x, y in town.xy]
    lons = [p[0] for p in lonlat]
    lats = [p[1] for p in lonlat]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="community-routes demo (synthetic data)">',
        "  <!-- Demo Town: an invented town, not a real place. Written by `routes demo`. -->",
        f'  <bounds minlat="{min(lats):.7f}" minlon="{min(lons):.7f}" '
        f'maxlat="{max(lats):.7f}" maxlon="{max(lons):.7f}"/>',
    ]
    for node, (lon, lat) in enumerate(lonlat, start=1):
        out.append(f'  <node id="{node}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    next_node = len(lonlat) + 1
    for sid, name, category, (x, y) in spaces:
        lon, lat = _lonlat(x, y)
        key, value = _OSM_TAGS[category]
        tags = [(key, value), ("name", name), ("ref", sid)]
        if category == "place_of_worship":
            religion = (
                "muslim"
                if ("Mosque" in name or "Masjid" in name)
                else ("hindu" if "Mandir" in name else "christian")
            )
            tags.append(("religion", religion))
        out.append(f'  <node id="{next_node}" lat="{lat:.7f}" lon="{lon:.7f}">')
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags)]
        out.append("  </node>")
        next_node += 1
    river_ids = []
    for x, y in town.river.points:
        if not -3300.0 <= y <= 3300.0:
            continue
        lon, lat = _lonlat(x, y)
        out.append(f'  <node id="{next_node}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
        river_ids.append(next_node)
        next_node += 1
    way_id = 1
    for nodes, tags in _ways(town):
        out.append(f'  <way id="{way_id}">')
        out += [f'    <nd ref="{n + 1}"/>' for n in nodes]
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags]
        out.append("  </way>")
        way_id += 1
    out.append(f'  <way id="{way_id}">')
    out += [f'    <nd ref="{n}"/>' for n in river_ids]
    out += ['    <tag k="name" v="River Wend"/>', '    <tag k="waterway" v="river"/>', "  </way>"]
    out.append("</osm>")
    return ("\n".join(out) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- GTFS


@dataclass
class _Stop:
    stop_id: str
    name: str
    x: float
    y: float
    parent: str = ""
    location_type: int = 0


@dataclass
class _BusLine:
    route_id: str
    short_name: str
    long_name: str
    terminus: str
    colour: str
    peak_min: int
    offpeak_min: int
    path: list[tuple[float, float]]
    stops_out: list[tuple[_Stop, float]]  # stop, distance from the bus station, metres
    stops_in: list[tuple[_Stop, float]]  # stop, distance from the terminus, metres


def _cross_street(town: _Town, node: int, index: tuple[int, int], road: str) -> str:
    """Name a stop's cross street: a named street at its node, else the grid line's name."""
    names = {e.name for e in town.edges if node in (e.a, e.b) and e.name}
    names.discard(road)
    if names:
        return sorted(names)[0]
    i, j = index
    return _grid_street_name("col", i) if j == 0 else _grid_street_name("row", j)


def _build_bus_line(town: _Town, spec: tuple[str, str, str, str, str, int, int, str]) -> _BusLine:
    """Run a route out along its arterial from the bus station, stops every ~350 m."""
    route_id, short, long_name, arm, terminus, peak, offpeak, colour = spec
    di, dj = _ARMS[arm]
    indexes: list[tuple[int, int]] = []
    while (len(indexes) * di, len(indexes) * dj) in town.grid:
        indexes.append((len(indexes) * di, len(indexes) * dj))
    nodes = [town.grid[ij] for ij in indexes]
    path = [town.xy[n] for n in nodes]
    along = [0.0]
    for p, q in itertools.pairwise(path):
        along.append(along[-1] + math.dist(p, q))
    chosen: list[int] = []  # positions along the path with a pair of stops
    for m in range(1, int(along[-1] // _STOP_SPACING_M) + 1):
        best = min(range(1, len(path) - 1), key=lambda n: abs(along[n] - m * _STOP_SPACING_M))
        if not chosen or best > chosen[-1]:
            chosen.append(best)
    if chosen and along[-1] - along[chosen[-1]] < _STOP_SPACING_M / 2:
        chosen.pop()
    number = int(route_id)
    stand = _Stop(
        f"BS{route_id}",
        f"Bus Station (stand {'ABCDEF'[number - 1]})",
        -40.0 + 16.0 * number,
        -22.0,
        parent="BS",
    )
    end_x, end_y = path[-1]
    term = _Stop(f"DT{route_id}T", f"{terminus} Terminus", end_x + 8.0, end_y + 8.0)
    stops_out: list[tuple[_Stop, float]] = [(stand, 0.0)]
    stops_in: list[tuple[_Stop, float]] = []
    road = _ARM_ROADS[arm]
    for seq, n in enumerate(chosen, start=1):
        (x0, y0), (x1, y1) = path[n - 1], path[n + 1]
        norm = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / norm, (y1 - y0) / norm
        name = f"{road} / {_cross_street(town, nodes[n], indexes[n], road)}"
        x, y = path[n]
        # Buses keep left: each stop of a pair is on the left of its direction of travel.
        out_stop = _Stop(f"DT{route_id}{seq:02d}A", name, x - 9.0 * uy, y + 9.0 * ux)
        in_stop = _Stop(f"DT{route_id}{seq:02d}B", name, x + 9.0 * uy, y - 9.0 * ux)
        stops_out.append((out_stop, along[n]))
        stops_in.append((in_stop, along[-1] - along[n]))
    stops_out.append((term, along[-1]))
    stops_in = [(term, 0.0), *stops_in[::-1], (stand, along[-1])]
    return _BusLine(
        route_id, short, long_name, terminus, colour, peak, offpeak, path, stops_out, stops_in
    )


def _headway_min(t_min: int, service: str, line: _BusLine) -> int:
    """Minutes to the next departure after one at ``t_min`` (minutes after midnight)."""
    if service == "SA":
        if t_min < 9 * 60:
            return 30
        return max(20, line.offpeak_min) if t_min < 18 * 60 else 60
    if t_min < 7 * 60:
        return 30
    if t_min < 9 * 60 + 30 or 15 * 60 + 30 <= t_min < 18 * 60 + 30:
        return line.peak_min
    if t_min < 15 * 60 + 30:
        return line.offpeak_min
    return 30 if t_min < 20 * 60 else 60


def _departures_min(line: _BusLine, service: str, offset_min: int) -> Iterator[int]:
    """Departures from the first stop, minutes after midnight: 06:00-23:30 (Sat 07:00-23:00)."""
    t_min, end_min = (7 * 60, 23 * 60) if service == "SA" else (6 * 60, 23 * 60 + 30)
    t_min += offset_min
    while t_min < end_min:
        yield t_min
        t_min += _headway_min(t_min, service, line)


def _speed_kmh(t_min: int, service: str) -> float:
    if service == "SA":
        return 18.0
    if 7 * 60 <= t_min < 9 * 60 + 30 or 15 * 60 + 30 <= t_min < 18 * 60 + 30:
        return 16.0
    return 19.0 if t_min < 19 * 60 else 21.0


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _render_gtfs(lines: list[_BusLine]) -> bytes:
    stops: dict[str, _Stop] = {"BS": _Stop("BS", "Demo Town Bus Station", 0.0, -22.0, "", 1)}
    for line in lines:
        for stop, _ in (*line.stops_out, *line.stops_in):
            stops[stop.stop_id] = stop
    trips: list[tuple[str, ...]] = []
    stop_times: list[tuple[object, ...]] = []
    shapes: list[tuple[object, ...]] = []
    for r, line in enumerate(lines):
        for direction, sequence in ((0, line.stops_out), (1, line.stops_in)):
            way = "OI"[direction]
            shape_id = f"{line.route_id}-{way}"
            for k, (x, y) in enumerate(line.path if direction == 0 else line.path[::-1]):
                lon, lat = _lonlat(x, y)
                shapes.append((shape_id, f"{lat:.6f}", f"{lon:.6f}", k + 1))
            headsign = "Bus Station" if direction else line.terminus
            for service in ("WD", "SA"):
                # Routes leave 2 minutes apart; the return journeys 5 minutes later.
                for t_min in _departures_min(line, service, 2 * r + 5 * direction):
                    trip_id = f"{line.route_id}-{service}-{way}-{t_min // 60:02d}{t_min % 60:02d}"
                    trips.append(
                        (line.route_id, service, trip_id, headsign, str(direction), shape_id)
                    )
                    speed_m_s = _speed_kmh(t_min, service) / 3.6
                    last = len(sequence)
                    for seq, (stop, dist_m) in enumerate(sequence, start=1):
                        arrive = t_min * 60 + round(dist_m / speed_m_s) + _DWELL_S * max(0, seq - 2)
                        depart = arrive + (_DWELL_S if 1 < seq < last else 0)
                        timepoint = 1 if seq in (1, last) else 0
                        stop_times.append(
                            (trip_id, format_gtfs_time(arrive), format_gtfs_time(depart),
                             stop.stop_id, seq, timepoint)
                        )
    tables = {
        "agency.txt": _csv(
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            [
                [
                    "DTB",
                    "Demo Town Buses (synthetic)",
                    "https://example.org/demo-town",
                    "Europe/London",
                    "en",
                ]
            ],
        ),
        "calendar.txt": _csv(
            [
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
            [
                ["WD", 1, 1, 1, 1, 1, 0, 0, "20260101", "20261231"],
                ["SA", 0, 0, 0, 0, 0, 1, 0, "20260101", "20261231"],
            ],
        ),
        # Bank holidays: no weekday timetable; the Saturday one runs instead.
        "calendar_dates.txt": _csv(
            ["service_id", "date", "exception_type"],
            [row for d in _BANK_HOLIDAYS_2026 for row in (["WD", d, 2], ["SA", d, 1])],
        ),
        "feed_info.txt": _csv(
            [
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
            ],
            [
                [
                    "Community Routes demo (synthetic data)",
                    "https://example.org/community-routes",
                    "en",
                    "20260101",
                    "20261231",
                    "demo-1",
                ]
            ],
        ),
        "routes.txt": _csv(
            [
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
                "route_color",
                "route_text_color",
            ],
            [
                [ln.route_id, "DTB", ln.short_name, ln.long_name, 3, ln.colour, "FFFFFF"]
                for ln in lines
            ],
        ),
        "shapes.txt": _csv(
            ["shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"], shapes
        ),
        "stop_times.txt": _csv(
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"],
            stop_times,
        ),
        "stops.txt": _csv(
            [
                "stop_id",
                "stop_code",
                "stop_name",
                "stop_lat",
                "stop_lon",
                "location_type",
                "parent_station",
            ],
            [
                [
                    s.stop_id,
                    s.stop_id,
                    s.name,
                    f"{_lonlat(s.x, s.y)[1]:.6f}",
                    f"{_lonlat(s.x, s.y)[0]:.6f}",
                    s.location_type,
                    s.parent,
                ]
                for s in sorted(stops.values(), key=lambda s: s.stop_id)
            ],
        ),
        "trips.txt": _csv(
            ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"],
            trips,
        ),
    }
    return zip_bytes(tables)


# --------------------------------------------------------------------------- zones


@dataclass
class _Zone:
    zone_id: str
    name: str
    kind: str
    geometry: Any  # shapely Polygon or MultiPolygon, metres
    pop: int
    imd_decile: int
    groups: tuple[int, ...]


def _zone_kind(x: float, y: float, east: bool, river: _River) -> str:
    if east:
        inner = x - river.x_at(y) < 1300.0 and -1800.0 < y < 2000.0
        return "inner_east" if inner else "outer_east"
    if math.hypot(x, y) < 900.0:
        return "centre"
    if y < -900.0 and x < 0.0:
        return "southwest"
    if x < -2000.0:
        return "west_suburb"
    if y > 900.0 and x < -500.0:
        return "northwest"
    return "middle"


def _split_counts(total: int, shares: Sequence[float]) -> tuple[int, ...]:
    """Largest-remainder split of ``total`` by ``shares`` (which sum to 1)."""
    raw = [total * s for s in shares]
    counts = [int(math.floor(v)) for v in raw]
    order = sorted(range(len(raw)), key=lambda k: (counts[k] - raw[k], k))
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    return tuple(counts)


def _build_zones(town: _Town, rng: _Rng) -> list[_Zone]:
    import shapely
    from shapely.geometry import MultiPoint, Polygon

    river = town.river
    outline = Polygon(town.boundary)
    far = 20_000.0
    west_cut = Polygon([*river.points, (-far, river.points[-1][1]), (-far, river.points[0][1])])
    water = Polygon(
        [(x - 12.0, y) for x, y in river.points] + [(x + 12.0, y) for x, y in river.points[::-1]]
    )
    sides = {
        False: _largest(outline.intersection(west_cut).difference(water)),
        True: _largest(outline.difference(west_cut).difference(water)),
    }
    zones: list[tuple[float, float, bool, Any]] = []
    for east, count in ((False, _N_ZONES_WEST), (True, _N_ZONES_EAST)):
        side = sides[east]
        xmin, ymin, xmax, ymax = side.bounds
        seeds: list[tuple[float, float]] = []
        for _ in range(50_000):
            if len(seeds) == count:
                break
            x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
            gap = 430.0 + 0.2 * math.hypot(x, y)
            if not shapely.contains_xy(side, x, y) or river.distance_m(x, y) < 150.0:
                continue
            if all(math.hypot(x - sx, y - sy) >= gap for sx, sy in seeds):
                seeds.append((x, y))
        cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=side.envelope.buffer(1000))
        for x, y in seeds:
            cell = next(c for c in cells.geoms if shapely.contains_xy(c, x, y))
            zones.append((x, y, east, _largest(cell.intersection(side))))
    zones.sort(key=lambda z: (z[0], z[1]))
    used_names: dict[str, int] = {}
    out = []
    for number, (x, y, east, geometry) in enumerate(zones, start=1):
        kind = _zone_kind(x, y, east, river)
        deciles, pops, shares, names = _KINDS[kind]
        k = used_names.get(kind, 0)
        used_names[kind] = k + 1
        name = names[k % len(names)] + ("" if k < len(names) else " North")
        pop = rng.integer(*pops)
        noisy = [s * math.exp(rng.normal(0.25)) for s in shares]
        total = sum(noisy)
        groups = _split_counts(pop, [s / total for s in noisy])
        out.append(
            _Zone(f"DT{number:03d}", name, kind, geometry, pop, rng.integer(*deciles), groups)
        )
    return out


def _largest(geometry: Any) -> Any:
    if geometry.geom_type == "Polygon":
        return geometry
    return max(geometry.geoms, key=lambda g: (g.area, g.bounds))


# --------------------------------------------------------------------------- GeoJSON


def _lonlat_list(x: float, y: float, digits: int = 6) -> list[float]:
    lon, lat = _lonlat(x, y)
    return [round(lon, digits), round(lat, digits)]


def _polygon_coordinates(polygon: Any) -> list[list[list[float]]]:
    from shapely.geometry.polygon import orient

    polygon = orient(polygon.simplify(2.0), sign=1.0)  # RFC 7946: exterior anticlockwise
    rings = []
    for ring in (polygon.exterior, *polygon.interiors):
        coords: list[list[float]] = []
        for x, y in ring.coords:
            point = _lonlat_list(x, y)
            if not coords or coords[-1] != point:
                coords.append(point)
        rings.append(coords)
    return rings


def _dumps(collection: dict[str, Any]) -> bytes:
    """GeoJSON text: one feature per line, keys in a fixed order."""
    features = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]
    ]
    head = {k: v for k, v in collection.items() if k != "features"}
    text = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    text += ',\n  "features": [\n' + ",\n".join(f"    {f}" for f in features) + "\n  ]\n}\n"
    return text.encode("utf-8")


_PAIR = re.compile(r"\[\s+(-?[0-9.]+),\s+(-?[0-9.]+)\s+\]")


def _dumps_pretty(collection: dict[str, Any]) -> bytes:
    """GeoJSON text indented for reading and editing, one ``[lon, lat]`` per line."""
    text = json.dumps(collection, ensure_ascii=False, indent=2)
    return (_PAIR.sub(r"[\1, \2]", text) + "\n").encode("utf-8")


def _render_zones(zones: list[_Zone]) -> bytes:
    features = []
    for z in zones:
        properties: dict[str, Any] = {
            "id": z.zone_id,
            "name": z.name,
            "pop": z.pop,
            "imd_decile": z.imd_decile,
        }
        properties.update(zip(_GROUPS, z.groups, strict=True))
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": _polygon_coordinates(z.geometry)},
            }
        )
    return _dumps(
        {
            "type": "FeatureCollection",
            "name": "Demo Town neighbourhoods (synthetic)",
            "features": features,
        }
    )


def _render_points(title: str, rows: list[tuple[dict[str, Any], tuple[float, float]]]) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Point", "coordinates": _lonlat_list(x, y)},
        }
        for properties, (x, y) in rows
    ]
    return _dumps({"type": "FeatureCollection", "name": title, "features": features})


def _render_proposals(town: _Town) -> dict[str, bytes]:
    def line(waypoints: Sequence[tuple[float, float]]) -> list[list[float]]:
        return [_lonlat_list(*town.xy[n]) for n in _route_through(town, waypoints)]

    crosstown = {
        "type": "Feature",
        "properties": {
            "name": "X1 Crosstown Link",
            "description": (
                "Synthetic example. Links the deprived, mostly Asian neighbourhoods east of "
                "the River Wend over the Bridge Street bridge to Riverside Community Centre, the "
                "white-majority Southgate estates and the Southgate Industrial Estate, "
                "without a change at the bus station."
            ),
            "headway_min": {
                "06:30-09:30": 12,
                "09:30-15:30": 20,
                "15:30-18:30": 12,
                "18:30-22:00": 30,
            },
            "speed_kmh": 18,
            "stop_spacing_m": 350,
            "days": "weekdays",
            "stroke": "#d62728",
        },
        "geometry": {
            "type": "LineString",
            "coordinates": line(
                [
                    (1750, 1500),
                    (1450, 300),
                    (1300, -1000),
                    (250, -1400),
                    (-1750, -1650),
                    (-2250, -2100),
                ]
            ),
        },
    }
    stop_names = ("Bus Station", "Town Hall", "College", "Infirmary Hill", "Hospital Main Entrance")
    stop_xy = ((0, 0), (-300, 350), (-500, 800), (-1050, 1200), (-1600, 1600))
    shuttle_nodes = _route_through(town, stop_xy)
    stop_nodes = [town.nearest_node(x, y, junction=True) for x, y in stop_xy]
    shuttle: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {
                "name": "H1 Hospital Shuttle",
                "description": (
                    "Synthetic example. A short, cheap shuttle from the bus station to the "
                    "hospital past the college, with five explicit stops."
                ),
                "headway_min": 15,
                "start": "07:00",
                "end": "19:00",
                "speed_kmh": 17,
                "dwell_s": 30,
                "days": "weekdays",
                "stroke": "#2ca02c",
            },
            "geometry": {
                "type": "LineString",
                "coordinates": [_lonlat_list(*town.xy[k]) for k in shuttle_nodes],
            },
        }
    ]
    for node, name in zip(stop_nodes, stop_names, strict=True):
        shuttle.append(
            {
                "type": "Feature",
                "properties": {"route": "H1 Hospital Shuttle", "name": name},
                "geometry": {"type": "Point", "coordinates": _lonlat_list(*town.xy[node])},
            }
        )
    express = {
        "type": "Feature",
        "properties": {
            "name": "X4 Westbrook Express",
            "description": (
                "Synthetic example. A fast, frequent limited-stop service from the affluent "
                "western suburbs to the town centre: quick, but it serves few deprived "
                "residents."
            ),
            "headway_min": {"06:30-09:30": 10, "09:30-15:30": 20, "15:30-19:00": 10},
            "speed_kmh": 24,
            "stop_spacing_m": 800,
            "days": "weekdays",
            "stroke": "#1f77b4",
        },
        "geometry": {
            "type": "LineString",
            "coordinates": line([(-3000, 900), (0, 0)]),
        },
    }
    collections = {
        PROPOSAL_FILES[0]: ("crosstown_link", [crosstown]),
        PROPOSAL_FILES[1]: ("hospital_shuttle", shuttle),
        PROPOSAL_FILES[2]: ("express_to_centre", [express]),
    }
    return {
        path: _dumps_pretty(
            {
                "type": "FeatureCollection",
                "name": f"{name} (Demo Town, synthetic)",
                "features": features,
            }
        )
        for path, (name, features) in collections.items()
    }
