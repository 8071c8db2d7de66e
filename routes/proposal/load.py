"""Load a proposal file: GeoJSON or another vector file, validated, every problem at once.

A proposal is a GeoJSON FeatureCollection in WGS84 longitude/latitude (RFC 7946),
or a GeoPackage, Shapefile or other vector file with the same attributes in any
CRS it declares (read through GDAL).

- Each ``LineString`` feature is a new route, drawn along the streets it runs on.
- ``Point`` features with a ``route`` property are explicit stops of that route.
- Features with ``geometry: null`` and a ``type`` property change the existing
  GTFS network (``remove_route``, ``change_headway``), in the style of Conveyal
  modifications, or its fares alone (``through_ticket``, ``change_fare``; see
  :mod:`routes.proposal._fare_fields`): a proposal of fare features only needs no buses.

Route properties
----------------
==================  ========  ==============================================================
property            default   meaning
==================  ========  ==============================================================
``name``            required  unique route name, used as GTFS ``route_short_name``
``headway_min``     required  minutes between departures: a number, or an object mapping
                              ``"HH:MM-HH:MM"`` periods to numbers (the periods then define
                              the service span and ``start``/``end`` are ignored)
``start``/``end``   06:00 /   service span; departures in ``[start, end)``; ``end`` may pass
                    23:00     midnight (``"25:30"``)
``speed_kmh``       18        average running speed between stops, excluding dwell
``dwell_s``         20        dwell at each intermediate stop
``stop_spacing_m``  400       spacing of generated stops (not used with explicit stops)
``bidirectional``   true      also run the reverse direction
``days``            weekdays  ``"weekdays"``, ``"weekends"``, ``"daily"`` or a list such as
                              ``["mon", "sat"]``
``route_type``      3         GTFS route type (3 = bus)
``fare``            [fares]   its single fare in ``[fares].currency`` (0: a free shuttle)
``operator``        its own   an operator (agency id or NOC) whose tickets it shares
==================  ========  ==============================================================

Styling keys from the simplestyle spec (``stroke``, ``marker-color``, ``title``,
``description``...) that geojson.io and similar editors add are accepted and ignored.

Distances are measured in a local metric CRS: the UTM zone of the route's extent.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from routes.errors import InputError, ProposalError, RoutesWarning, join_problems
from routes.proposal._fare_fields import parse_fare_feature, parse_route_fare
from routes.proposal._fields import (
    _CHANGE_KEYS,
    _GTFS_ROUTE_TYPES,
    _KNOWN_KEYS,
    _REMOVE_KEYS,
    _ROUTE_KEYS,
    _STOP_KEYS,
    FieldParser,
)
from routes.proposal._files import read_proposal_features
from routes.proposal.model import (
    DEFAULT_DWELL_S,
    DEFAULT_SPEED_KMH,
    DEFAULT_STOP_SPACING_M,
    MAX_DWELL_S,
    MAX_ROUTE_KM,
    MAX_SPEED_KMH,
    MAX_STOP_OFFSET_M,
    MAX_STOP_SPACING_M,
    MIN_SPEED_KMH,
    MIN_STOP_SPACING_M,
    FareKind,
    FareModification,
    ModificationKind,
    Proposal,
    ProposalRoute,
    ProposalStop,
    RouteModification,
    logger,
)
from routes.proposal.stops import _route_line_m

__all__ = ["load_proposal"]


# --------------------------------------------------------------------------- loading


def load_proposal(path: Path) -> Proposal:
    """Load and validate a proposal file.

    Parameters
    ----------
    path
        A GeoJSON FeatureCollection in WGS84 lon/lat; see the module docstring
        for the properties. Or any vector file GDAL reads (GeoPackage,
        Shapefile... as QGIS saves them), in the CRS it declares, with the
        same properties as attribute columns (see :mod:`routes.proposal._files`).
        At most ``MAX_PROPOSAL_BYTES`` and ``MAX_PROPOSAL_VERTICES`` (20 MB, 100,000).

    Returns
    -------
    Proposal
        The validated proposal, named after the file stem.

    Raises
    ------
    ProposalError
        If the file cannot be read or is not a valid proposal. All problems are
        collected first and reported together, one line each, naming the file,
        the feature (index and name) and the property.

    Warns
    -----
    RoutesWarning
        When ``start``/``end`` are given together with a headway table (they
        are ignored), or ``stop_spacing_m`` together with explicit stops.
    """
    path = Path(path)
    label = str(path)
    features, labels = read_proposal_features(path, label, _KNOWN_KEYS)

    parser = _Parser(label, labels)
    for index, feature in enumerate(features):
        parser.parse_feature(index, feature)
    routes = parser.finish()
    modifications = tuple(parser.modifications)
    fare_changes = tuple(parser.fare_changes)
    if not parser.problems and not routes and not modifications and not fare_changes:
        parser.problems.append(
            f"{label}: no routes or modifications; add a LineString feature with"
            " 'name' and 'headway_min', or a modification feature"
        )
    if parser.problems:
        raise ProposalError(join_problems(parser.problems))
    logger.info(
        "proposal %s: %d routes, %d modifications", path.stem, len(routes), len(modifications)
    )
    return Proposal(name=path.stem, source=path, routes=routes, modifications=modifications,
                    fare_changes=fare_changes)


@dataclass
class _RouteDraft:
    index: int
    name: str
    coords: tuple[tuple[float, float], ...]
    fields: dict[str, Any]
    spacing_given: bool


@dataclass
class _StopDraft:
    index: int
    route: str
    stop: ProposalStop


class _Parser(FieldParser):
    """Collects routes, stops, modifications and problems feature by feature."""

    def __init__(self, label: str, feature_labels: list[str] | None = None) -> None:
        super().__init__(label, feature_labels)
        self.routes: list[_RouteDraft] = []
        self.stops: list[_StopDraft] = []
        self.modifications: list[RouteModification] = []
        self.fare_changes: list[FareModification] = []
        self.names: dict[str, int] = {}
        self.modified: dict[str, int] = {}

    def parse_feature(self, index: int, feature: object) -> None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            self.add(
                self.where(index),
                "type",
                f"expected a GeoJSON 'Feature', got {got!r}; "
                "wrap the geometry in a Feature with properties",
            )
            return
        props = feature.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            self.add(
                self.where(index),
                "properties",
                "expected an object; give the feature a 'properties' object",
            )
            return
        geometry = feature.get("geometry")
        if geometry is None and str(props.get("type")).strip().lower() in set(FareKind):
            fare = parse_fare_feature(self, index, props)
            self.fare_changes += [fare] if fare is not None else []
            return
        if geometry is None:
            self.parse_modification(index, props)
            return
        gtype = geometry.get("type") if isinstance(geometry, dict) else None
        if gtype == "LineString":
            self.parse_route(index, props, geometry)
        elif gtype == "Point":
            self.parse_stop(index, props, geometry)
        elif gtype == "MultiLineString":
            self.add(
                self.where(index, props.get("name")),
                "geometry",
                "MultiLineString is not supported; split it into one LineString feature per"
                " route, or join the parts into a single line",
            )
        else:
            self.add(
                self.where(index, props.get("name")),
                "geometry",
                f"{gtype!r} is neither a route nor a stop; draw a route as a LineString, a"
                " stop as a Point with a 'route' property, or use geometry null for a"
                " modification",
            )

    # ----------------------------------------------------------------- routes

    def parse_route(self, index: int, props: dict[str, Any], geometry: dict[str, Any]) -> None:
        where = self.where(index, props.get("name"))
        n_before = len(self.problems)
        self.check_keys(where, props, _ROUTE_KEYS, "route")
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            self.add(
                where,
                "name",
                f"expected a non-empty route name, got {name!r}; give every route a unique 'name'",
            )
            name = None
        else:
            name = name.strip()
            if name in self.names:
                self.add(
                    where,
                    "name",
                    f"{name!r} is already used by feature "
                    f"{self.names[name]}; give each route a unique name",
                )
            else:
                self.names[name] = index
        coords = self.parse_line(where, geometry.get("coordinates"))
        fields: dict[str, Any] = {}
        fields["headways"] = self.parse_headways(where, props)
        fields["speed_kmh"] = self.parse_number(
            where,
            props,
            "speed_kmh",
            DEFAULT_SPEED_KMH,
            MIN_SPEED_KMH,
            MAX_SPEED_KMH,
            low_open=True,
            unit="km/h",
            hint=f"give the average running speed, e.g. {DEFAULT_SPEED_KMH:g} for a UK town",
        )
        fields["dwell_s"] = self.parse_number(
            where,
            props,
            "dwell_s",
            DEFAULT_DWELL_S,
            0.0,
            MAX_DWELL_S,
            unit="seconds",
            hint=f"give the dwell per stop in seconds, e.g. {DEFAULT_DWELL_S:g}",
        )
        fields["stop_spacing_m"] = self.parse_number(
            where,
            props,
            "stop_spacing_m",
            DEFAULT_STOP_SPACING_M,
            MIN_STOP_SPACING_M,
            MAX_STOP_SPACING_M,
            unit="metres",
            hint=f"give the stop spacing in metres, e.g. {DEFAULT_STOP_SPACING_M:g}",
        )
        fields["bidirectional"] = props.get("bidirectional", True)
        if not isinstance(fields["bidirectional"], bool):
            self.add(
                where,
                "bidirectional",
                f"expected true or false, got "
                f"{fields['bidirectional']!r}; use a JSON boolean without quotes",
            )
        fields["days"] = self.parse_days(where, props.get("days", "weekdays"))
        route_type = props.get("route_type", 3)
        if (
            isinstance(route_type, bool)
            or not isinstance(route_type, int)
            or not (route_type in _GTFS_ROUTE_TYPES or 100 <= route_type <= 1799)
        ):
            self.add(
                where,
                "route_type",
                f"{route_type!r} is not a GTFS route type; use 3 for bus (or leave it out)",
            )
        fields["route_type"] = route_type
        fields.update(parse_route_fare(self, where, props))
        if len(self.problems) == n_before and name is not None and coords is not None:
            self.routes.append(_RouteDraft(index, name, coords, fields, "stop_spacing_m" in props))

    # ------------------------------------------------------------------ stops

    def parse_stop(self, index: int, props: dict[str, Any], geometry: dict[str, Any]) -> None:
        route = props.get("route")
        name = props.get("name")
        where = self.where(index, name if isinstance(name, str) else None)
        n_before = len(self.problems)
        self.check_keys(where, props, _STOP_KEYS, "stop")
        if not isinstance(route, str) or not route.strip():
            self.add(
                where,
                "route",
                "a Point must name the route it is a stop of; set "
                "'route' to the route's name (or remove the point)",
            )
        if name is not None and not isinstance(name, str):
            self.add(where, "name", f"expected a stop name string, got {name!r}")
        point = self.parse_position(where, geometry.get("coordinates"), "position")
        if len(self.problems) == n_before and point is not None and isinstance(route, str):
            stop = ProposalStop(point[0], point[1], name.strip() if name else None, index)
            self.stops.append(_StopDraft(index, route.strip(), stop))

    # ---------------------------------------------------------- modifications

    def parse_modification(self, index: int, props: dict[str, Any]) -> None:
        kind_value = props.get("type")
        route_id = props.get("gtfs_route_id")
        label = f"{kind_value} {route_id}" if isinstance(route_id, str) else None
        where = self.where(index, label)
        if "type" not in props:
            self.add(
                where,
                "geometry",
                "missing; draw a route as a LineString, or for a "
                "modification set 'type' to 'remove_route' or 'change_headway'",
            )
            return
        try:
            kind = ModificationKind(str(kind_value))
        except ValueError:
            self.add(
                where,
                "type",
                f"{kind_value!r} is not a modification; use 'remove_route' or 'change_headway'",
            )
            return
        n_before = len(self.problems)
        allowed = _REMOVE_KEYS if kind is ModificationKind.REMOVE_ROUTE else _CHANGE_KEYS
        self.check_keys(where, props, allowed, kind.value)
        if not isinstance(route_id, str) or not route_id.strip():
            self.add(
                where,
                "gtfs_route_id",
                f"expected a GTFS route id string such as "
                f"'feed:route', got {route_id!r}; quote ids that look like numbers",
            )
            return
        route_id = route_id.strip()
        headway_s = None
        if kind is ModificationKind.CHANGE_HEADWAY:
            if "headway_min" not in props:
                self.add(
                    where,
                    "headway_min",
                    "missing; give the new minutes between departures, e.g. 15",
                )
            else:
                headway_s = self.parse_headway_value(
                    where, "headway_min", props["headway_min"], "a single number, e.g. 15"
                )
        if route_id in self.modified:
            self.add(
                where,
                "gtfs_route_id",
                f"{route_id!r} is already modified by feature "
                f"{self.modified[route_id]}; keep one modification per route",
            )
        self.modified.setdefault(route_id, index)
        if len(self.problems) == n_before:
            self.modifications.append(RouteModification(kind, route_id, headway_s, index))

    # ------------------------------------------------------------------ finish

    def finish(self) -> tuple[ProposalRoute, ...]:
        by_route: dict[str, list[_StopDraft]] = {}
        for stop in self.stops:
            if stop.route in self.names:
                by_route.setdefault(stop.route, []).append(stop)
                continue
            close = difflib.get_close_matches(stop.route, list(self.names), n=3)
            extra = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            self.add(
                self.where(stop.index, stop.stop.name),
                "route",
                f"{stop.route!r} is not the name of any route in this file{extra}"
                " (set it to a route's exact name)",
            )
        routes: list[ProposalRoute] = []
        for draft in self.routes:
            route = ProposalRoute(
                name=draft.name,
                coords_lonlat=draft.coords,
                **draft.fields,
                feature_index=draft.index,
            )
            where = self.where(draft.index, draft.name)
            try:
                line_m, to_metric = _route_line_m(route)
            except InputError as exc:
                self.add(where, "coordinates", str(exc))
                continue
            if line_m.length <= 0.0:
                self.add(
                    where,
                    "coordinates",
                    "the line has zero length; draw the route from its first to its last stop",
                )
                continue
            if line_m.length > MAX_ROUTE_KM * 1000:
                self.add(
                    where,
                    "coordinates",
                    f"the line is {line_m.length / 1000:,.0f} km long, more than the "
                    f"{MAX_ROUTE_KM:g} km a route may be; look for a stray vertex, or split it",
                )
                continue
            stops = by_route.get(draft.name)
            if stops is not None:
                ordered = self.order_stops(where, line_m, to_metric, stops)
                if ordered is None:
                    continue
                if draft.spacing_given:
                    warnings.warn(
                        f"{where}: stop_spacing_m is ignored because the route has explicit stops",
                        RoutesWarning,
                        stacklevel=3,
                    )
                route = _replace_stops(route, ordered)
            routes.append(route)
        return tuple(routes)

    def order_stops(
        self,
        where: str,
        line_m: shapely.LineString,
        to_metric: pyproj.Transformer,
        stops: list[_StopDraft],
    ) -> tuple[ProposalStop, ...] | None:
        if len(stops) < 2:
            self.add(
                where,
                "stops",
                f"has {len(stops)} stop feature; give at least 2, or "
                "remove it to place stops every stop_spacing_m",
            )
            return None
        x, y = to_metric.transform([s.stop.lon for s in stops], [s.stop.lat for s in stops])
        points = shapely.points(np.asarray(x), np.asarray(y))
        offset_m = shapely.distance(points, line_m)
        ok = True
        for draft, off in zip(stops, offset_m, strict=True):
            if off > MAX_STOP_OFFSET_M:
                self.add(
                    self.where(draft.index, draft.stop.name),
                    "coordinates",
                    f"stop is {off:.0f} m from route {draft.route!r} (at most "
                    f"{MAX_STOP_OFFSET_M:g} m allowed); move it onto the route",
                )
                ok = False
        if not ok:
            return None
        along = shapely.line_locate_point(line_m, points)
        order = np.argsort(along, kind="stable")
        return tuple(stops[i].stop for i in order)


def _replace_stops(route: ProposalRoute, stops: tuple[ProposalStop, ...]) -> ProposalRoute:
    return replace(route, stops=stops)
