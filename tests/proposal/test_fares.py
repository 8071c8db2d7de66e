"""A proposal's fares: a route's fare and operator, through tickets and new singles, parsed,
turned into FareChanges and compiled; a proposal of fare features only needs no buses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fare_feeds import fare_timetable, route_of_pattern

from routes.config.fares import FareParams, ThroughTicket
from routes.errors import ProposalError
from routes.fares.compile import compile_fares
from routes.proposal.costing import compute_proposal_cost, describe_running_cost
from routes.proposal.fares import proposal_fare_changes
from routes.proposal.load import load_proposal
from routes.proposal.model import FareKind, FareModification

LINE = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.03, 0.0]]}


def _write(tmp_path: Path, *features: dict[str, Any], name: str = "hopper") -> Path:
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f.pop("geometry", None), "properties": f}
        for f in features]}), encoding="utf-8")
    return path


def test_fare_only_proposal_is_valid_and_needs_no_vehicles(tmp_path: Path) -> None:
    proposal = load_proposal(_write(tmp_path, {"type": "through_ticket", "operators": "all",
                                               "transfer_window_min": 60}))
    assert proposal.routes == () and proposal.modifications == ()
    assert proposal.fare_changes == (FareModification(FareKind.THROUGH_TICKET,
                                                      feature_index=0),)
    assert proposal.changes_fares_only
    cost = compute_proposal_cost(proposal)
    assert cost.fares_only and cost.net.annual_vehicle_hours == 0
    assert describe_running_cost(cost) == (
        "Changes fares only: it needs no vehicles (no new route-km or vehicle-hours). "
        "The fare revenue it gives up is not estimated.")


def test_every_fare_property_is_read(tmp_path: Path) -> None:
    proposal = load_proposal(_write(
        tmp_path,
        {"geometry": LINE, "name": "Shuttle", "headway_min": 20, "fare": 0},
        {"geometry": LINE, "name": "Link", "headway_min": 30, "fare": 1.2, "operator": "ABUS"},
        {"type": "through_ticket", "operators": ["ABUS", "fares:CO"],
         "transfer_window_min": 90, "transfer_price": 0.5, "max_transfers": 2},
        {"type": "change_fare", "gtfs_route_id": "fares:R2", "single": 1.5},
        {"type": "change_fare", "agency": "MEGA", "single": 8},
    ))
    assert [(r.fare_minor, r.operator) for r in proposal.routes] == [(0, None), (120, "ABUS")]
    assert proposal.fare_changes[0] == FareModification(
        FareKind.THROUGH_TICKET, operators=("ABUS", "fares:CO"), transfer_window_min=90.0,
        transfer_price_minor=50, max_transfers=2, feature_index=2)
    assert not proposal.changes_fares_only
    changes = proposal_fare_changes(proposal, "proposal_hopper")
    assert changes.route_single_minor == {"proposal_hopper:proposal_hopper_shuttle": 0,
                                          "proposal_hopper:proposal_hopper_link": 120,
                                          "fares:R2": 150}
    assert changes.route_operator == {"proposal_hopper:proposal_hopper_link": "ABUS"}
    assert changes.operator_single_minor == {"MEGA": 800}
    assert changes.through_tickets == (ThroughTicket(("ABUS", "fares:CO"), 90.0, 50, 2),)


def test_a_through_ticket_proposal_compiles(tmp_path: Path) -> None:
    tt = fare_timetable(tmp_path)
    proposal = load_proposal(_write(tmp_path, {"type": "through_ticket"},
                                    {"type": "change_fare", "gtfs_route_id": "fares:R1",
                                     "single": 1}))
    before = compile_fares(tt, FareParams())
    after = compile_fares(tt, FareParams(), changes=proposal_fare_changes(proposal, "x"))
    assert (before.transfer_price == -1).all()
    # "all" operators, 60 minutes, free, unlimited changes (the defaults of a through ticket)
    assert after.transfer_price.tolist() == [[0, 0], [0, 0]]
    assert after.group_window_s.tolist() == [3600, 3600]
    assert after.group_max_transfers.tolist() == [-1, -1]
    prices = dict(zip(route_of_pattern(tt), after.pattern_price[:, 0].tolist(), strict=True))
    assert prices == {"R1": 100, "R2": 300, "X9": 300}
    assert np.array_equal(before.pattern_group, after.pattern_group)


@pytest.mark.parametrize(("feature", "message"), [
    ({"type": "change_fare", "single": 1},
     r"feature 0 \('change_fare'\) gtfs_route_id: give exactly"),
    ({"type": "change_fare", "gtfs_route_id": "f:1", "agency": "A", "single": 1},
     r"gtfs_route_id: give exactly one of"),
    ({"type": "change_fare", "gtfs_route_id": "f:1"}, r"single: missing; give the new single"),
    ({"type": "change_fare", "gtfs_route_id": "f:1", "single": 1.234},
     r"single: expected an amount from 0 to 1000 with at most two decimals"),
    ({"type": "through_ticket", "operators": "some"}, r"operators: expected \"all\" or a list"),
    ({"type": "through_ticket", "max_transfers": 11}, r"max_transfers: expected a whole number"),
    ({"type": "through_ticket", "transfer_window_min": 0}, r"transfer_window_min: expected a "
                                                           r"number of minutes in \(0, 1440\]"),
    ({"type": "through_ticket", "price": 1}, r"price: unknown property for a through_ticket"),
    ({"geometry": LINE, "name": "A", "headway_min": 10, "fare": -1}, r"fare: expected an amount"),
    ({"geometry": LINE, "name": "A", "headway_min": 10, "operator": 7},
     r"operator: expected an operator"),
])
def test_bad_fare_properties(tmp_path: Path, feature: dict[str, Any], message: str) -> None:
    with pytest.raises(ProposalError, match=message):
        load_proposal(_write(tmp_path, feature))


def test_an_empty_proposal_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(ProposalError, match="no routes or modifications"):
        load_proposal(_write(tmp_path))
