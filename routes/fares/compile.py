"""Compile the fare model against a timetable: :func:`compile_fares` -> :class:`CompiledFares`.

Ride by ride (semantics: :mod:`routes.fares.compiled`):

* **Price of a route**, highest first: the proposal's fare for the route
  (:class:`~routes.fares.changes.FareChanges`), ``[[fares.routes]]``, the
  proposal's fare for its operator, ``[[fares.operators]]``, the feed's GTFS
  fares (:mod:`routes.fares.gtfs`), ``[fares].single``. Then the single cap
  (``[fares].single_cap``) on capped routes: buses and trolleybuses that are not
  coaches (GTFS extended types 200-299) and not marked ``capped = false``.
  Then the persona: 0 in the regimes when the persona travels free
  (:mod:`routes.fares.regimes`) on the routes they may (buses and trolleybuses,
  never coaches).
* **Ticket groups**: a route's GTFS fare group (a v1 ``fare_id``, a v2
  ``leg_group_id``) when its feed has one, else its operator's only fare group
  (whose dearest GTFS price it then takes, as a proposed route run by that
  operator), else its operator (``"<feed>:<agency_id>"``). A group's rules start from
  ``[fares]`` (window, change price, changes, day cap), then the feed's, then
  its operator's ``[[fares.operators]]`` row. A change within a group costs its
  change price when its window is not 0 and it allows changes.
* **Through tickets** (``[[fares.through_tickets]]`` and proposals) let a
  ticket of any of their groups be used on any other (and within each) at their
  change price; a group's window and changes become the larger of its own and
  the through ticket's (one window per ticket: an approximation when they
  differ).
* **Day caps** are per group: a group charges at most its operator's
  ``day_cap``; a charge on another group's ticket counts towards the ride's
  group.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routes._closest import describe_choices
from routes.config.fares import FareParams, ThroughTicket
from routes.config.study_area import StudyArea
from routes.errors import InputError, RoutesWarning
from routes.fares.changes import FareChanges
from routes.fares.compiled import CompiledFares
from routes.fares.gtfs import FeedFares, read_feed_fares
from routes.fares.regimes import persona_regimes
from routes.timetable.read import unique_feed_names
from routes.timetable.timetable import Timetable

__all__ = [
    "CAPPED_ROUTE_TYPES",
    "compile_fares",
    "compile_study_fares",
    "fare_budget_minor",
    "is_coach",
    "read_study_fares",
]

logger = logging.getLogger(__name__)

CAPPED_ROUTE_TYPES = frozenset({3, 11})
"""Basic GTFS route types the single cap applies to: bus and trolleybus (not coaches)."""


def is_coach(raw_route_type: int) -> bool:
    """Whether a raw GTFS route type is a coach (extended types 200-299)."""
    return 200 <= raw_route_type <= 299


def read_study_fares(gtfs_paths: Sequence[Path], params: FareParams) -> tuple[FeedFares, ...]:
    """Read the GTFS fares of a study area's feeds, named as the timetable names them.

    Raises
    ------
    InputError
        If ``feed_fares`` asks for a version no feed has, or as :func:`read_feed_fares`.
    """
    paths = [Path(p) for p in gtfs_paths]
    out = tuple(read_feed_fares(path, name, version=params.feed_fares, currency=params.currency,
                                rider_category=params.rider_category,
                                fare_media=params.fare_media)
                for path, name in zip(paths, unique_feed_names(paths), strict=True))
    if params.feed_fares in ("v1", "v2") and not any(f.version for f in out):
        names = ", ".join(repr(f.feed) for f in out)
        msg = (f"[fares].feed_fares = {params.feed_fares!r}, but no feed ({names}) has GTFS "
               f"Fares {params.feed_fares} tables; set feed_fares = \"auto\" or \"ignore\"")
        raise InputError(msg)
    return out


def fare_budget_minor(study: StudyArea) -> int:
    """Return ``[scoring].fare_budget`` in minor units; by default one single fare."""
    if study.scoring.fare_budget_minor is not None:
        return study.scoring.fare_budget_minor
    return (study.fares or FareParams()).single_minor


def compile_study_fares(study: StudyArea, timetable: Timetable, *,
                        changes: FareChanges | None = None,
                        persona: str | None = None) -> CompiledFares:
    """Compile a study area's fares (``[fares]`` and its feeds' GTFS fares) for a timetable.

    Parameters
    ----------
    study
        The study area (no ``[fares]``: the defaults).
    timetable
        The baseline's or a scenario's timetable.
    changes
        A proposal's fare changes (:func:`routes.proposal.fares.proposal_fare_changes`).
    persona
        Who travels, overriding ``[fares].persona`` (a run's ``--persona``).
    """
    params = study.fares or FareParams()
    if persona is not None:
        params = params.with_persona(persona)
    return compile_fares(timetable, params, feed_fares=read_study_fares(study.gtfs_paths, params),
                         changes=changes)


class _Operators:
    """Resolve an operator reference (an agency id or an ``agency_noc``) to agency ids."""

    def __init__(self, tt: Timetable, route_operator: dict[int, str]) -> None:
        agencies = [str(a) for a in _route_agency_ids(tt)]
        nocs = [str(n) for n in (tt.route_agency_nocs if tt.route_agency_nocs is not None
                                 else [""] * len(agencies))]
        self.by_noc: dict[str, set[str]] = {}
        for agency, noc in zip(agencies, nocs, strict=True):
            if noc:
                self.by_noc.setdefault(noc, set()).add(agency)
        self.agencies = set(agencies)
        self.route_agency = agencies
        for r, ref in route_operator.items():
            self.route_agency[r] = sorted(self.resolve(ref, "a proposed route's operator"))[0]

    def resolve(self, ref: str, where: str) -> set[str]:
        if ref in self.agencies:
            return {ref}
        if ref in self.by_noc:
            return self.by_noc[ref]
        choices = describe_choices(ref, self.agencies | set(self.by_noc), noun="operators")
        msg = (f"{where}: operator {ref!r} is not in the timetable ({choices}); give an "
               "agency id as \"<feed>:<agency_id>\" or an agency_noc")
        raise InputError(msg)


def _route_agency_ids(tt: Timetable) -> list[str]:
    if tt.route_agency_ids is None:  # a timetable not read from feeds: one operator
        return ["operator"] * len(tt.route_ids)
    return [str(a) for a in tt.route_agency_ids]


def compile_fares(
    timetable: Timetable, params: FareParams | None = None, *,
    feed_fares: Sequence[FeedFares] = (), changes: FareChanges | None = None,
) -> CompiledFares:
    """Compile the fare model for a timetable's patterns (see the module docstring).

    Parameters
    ----------
    timetable
        The timetable (of a scenario: proposed routes included).
    params
        The fare model; ``None``: the defaults (every boarding pays £3).
    feed_fares
        The feeds' GTFS fares (:func:`read_study_fares`).
    changes
        A proposal's fare changes.

    Returns
    -------
    CompiledFares
        Prices per pattern and regime of the timetable's service date.

    Raises
    ------
    InputError
        If an operator or route named in the model or the changes is not in the timetable.

    Warns
    -----
    RoutesWarning
        For what the feeds' fares could not represent, and day caps below a single.
    """
    params = FareParams() if params is None else params
    changes = FareChanges() if changes is None else changes
    tt = timetable
    route_index = {str(r): i for i, r in enumerate(tt.route_ids)}
    n_routes = len(route_index)
    for feed in feed_fares:
        for text in feed.warnings:
            warnings.warn(text, RoutesWarning, stacklevel=2)

    def route_of(ref: str, where: str) -> int:
        if ref not in route_index:
            choices = describe_choices(ref, route_index, noun="routes")
            msg = f"{where}: route {ref!r} is not in the timetable ({choices}); give it as " \
                  "\"<feed>:<route_id>\""
            raise InputError(msg)
        return route_index[ref]

    ops = _Operators(tt, {route_of(r, "a proposed route's operator"): o
                          for r, o in changes.route_operator.items()})
    agency = ops.route_agency
    raw = (np.asarray(tt.route_types_raw, dtype=np.int64) if tt.route_types_raw is not None
           else np.asarray(tt.route_types, dtype=np.int64))
    basic = np.asarray(tt.route_types, dtype=np.int64)

    # --- prices, lowest priority first
    feed_price: dict[str, int] = {}
    feed_group: dict[str, str] = {}
    for feed in feed_fares:
        feed_price.update(feed.route_price_minor)
        feed_group.update(feed.route_group)
    price = np.full(n_routes, params.single_minor, dtype=np.int64)
    route_ids = [str(r) for r in tt.route_ids]
    from_feed = np.array([r in feed_price for r in route_ids], dtype=bool)
    price[from_feed] = [feed_price[r] for r in np.asarray(route_ids, dtype=object)[from_feed]]
    operator_groups: dict[str, set[str]] = {}  # an operator's GTFS fare groups
    group_price: dict[str, int] = {}  # the dearest price of each
    for r, rid in enumerate(route_ids):
        if rid in feed_group:
            operator_groups.setdefault(agency[r], set()).add(feed_group[rid])
            group_price[feed_group[rid]] = max(group_price.get(feed_group[rid], 0),
                                              int(price[r]))
    for k in np.flatnonzero(~from_feed):  # e.g. a proposed route run by a GTFS operator
        own = operator_groups.get(agency[k], set())
        if len(own) == 1:
            price[k] = group_price[next(iter(own))]
    capped = np.ones(n_routes, dtype=bool)
    for i, row in enumerate(params.operators):
        ref = row.agency or row.noc or ""
        mine = np.isin(agency, list(ops.resolve(ref, f"[[fares.operators]] row {i + 1}")))
        if row.single_minor is not None:
            price[mine] = row.single_minor
        if row.capped is not None:
            capped[mine] = row.capped
    for ref, single in changes.operator_single_minor.items():
        price[np.isin(agency, list(ops.resolve(ref, "the proposal's change_fare")))] = single
    for i, route_row in enumerate(params.routes):
        r = route_of(route_row.route, f"[[fares.routes]] row {i + 1}")
        if route_row.single_minor is not None:
            price[r] = route_row.single_minor
        if route_row.capped is not None:
            capped[r] = route_row.capped
    for ref, single in changes.route_single_minor.items():
        price[route_of(ref, "the proposal's fares")] = single
    coach = (raw >= 200) & (raw <= 299)
    capped &= np.isin(basic, list(CAPPED_ROUTE_TYPES)) & ~coach
    if params.single_cap_minor is not None:
        price[capped] = np.minimum(price[capped], params.single_cap_minor)
    n_default = n_routes - int(from_feed.sum())
    if n_default and feed_fares:
        logger.info("%d of %d routes have no GTFS fare; [fares] prices them", n_default,
                    n_routes)

    # --- regimes of the persona
    bounds, free = persona_regimes(params.persona, tt.service_date)
    eligible = np.isin(basic, list(params.persona.free_route_types)) & ~coach
    route_price = np.repeat(price[:, None], len(free), axis=1)
    route_price[np.ix_(eligible, free)] = 0

    # --- ticket groups
    keys = []
    for r, rid in enumerate(route_ids):
        own = operator_groups.get(agency[r], set())
        keys.append(feed_group.get(rid) or (next(iter(own)) if len(own) == 1 else agency[r]))
    names = sorted(set(keys))
    group_of = {k: g for g, k in enumerate(names)}
    route_group = np.array([group_of[k] for k in keys], dtype=np.int16)
    return _assemble(tt, params, changes, ops, names, route_group, route_price, bounds,
                     feed_fares, agency)


def _assemble(tt: Timetable, params: FareParams, changes: FareChanges, ops: _Operators,
              names: list[str], route_group: NDArray[np.int16], route_price: NDArray[np.int64],
              bounds: NDArray[np.int32], feed_fares: Sequence[FeedFares],
              agency: list[str]) -> CompiledFares:
    """Ticket rules per group, transfer matrices and day caps; patterns' arrays."""
    n = len(names)
    t = params.tickets
    window = np.full(n, round(t.transfer_window_min * 60), dtype=np.int64)
    change_price = np.full(n, t.transfer_price_minor, dtype=np.int64)
    max_transfers = np.full(n, t.max_transfers, dtype=np.int64)
    day_cap = np.full(n, -1 if t.day_cap_minor is None else t.day_cap_minor, dtype=np.int64)
    transfer = np.full((n, n), -1, dtype=np.int64)
    feed_pairs: dict[tuple[int, int], int] = {}
    for feed in feed_fares:
        for key, seconds in feed.group_window_s.items():
            if key in names:
                g = names.index(key)
                window[g], max_transfers[g] = seconds, feed.group_max_transfers[key]
                change_price[g] = feed.transfer_price_minor.get((key, key), change_price[g])
        for (a, b), value in feed.transfer_price_minor.items():
            if a in names and b in names:
                feed_pairs[(names.index(a), names.index(b))] = value
    group_agencies = [{agency[r] for r in np.flatnonzero(route_group == g)} for g in range(n)]
    for i, row in enumerate(params.operators):
        theirs = ops.resolve(row.agency or row.noc or "", f"[[fares.operators]] row {i + 1}")
        for g in (g for g in range(n) if group_agencies[g] & theirs):
            if row.transfer_window_min is not None:
                window[g] = round(row.transfer_window_min * 60)
            if row.transfer_price_minor is not None:
                change_price[g] = row.transfer_price_minor
            if row.max_transfers is not None:
                max_transfers[g] = row.max_transfers
            if row.day_cap_minor is not None:
                day_cap[g] = row.day_cap_minor
    allowed = (window > 0) & (max_transfers != 0)
    transfer[np.diag_indices(n)] = np.where(allowed, change_price, -1)
    for (g, h), value in feed_pairs.items():
        transfer[g, h] = value if transfer[g, h] < 0 else min(transfer[g, h], value)
    for ticket in (*params.through_tickets, *changes.through_tickets):
        _through(ticket, ops, group_agencies, transfer, window, max_transfers)
    pattern_route = np.asarray(tt.pattern_route, dtype=np.int64)
    dearest = np.zeros(n, dtype=np.int64)
    np.maximum.at(dearest, route_group, route_price.max(axis=1))
    low = np.flatnonzero((day_cap >= 0) & (day_cap < dearest))
    if len(low):
        warnings.warn(f"[fares] day_cap of {names[low[0]]!r} ({day_cap[low[0]] / 100:.2f}) is "
                      f"below its dearest single ({dearest[low[0]] / 100:.2f}): every ride "
                      "costs at most the cap", RoutesWarning, stacklevel=3)
    return CompiledFares(
        pattern_group=route_group[pattern_route].astype(np.int16),
        pattern_price=route_price[pattern_route].astype(np.int32),
        regime_bounds_s=np.asarray(bounds, dtype=np.int32),
        transfer_price=transfer.astype(np.int32),
        transfer_counts=np.ones((n, n), dtype=np.bool_),
        group_window_s=window.astype(np.int32),
        group_max_transfers=max_transfers.astype(np.int16),
        group_day_cap=day_cap.astype(np.int32),
        currency=params.currency,
    )


def _through(ticket: ThroughTicket, ops: _Operators, group_agencies: list[set[str]],
             transfer: NDArray[np.int64], window: NDArray[np.int64],
             max_transfers: NDArray[np.int64]) -> None:
    """Open the transfer matrix between the groups of a through ticket's operators."""
    if ticket.operators is None:
        members = np.arange(len(group_agencies))
    else:
        theirs: set[str] = set()
        for ref in ticket.operators:
            theirs |= ops.resolve(ref, "a through ticket")
        members = np.array([g for g, a in enumerate(group_agencies) if a & theirs], dtype=int)
    if not len(members) or ticket.transfer_window_min <= 0 or ticket.max_transfers == 0:
        return
    block = np.ix_(members, members)
    current = transfer[block]
    transfer[block] = np.where(current < 0, ticket.transfer_price_minor,
                               np.minimum(current, ticket.transfer_price_minor))
    window[members] = np.maximum(window[members], round(ticket.transfer_window_min * 60))
    unlimited = (max_transfers[members] < 0) | (ticket.max_transfers < 0)
    max_transfers[members] = np.where(unlimited, -1,
                                      np.maximum(max_transfers[members], ticket.max_transfers))
