"""GTFS Fares v1 and v2 read and compiled: the real Porto Alegre and Newport feeds, tiny feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from _fare_feeds import fare_feed, fare_timetable, route_of_pattern
from _feeds import shared_data_dir

from routes.config.fares import FareParams
from routes.errors import InputError, RoutesWarning
from routes.fares.changes import FareChanges
from routes.fares.compile import compile_fares, read_study_fares
from routes.fares.gtfs import WHOLE_DAY_S, read_feed_fares
from routes.timetable.timetable import load_timetable


def test_porto_alegre_one_fare_for_every_route() -> None:
    path = shared_data_dir() / "poa" / "poa_eptc.zip"
    fares = read_feed_fares(path, "poa_eptc", currency="BRL")
    # fare_attributes.txt: tarifa,4.7,BRL,0,0 and no fare_rules.txt
    assert fares.version == "v1"
    assert set(fares.route_price_minor.values()) == {470}
    assert set(fares.route_group.values()) == {"poa_eptc:fare:tarifa"}
    assert fares.group_max_transfers == {"poa_eptc:fare:tarifa": 0}
    assert fares.transfer_price_minor == {}  # transfers = 0: every boarding pays
    tt = load_timetable([path], dt.date(2019, 5, 13), allow_feed_errors=True)
    assert len(fares.route_price_minor) >= len(set(tt.route_ids.tolist()))
    compiled = compile_fares(tt, FareParams(currency="BRL"), feed_fares=(fares,))
    assert compiled.n_groups == 1 and compiled.currency == "BRL"
    assert np.all(compiled.pattern_price == 470)
    assert np.all(compiled.transfer_price == -1)


def test_porto_alegre_fares_are_not_pounds() -> None:
    path = shared_data_dir() / "poa" / "poa_eptc.zip"
    with pytest.raises(InputError, match=r"GTFS feed 'poa_eptc' fare_attributes.txt row 1: "
                                         r"fares in BRL, not in \[fares\].currency GBP; set "
                                         r"\[fares\] currency = \"BRL\""):
        read_study_fares([path], FareParams())
    assert read_study_fares([path], FareParams(feed_fares="ignore"))[0].version == ""


def test_newport_has_no_fares_so_the_default_single_applies() -> None:
    path = shared_data_dir() / "newport" / "newport_bods_gtfs_20230613_small.zip"
    feeds = read_study_fares([path], FareParams())
    assert feeds[0].version == "" and not feeds[0].route_price_minor
    tt = load_timetable([path], dt.date(2023, 6, 13), allow_feed_errors=True)
    compiled = compile_fares(tt, FareParams(), feed_fares=feeds)
    assert np.all(compiled.pattern_price == 300)
    # one group per operator: Newport Bus, Stagecoach, First, Megabus in this extract
    assert compiled.n_groups == len(set(tt.route_agency_ids.tolist()))  # type: ignore[union-attr]
    with pytest.raises(InputError, match=r"feed_fares = 'v1', but no feed \('newport_bods_gtfs_"
                                         r"20230613_small'\) has GTFS Fares v1 tables"):
        read_study_fares([path], FareParams(feed_fares="v1"))


V1_ATTRIBUTES = [
    {"fare_id": "city", "price": "2.00", "currency_type": "GBP", "payment_method": 0,
     "transfers": "", "agency_id": "AG", "transfer_duration": 3600},
    {"fare_id": "day", "price": "5.00", "currency_type": "GBP", "payment_method": 0,
     "transfers": 0, "agency_id": "AG", "transfer_duration": ""},
    {"fare_id": "zone", "price": "7.50", "currency_type": "GBP", "payment_method": 0,
     "transfers": 1, "agency_id": "CO", "transfer_duration": 1800},
]
V1_RULES = [
    {"fare_id": "city", "route_id": "R1"},
    {"fare_id": "day", "route_id": "R1"},  # R1 in two fares: the cheapest
    {"fare_id": "day", "route_id": "R2"},
    {"fare_id": "zone", "route_id": "X9", "origin_id": "Z1"},
]


def test_v1_rules_by_route_and_by_zone(tmp_path: Path) -> None:
    path = fare_feed(tmp_path, fare_attributes=V1_ATTRIBUTES, fare_rules=V1_RULES)
    fares = read_feed_fares(path, "fares")
    assert fares.route_price_minor == {"fares:R1": 200, "fares:R2": 500, "fares:X9": 750}
    assert fares.route_group == {"fares:R1": "fares:fare:city", "fares:R2": "fares:fare:day",
                                 "fares:X9": "fares:fare:zone"}
    assert fares.group_window_s == {"fares:fare:city": 3600, "fares:fare:day": WHOLE_DAY_S,
                                    "fares:fare:zone": 1800}
    assert fares.group_max_transfers == {"fares:fare:city": -1, "fares:fare:day": 0,
                                         "fares:fare:zone": 1}
    assert fares.transfer_price_minor == {("fares:fare:city", "fares:fare:city"): 0,
                                          ("fares:fare:zone", "fares:fare:zone"): 0}
    assert len(fares.warnings) == 1 and "fares by zone" in fares.warnings[0]

    tt = fare_timetable(tmp_path / "again", fare_attributes=V1_ATTRIBUTES, fare_rules=V1_RULES)
    with pytest.warns(RoutesWarning, match="fares by zone"):
        compiled = compile_fares(tt, FareParams(), feed_fares=(fares,))
    # groups sorted: fare:city 0, fare:day 1, fare:zone 2
    prices = dict(zip(route_of_pattern(tt), compiled.pattern_price[:, 0].tolist(), strict=True))
    assert prices == {"R1": 200, "R2": 500, "X9": 750}
    assert compiled.transfer_price.tolist() == [[0, -1, -1], [-1, -1, -1], [-1, -1, 0]]
    assert compiled.group_window_s.tolist() == [3600, WHOLE_DAY_S, 1800]


V2 = {
    "networks": [{"network_id": "town"}, {"network_id": "coach"}],
    "route_networks": [{"network_id": "town", "route_id": "R1"},
                       {"network_id": "town", "route_id": "R2"},
                       {"network_id": "coach", "route_id": "X9"}],
    "rider_categories": [{"rider_category_id": "adult", "rider_category_name": "Adult",
                          "is_default_fare_category": 1},
                         {"rider_category_id": "child", "rider_category_name": "Child",
                          "is_default_fare_category": 0}],
    "fare_products": [
        {"fare_product_id": "single", "amount": "2.40", "currency": "GBP",
         "rider_category_id": "adult", "fare_media_id": "cash"},
        {"fare_product_id": "single", "amount": "2.20", "currency": "GBP",
         "rider_category_id": "adult", "fare_media_id": "card"},
        {"fare_product_id": "single", "amount": "1.20", "currency": "GBP",
         "rider_category_id": "child", "fare_media_id": "cash"},
        {"fare_product_id": "coach", "amount": "9.00", "currency": "GBP",
         "rider_category_id": "adult", "fare_media_id": "cash"},
        {"fare_product_id": "hop", "amount": "0.50", "currency": "GBP",
         "rider_category_id": "adult", "fare_media_id": "cash"},
    ],
    "fare_leg_rules": [
        {"leg_group_id": "local", "network_id": "town", "fare_product_id": "single"},
        {"leg_group_id": "express", "network_id": "coach", "fare_product_id": "coach"},
    ],
    "fare_transfer_rules": [
        {"from_leg_group_id": "local", "to_leg_group_id": "local", "transfer_count": -1,
         "duration_limit": 3600, "duration_limit_type": 1, "fare_transfer_type": 0},
        {"from_leg_group_id": "local", "to_leg_group_id": "express", "transfer_count": "",
         "duration_limit": 5400, "duration_limit_type": 1, "fare_transfer_type": 1,
         "fare_product_id": "hop"},
    ],
}


def test_v2_networks_products_and_transfer_rules(tmp_path: Path) -> None:
    path = fare_feed(tmp_path, **V2)
    fares = read_feed_fares(path, "fares")
    assert fares.version == "v2"
    # the default category (adult), the cheapest medium (card, 2.20)
    assert fares.route_price_minor == {"fares:R1": 220, "fares:R2": 220, "fares:X9": 900}
    assert fares.route_group == {"fares:R1": "fares:leg:local", "fares:R2": "fares:leg:local",
                                 "fares:X9": "fares:leg:express"}
    # local -> local: type 0, no product: free; local -> express: type 1: hop + coach
    assert fares.transfer_price_minor == {("fares:leg:local", "fares:leg:local"): 0,
                                          ("fares:leg:local", "fares:leg:express"): 50 + 900}
    assert fares.group_window_s == {"fares:leg:local": 5400, "fares:leg:express": 0}
    assert fares.group_max_transfers == {"fares:leg:local": -1, "fares:leg:express": 0}
    child = read_feed_fares(path, "fares", rider_category="child")
    assert child.route_price_minor == {"fares:R1": 120, "fares:R2": 120}
    cash = read_feed_fares(path, "fares", fare_media="cash")
    assert cash.route_price_minor["fares:R1"] == 240
    assert read_feed_fares(path, "fares", version="v1").version == ""


def test_a_route_run_by_an_operator_with_one_feed_fare_joins_it(tmp_path: Path) -> None:
    # one fare for operator AG's routes only (R1, R2); X9 (operator CO) handed to AG
    attributes = [{"fare_id": "flat", "price": "1.80", "currency_type": "GBP",
                   "payment_method": 0, "transfers": 1, "agency_id": "AG",
                   "transfer_duration": 2700}]
    path = fare_feed(tmp_path, fare_attributes=attributes)
    tt = load_timetable([path], dt.date(2019, 5, 13))
    fares = read_feed_fares(path, "fares")
    assert fares.route_price_minor == {"fares:R1": 180, "fares:R2": 180}
    plain = compile_fares(tt, feed_fares=(fares,))
    # X9 keeps its own operator (group fares:CO, after fares:fare:flat) and the default single
    assert dict(zip(route_of_pattern(tt), plain.pattern_price[:, 0].tolist(),
                    strict=True)) == {"R1": 180, "R2": 180, "X9": 300}
    assert plain.transfer_price.tolist() == [[-1, -1], [-1, 0]]  # CO: none; flat: free change
    handed = compile_fares(tt, feed_fares=(fares,),
                           changes=FareChanges(route_operator={"fares:X9": "fares:AG"}))
    assert handed.n_groups == 1
    assert np.all(handed.pattern_price == 180)
    assert handed.group_window_s.tolist() == [2700]
