"""Leaflet's JavaScript and CSS inlined into a folium page, so the map opens offline.

The files come from the ``folium-offline`` package, which stores folium's CDN
files under their URLs.
"""

from __future__ import annotations

import ast
import functools
import re

from routes._optional import check_optional_dependency

__all__ = ["inline_assets"]

# Leaflet from folium-offline, which stores folium's CDN files under their URLs.
_ASSET_PACKAGE = "offlinefolium"
_ASSET_FILE = "elements.py"
_LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
_LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
_LINKED = re.compile(
    r'<script src="(?P<js>[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>[^"]+)"\s*/?>')


# --------------------------------------------------------------------------- page


@functools.cache
def _load_asset(url: str) -> str:
    import importlib.resources

    source = importlib.resources.files(_ASSET_PACKAGE).joinpath(_ASSET_FILE).read_text(
        encoding="utf-8")
    key = f"_res[{url!r}] = "
    start = source.find(key)
    if start < 0:
        msg = (f"folium-offline has no copy of {url}; install the folium-offline release "
               "matching the installed folium")
        raise RuntimeError(msg)
    match = re.compile(r"'''.*?'''", re.S).match(source, start + len(key))
    if match is None:
        msg = f"folium-offline's copy of {url} is not in the expected form"
        raise RuntimeError(msg)
    text = ast.literal_eval(match.group(0))
    if not isinstance(text, str):  # pragma: no cover - defensive
        msg = f"folium-offline's copy of {url} is not text"
        raise RuntimeError(msg)
    return text


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def _stable_ids(page: str) -> str:
    """Replace folium's random element ids by counters, so equal maps are equal bytes."""
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids) + 1:032d}"), page)


def inline_assets(page: str) -> str:
    """Replace every linked script and style sheet of a folium page with its content.

    Raises
    ------
    OptionalDependencyError
        If folium-offline is not installed.
    RuntimeError
        If a linked file has no offline copy (the page would need the internet).
    """
    check_optional_dependency(_ASSET_PACKAGE, extra="maps", purpose="to write map.html")

    def replace(match: re.Match[str]) -> str:
        if match.group("js"):
            code = _load_asset(match.group("js")).replace("</script", "<\\/script")
            return f"<script>{code}</script>"
        css = _load_asset(match.group("css")).replace("</style", "<\\/style")
        return f"<style>{css}</style>"

    return _LINKED.sub(replace, page)
