"""Tests for routes.render._leaflet: the vendored Leaflet, read as package data."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re

import pytest

from routes.render._leaflet import LEAFLET_VERSION, leaflet_script, leaflet_style

FOLDER = importlib.resources.files("routes.render").joinpath("static", "leaflet")


def _readme_hashes() -> dict[str, str]:
    """``file -> SHA-256`` from the README's table of provenance."""
    readme = FOLDER.joinpath("README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| [^|]+ \| `([0-9a-f]{64})` \|$", readme, re.M))


def test_vendored_files_are_the_ones_the_readme_lists() -> None:
    hashes = _readme_hashes()
    assert set(hashes) == {"leaflet.js", "leaflet.css", "LICENSE", "images/layers.png",
                           "images/layers-2x.png", "images/marker-icon.png"}
    for name, expected in hashes.items():
        data = FOLDER.joinpath(*name.split("/")).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected, name


def test_licence_ships_beside_the_code() -> None:
    licence = FOLDER.joinpath("LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("BSD 2-Clause License")
    assert "Vladimir Agafonkin" in licence


def test_script_is_the_vendored_file() -> None:
    script = leaflet_script()
    assert script == FOLDER.joinpath("leaflet.js").read_bytes().decode("utf-8")
    assert f"Leaflet {LEAFLET_VERSION}, a JS library for interactive maps" in script
    assert "</script" not in script.lower()


def test_style_holds_its_images() -> None:
    css = leaflet_style()
    source = FOLDER.joinpath("leaflet.css").read_bytes().decode("utf-8")  # CRLF kept
    assert "url(images/" in source and "url(images/" not in css
    uris = re.findall(r"url\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", css)
    images = {FOLDER.joinpath("images", n).read_bytes()
              for n in ("layers.png", "layers-2x.png", "marker-icon.png")}
    assert {base64.b64decode(u) for u in uris} == images
    # Nothing else changed: putting the file names back gives the vendored file.
    names = {base64.b64encode(FOLDER.joinpath("images", n).read_bytes()).decode(): n
             for n in ("layers.png", "layers-2x.png", "marker-icon.png")}
    restored = re.sub(r"url\(data:image/png;base64,([A-Za-z0-9+/=]+)\)",
                      lambda m: f"url(images/{names[m.group(1)]})", css)
    assert restored == source


def test_folium_writes_pages_for_this_leaflet() -> None:
    folium = pytest.importorskip("folium")
    urls = [url for name, url in folium.Map.default_js if name == "leaflet"]
    assert urls and f"leaflet@{LEAFLET_VERSION}/" in urls[0]


def test_assets_hold_nothing_that_looks_like_a_folium_id() -> None:
    """maps._stable_ids renumbers ``_<32 hex>`` ids over the whole page, Leaflet included."""
    from routes.render.maps import _FOLIUM_ID

    assert _FOLIUM_ID.search(leaflet_script()) is None
    assert _FOLIUM_ID.search(leaflet_style()) is None
