"""Tests for the map's fare-limited layer: the change in jobs reachable for one fare.

Hand-made case: the tiny zones Z1-Z3 of ``_pages`` with, besides the time-only
change in jobs within 45 min (+1,200 / +300 / 0), the change in jobs within 45
min for at most 300p (``jobs_within_45min_fare300p``): +800 / 0 / -100.
A "fares only" variant has no time-only change at all (a through ticket).
"""

from __future__ import annotations

import pandas as pd
import pytest
from _map_reader import layer_features, overlay_layers, shown_on_opening, zone_of
from _pages import JOB_COLUMN, tiny_changes, tiny_destinations, tiny_zone_geometry

from routes.config.study_area import ScoringParams
from routes.proposal.model import Proposal
from routes.render.maps import MapFare, MapLayers, render_map

pytest.importorskip("folium")

FARE_COLUMN = "jobs_within_45min_fare300p"
FARE = MapFare(budget_minor=300, words="one £3.00 fare")
TIME_LAYER = MapLayers.for_scoring(ScoringParams()).change_jobs
FARE_LAYER = f"{TIME_LAYER} for one £3.00 fare"


def _changes(*, fares_only: bool) -> pd.DataFrame:
    table = tiny_changes()
    base = pd.Series({"Z1": 400.0, "Z2": 2000.0, "Z3": 9000.0})
    delta = pd.Series({"Z1": 800.0, "Z2": 0.0, "Z3": -100.0})
    table[f"baseline_{FARE_COLUMN}"] = base
    table[f"scenario_{FARE_COLUMN}"] = base + delta
    table[f"delta_{FARE_COLUMN}"] = delta
    if fares_only:
        table[f"scenario_{JOB_COLUMN}"] = table[f"baseline_{JOB_COLUMN}"]
        table[f"delta_{JOB_COLUMN}"] = 0.0
    return table


def _page(*, fares_only: bool, fare: MapFare | None = FARE) -> str:
    return render_map(Proposal(name="Hopper", source=None, routes=()),
                      _changes(fares_only=fares_only), tiny_zone_geometry(),
                      destinations=tiny_destinations(), space_layers={"spaces"}, fare=fare)


def test_fare_layer_says_the_fare_limited_change_per_zone() -> None:
    page = _page(fares_only=False)
    layers = overlay_layers(page)
    tips = {zone_of(f["properties"]["tooltip"]): f["properties"]["tooltip"]
            for f in layer_features(page, layers[FARE_LAYER])}
    assert "Jobs within 45 min for one £3.00 fare: 400 today, 1,200 with the proposal (+800)" \
        in tips["Z1"]
    assert "9,000 today, 8,900 with the proposal (-100)" in tips["Z3"]
    assert "(no change)" in tips["Z2"]
    # A proposal with new buses opens on the time-only change; the fare layer is a switch.
    assert shown_on_opening(page, layers[TIME_LAYER])
    assert not shown_on_opening(page, layers[FARE_LAYER])


def test_a_fares_only_proposal_opens_on_the_fare_limited_change() -> None:
    page = _page(fares_only=True)
    layers = overlay_layers(page)
    assert shown_on_opening(page, layers[FARE_LAYER])
    assert not shown_on_opening(page, layers[TIME_LAYER])
    # The legend's classes are named after it.
    assert f'<div class="head">{FARE_LAYER} per neighbourhood</div>' in page
    # Gains and losses are coloured, not the grey of "no change" everywhere.
    fills = {zone_of(f["properties"]["tooltip"]): f["properties"]["fill"]
             for f in layer_features(page, layers[FARE_LAYER])}
    assert len({fills["Z1"], fills["Z2"], fills["Z3"]}) == 3


def test_no_fare_layer_without_fares_or_without_its_columns() -> None:
    assert FARE_LAYER not in overlay_layers(_page(fares_only=False, fare=None))
    other_budget = MapFare(budget_minor=500, words="£5.00 in fares")
    layers = overlay_layers(_page(fares_only=True, fare=other_budget))
    assert not any("fare" in name for name in layers)
    page = _page(fares_only=True, fare=other_budget)
    assert shown_on_opening(page, layers[TIME_LAYER])
    assert f'<div class="head">{TIME_LAYER} per neighbourhood</div>' in page
