"""Tests for routes.render.maps: map.html layers, legend, offline assets and escaping."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _html_reader import read_html
from _pages import (
    ALL_HOSTILE,
    HOSTILE,
    HOSTILE_PROPOSAL,
    HOSTILE_QUOTES,
    HOSTILE_SPACE,
    HOSTILE_STOP,
    HOSTILE_TEMPLATE,
    HOSTILE_ZONE,
    JOB_COLUMN,
    tiny_changes,
    tiny_destinations,
    tiny_isochrones,
    tiny_zone_geometry,
    write_proposal,
)

from routes.config.study_area import ScoringParams
from routes.proposal.load import load_proposal
from routes.proposal.model import ModificationKind, RouteModification
from routes.render._leaflet import leaflet_script, leaflet_style
from routes.render.map_layers import compute_zone_cells
from routes.render.maps import MapLayers, render_map, write_map
from routes.render.osm_context import MapContext
from routes.render.svg import NO_CHANGE_COLOUR, compute_class_breaks

pytest.importorskip("folium")

LAYERS = MapLayers.for_scoring(ScoringParams())
TILES = "Street map tiles (need the internet)"
DEPRIVATION = "Deprivation (decile 1 = most deprived)"
NAMES = "Names of places"
ALL_LAYER_NAMES = [LAYERS.change_jobs, LAYERS.change_reach, LAYERS.baseline_isochrones,
                   LAYERS.scenario_isochrones, LAYERS.routes, LAYERS.stops, LAYERS.spaces,
                   LAYERS.jobs]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("map")
    proposal = load_proposal(write_proposal(folder))
    jobs, spaces = tiny_destinations()
    return render_map(proposal, tiny_changes(), tiny_zone_geometry(), scoring=ScoringParams(),
                      destinations=(jobs, spaces), space_layers={"spaces"},
                      isochrones=tiny_isochrones(), study_name="Tiny & <small>")


def _layer_control_names(page: str) -> list[str]:
    block = re.search(r"overlays :\s*\{(.*?)\n\s*\},", page, re.S)
    assert block is not None
    return [json.loads(k) for k in re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block.group(1))]


def _tooltips(page: str) -> list[str]:
    """Every tooltip of every GeoJSON layer, as the HTML Leaflet will show."""
    return [json.loads(t) for t in re.findall(r'"tooltip":\s*("(?:[^"\\]|\\.)*")', page)]


def test_layer_control_lists_every_layer(page: str) -> None:
    assert _layer_control_names(page) == [
        TILES, LAYERS.change_jobs, LAYERS.change_reach, DEPRIVATION,
        f"{LAYERS.baseline_isochrones}, from North End (Z1)",
        f"{LAYERS.scenario_isochrones}, from North End (Z1)", LAYERS.jobs, LAYERS.spaces,
        LAYERS.routes, LAYERS.stops, NAMES]
    assert "L.control.layers" in page


def test_legend_is_present(page: str) -> None:
    legend = re.search(r'<div id="routes-legend".*?</div></div>', page, re.S)
    assert legend is not None
    text = legend.group(0)
    for name in (LAYERS.change_jobs, LAYERS.routes, LAYERS.spaces, LAYERS.baseline_isochrones,
                 "no change", "+1,000 to +2,000", "−1,000 to −2,000"):
        assert name in text
    assert "Reachable areas are drawn from: North End (Z1)." in text


def test_page_loads_nothing_from_the_internet(page: str) -> None:
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page)
    assert "Leaflet 1.9.3" in page  # the library itself is inline
    assert ".leaflet-container" in page  # and its style sheet
    assert f"<script>{leaflet_script()}</script>" in page  # the vendored copy, whole
    assert f"<style>{leaflet_style()}</style>" in page
    assert not re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)=", page)  # no file linked
    # Only the background tiles come from the internet.
    assert re.findall(r"https?://[a-z{}.]*tile[^\"']*", page)


@pytest.mark.parametrize("name", ALL_HOSTILE)
def test_hostile_names_never_appear_raw(page: str, name: str) -> None:
    assert name not in page
    # No markup with an event handler, and no script that calls alert, anywhere.
    assert not re.search(r"<[a-z]+[^<>]*\son\w+\s*=", page)
    assert not re.search(r"<script[^>]*>\s*alert", page)


def test_hostile_names_are_escaped_text_in_tooltips(page: str) -> None:
    tips = _tooltips(page)
    assert any(html.escape(HOSTILE) in t for t in tips)  # route
    assert any(html.escape(HOSTILE_ZONE) in t for t in tips)  # zone
    assert any(html.escape(HOSTILE_SPACE) in t for t in tips)  # space
    assert any(html.escape(f"{HOSTILE_STOP}: stop 1 of 3 on {HOSTILE}") in t for t in tips)
    for tip in tips:  # once Leaflet parses the tooltip HTML, only <b> and <br> are elements
        assert set(re.findall(r"<(\w+)", tip)) <= {"b", "br"}


def test_title_and_legend_escape_the_proposal_name(page: str) -> None:
    title = f"{HOSTILE_PROPOSAL}: what the proposal changes (Tiny & <small>)"
    assert f"<title>{html.escape(title)}</title>" in page
    assert f'<div class="title">{html.escape(title)}</div>' in page


def test_quotes_and_ampersands_in_title_and_legend(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    changes = tiny_changes()
    changes.loc["Z1", "name"] = HOSTILE_QUOTES
    page = render_map(proposal, changes, tiny_zone_geometry(), isochrones=tiny_isochrones(),
                      study_name=HOSTILE_QUOTES)
    assert HOSTILE_QUOTES not in page
    parsed = read_html(page)
    title = f"plain: what the proposal changes ({HOSTILE_QUOTES})"
    assert parsed.texts_of("title") == [title]
    assert parsed.texts_of("div", class_="title") == [title]
    assert parsed.texts_of("div", class_="note")[0] == \
        f"Reachable areas are drawn from: {HOSTILE_QUOTES} (Z1)."
    assert "i" not in parsed.tags() and parsed.handlers() == []


def test_names_are_never_compiled_as_templates(tmp_path: Path) -> None:
    """folium compiles an element's HTML as a jinja2 template: ours goes in as a value."""
    proposal = load_proposal(write_proposal(tmp_path, stem=HOSTILE_TEMPLATE, route="R1"))
    changes = tiny_changes()
    changes.loc["Z1", "name"] = HOSTILE_TEMPLATE
    page = render_map(proposal, changes, tiny_zone_geometry(), isochrones=tiny_isochrones(),
                      study_name=HOSTILE_TEMPLATE)
    parsed = read_html(page)
    title = f"{HOSTILE_TEMPLATE}: what the proposal changes ({HOSTILE_TEMPLATE})"
    assert parsed.texts_of("title") == [title]
    assert parsed.texts_of("div", class_="title") == [title]
    assert parsed.texts_of("div", class_="note")[0] == \
        f"Reachable areas are drawn from: {HOSTILE_TEMPLATE} (Z1)."
    assert "49" not in parsed.text
    # folium compiles the map's script once more: names in tooltips and layer names (HTML
    # that Leaflet shows) must reach it inert, and show as typed.
    assert "TemplateReference" not in page
    tips = [html.unescape(t) for t in _tooltips(page)]
    assert f"<b>{HOSTILE_TEMPLATE} (Z1)</b>" in "".join(tips)
    assert not any("49" in t for t in tips)
    names = [html.unescape(n) for n in _layer_control_names(page)]
    assert f"{LAYERS.baseline_isochrones}, from {HOSTILE_TEMPLATE} (Z1)" in names


def test_tooltips_speak_plain_language(page: str) -> None:
    tips = " ".join(_tooltips(page))
    assert "Jobs within 45 min: 1,000 today, 2,200 with the proposal (+1,200)" in tips
    assert "1,000 residents, deprivation decile 1 of 10 (1 = most deprived)" in tips
    assert "every 10 min 07:00-19:00" in tips
    assert "Where people in North End (Z1) can get to within 45 min by walking and bus today" \
        in tips


def test_choropleth_colours_gains_and_no_change(page: str) -> None:
    breaks = compute_class_breaks(tiny_changes()[f"delta_{JOB_COLUMN}"])
    assert breaks.colour(1200.0) in page and breaks.colour(0.0) == NO_CHANGE_COLOUR


def test_map_without_isochrones_or_reach(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    changes = tiny_changes().drop(columns=[c for c in tiny_changes() if "reach" in c])
    path = write_map(tmp_path / "map.html", proposal, changes, tiny_zone_geometry())
    names = _layer_control_names(path.read_text(encoding="utf-8"))
    assert names == [TILES, LAYERS.change_jobs, DEPRIVATION, LAYERS.routes, LAYERS.stops, NAMES]


def test_point_zones_get_cells_around_their_points() -> None:
    xs, ys = np.meshgrid(np.arange(4) * 0.005, np.arange(3) * 0.005)
    points = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel()), crs="EPSG:4326",
                           index=[f"p{i}" for i in range(12)])
    cells = compute_zone_cells(points)
    assert list(cells.index) == list(points.index)
    assert (cells.geom_type == "Polygon").all()
    assert all(c.contains(p) for c, p in zip(cells, points, strict=True))
    overlap = shapely.intersection(cells.iloc[0], cells.iloc[1]).area
    assert overlap < 1e-10
    assert cells.crs.to_epsg() == 4326


def test_polygon_zones_are_kept() -> None:
    zones = tiny_zone_geometry().to_crs("EPSG:3857")
    cells = compute_zone_cells(zones)
    assert cells.crs.to_epsg() == 4326
    assert cells.iloc[0].equals_exact(tiny_zone_geometry().iloc[0], 1e-9)


@pytest.mark.parametrize(("values", "edges"), [
    # The largest change rounded up (1, 2, 2.5, 5 x 10^k), then 1/8, 1/4, 1/2 of it, rounded up.
    ([0, 10, 20, 30, 40], (10.0, 20.0, 25.0, 50.0)),
    ([-3, 0, 0, 5], (1.0, 2.0, 2.5, 5.0)),
    ([-18_400, 300, 2_000], (2_500.0, 5_000.0, 10_000.0, 20_000.0)),
    ([np.nan, 0.0], ()),
])
def test_class_breaks_are_symmetric_and_cover_the_range(values: list[float],
                                                        edges: tuple[float, ...]) -> None:
    breaks = compute_class_breaks(values)
    assert breaks.gain_edges == edges
    assert breaks.loss_edges == tuple(-e for e in edges)
    finite = [v for v in values if np.isfinite(v)]
    assert all(abs(v) <= edges[-1] for v in finite) if edges else True
    labels = [label for _, label in breaks.legend()]
    assert "no change" in labels and len(labels) == 2 * len(edges) + 1
    if edges:  # the strongest classes end at the rounded largest change, both ways
        assert labels[0].endswith(f"+{edges[-1]:,.0f}") or labels[0].endswith(f"+{edges[-1]:g}")
        assert breaks.colour(-max(abs(v) for v in finite)) == breaks.colour(-edges[-1])


def test_map_styles_are_not_mutated(tmp_path: Path) -> None:
    import routes.render.maps as maps

    before = {k: dict(v) for k, v in vars(maps).items() if k.startswith("_STYLE_")}
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    render_map(proposal, tiny_changes(), tiny_zone_geometry(), destinations=tiny_destinations(),
               space_layers={"spaces"}, isochrones=tiny_isochrones())
    after = {k: dict(v) for k, v in vars(maps).items() if k.startswith("_STYLE_")}
    assert before == after


def test_missing_zone_changes_are_drawn_as_no_data(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    changes = tiny_changes()
    changes.loc["Z3", [f"baseline_{JOB_COLUMN}", f"scenario_{JOB_COLUMN}",
                       f"delta_{JOB_COLUMN}"]] = np.nan
    page = render_map(proposal, changes, tiny_zone_geometry())
    assert any("Jobs within 45 min: not reachable from this zone&#x27;s streets" in t
               for t in _tooltips(page))


def test_zone_table_may_lack_some_geometries(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    geometry = pd.concat([tiny_zone_geometry(), gpd.GeoSeries(
        [shapely.box(0.04, 0.01, 0.05, 0.02)], index=["Z9"], crs="EPSG:4326")])
    page = render_map(proposal, tiny_changes(), geometry)
    assert "Z9" not in " ".join(_tooltips(page))


def test_same_map_same_bytes(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    pages = [render_map(proposal, tiny_changes(), tiny_zone_geometry(),
                        destinations=tiny_destinations(), space_layers={"spaces"},
                        isochrones=tiny_isochrones()) for _ in range(2)]
    assert pages[0] == pages[1]
    assert "map_00000000000000000000000000000001" in pages[0]


def _context_and_lines() -> tuple[MapContext, gpd.GeoDataFrame]:
    line = gpd.GeoDataFrame
    roads = line({"highway": ["primary"], "name": [HOSTILE_ZONE]},
                 geometry=[shapely.LineString([(0.01, 0.015), (0.03, 0.015)])], crs="EPSG:4326")
    water = line({"kind": ["river"], "name": ["River Wend"]},
                 geometry=[shapely.LineString([(0.02, 0.01), (0.02, 0.02)])], crs="EPSG:4326")
    rails = line({"kind": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    context = MapContext(roads, water, rails, "Wendton", 0.015, 0.016)
    lines = line({"short_name": ["6", "7"]}, index=pd.Index(["feed:6", "feed:7"]),
                 geometry=[shapely.LineString([(0.01, 0.012), (0.03, 0.018)]),
                           shapely.LineString([(0.01, 0.018), (0.03, 0.012)])], crs="EPSG:4326")
    return context, lines


def test_offline_context_bus_network_and_withdrawn_routes(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    proposal = dataclasses.replace(proposal, modifications=(
        RouteModification(ModificationKind.REMOVE_ROUTE, "feed:6"),))
    context, lines = _context_and_lines()
    page = render_map(proposal, tiny_changes(), tiny_zone_geometry(),
                      isochrones=tiny_isochrones(), context=context, route_lines=lines)
    names = _layer_control_names(page)
    for layer in ("Rivers and water", "Main roads", "Bus routes today",
                  "Routes withdrawn or changed", NAMES):
        assert layer in names
    assert "Railways" not in names  # none in the extract
    assert names[0] == TILES  # tiles are an overlay, off until asked for
    assert "L.tileLayer(" in page and not re.search(r"tile_layer_\w+\.addTo\(", page)
    assert "Bus 6: withdrawn with the proposal" in page and "Bus 7 (today)" in page
    assert "Wendton" in page and "River Wend" in page
    # Reachable areas are outlines (no fill over the choropleth), one per origin zone.
    assert page.count('"fill": false') >= 2
    assert HOSTILE_ZONE not in page  # a road named like a hostile zone, escaped too


def test_isochrones_are_one_outline_per_zone() -> None:
    from routes.render.map_layers import _isochrone_features

    two = pd.concat([tiny_isochrones(), tiny_isochrones().assign(from_id="Z2")],
                    ignore_index=True)
    features = _isochrone_features(gpd.GeoDataFrame(two, crs="EPSG:4326"), "scenario",
                                   tiny_changes(), "with the proposal")
    assert len(features) == 2
    assert "North End (Z1)" in features[0]["properties"]["tooltip"]


def test_isochrones_of_the_headline_zone_shown_the_others_listed(tmp_path: Path) -> None:
    proposal = load_proposal(write_proposal(tmp_path, stem="plain", route="R1"))
    two = gpd.GeoDataFrame(pd.concat([tiny_isochrones().assign(from_id="Z2"),
                                      tiny_isochrones()], ignore_index=True), crs="EPSG:4326")
    page = render_map(proposal, tiny_changes(), tiny_zone_geometry(), isochrones=two)
    names = _layer_control_names(page)
    # North End gains 1,000 x 1,200, more than Z2's 2,000 x 300: its reach is the headline.
    z2 = html.escape(f"{HOSTILE_ZONE} (Z2)")
    assert names.index(f"{LAYERS.baseline_isochrones}, from North End (Z1)") < \
        names.index(f"{LAYERS.baseline_isochrones}, from {z2}")
    from markupsafe import escape

    assert str(escape("Reachable areas are drawn from: North End (Z1); switch on the others in "
                      f"the list of layers: {HOSTILE_ZONE} (Z2).")) in page
