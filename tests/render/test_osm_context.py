"""Tests for routes.render.osm_context and routes.render.bus_lines: what offline maps draw."""

from __future__ import annotations

from pathlib import Path

import pytest

from routes.render.osm_context import load_map_context

NODES = {1: (-2.50, 53.70), 2: (-2.49, 53.70), 3: (-2.48, 53.70), 4: (-2.49, 53.71),
         5: (-2.49, 53.69), 6: (-2.47, 53.72), 7: (-2.47, 53.68), 8: (-2.46, 53.70),
         9: (-2.45, 53.70)}


def _osm(path: Path, ways: list[tuple[list[int], dict[str, str]]],
         place: dict[str, str] | None = None) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for node_id, (lon, lat) in NODES.items():
        lines.append(f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>')
    if place is not None:
        tags = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in place.items())
        lines.append(f'<node id="99" version="1" lat="53.701" lon="-2.489">{tags}</node>')
    for i, (refs, tags) in enumerate(ways, start=1):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{i}" version="1">{nds}{tag_xml}</way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


WAYS = [
    ([1, 2], {"highway": "primary", "name": "Mill Lane"}),
    ([2, 3], {"highway": "secondary"}),
    ([4, 2], {"highway": "tertiary", "name": "Ring Way"}),
    ([2, 5], {"highway": "residential", "name": "Back Street"}),  # not a main road
    ([6, 7], {"waterway": "river", "name": "River Wend"}),
    ([8, 9], {"railway": "rail"}),
]


def test_context_has_main_roads_water_railways_and_the_place(tmp_path: Path) -> None:
    context = load_map_context(_osm(tmp_path / "t.osm", WAYS,
                                    place={"place": "town", "name": "Wendton"}))
    assert sorted(zip(context.roads["highway"], context.roads["name"], strict=True)) == [
        ("primary", "Mill Lane"), ("secondary", ""), ("tertiary", "Ring Way")]
    assert list(context.water["name"]) == ["River Wend"]
    assert len(context.railways) == 1
    assert (context.centre_name, context.centre_lon, context.centre_lat) == \
        ("Wendton", pytest.approx(-2.489), pytest.approx(53.701))


def test_without_a_place_the_centre_is_where_most_main_roads_meet(tmp_path: Path) -> None:
    context = load_map_context(_osm(tmp_path / "t.osm", WAYS), fallback_name="Centre")
    # Node 2 ends all three main roads.
    assert (context.centre_name, context.centre_lon, context.centre_lat) == \
        ("Centre", pytest.approx(-2.49), pytest.approx(53.70))


def test_an_extract_without_main_roads_has_no_centre(tmp_path: Path) -> None:
    context = load_map_context(_osm(tmp_path / "t.osm", WAYS[3:4]))
    assert context.centre_name is None and context.roads.empty and context.water.empty
