"""Parse a proposal's fares: a route's ``fare`` and ``operator``, and fare-only features.

Fare-only features have ``geometry: null`` like ``remove_route``; amounts are in
the major unit of the study area's ``[fares].currency`` (``1.50``)::

    {"type": "Feature", "geometry": null,
     "properties": {"type": "through_ticket", "operators": "all",
                    "transfer_window_min": 60, "transfer_price": 0,
                    "max_transfers": "unlimited"}}
    {"type": "Feature", "geometry": null,
     "properties": {"type": "change_fare", "gtfs_route_id": "gtfs:7", "single": 1.50}}

``operators`` is ``"all"`` or a list of agency ids (``"<feed>:<agency_id>"``) or
NOCs; ``change_fare`` names a route (``gtfs_route_id``) or an operator
(``agency``). Each bad value adds one problem to the parser.
"""

from __future__ import annotations

import math
from typing import Any

from routes.proposal._fields import _CHANGE_FARE_KEYS, _THROUGH_KEYS, FieldParser
from routes.proposal.model import FareKind, FareModification

MAX_FARE = 1000.0
"""Largest amount accepted, major units (a typo guard)."""
MAX_TRANSFERS = 10


def parse_amount(parser: FieldParser, where: str, props: dict[str, Any], key: str
                 ) -> int | None:
    """Return ``props[key]`` in minor units (``None`` when absent); record a bad value."""
    if key not in props:
        return None
    value = props[key]
    ok = (not isinstance(value, bool) and isinstance(value, int | float)
          and math.isfinite(value) and 0 <= value <= MAX_FARE)
    if ok and abs(value * 100 - round(value * 100)) < 1e-6:
        return int(round(value * 100))
    parser.add(where, key, f"expected an amount from 0 to {MAX_FARE:g} with at most two "
                           f"decimals, in [fares].currency (0 = free), got {value!r}")
    return None


def parse_operator(parser: FieldParser, where: str, props: dict[str, Any], key: str
                   ) -> str | None:
    """Return an operator id (agency id or NOC), ``None`` when absent; record a bad value."""
    value = props.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        parser.add(where, key, f"expected an operator: an agency id such as 'gtfs:OP1' or an "
                               f"agency_noc, got {value!r}")
        return None
    return value.strip()


def parse_route_fare(parser: FieldParser, where: str, props: dict[str, Any]) -> dict[str, Any]:
    """Return the fare fields of a route feature (``fare``, ``operator``), for ``ProposalRoute``."""
    return {"fare_minor": parse_amount(parser, where, props, "fare"),
            "operator": parse_operator(parser, where, props, "operator")}


def parse_fare_feature(parser: FieldParser, index: int, props: dict[str, Any]
                       ) -> FareModification | None:
    """Parse a ``through_ticket`` or ``change_fare`` feature; ``None`` if it has problems."""
    kind = FareKind(str(props["type"]).strip().lower())
    n_before = len(parser.problems)
    if kind is FareKind.THROUGH_TICKET:
        where = parser.where(index, "through_ticket")
        parser.check_keys(where, props, _THROUGH_KEYS, kind.value)
        operators = _operators(parser, where, props)
        window = parser.parse_number(where, props, "transfer_window_min", 60.0, 0.0, 1440.0,
                                     low_open=True, unit="minutes",
                                     hint="give how long a change is allowed, e.g. 60")
        price = parse_amount(parser, where, props, "transfer_price")
        changes = _max_transfers(parser, where, props)
        out = FareModification(kind, operators=operators, transfer_window_min=window,
                               transfer_price_minor=0 if price is None else price,
                               max_transfers=changes, feature_index=index)
    else:
        route, agency = props.get("gtfs_route_id"), props.get("agency")
        where = parser.where(index, f"change_fare {route or agency or ''}".strip())
        parser.check_keys(where, props, _CHANGE_FARE_KEYS, kind.value)
        if (route is None) == (agency is None):
            parser.add(where, "gtfs_route_id", "give exactly one of 'gtfs_route_id' (a route, "
                                               "'feed:route') or 'agency' (an operator)")
        single = parse_amount(parser, where, props, "single")
        if "single" not in props:
            parser.add(where, "single", "missing; give the new single fare, e.g. 1.50")
        out = FareModification(kind, gtfs_route_id=parse_operator(parser, where, props,
                                                                 "gtfs_route_id"),
                               agency=parse_operator(parser, where, props, "agency"),
                               single_minor=single, feature_index=index)
    return out if len(parser.problems) == n_before else None


def _operators(parser: FieldParser, where: str, props: dict[str, Any]
               ) -> tuple[str, ...] | None:
    value = props.get("operators", "all")
    if value == "all":
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip()
                                                 for v in value):
        return tuple(v.strip() for v in value)
    parser.add(where, "operators", f"expected \"all\" or a list of operators (agency ids such "
                                   f"as 'gtfs:OP1', or NOCs), got {value!r}")
    return None


def _max_transfers(parser: FieldParser, where: str, props: dict[str, Any]) -> int:
    value = props.get("max_transfers", "unlimited")
    if value == "unlimited":
        return -1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TRANSFERS:
        parser.add(where, "max_transfers", f"expected a whole number from 0 to {MAX_TRANSFERS} "
                                           f"or \"unlimited\", got {value!r}")
        return -1
    return value
