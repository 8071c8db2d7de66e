"""A proposal's fare changes, as the fare compiler takes them (:class:`FareChanges`).

The proposal package (above this layer) turns its fare properties and
fare-only features into this dataclass: a proposed route's ``fare`` and
``operator``, ``change_fare`` features and ``through_ticket`` features.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from routes.config.fares import ThroughTicket

__all__ = ["FareChanges"]


@dataclass(frozen=True, slots=True)
class FareChanges:
    """Fare changes a proposal makes (nothing by default).

    Attributes
    ----------
    route_single_minor
        New single fare by namespaced route id (a proposed route's ``fare``,
        a ``change_fare`` of one route), minor units; 0 is a free route.
    route_operator
        Operator of a route by namespaced route id: an agency id
        (``"<feed>:<agency_id>"``) or an ``agency_noc`` (a proposed route run
        by, and sharing the tickets of, an existing operator).
    operator_single_minor
        New single fare of every route of an operator (agency id or NOC).
    through_tickets
        New through tickets.
    """

    route_single_minor: Mapping[str, int] = field(default_factory=dict)
    route_operator: Mapping[str, str] = field(default_factory=dict)
    operator_single_minor: Mapping[str, int] = field(default_factory=dict)
    through_tickets: tuple[ThroughTicket, ...] = ()

    @property
    def any(self) -> bool:
        """Whether the proposal changes any fare."""
        return bool(self.route_single_minor or self.operator_single_minor
                    or self.through_tickets)
