"""Leaflet's JavaScript and CSS from this package's own copy, to write into a map page.

Leaflet (BSD 2-Clause) is vendored as package data under
``routes/render/static/leaflet/``, unchanged; its README there says where each
file comes from, with their SHA-256. The style sheet's images are written into
it as ``data:`` URIs, so a page that holds both needs no file and no internet.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import re

__all__ = ["LEAFLET_VERSION", "leaflet_script", "leaflet_style"]

LEAFLET_VERSION = "1.9.3"
"""The vendored Leaflet, the version folium's templates are written for."""

_PACKAGE = "routes.render"
_FOLDER = ("static", "leaflet")
_IMAGE_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")
_ANY_URL = re.compile(r"url\(([^)]*)\)")


def _read(name: str) -> bytes:
    folder = importlib.resources.files(_PACKAGE).joinpath(*_FOLDER)
    try:
        return folder.joinpath(*name.split("/")).read_bytes()
    except FileNotFoundError as exc:  # pragma: no cover - a broken installation
        msg = (f"Leaflet's {name} is missing from {folder}; reinstall community-routes "
               "(the wheel ships it as package data)")
        raise RuntimeError(msg) from exc


@functools.cache
def leaflet_script() -> str:
    """Leaflet's JavaScript, safe to write inside a ``<script>`` element.

    Examples
    --------
    >>> f"Leaflet {LEAFLET_VERSION}" in leaflet_script()
    True
    """
    # A "</script" would end the element early: escape it as JavaScript allows (none in 1.9.3).
    return _read("leaflet.js").decode("utf-8").replace("</script", "<\\/script")


@functools.cache
def leaflet_style() -> str:
    """Leaflet's style sheet, its images as ``data:`` URIs, safe inside a ``<style>`` element.

    Raises
    ------
    RuntimeError
        If the style sheet refers to a file that is not written into it (the page
        would need it beside it).
    """
    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_read(match.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = _IMAGE_URL.sub(inline, _read("leaflet.css").decode("utf-8"))
    outside = [u for u in _ANY_URL.findall(css) if not u.startswith(("data:", "#"))]
    if outside:  # pragma: no cover - guarded by the test of the vendored files
        msg = f"Leaflet's style sheet refers to files it does not hold: {', '.join(outside)}"
        raise RuntimeError(msg)
    return css.replace("</style", "<\\/style")
