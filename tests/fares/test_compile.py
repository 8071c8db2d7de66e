"""compile_fares: prices per pattern and regime, groups, transfers and caps, derived by hand.

The feed (tests/_fare_feeds.py): operator AG (NOC ABUS) runs buses R1 and R2,
operator CO (NOC MEGA) the coach X9 (type 201); Monday 2019-05-13.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from _fare_feeds import fare_feed, fare_timetable, route_of_pattern

from routes.config.fares import (
    ENCTS,
    FareParams,
    OperatorFare,
    RouteFare,
    ThroughTicket,
    TicketRules,
)
from routes.config.study_area import load_study_area
from routes.errors import InputError, RoutesWarning
from routes.fares.changes import FareChanges
from routes.fares.compile import compile_fares, compile_study_fares, fare_budget_minor
from routes.fares.compiled import CompiledFares
from routes.timetable.timetable import Timetable


@pytest.fixture
def tt(tmp_path: Path) -> Timetable:
    return fare_timetable(tmp_path)


def by_route(tt: Timetable, fares: CompiledFares) -> dict[str, tuple[int, list[int]]]:
    """Group and prices of each route (every pattern of a route has the same)."""
    out: dict[str, tuple[int, list[int]]] = {}
    for p, r in enumerate(route_of_pattern(tt)):
        out[r] = (int(fares.pattern_group[p]), fares.pattern_price[p].tolist())
    return out


def test_defaults_every_boarding_pays_three_pounds(tt: Timetable) -> None:
    fares = compile_fares(tt)
    # groups are the operators, sorted: fares:AG = 0, fares:CO = 1
    assert by_route(tt, fares) == {"R1": (0, [300]), "R2": (0, [300]), "X9": (1, [300])}
    assert fares.regime_bounds_s.tolist() == []
    assert (fares.transfer_price == -1).all()  # no change on a ticket
    assert fares.group_day_cap.tolist() == [-1, -1]
    assert fares.currency == "GBP"


def test_operator_rows_single_cap_and_coaches(tt: Timetable) -> None:
    params = FareParams(
        single_minor=400, single_cap_minor=300,
        operators=(OperatorFare(noc="ABUS", transfer_window_min=60, max_transfers=-1,
                                day_cap_minor=550),
                   OperatorFare(agency="fares:CO", single_minor=1250)),
        routes=(RouteFare("fares:R2", single_minor=0),),
    )
    fares = compile_fares(tt, params)
    # R1: 4.00 capped at 3.00; R2 free; X9 a coach: 12.50, never capped
    assert by_route(tt, fares) == {"R1": (0, [300]), "R2": (0, [0]), "X9": (1, [1250])}
    assert fares.transfer_price.tolist() == [[0, -1], [-1, -1]]  # AG: free changes for an hour
    assert fares.group_window_s.tolist() == [3600, 0]
    assert fares.group_max_transfers.tolist() == [-1, 1]
    assert fares.group_day_cap.tolist() == [550, -1]


def test_capped_false_keeps_the_operators_price(tt: Timetable) -> None:
    params = FareParams(single_minor=400, single_cap_minor=300,
                        operators=(OperatorFare(noc="ABUS", capped=False),),
                        routes=(RouteFare("fares:R2", capped=True),))
    assert by_route(tt, compile_fares(tt, params))["R1"][1] == [400]
    assert by_route(tt, compile_fares(tt, params))["R2"][1] == [300]


def test_encts_free_on_buses_from_half_past_nine_on_a_weekday(tt: Timetable) -> None:
    fares = compile_fares(tt, FareParams(persona=ENCTS))
    # Monday 2019-05-13: paid to 09:30, free to 23:00, paid to 24:00, Tuesday likewise
    h = 3600
    assert fares.regime_bounds_s.tolist() == [9 * h + 1800, 23 * h, 33 * h + 1800, 47 * h]
    assert by_route(tt, fares) == {"R1": (0, [300, 0, 300, 0, 300]),
                                   "R2": (0, [300, 0, 300, 0, 300]),
                                   "X9": (1, [300] * 5)}  # coaches are not in the scheme
    assert fares.regime_of(9 * h + 1799) == 0 and fares.regime_of(9 * h + 1800) == 1


def test_encts_on_a_bank_holiday_and_at_weekends(tmp_path: Path) -> None:
    tt = fare_timetable(tmp_path)
    # 2019-05-06 was the early May bank holiday (a Monday); 2019-05-11 a Saturday
    holiday = compile_fares(dataclasses.replace(tt, service_date=dt.date(2019, 5, 6)),
                            FareParams(persona=ENCTS))
    assert holiday.regime_bounds_s.tolist() == [24 * 3600, 33 * 3600 + 1800, 47 * 3600]
    saturday = compile_fares(dataclasses.replace(tt, service_date=dt.date(2019, 5, 11)),
                             FareParams(persona=ENCTS))
    assert saturday.regime_bounds_s.tolist() == []  # Saturday and Sunday: free all day
    assert by_route(tt, saturday)["R1"][1] == [0]


def test_through_ticket_between_all_operators(tt: Timetable) -> None:
    params = FareParams(through_tickets=(ThroughTicket(None, 60.0, 50, 2),))
    fares = compile_fares(tt, params)
    assert fares.transfer_price.tolist() == [[50, 50], [50, 50]]
    assert fares.group_window_s.tolist() == [3600, 3600]
    assert fares.group_max_transfers.tolist() == [2, 2]


def test_through_ticket_keeps_a_cheaper_own_change(tt: Timetable) -> None:
    params = FareParams(tickets=TicketRules(30.0, 0, -1),
                        through_tickets=(ThroughTicket(("ABUS", "MEGA"), 90.0, 100, 1),))
    fares = compile_fares(tt, params)
    assert fares.transfer_price.tolist() == [[0, 100], [100, 0]]
    assert fares.group_window_s.tolist() == [5400, 5400]
    assert fares.group_max_transfers.tolist() == [-1, -1]


def test_proposal_changes_come_first(tt: Timetable) -> None:
    params = FareParams(routes=(RouteFare("fares:R1", single_minor=250),))
    changes = FareChanges(route_single_minor={"fares:R1": 0},
                          operator_single_minor={"MEGA": 500},
                          route_operator={"fares:X9": "ABUS"})
    fares = compile_fares(tt, params, changes=changes)
    # X9 now belongs to AG (one group); the proposal's operator fare prices it
    assert by_route(tt, fares) == {"R1": (0, [0]), "R2": (0, [300]), "X9": (0, [300])}
    changes = FareChanges(operator_single_minor={"ABUS": 150})
    assert by_route(tt, compile_fares(tt, params, changes=changes))["R2"] == (0, [150])


@pytest.mark.parametrize(("params", "changes", "message"), [
    (FareParams(operators=(OperatorFare(noc="ABSU"),)), None,
     r"\[\[fares.operators\]\] row 1: operator 'ABSU' is not in the timetable \(closest: 'ABUS'\)"),
    (FareParams(routes=(RouteFare("fares:R3"),)), None,
     r"\[\[fares.routes\]\] row 1: route 'fares:R3' is not in the timetable \(closest: "),
    (None, FareChanges(through_tickets=(ThroughTicket(("NOPE",)),)),
     r"a through ticket: operator 'NOPE' is not in the timetable"),
])
def test_unknown_operators_and_routes(tt: Timetable, params: FareParams | None,
                                      changes: FareChanges | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        compile_fares(tt, params, changes=changes)


def test_day_cap_below_a_single_warns(tt: Timetable) -> None:
    with pytest.warns(RoutesWarning, match=r"day_cap of 'fares:AG' \(2.00\) is below its "
                                           r"dearest single \(3.00\)"):
        fares = compile_fares(tt, FareParams(tickets=TicketRules(day_cap_minor=200)))
    assert fares.group_day_cap.tolist() == [200, 200]


def test_a_timetable_without_operators_is_one_group(tt: Timetable) -> None:
    bare = dataclasses.replace(tt, route_agency_ids=None, route_agency_nocs=None,
                               route_types_raw=None)
    fares = compile_fares(bare)
    assert fares.n_groups == 1 and np.all(fares.pattern_price == 300)


def test_study_fares_budget_and_persona(tmp_path: Path) -> None:
    feed = fare_feed(tmp_path)
    (tmp_path / "streets.osm").write_text("<osm/>", encoding="utf-8")
    config = tmp_path / "routes.toml"
    config.write_text(f'[study_area]\ngtfs = ["{feed.name}"]\nosm = "streets.osm"\n'
                      'date = 2019-05-13\n[fares]\nsingle = 2.00\n', encoding="utf-8")
    study = load_study_area(config)
    assert fare_budget_minor(study) == 200  # one single fare
    tt = fare_timetable(tmp_path / "tt")
    assert np.all(compile_study_fares(study, tt).pattern_price == 200)
    encts = compile_study_fares(study, tt, persona="encts")
    assert by_route(tt, encts)["R1"][1] == [200, 0, 200, 0, 200]
    budget = dataclasses.replace(study, scoring=dataclasses.replace(study.scoring,
                                                                     fare_budget_minor=450))
    assert fare_budget_minor(budget) == 450
