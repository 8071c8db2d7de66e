"""Demo Town's streets: a seeded, jittered street grid with a river, bridges and a park.

Everything is in a local frame, x metres east and y metres north of the bus
station, built in plain Python from one seed (see :mod:`routes.demo`).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

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
