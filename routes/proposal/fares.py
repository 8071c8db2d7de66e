"""A proposal's fares as the fare compiler takes them: :func:`proposal_fare_changes`.

The proposal's fare properties (a route's ``fare`` and ``operator``) and its
fare-only features (``through_ticket``, ``change_fare``) become a
:class:`routes.fares.changes.FareChanges`, keyed by the route ids the
scenario's timetable gives the proposed routes (``"<feed>:<route_id>"``, the
proposal's feed named by :func:`routes.evaluation.scenario.proposal_feed_name`).
"""

from __future__ import annotations

from routes.config.fares import ThroughTicket
from routes.fares.changes import FareChanges
from routes.proposal.model import FareKind, Proposal
from routes.proposal.trips import proposal_prefix, route_slugs

__all__ = ["proposal_fare_changes"]


def proposal_fare_changes(proposal: Proposal, feed_name: str) -> FareChanges:
    """Return a proposal's fare changes, for :func:`routes.fares.compile.compile_fares`.

    Parameters
    ----------
    proposal
        The proposal.
    feed_name
        The name of its feed in the scenario (its routes are ``"<feed_name>:<route_id>"``).

    Returns
    -------
    FareChanges
        Empty when the proposal sets no fare.
    """
    prefix = proposal_prefix(proposal)
    route_single: dict[str, int] = {}
    route_operator: dict[str, str] = {}
    for route, slug in zip(proposal.routes, route_slugs(proposal.routes), strict=True):
        route_id = f"{feed_name}:{prefix}_{slug}"
        if route.fare_minor is not None:
            route_single[route_id] = route.fare_minor
        if route.operator is not None:
            route_operator[route_id] = route.operator
    operator_single: dict[str, int] = {}
    through: list[ThroughTicket] = []
    for change in proposal.fare_changes:
        if change.kind is FareKind.THROUGH_TICKET:
            through.append(ThroughTicket(change.operators, change.transfer_window_min,
                                         change.transfer_price_minor, change.max_transfers))
        elif change.single_minor is not None and change.gtfs_route_id is not None:
            route_single[change.gtfs_route_id] = change.single_minor
        elif change.single_minor is not None and change.agency is not None:
            operator_single[change.agency] = change.single_minor
    return FareChanges(route_single_minor=route_single, route_operator=route_operator,
                       operator_single_minor=operator_single, through_tickets=tuple(through))
