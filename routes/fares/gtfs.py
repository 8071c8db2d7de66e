"""GTFS Fares v1 and v2 of one feed, mapped onto the fare model (:class:`FeedFares`).

What is represented exactly (google/transit ``reference.md``; fares brief §1.5):

* **v1** ``fare_attributes`` / ``fare_rules``: a fare with no rule applies to
  every route of its ``agency_id`` (of the whole feed when it has none, as
  Porto Alegre's EPTC ``tarifa``); rules by ``route_id`` price those routes.
  The routes of one fare are one ticket group: ``transfers`` (0, 1, 2, empty
  unlimited) and ``transfer_duration`` (seconds, from the boarding that paid;
  empty: the whole service day) become its changes and window, a change on it
  is free. A route in several fares takes the cheapest (as OpenTripPlanner).
* **v2** ``fare_products`` / ``fare_leg_rules`` / ``fare_transfer_rules``: leg
  rules by ``network_id`` (``routes.network_id`` or ``route_networks.txt``;
  empty: every route) price the routes with their product's ``amount``
  (the ``rider_category`` and ``fare_media`` chosen in ``[fares]``; the highest
  ``rule_priority`` wins); each ``leg_group_id`` is a ticket group; transfer
  rules give the price of a change between leg groups (``fare_transfer_type``
  0: the transfer product, 1: it plus the next leg's price, 2: the product less
  the first leg's price), its window (``duration_limit``) and its count
  (``transfer_count``, -1 unlimited; empty: one change).

Approximated, with a :class:`~routes.errors.RoutesWarning` naming the file and
what it changes: fare zones (v1 ``origin_id``/``destination_id``/``contains_id``,
v2 areas) and v2 timeframes price a route at its **dearest** matching fare (so
affordable access may be understated); a negative change price becomes 0; v2
``duration_limit_type`` 0 and 3 are read as 1 (from the first boarding);
``fare_leg_join_rules`` are ignored. Fares in a currency other than
``[fares].currency`` are an error.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from routes.errors import InputError
from routes.timetable.read import _open_member

__all__ = ["WHOLE_DAY_S", "FeedFares", "read_feed_fares"]

logger = logging.getLogger(__name__)

WHOLE_DAY_S = 48 * 3600
"""The window of a ticket valid all (service) day: GTFS times run to 47:59:59."""


@dataclass(frozen=True, slots=True)
class FeedFares:
    """One feed's fares, keyed by namespaced route id and ticket-group name.

    Attributes
    ----------
    feed
        The feed's name.
    version
        ``"v2"``, ``"v1"`` or ``""`` (no fares read).
    route_price_minor
        Price of a boarding, minor units, by ``"<feed>:<route_id>"``.
    route_group
        Ticket group of each priced route (``"<feed>:fare:<fare_id>"`` for v1,
        ``"<feed>:leg:<leg_group_id>"`` for v2).
    group_window_s, group_max_transfers
        Per group: how long after the paying boarding a change is allowed,
        seconds, and how many (-1 unlimited).
    transfer_price_minor
        Price of a change from a ticket of group ``g`` to a ride of group
        ``h``, by ``(g, h)``; pairs absent are not allowed.
    warnings
        What could not be represented exactly.
    """

    feed: str
    version: str = ""
    route_price_minor: Mapping[str, int] = field(default_factory=dict)
    route_group: Mapping[str, str] = field(default_factory=dict)
    group_window_s: Mapping[str, int] = field(default_factory=dict)
    group_max_transfers: Mapping[str, int] = field(default_factory=dict)
    transfer_price_minor: Mapping[tuple[str, str], int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _members(path: Path) -> set[str]:
    if path.is_file():
        with zipfile.ZipFile(path) as zf:
            return {i.filename for i in zf.infolist() if not i.is_dir() and i.file_size}
    return {p.name for p in path.iterdir() if p.is_file() and p.stat().st_size}


def _table(path: Path, members: set[str], name: str) -> pd.DataFrame | None:
    member = f"{name}.txt"
    if member not in members:
        return None
    with _open_member(path, member) as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _col(df: pd.DataFrame, column: str) -> list[str]:
    return [str(v).strip() for v in df[column]] if column in df else [""] * len(df)


def _minor(text: str, where: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        msg = (f"{where}: price {text!r} is not a number; fix the feed or set [fares] "
               "feed_fares = \"ignore\"")
        raise InputError(msg)
    return round(value * 100)


def _check_currency(found: str, currency: str, where: str) -> None:
    if found and found != currency:
        msg = (f"{where}: fares in {found}, not in [fares].currency {currency}; set [fares] "
               f"currency = \"{found}\" or feed_fares = \"ignore\"")
        raise InputError(msg)


def read_feed_fares(path: Path, name: str, *, version: str = "auto", currency: str = "GBP",
                    rider_category: str = "default", fare_media: str = "cheapest") -> FeedFares:
    """Read a feed's GTFS fare tables (v2 if present and asked for, else v1).

    Parameters
    ----------
    path
        The GTFS zip or folder.
    name
        The feed's name (route ids are namespaced ``"<name>:<route_id>"``).
    version
        ``"auto"``, ``"v2"``, ``"v1"`` or ``"ignore"`` (``[fares].feed_fares``).
    currency, rider_category, fare_media
        As ``[fares]``.

    Returns
    -------
    FeedFares
        Empty (``version == ""``) when the feed has none of the fare tables asked for.

    Raises
    ------
    InputError
        If a fare is in another currency, or a price is not a number.
    """
    if version == "ignore":
        return FeedFares(name)
    members = _members(path)
    has_v2 = {"fare_products.txt", "fare_leg_rules.txt"} <= members
    has_v1 = "fare_attributes.txt" in members
    if has_v2 and version in ("auto", "v2"):
        return _read_v2(path, name, members, currency, rider_category, fare_media)
    if has_v1 and version in ("auto", "v1"):
        return _read_v1(path, name, members, currency)
    return FeedFares(name)


def _route_table(path: Path, name: str, members: set[str]) -> pd.DataFrame:
    routes = _table(path, members, "routes")
    if routes is None:
        return pd.DataFrame({"route_id": [], "agency_id": []})
    return routes


def _read_v1(path: Path, name: str, members: set[str], currency: str) -> FeedFares:
    attributes = _table(path, members, "fare_attributes")
    rules = _table(path, members, "fare_rules")
    routes = _route_table(path, name, members)
    assert attributes is not None
    route_ids = _col(routes, "route_id")
    route_agency = dict(zip(route_ids, _col(routes, "agency_id"), strict=True))
    price: dict[str, int] = {}
    fare_agency: dict[str, str] = {}
    window: dict[str, int] = {}
    transfers: dict[str, int] = {}
    for i, row in enumerate(attributes.to_dict("records")):
        where = f"GTFS feed {name!r} fare_attributes.txt row {i + 1}"
        fare_id = str(row.get("fare_id", "")).strip()
        _check_currency(str(row.get("currency_type", "")).strip(), currency, where)
        price[fare_id] = _minor(str(row.get("price", "")), where)
        fare_agency[fare_id] = str(row.get("agency_id", "")).strip()
        count = str(row.get("transfers", "")).strip()
        transfers[fare_id] = -1 if count == "" else int(float(count))
        duration = str(row.get("transfer_duration", "")).strip()
        window[fare_id] = WHOLE_DAY_S if duration == "" else int(float(duration))
    by_route: dict[str, list[str]] = {}
    zoned: dict[str, list[str]] = {}
    ruled: set[str] = set()
    rows = [] if rules is None else rules.to_dict("records")
    for row in rows:
        fare_id = str(row.get("fare_id", "")).strip()
        if fare_id not in price:
            continue
        ruled.add(fare_id)
        route = str(row.get("route_id", "")).strip()
        targets = [route] if route else route_ids
        has_zone = any(str(row.get(c, "")).strip()
                       for c in ("origin_id", "destination_id", "contains_id"))
        for r in targets:
            (zoned if has_zone else by_route).setdefault(r, []).append(fare_id)
    for fare_id in price:
        if fare_id in ruled:
            continue
        agency = fare_agency[fare_id]
        for r in route_ids:
            if not agency or route_agency.get(r, "") in ("", agency):
                by_route.setdefault(r, []).append(fare_id)
    warnings = []
    if zoned:
        warnings.append(f"GTFS feed {name!r} fare_rules.txt: {len(zoned):,} routes have fares "
                        "by zone (origin_id, destination_id or contains_id); each is priced at "
                        "its dearest such fare, so affordable access may be understated")
    route_price: dict[str, int] = {}
    route_group: dict[str, str] = {}
    for r in route_ids:
        plain = by_route.get(r, [])
        if not plain and r not in zoned:
            continue
        fare_id = (min(plain, key=lambda f: (price[f], f)) if plain else
                   max(zoned[r], key=lambda f: (price[f], f)))
        if len(plain) > 1:
            logger.info("%s: route %s is in %d fares; the cheapest, %s, is used",
                        name, r, len(plain), fare_id)
        route_price[f"{name}:{r}"] = price[fare_id]
        route_group[f"{name}:{r}"] = f"{name}:fare:{fare_id}"
    groups = {f"{name}:fare:{f}": f for f in price}
    return FeedFares(
        feed=name, version="v1", route_price_minor=route_price, route_group=route_group,
        group_window_s={g: window[f] for g, f in groups.items()},
        group_max_transfers={g: transfers[f] for g, f in groups.items()},
        transfer_price_minor={(g, g): 0 for g, f in groups.items() if transfers[f] != 0},
        warnings=tuple(warnings),
    )


def _products(path: Path, name: str, members: set[str], currency: str, rider_category: str,
              fare_media: str) -> dict[str, int]:
    """Amount of each fare product for the chosen rider category and medium."""
    products = _table(path, members, "fare_products")
    assert products is not None
    categories = _table(path, members, "rider_categories")
    wanted = {""}
    if rider_category == "default":
        if categories is not None:
            flags = _col(categories, "is_default_fare_category")
            wanted |= {c for c, f in zip(_col(categories, "rider_category_id"), flags,
                                         strict=True) if f == "1"}
    else:
        wanted.add(rider_category)
    amounts: dict[str, int] = {}
    for i, row in enumerate(products.to_dict("records")):
        where = f"GTFS feed {name!r} fare_products.txt row {i + 1}"
        if str(row.get("rider_category_id", "")).strip() not in wanted:
            continue
        medium = str(row.get("fare_media_id", "")).strip()
        if fare_media != "cheapest" and medium not in ("", fare_media):
            continue
        _check_currency(str(row.get("currency", "")).strip(), currency, where)
        product = str(row.get("fare_product_id", "")).strip()
        amount = _minor(str(row.get("amount", "")), where)
        amounts[product] = min(amounts.get(product, amount), amount)
    return amounts


def _route_networks(path: Path, members: set[str], routes: pd.DataFrame) -> dict[str, str]:
    networks = dict(zip(_col(routes, "route_id"), _col(routes, "network_id"), strict=True))
    table = _table(path, members, "route_networks")
    if table is not None:
        networks.update(zip(_col(table, "route_id"), _col(table, "network_id"), strict=True))
    return networks


def _read_v2(path: Path, name: str, members: set[str], currency: str, rider_category: str,
             fare_media: str) -> FeedFares:
    amounts = _products(path, name, members, currency, rider_category, fare_media)
    legs = _table(path, members, "fare_leg_rules")
    assert legs is not None
    routes = _route_table(path, name, members)
    network_of = _route_networks(path, members, routes)
    warnings: list[str] = []
    approximate = 0
    best: dict[str, tuple[int, int, str]] = {}  # route -> (priority, amount, leg group)
    for row in legs.to_dict("records"):
        product = str(row.get("fare_product_id", "")).strip()
        if product not in amounts:
            continue
        network = str(row.get("network_id", "")).strip()
        priority = int(float(str(row.get("rule_priority", "") or 0)))
        group = str(row.get("leg_group_id", "")).strip() or f"product:{product}"
        inexact = any(str(row.get(c, "")).strip() for c in (
            "from_area_id", "to_area_id", "from_timeframe_group_id", "to_timeframe_group_id"))
        approximate += inexact
        for route, net in network_of.items():
            if network and net != network:
                continue
            key = (priority, amounts[product], group)
            if route not in best or key > best[route]:  # highest priority, then dearest
                best[route] = key
    if approximate:
        warnings.append(f"GTFS feed {name!r} fare_leg_rules.txt: {approximate:,} rules depend "
                        "on areas or timeframes; routes are priced at their dearest matching "
                        "fare, so affordable access may be understated")
    if "fare_leg_join_rules.txt" in members:
        warnings.append(f"GTFS feed {name!r} fare_leg_join_rules.txt is ignored: each leg is "
                        "priced alone")
    route_price = {f"{name}:{r}": v[1] for r, v in best.items()}
    route_group = {f"{name}:{r}": f"{name}:leg:{v[2]}" for r, v in best.items()}
    group_price = {g: max(p for r, p in route_price.items() if route_group[r] == g)
                   for g in set(route_group.values())}
    window: dict[str, int] = {}
    max_transfers: dict[str, int] = {}
    transfer: dict[tuple[str, str], int] = {}
    rules = _table(path, members, "fare_transfer_rules")
    for row in [] if rules is None else rules.to_dict("records"):
        g = f"{name}:leg:{str(row.get('from_leg_group_id', '')).strip()}"
        h = f"{name}:leg:{str(row.get('to_leg_group_id', '')).strip()}"
        if g not in group_price or h not in group_price:
            continue
        product = str(row.get("fare_product_id", "")).strip()
        fee = amounts.get(product, 0)
        kind = str(row.get("fare_transfer_type", "0")).strip() or "0"
        price = {"0": fee, "1": fee + group_price[h], "2": fee - group_price[g]}.get(kind, fee)
        if price < 0:
            warnings.append(f"GTFS feed {name!r} fare_transfer_rules.txt: a change from {g} to "
                            f"{h} would cost {price / 100:.2f}; it is taken as free")
            price = 0
        transfer[(g, h)] = min(transfer.get((g, h), price), price)
        limit = str(row.get("duration_limit", "")).strip()
        window[g] = max(window.get(g, 0), WHOLE_DAY_S if limit == "" else int(float(limit)))
        count = str(row.get("transfer_count", "")).strip()
        n = -1 if count == "-1" else 1 if count == "" else int(float(count))
        max_transfers[g] = -1 if -1 in (n, max_transfers.get(g, 0)) else max(
            n, max_transfers.get(g, 0))
        if str(row.get("duration_limit_type", "1")).strip() in ("0", "3"):
            warnings.append(f"GTFS feed {name!r} fare_transfer_rules.txt: duration_limit_type "
                            f"0 or 3 from {g} is measured from the first boarding instead")
    return FeedFares(
        feed=name, version="v2", route_price_minor=route_price, route_group=route_group,
        group_window_s={g: window.get(g, 0) for g in group_price},
        group_max_transfers={g: max_transfers.get(g, 0) for g in group_price},
        transfer_price_minor=transfer, warnings=tuple(dict.fromkeys(warnings)),
    )
