"""Demo Town's street network and community spaces as OSM XML."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from routes.demo.town import _Edge, _lonlat, _Town

_OSM_TAGS = {
    "community_centre": ("amenity", "community_centre"),
    "library": ("amenity", "library"),
    "place_of_worship": ("amenity", "place_of_worship"),
    "sports_centre": ("leisure", "sports_centre"),
    "park": ("leisure", "park"),
}

# Neighbourhood kinds: IMD deciles, population range, community-group shares


# --------------------------------------------------------------------------- OSM


def _ways(town: _Town) -> list[tuple[list[int], list[tuple[str, str]]]]:
    """Chain edges of one line and equal tags into ways, in a fixed order."""
    by_line: dict[tuple[str, int], list[_Edge]] = {}
    for e in town.edges:
        by_line.setdefault(e.line, []).append(e)
    ways: list[tuple[list[int], list[tuple[str, str]]]] = []
    for line in sorted(by_line):
        run: list[_Edge] = []
        for e in sorted(by_line[line], key=lambda e: e.param):
            prev = run[-1] if run else None
            if prev is not None and (
                e.param == prev.param + 1
                and e.a == prev.b
                and (e.highway, e.name, e.bridge) == (prev.highway, prev.name, prev.bridge)
            ):
                run.append(e)
                continue
            if run:
                ways.append(_way(run))
            run = [e]
        if run:
            ways.append(_way(run))
    return ways


def _way(run: list[_Edge]) -> tuple[list[int], list[tuple[str, str]]]:
    first = run[0]
    tags = [("highway", first.highway)]
    if first.name:
        tags.append(("name", first.name))
    if first.bridge:
        tags += [("bridge", "yes"), ("layer", "1")]
    if first.highway in ("primary", "secondary"):
        tags.append(("maxspeed", "30 mph"))
    return [first.a] + [e.b for e in run], sorted(tags)


def _render_osm(town: _Town, spaces: list[tuple[str, str, str, tuple[float, float]]]) -> bytes:
    lonlat = [_lonlat(x, y) for x, y in town.xy]
    lons = [p[0] for p in lonlat]
    lats = [p[1] for p in lonlat]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="community-routes demo (synthetic data)">',
        "  <!-- Demo Town: an invented town, not a real place. Written by `routes demo`. -->",
        f'  <bounds minlat="{min(lats):.7f}" minlon="{min(lons):.7f}" '
        f'maxlat="{max(lats):.7f}" maxlon="{max(lons):.7f}"/>',
    ]
    for node, (lon, lat) in enumerate(lonlat, start=1):
        out.append(f'  <node id="{node}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    next_node = len(lonlat) + 1
    for sid, name, category, (x, y) in spaces:
        lon, lat = _lonlat(x, y)
        key, value = _OSM_TAGS[category]
        tags = [(key, value), ("name", name), ("ref", sid)]
        if category == "place_of_worship":
            religion = (
                "muslim"
                if ("Mosque" in name or "Masjid" in name)
                else ("hindu" if "Mandir" in name else "christian")
            )
            tags.append(("religion", religion))
        out.append(f'  <node id="{next_node}" lat="{lat:.7f}" lon="{lon:.7f}">')
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags)]
        out.append("  </node>")
        next_node += 1
    river_ids = []
    for x, y in town.river.points:
        if not -3300.0 <= y <= 3300.0:
            continue
        lon, lat = _lonlat(x, y)
        out.append(f'  <node id="{next_node}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
        river_ids.append(next_node)
        next_node += 1
    way_id = 1
    for nodes, tags in _ways(town):
        out.append(f'  <way id="{way_id}">')
        out += [f'    <nd ref="{n + 1}"/>' for n in nodes]
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags]
        out.append("  </way>")
        way_id += 1
    out.append(f'  <way id="{way_id}">')
    out += [f'    <nd ref="{n}"/>' for n in river_ids]
    out += ['    <tag k="name" v="River Wend"/>', '    <tag k="waterway" v="river"/>', "  </way>"]
    out.append("</osm>")
    return ("\n".join(out) + "\n").encode("utf-8")
