"""Tests for routes.render.map_periods: map.html's change in jobs by period, one at a time.

The hand-made case is the tiny evaluation of ``_pages`` (zones Z1-Z3, change in
jobs +1,200 / +300 / 0 in the study window 07:00-09:00) with two periods:
``am_peak`` 07:00-09:00 (the same changes) and ``evening`` 19:00-21:00, where
only Z2 changes: it loses 2,500 jobs (5,000 -> 2,500). The largest change of
any period is then 2,500, so the shared classes end at 2,500 and gains of
1,200 fall in "+1,000 to +2,000" (with the study window alone they would end at
2,000, with no loss class at all).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _html_reader import read_html
from _map_reader import base_layers, overlays, shown_on_opening, zone_of
from _map_reader import layer_features as read_layer
from _pages import (
    HOSTILE,
    HOSTILE_TEMPLATE,
    JOB_COLUMN,
    tiny_changes,
    tiny_destinations,
    tiny_isochrones,
    tiny_zone_geometry,
    write_proposal,
)

from routes.config.periods import Period
from routes.config.study_area import ScoringParams
from routes.proposal.load import load_proposal
from routes.render.map_periods import STUDY_WINDOW, MapPeriod
from routes.render.maps import MapLayers, render_map
from routes.render.svg import NO_CHANGE_COLOUR, ROUTE_COLOUR

pytest.importorskip("folium")

LAYERS = MapLayers.for_scoring(ScoringParams())
STUDY = MapPeriod(STUDY_WINDOW, "07:00-09:00", "")
AM_PEAK = MapPeriod.of(Period("am_peak", 7 * 3600, 9 * 3600))
EVENING = MapPeriod.of(Period("evening", 19 * 3600, 21 * 3600))
EVENING_DELTA = {"Z1": 0.0, "Z2": -2500.0, "Z3": 0.0}


def with_periods(table: pd.DataFrame, metric: str = JOB_COLUMN) -> pd.DataFrame:
    """Add the am_peak (as the study window) and evening columns of the hand-made case."""
    out = table.copy()
    base = out[f"baseline_{metric}"]
    for suffix, delta in (("_am_peak", out[f"delta_{metric}"]),
                          ("_evening", pd.Series(EVENING_DELTA))):
        out[f"baseline_{metric}{suffix}"] = base
        out[f"scenario_{metric}{suffix}"] = base + delta
        out[f"delta_{metric}{suffix}"] = delta
    return out


def layer_features(page: str, var: str) -> dict[str, dict[str, str]]:
    """The features of one GeoJSON layer, by zone."""
    return {zone_of(f["properties"]["tooltip"]): f["properties"]
            for f in read_layer(page, var)}


def legend_colours(page: str) -> dict[str, str]:
    """Legend label -> swatch colour of the change classes."""
    return {label: colour for colour, label in re.findall(
        r'<div class="row"><span class="sw" style="background:(#[0-9a-f]{6})"></span>([^<]*)',
        page)}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("map")
    proposal = load_proposal(write_proposal(folder, stem="plain", route="R1"))
    return render_map(proposal, with_periods(tiny_changes()), tiny_zone_geometry(),
                      destinations=tiny_destinations(), space_layers={"spaces"},
                      isochrones=tiny_isochrones(), periods=(STUDY, AM_PEAK, EVENING))


def test_one_radio_layer_per_period_named_with_name_and_window(page: str) -> None:
    names = list(base_layers(page))
    assert names == [f"{LAYERS.change_jobs}, study window 07:00-09:00",
                     f"{LAYERS.change_jobs}, am_peak 07:00-09:00",
                     f"{LAYERS.change_jobs}, evening 19:00-21:00"]
    # The single change-in-jobs overlay is replaced, the other overlays stay.
    assert LAYERS.change_jobs not in overlays(page)
    assert LAYERS.change_reach in overlays(page)
    # Only the first window is on the map when it opens.
    shown = [v for v in base_layers(page).values() if shown_on_opening(page, v)]
    assert shown == [base_layers(page)[names[0]]]
    # Switching keeps the choropleth beneath the routes and outlines.
    assert '.on("baselayerchange"' in page
    assert page.index("var map_") < page.index('.on("baselayerchange"')


def test_colours_share_one_set_of_classes(page: str) -> None:
    colours = legend_colours(page)
    # Hand-derived: largest change 2,500 (Z2, evening): classes 500, 1,000, 2,000, 2,500.
    assert [label for label in colours if label != "no change"] == [
        "+2,000 to +2,500", "+1,000 to +2,000", "+500 to +1,000", "up to +500",
        "up to −500", "−500 to −1,000", "−1,000 to −2,000", "−2,000 to −2,500"]
    expected = {  # per window, per zone: the legend class of its change
        STUDY: {"Z1": "+1,000 to +2,000", "Z2": "up to +500", "Z3": "no change"},
        AM_PEAK: {"Z1": "+1,000 to +2,000", "Z2": "up to +500", "Z3": "no change"},
        EVENING: {"Z1": "no change", "Z2": "−2,000 to −2,500", "Z3": "no change"},
    }
    layers = list(base_layers(page).values())
    for var, period in zip(layers, (STUDY, AM_PEAK, EVENING), strict=True):
        fills = {z: p["fill"] for z, p in layer_features(page, var).items()}
        assert fills == {z: colours[label] for z, label in expected[period].items()}
    assert colours["no change"] == NO_CHANGE_COLOUR


def test_tooltips_list_every_period(page: str) -> None:
    by_period = ("study window 07:00-09:00: {}<br>am_peak 07:00-09:00: {}<br>"
                 "evening 19:00-21:00: {}")
    lists = {"Z1": by_period.format("+1,200 jobs", "+1,200 jobs", "0"),
             "Z2": by_period.format("+300 jobs", "+300 jobs", "-2,500 jobs"),
             "Z3": by_period.format("0", "0", "0")}
    own = {  # the layer's own window: before, after, change (hand-derived)
        EVENING: {"Z1": "1,000 today, 1,000 with the proposal (no change)",
                  "Z2": "5,000 today, 2,500 with the proposal (-2,500)",
                  "Z3": "9,000 today, 9,000 with the proposal (no change)"},
        AM_PEAK: {"Z1": "1,000 today, 2,200 with the proposal (+1,200)",
                  "Z2": "5,000 today, 5,300 with the proposal (+300)",
                  "Z3": "9,000 today, 9,000 with the proposal (no change)"},
    }
    own[STUDY] = own[AM_PEAK]
    for var, period in zip(base_layers(page).values(), (STUDY, AM_PEAK, EVENING), strict=True):
        features = layer_features(page, var)
        assert set(features) == {"Z1", "Z2", "Z3"}
        for zone, props in features.items():
            tip = props["tooltip"]
            assert tip.endswith("<b>Jobs within 45 min, change by period</b><br>" + lists[zone])
            assert f"Jobs within 45 min, {period.label}: {own[period][zone]}" in tip
            assert set(re.findall(r"<(\w+)", tip)) <= {"b", "br"}


def test_the_legend_says_one_window_at_a_time(page: str) -> None:
    notes = read_html(page).texts_of("div", class_="note")
    assert ("One departure window at a time: study window 07:00-09:00; am_peak 07:00-09:00; "
            "evening 19:00-21:00. Switch in the list of layers; the colours mean the same in "
            "each.") in notes


@pytest.mark.parametrize("name", [HOSTILE, HOSTILE_TEMPLATE, "<b onmouseover=alert(8)>pm</b>"])
def test_hostile_period_names_are_escaped(tmp_path: Path, name: str) -> None:
    """Period names come from routes.toml: they show as typed, never as markup or template."""
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    changes = with_periods(tiny_changes())
    changes = changes.rename(columns=lambda c: c.replace("_evening", "_hostile"))
    hostile = MapPeriod(name, "19:00-21:00", "_hostile")
    page = render_map(proposal, changes, tiny_zone_geometry(), periods=(STUDY, hostile))
    if "<" in name:
        assert name not in page
    # Leaflet shows layer names and tooltips as HTML: what people see is the unescaped text.
    labels = [html.unescape(label) for label in base_layers(page)]
    assert labels[1] == f"{LAYERS.change_jobs}, {name} 19:00-21:00"
    for props in layer_features(page, list(base_layers(page).values())[1]).values():
        assert f"{name} 19:00-21:00: " in html.unescape(props["tooltip"])
        assert set(re.findall(r"<(\w+)", props["tooltip"])) <= {"b", "br"}
    parsed = read_html(page)
    assert any(f"{name} 19:00-21:00" in note for note in parsed.texts_of("div", class_="note"))
    assert not re.search(r"<[a-z]+[^<>]*\son\w+\s*=", page)
    assert "TemplateReference" not in page and "49" not in parsed.text
    assert not re.search(r"\{[{%#]", "".join(base_layers(page)))


def test_without_periods_the_map_ignores_period_columns(tmp_path: Path) -> None:
    """No ``[[periods]]``: the same bytes as a table without any period column."""
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    options = {"destinations": tiny_destinations(), "space_layers": {"spaces"},
               "isochrones": tiny_isochrones()}
    plain = render_map(proposal, tiny_changes(), tiny_zone_geometry(), **options)
    assert plain == render_map(proposal, with_periods(tiny_changes()), tiny_zone_geometry(),
                               periods=(), **options)
    assert base_layers(plain) == {}
    assert LAYERS.change_jobs in overlays(plain)
    assert '.on("baselayerchange"' not in plain and "One departure window" not in plain


def test_periods_without_columns_are_left_out(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    night = MapPeriod("night", "23:00-23:30", "_night")  # no _night column
    page = render_map(proposal, with_periods(tiny_changes()), tiny_zone_geometry(),
                      periods=(STUDY, night, EVENING))
    assert list(base_layers(page)) == [f"{LAYERS.change_jobs}, study window 07:00-09:00",
                                       f"{LAYERS.change_jobs}, evening 19:00-21:00"]
    # Nowhere: neither as a layer nor in a tooltip.
    assert "night" not in page.replace("midnight", "")


def test_unreachable_zones_say_so_in_the_list(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    changes = with_periods(tiny_changes())
    for column in ("baseline_", "scenario_", "delta_"):
        changes.loc["Z3", f"{column}{JOB_COLUMN}_evening"] = np.nan
    page = render_map(proposal, changes, tiny_zone_geometry(), periods=(STUDY, EVENING))
    evening = layer_features(page, list(base_layers(page).values())[1])
    assert evening["Z3"]["tooltip"].endswith("evening 19:00-21:00: not reachable")
    assert "Jobs within 45 min, evening 19:00-21:00: not reachable from this zone's streets" \
        in html.unescape(evening["Z3"]["tooltip"])


def test_a_period_on_its_own_date_names_the_date() -> None:
    saturday = Period("saturday", 10 * 3600, 12 * 3600, dt.date(2026, 3, 14))
    assert MapPeriod.of(saturday, dt.date(2026, 3, 10)).label == \
        "saturday 10:00-12:00 on 2026-03-14"
    assert MapPeriod.of(saturday, dt.date(2026, 3, 14)).label == "saturday 10:00-12:00"
    assert MapPeriod.of(saturday, dt.date(2026, 3, 10)).suffix == "_saturday"


def test_switching_periods_in_chromium(tmp_path: Path, page: str) -> None:
    """In headless Chromium (network cut): one window at a time, beneath the route."""
    from tests.render.test_browser import Chromium, find_chromium

    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI needs it (see tests/render/test_browser.py)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    path = tmp_path / "map.html"
    path.write_text(page, encoding="utf-8")
    browser = Chromium(executable)
    try:
        browser.open(path)
        radios = browser.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))"
            ".map(e => e.textContent.trim())")
        assert radios == list(base_layers(page))
        zone_fills = ("Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                      ".filter(p => p.getAttribute('fill-opacity') === '0.7')"
                      ".map(p => p.getAttribute('fill')).sort()")
        colours = legend_colours(page)
        assert browser.evaluate(zone_fills) == sorted(
            [colours["+1,000 to +2,000"], colours["up to +500"], NO_CHANGE_COLOUR])
        browser.evaluate("document.querySelectorAll('.leaflet-control-layers-base input')[2]"
                         ".click()")
        browser.pump(0.3)
        assert browser.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-base input'))"
            ".map(i => i.checked)") == [False, False, True]
        # Only the evening's three zones are drawn: Z2 loses 2,500, the others no change.
        assert browser.evaluate(zone_fills) == sorted(
            [colours["−2,000 to −2,500"], NO_CHANGE_COLOUR, NO_CHANGE_COLOUR])
        # The zones switched to are drawn first, beneath the proposed route.
        order = browser.evaluate(
            "(() => { const ps = Array.from(document.querySelectorAll('path.leaflet-interactive'));"
            " return [ps.map(p => p.getAttribute('fill-opacity')).lastIndexOf('0.7'),"
            f" ps.findIndex(p => p.getAttribute('stroke') === '{ROUTE_COLOUR}')]; }})()")
        assert -1 < order[0] < order[1]
        assert browser.errors() == [] and browser.dialogs() == []
    finally:
        browser.close()
