"""Demo Town's layers and example proposals as GeoJSON text."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from routes.demo.town import _lonlat, _route_through, _Town
from routes.demo.zones import _GROUPS, _Zone

PROPOSAL_FILES = (
    "examples/crosstown_link.geojson",
    "examples/hospital_shuttle.geojson",
    "examples/express_to_centre.geojson",
    "examples/route_6_withdrawn.geojson",
    "examples/hopper_ticket.geojson",
)

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
    # A cut rather than a new route: the feature names an existing GTFS route.
    withdrawn = {
        "type": "Feature",
        "properties": {"type": "remove_route", "gtfs_route_id": "demo_town:6"},
        "geometry": None,
    }
    # Fares alone, no new bus: a change of bus within an hour costs nothing more.
    hopper = {
        "type": "Feature",
        "properties": {"type": "through_ticket", "operators": "all", "transfer_window_min": 60,
                       "transfer_price": 0, "max_transfers": "unlimited"},
        "geometry": None,
    }
    collections = {
        PROPOSAL_FILES[0]: ("crosstown_link", [crosstown]),
        PROPOSAL_FILES[1]: ("hospital_shuttle", shuttle),
        PROPOSAL_FILES[2]: ("express_to_centre", [express]),
        PROPOSAL_FILES[3]: ("route_6_withdrawn: route 6 (Bus Station - Northgate) withdrawn "
                            "to save money; who loses?", [withdrawn]),
        PROPOSAL_FILES[4]: ("hopper_ticket: Demo Town Hopper, change buses within an hour for "
                            "no extra fare (no new buses)", [hopper]),
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
