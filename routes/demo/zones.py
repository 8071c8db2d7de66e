"""Demo Town's neighbourhoods: LSOA-like polygons with population, deprivation and groups."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from routes.demo.town import _River, _Rng, _Town

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
