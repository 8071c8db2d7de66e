"""The fare model of ``routes.toml`` (``[fares]``): its dataclasses, and parsing them.

Money is written in the ``currency``'s major unit with at most two decimals
(``single = 3.00``) and kept in integer minor units (pence), so that sums of
fares are exact. What the values mean, ride by ride, is the semantics of
:mod:`routes.fares.compiled`; :mod:`routes.fares.compile` applies them to a
timetable. Every key is optional::

    [fares]
    currency = "GBP"            # ISO 4217, a currency with two decimals
    single = 3.00               # a boarding nothing else prices
    single_cap = "none"         # or 3.00: England's bus fare cap (never coaches)
    feed_fares = "auto"         # GTFS Fares v2 if a feed has them, else v1 | "v1" | "v2" | "ignore"
    rider_category = "default"  # Fares v2: the default category, or a rider_category_id
    fare_media = "cheapest"     # Fares v2: the cheapest medium, or a fare_media_id
    persona = "adult"           # or "encts" (see ENCTS)
    transfer_window_min = 0     # every operator: a change within this long is allowed...
    transfer_price = 0.00       # ...at this price...
    max_transfers = 1           # ...this many times (or "unlimited")
    day_cap = "none"            # the most one operator charges in a journey

    [[fares.operators]]         # one per operator: agency = "<feed>:<agency_id>" or noc = "NWPT"
    noc = "NWPT"
    single = 2.50               # and transfer_window_min, transfer_price, max_transfers,
    day_cap = 5.50              # day_cap, capped = false (outside the single cap)

    [[fares.routes]]            # one per route
    route = "<feed>:<route_id>"
    single = 0.00               # and capped

    [[fares.through_tickets]]   # changes between these operators on one ticket
    operators = "all"           # or a list of agency ids / NOCs
    transfer_window_min = 60    # and transfer_price, max_transfers

**ENCTS** (the English National Concessionary Travel Scheme, persona
``"encts"``): free travel on eligible local bus services for journeys that
begin between 09:30 and 23:00 on weekdays and at any time at weekends and on
bank holidays (Transport Act 2000 s.145A as inserted by the Concessionary Bus
Travel Act 2007, and its explanatory notes: "single bus trips ... which begin
at the relevant times"; House of Commons Library briefing SN01499). So the
**boarding** time of each ride decides, coaches (GTFS extended route types
200-299) are excluded, and so is every mode but bus and trolleybus; outside
those times the pass holder pays the adult fare.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from routes.config.parameters import Problems, check_keys, parse_money
from routes.errors import InputError

__all__ = [
    "ENCTS",
    "FEED_FARES",
    "PERSONAS",
    "FareParams",
    "OperatorFare",
    "Persona",
    "RouteFare",
    "TicketRules",
    "ThroughTicket",
    "parse_fares",
]

FEED_FARES = ("auto", "v2", "v1", "ignore")
"""Values of ``[fares].feed_fares``: which GTFS fare tables are read."""
MAX_TRANSFERS = 10
_CURRENCY = re.compile(r"^[A-Z]{3}$")

_FARES_KEYS = ("currency", "single", "single_cap", "feed_fares", "rider_category", "fare_media",
               "persona", "transfer_window_min", "transfer_price", "max_transfers", "day_cap",
               "operators", "routes", "through_tickets")
_OPERATOR_KEYS = ("agency", "noc", "single", "transfer_window_min", "transfer_price",
                  "max_transfers", "day_cap", "capped")
_ROUTE_KEYS = ("route", "single", "capped")
_THROUGH_KEYS = ("operators", "transfer_window_min", "transfer_price", "max_transfers")


@dataclass(frozen=True, slots=True)
class Persona:
    """Who travels: when and on what they travel free.

    Attributes
    ----------
    name
        ``"adult"`` or ``"encts"``.
    free_route_types
        Basic GTFS route types they may travel free on (3 bus, 11 trolleybus).
    weekday_free_s
        ``(start, end)`` seconds after midnight of a weekday (Monday to Friday,
        not a bank holiday) when a boarding is free, or ``None``: never.
    weekend_free, bank_holiday_free
        Whether boardings are free all day on Saturdays and Sundays, and on
        England's bank holidays.
    """

    name: str
    free_route_types: frozenset[int] = frozenset()
    weekday_free_s: tuple[int, int] | None = None
    weekend_free: bool = False
    bank_holiday_free: bool = False

    @property
    def ever_free(self) -> bool:
        """Whether the persona travels free at any time."""
        return bool(self.free_route_types) and (
            self.weekday_free_s is not None or self.weekend_free or self.bank_holiday_free)


ADULT = Persona("adult")
ENCTS = Persona("encts", free_route_types=frozenset({3, 11}),
                weekday_free_s=(9 * 3600 + 30 * 60, 23 * 3600),
                weekend_free=True, bank_holiday_free=True)
PERSONAS: dict[str, Persona] = {p.name: p for p in (ADULT, ENCTS)}
"""The personas built in, by name."""


@dataclass(frozen=True, slots=True)
class TicketRules:
    """What a ticket allows after the single that bought it.

    Attributes
    ----------
    transfer_window_min
        How long after the boarding that bought it the ticket may be used for
        another boarding, minutes (0: every boarding pays).
    transfer_price_minor
        What a change on the ticket costs, minor units.
    max_transfers
        Changes one ticket allows; -1 unlimited.
    day_cap_minor
        The most one operator charges in a journey, minor units; ``None``: no cap.
    """

    transfer_window_min: float = 0.0
    transfer_price_minor: int = 0
    max_transfers: int = 1
    day_cap_minor: int | None = None


@dataclass(frozen=True, slots=True)
class OperatorFare:
    """One ``[[fares.operators]]`` row; ``None`` keeps the value given elsewhere.

    Attributes
    ----------
    agency, noc
        The operator: a namespaced ``agency_id`` (``"<feed>:<agency_id>"``) or
        an ``agency_noc``; exactly one is given.
    single_minor
        Its single fare, minor units.
    transfer_window_min, transfer_price_minor, max_transfers, day_cap_minor
        Its ticket rules (see :class:`TicketRules`; ``day_cap_minor`` -1: no cap).
    capped
        Whether its routes take part in ``single_cap``.
    """

    agency: str | None = None
    noc: str | None = None
    single_minor: int | None = None
    transfer_window_min: float | None = None
    transfer_price_minor: int | None = None
    max_transfers: int | None = None
    day_cap_minor: int | None = None
    capped: bool | None = None


@dataclass(frozen=True, slots=True)
class RouteFare:
    """One ``[[fares.routes]]`` row: a namespaced ``route`` id, its single and whether capped."""

    route: str
    single_minor: int | None = None
    capped: bool | None = None


@dataclass(frozen=True, slots=True)
class ThroughTicket:
    """Changes between operators on one ticket (``[[fares.through_tickets]]``).

    Attributes
    ----------
    operators
        Namespaced agency ids or NOCs; ``None``: every operator.
    transfer_window_min, transfer_price_minor, max_transfers
        As :class:`TicketRules`, for changes between (and within) these operators.
    """

    operators: tuple[str, ...] | None
    transfer_window_min: float = 60.0
    transfer_price_minor: int = 0
    max_transfers: int = -1


@dataclass(frozen=True, slots=True)
class FareParams:
    """The fare model of a study area (``[fares]``); the defaults price every boarding £3.

    Attributes
    ----------
    currency
        ISO 4217 code; amounts are in its minor unit (pence).
    single_minor
        Price of a boarding nothing else prices.
    single_cap_minor
        The most a single costs on capped routes (England: 300); ``None``: no cap.
        Coaches (GTFS route types 200-299) are never capped.
    feed_fares
        Which GTFS fare tables are read (:data:`FEED_FARES`).
    rider_category, fare_media
        Fares v2: ``"default"`` or a ``rider_category_id``; ``"cheapest"`` or
        a ``fare_media_id``.
    persona
        Who travels (:data:`PERSONAS`); a run may choose another
        (:meth:`with_persona`).
    tickets
        The ticket rules of every operator unless ``operators`` says otherwise.
    operators, routes, through_tickets
        The ``[[fares.operators]]``, ``[[fares.routes]]`` and
        ``[[fares.through_tickets]]`` rows.
    """

    currency: str = "GBP"
    single_minor: int = 300
    single_cap_minor: int | None = None
    feed_fares: str = "auto"
    rider_category: str = "default"
    fare_media: str = "cheapest"
    persona: Persona = ADULT
    tickets: TicketRules = TicketRules()
    operators: tuple[OperatorFare, ...] = ()
    routes: tuple[RouteFare, ...] = ()
    through_tickets: tuple[ThroughTicket, ...] = ()

    def with_persona(self, name: str) -> FareParams:
        """Return the model for another persona (a run's choice, e.g. ``--persona encts``).

        Raises
        ------
        InputError
            If ``name`` is not a persona.
        """
        if name not in PERSONAS:
            msg = (f"persona {name!r} is unknown; choose one of "
                   f"{', '.join(map(repr, PERSONAS))}")
            raise InputError(msg)
        return replace(self, persona=PERSONAS[name])


def _money(table: Mapping[str, Any], key: str, where: str, problems: Problems) -> int | None:
    """Return an amount in minor units, or ``None`` when the key is absent."""
    return None if key not in table else parse_money(table[key], f"{where}.{key}", problems)


def _cap(table: Mapping[str, Any], key: str, where: str, problems: Problems) -> int | None:
    """Return an amount in minor units, or ``None`` when absent or ``"none"`` (no cap)."""
    return None if table.get(key, "none") == "none" else _money(table, key, where, problems)


def _window(table: Mapping[str, Any], where: str, problems: Problems) -> float | None:
    value = table.get("transfer_window_min")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1440:
        problems.add(f"{where}.transfer_window_min",
                     f"expected minutes from 0 to 1440 (60 is typical), got {value!r}")
        return None
    return float(value)


def _transfers(table: Mapping[str, Any], where: str, problems: Problems) -> int | None:
    value = table.get("max_transfers")
    if value is None:
        return None
    if value == "unlimited":
        return -1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TRANSFERS:
        problems.add(f"{where}.max_transfers",
                     f"expected a whole number from 0 to {MAX_TRANSFERS} or \"unlimited\", "
                     f"got {value!r}")
        return None
    return value


def _text(table: Mapping[str, Any], key: str, where: str, problems: Problems,
          default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        problems.add(f"{where}.{key}", f"expected a non-empty string, got {value!r}")
        return default
    return value


def _flag(table: Mapping[str, Any], key: str, where: str, problems: Problems) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        problems.add(f"{where}.{key}", f"expected true or false, got {value!r}")
        return None
    return value


def _rows(fares: Mapping[str, Any], key: str,
          problems: Problems) -> list[tuple[str, dict[str, Any]]]:
    value = fares.get(key, [])
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        problems.add(f"[[fares.{key}]]", f"expected tables written [[fares.{key}]], got {value!r}")
        return []
    return [(f"[[fares.{key}]] row {i + 1}", row) for i, row in enumerate(value)]


def _parse_operators(fares: Mapping[str, Any], problems: Problems) -> tuple[OperatorFare, ...]:
    out: list[OperatorFare] = []
    seen: set[str] = set()
    for where, row in _rows(fares, "operators", problems):
        check_keys(row, _OPERATOR_KEYS, where, problems)
        keys = [k for k in ("agency", "noc") if k in row]
        if len(keys) != 1 or not isinstance(row[keys[0]], str) or not row[keys[0]]:
            problems.add(where, "give exactly one of agency = \"<feed>:<agency_id>\" or "
                                "noc = \"<agency_noc>\"")
            continue
        name = f"{keys[0]} {row[keys[0]]}"
        if name in seen:
            problems.add(where, f"{name} is priced twice; keep one row per operator")
        seen.add(name)
        out.append(OperatorFare(
            agency=row.get("agency"), noc=row.get("noc"),
            single_minor=_money(row, "single", where, problems),
            transfer_window_min=_window(row, where, problems),
            transfer_price_minor=_money(row, "transfer_price", where, problems),
            max_transfers=_transfers(row, where, problems),
            day_cap_minor=-1 if row.get("day_cap") == "none" else _money(row, "day_cap", where,
                                                                           problems),
            capped=_flag(row, "capped", where, problems),
        ))
    return tuple(out)


def _parse_routes(fares: Mapping[str, Any], problems: Problems) -> tuple[RouteFare, ...]:
    out: list[RouteFare] = []
    seen: set[str] = set()
    for where, row in _rows(fares, "routes", problems):
        check_keys(row, _ROUTE_KEYS, where, problems)
        route = row.get("route")
        if not isinstance(route, str) or not route:
            problems.add(f"{where}.route", "missing; give the route as \"<feed>:<route_id>\"")
            continue
        if route in seen:
            problems.add(f"{where}.route", f"{route!r} is priced twice; keep one row per route")
        seen.add(route)
        out.append(RouteFare(route, _money(row, "single", where, problems),
                             _flag(row, "capped", where, problems)))
    return tuple(out)


def parse_operator_list(value: Any, key: str, problems: Problems) -> tuple[str, ...] | None:
    """``"all"`` (``None``) or a non-empty list of operator ids; record a problem otherwise."""
    if value == "all":
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    problems.add(key, f"expected \"all\" or a list of operators (agency ids or NOCs), "
                      f"got {value!r}")
    return None


def _parse_through(fares: Mapping[str, Any], problems: Problems) -> tuple[ThroughTicket, ...]:
    out = []
    for where, row in _rows(fares, "through_tickets", problems):
        check_keys(row, _THROUGH_KEYS, where, problems)
        default = ThroughTicket(None)
        window = _window(row, where, problems)
        price = _money(row, "transfer_price", where, problems)
        transfers = _transfers(row, where, problems)
        out.append(ThroughTicket(
            operators=parse_operator_list(row.get("operators"), f"{where}.operators", problems),
            transfer_window_min=default.transfer_window_min if window is None else window,
            transfer_price_minor=default.transfer_price_minor if price is None else price,
            max_transfers=default.max_transfers if transfers is None else transfers,
        ))
    return tuple(out)


def parse_fares(data: Mapping[str, Any], problems: Problems) -> FareParams | None:
    """Parse and check the ``[fares]`` table; ``None`` when the file has none."""
    if "fares" not in data:
        return None
    fares = data["fares"]
    if not isinstance(fares, dict):
        problems.add("[fares]", f"expected a table, got {fares!r}")
        return None
    check_keys(fares, _FARES_KEYS, "[fares]", problems)
    d = FareParams()
    currency = _text(fares, "currency", "[fares]", problems, d.currency)
    if not _CURRENCY.match(currency):
        problems.add("[fares].currency", f"expected an ISO 4217 code such as \"GBP\", "
                                         f"got {currency!r}")
    feed_fares = fares.get("feed_fares", d.feed_fares)
    if feed_fares not in FEED_FARES:
        problems.add("[fares].feed_fares",
                     f"expected one of {', '.join(map(repr, FEED_FARES))}, got {feed_fares!r}")
        feed_fares = d.feed_fares
    persona = fares.get("persona", d.persona.name)
    if persona not in PERSONAS:
        problems.add("[fares].persona",
                     f"expected one of {', '.join(map(repr, PERSONAS))}, got {persona!r}")
        persona = d.persona.name
    single = _money(fares, "single", "[fares]", problems)
    window = _window(fares, "[fares]", problems)
    price = _money(fares, "transfer_price", "[fares]", problems)
    transfers = _transfers(fares, "[fares]", problems)
    t = d.tickets
    tickets = TicketRules(
        transfer_window_min=t.transfer_window_min if window is None else window,
        transfer_price_minor=t.transfer_price_minor if price is None else price,
        max_transfers=t.max_transfers if transfers is None else transfers,
        day_cap_minor=_cap(fares, "day_cap", "[fares]", problems),
    )
    return FareParams(
        currency=currency,
        single_minor=d.single_minor if single is None else single,
        single_cap_minor=_cap(fares, "single_cap", "[fares]", problems),
        feed_fares=str(feed_fares),
        rider_category=_text(fares, "rider_category", "[fares]", problems, d.rider_category),
        fare_media=_text(fares, "fare_media", "[fares]", problems, d.fare_media),
        persona=PERSONAS[str(persona)],
        tickets=tickets,
        operators=_parse_operators(fares, problems),
        routes=_parse_routes(fares, problems),
        through_tickets=_parse_through(fares, problems),
    )
