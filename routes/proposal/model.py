"""Proposed bus routes and changes to existing ones: the proposal model.

A :class:`Proposal` holds new routes (:class:`ProposalRoute`, with their
headway periods and optional explicit stops) and modifications of the
baseline GTFS routes (:class:`RouteModification`). Proposals are read by
:mod:`routes.proposal.load` (the file format is described there), their stops
placed by :mod:`routes.proposal.stops`, their departures and running times
computed by :mod:`routes.proposal.schedule`, and checked against a study area
by :mod:`routes.proposal.validate`.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_DWELL_S",
    "DEFAULT_MAX_OUTSIDE_M",
    "DEFAULT_SPEED_KMH",
    "DEFAULT_STOP_SPACING_M",
    "FareKind",
    "FareModification",
    "HeadwayPeriod",
    "ModificationKind",
    "Proposal",
    "ProposalRoute",
    "ProposalStop",
    "RouteModification",
    "RouteStop",
    "Weekday",
]

logger = logging.getLogger(__name__)

DEFAULT_SPEED_KMH = 18.0
"""Average UK urban bus speed including traffic and junction delay, excluding dwell."""
MIN_SPEED_KMH = 3.0  # exclusive: slower than walking pace is a typo
MAX_SPEED_KMH = 80.0  # inclusive: faster than an express coach on a motorway is a typo
DEFAULT_DWELL_S = 20.0
"""Typical time to open doors and board a few passengers at a stop."""
MAX_DWELL_S = 600.0
DEFAULT_STOP_SPACING_M = 400.0
"""UK urban stop spacing (about a 5 minute walk to the nearest stop)."""
MIN_STOP_SPACING_M = 50.0
MAX_STOP_SPACING_M = 10_000.0
DEFAULT_START = "06:00"
DEFAULT_END = "23:00"
MIN_HEADWAY_MIN = 1.0
MAX_SERVICE_S = 48 * 3600  # times are seconds after the service day's midnight, < 48:00
MAX_STOP_OFFSET_M = 200.0
"""Largest distance between an explicit stop and its route line."""
DEFAULT_MAX_OUTSIDE_M = 500.0
"""How far outside the street network extent a stop may lie (about 6 min on foot)."""
MAX_ROUTE_KM = 500.0
"""Longest route line (longer is a stray vertex, or a proposal for another scale of study)."""


class Weekday(enum.StrEnum):
    """A day of the week; accepts ``"mon"``, ``"Monday"`` and so on."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def _missing_(cls, value: object) -> Weekday | None:
        if isinstance(value, str):
            text = value.strip().lower()
            for day in cls:
                full = _FULL_DAY_NAMES[day.value]
                if text in {day.value, full}:
                    return day
        return None


_FULL_DAY_NAMES = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}
WEEKDAYS = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})
WEEKENDS = frozenset({Weekday.SAT, Weekday.SUN})
_DAY_SETS = {"weekdays": WEEKDAYS, "weekends": WEEKENDS, "daily": frozenset(Weekday)}


class ModificationKind(enum.StrEnum):
    """What a modification feature does to an existing GTFS route."""

    REMOVE_ROUTE = "remove_route"
    CHANGE_HEADWAY = "change_headway"

    @classmethod
    def _missing_(cls, value: object) -> ModificationKind | None:
        if isinstance(value, str):
            text = value.strip().lower()
            for kind in cls:
                if kind.value == text:
                    return kind
        return None


class FareKind(enum.StrEnum):
    """What a fare-only feature (``geometry: null``) changes: tickets or prices, no buses."""

    THROUGH_TICKET = "through_ticket"
    CHANGE_FARE = "change_fare"


@dataclass(frozen=True, slots=True)
class HeadwayPeriod:
    """A period of constant headway: one departure every ``headway_s`` in ``[start_s, end_s)``.

    Attributes
    ----------
    start_s, end_s
        Period start and end, seconds after the service day's midnight (may pass 24 h).
    headway_s
        Time between departures, seconds.
    """

    start_s: int
    end_s: int
    headway_s: int

    @property
    def duration_s(self) -> int:
        """Length of the period, seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class ProposalStop:
    """An explicit stop drawn as a ``Point`` feature.

    Attributes
    ----------
    lon, lat
        WGS84 position as drawn, degrees.
    name
        The stop's ``name`` property, if given.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    lon: float
    lat: float
    name: str | None = None
    feature_index: int | None = None


@dataclass(frozen=True, slots=True)
class RouteStop:
    """A stop of a route, in running order.

    Attributes
    ----------
    lon, lat
        WGS84 position, degrees (as drawn for explicit stops, on the line otherwise).
    distance_m
        Distance along the route line from its first vertex, metres.
    name
        Stop name for explicit stops with a ``name``, else ``None``.
    """

    lon: float
    lat: float
    distance_m: float
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ProposalRoute:
    """One proposed route (a ``LineString`` feature).

    Attributes
    ----------
    name
        Unique route name.
    coords_lonlat
        Vertices of the route line, WGS84 (lon, lat) degrees, in running order.
    headways
        Headway periods sorted by start, not overlapping; together they are the
        service span.
    speed_kmh
        Average running speed between stops, excluding dwell, km/h.
    dwell_s
        Dwell at each intermediate stop, seconds.
    stop_spacing_m
        Spacing of generated stops, metres (unused when ``stops`` is given).
    bidirectional
        Whether the route also runs in the reverse direction.
    days
        Days of the week the route runs.
    route_type
        GTFS ``route_type`` (3 = bus).
    stops
        Explicit stops ordered along the line, or ``None`` to place stops every
        ``stop_spacing_m``.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    fare_minor
        Its single fare in minor units of ``[fares].currency`` (0: a free
        shuttle); ``None``: priced like any route (``[fares]``).
    operator
        The operator whose tickets it shares (an agency id ``"<feed>:<agency_id>"``
        or an ``agency_noc``); ``None``: a new operator of its own.
    """

    name: str
    coords_lonlat: tuple[tuple[float, float], ...]
    headways: tuple[HeadwayPeriod, ...]
    speed_kmh: float = DEFAULT_SPEED_KMH
    dwell_s: float = DEFAULT_DWELL_S
    stop_spacing_m: float = DEFAULT_STOP_SPACING_M
    bidirectional: bool = True
    days: frozenset[Weekday] = WEEKDAYS
    route_type: int = 3
    stops: tuple[ProposalStop, ...] | None = None
    feature_index: int | None = None
    fare_minor: int | None = None
    operator: str | None = None

    @property
    def span_start_s(self) -> int:
        """First departure time, seconds after midnight."""
        return self.headways[0].start_s

    @property
    def span_end_s(self) -> int:
        """End of the service span (no departure at or after it), seconds after midnight."""
        return self.headways[-1].end_s

    @property
    def min_headway_s(self) -> int:
        """Shortest headway of any period, seconds."""
        return min(p.headway_s for p in self.headways)


@dataclass(frozen=True, slots=True)
class RouteModification:
    """A change to an existing GTFS route (a feature with ``geometry: null``).

    Attributes
    ----------
    kind
        What to do.
    gtfs_route_id
        The route, as written in the proposal (usually namespaced
        ``"<feed name>:<route_id>"``).
    headway_s
        The new headway, seconds, for ``CHANGE_HEADWAY``; else ``None``.
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    kind: ModificationKind
    gtfs_route_id: str
    headway_s: int | None = None
    feature_index: int | None = None


@dataclass(frozen=True, slots=True)
class FareModification:
    """A change of fares alone (a feature with ``geometry: null``): no new buses.

    Attributes
    ----------
    kind
        ``through_ticket`` (changes between operators on one ticket) or
        ``change_fare`` (a new single fare of a route or an operator).
    operators
        ``through_ticket``: the operators (agency ids or NOCs); ``None``: all.
    gtfs_route_id, agency
        ``change_fare``: the route (``"<feed>:<route_id>"``) or the operator
        (agency id or NOC) whose single changes; exactly one is given.
    single_minor
        ``change_fare``: the new single, minor units of ``[fares].currency``.
    transfer_window_min, transfer_price_minor, max_transfers
        ``through_ticket``: how long after the paying boarding a change is
        allowed, what it costs and how many (-1 unlimited).
    feature_index
        Index of the feature in the proposal file, if loaded from one.
    """

    kind: FareKind
    operators: tuple[str, ...] | None = None
    gtfs_route_id: str | None = None
    agency: str | None = None
    single_minor: int | None = None
    transfer_window_min: float = 60.0
    transfer_price_minor: int = 0
    max_transfers: int = -1
    feature_index: int | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal: new routes and changes to existing ones.

    Attributes
    ----------
    name
        Proposal name (the file stem).
    source
        The file it was loaded from, if any.
    routes
        New routes, in file order.
    modifications
        Changes to existing GTFS routes, in file order.
    fare_changes
        Changes of fares alone (through tickets, new singles), in file order.
    """

    name: str
    source: Path | None
    routes: tuple[ProposalRoute, ...]
    modifications: tuple[RouteModification, ...] = ()
    fare_changes: tuple[FareModification, ...] = ()

    @property
    def changes_fares_only(self) -> bool:
        """Whether the proposal changes fares and nothing else (it needs no vehicles)."""
        return bool(self.fare_changes) and not self.routes and not self.modifications


