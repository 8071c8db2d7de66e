"""Read map.html as Leaflet will: the layer control's layers and each GeoJSON layer's features.

folium writes the layer control as ``base_layers : {"name" : var, ...}, overlays : {...}``
(base layers are radio buttons, overlays check boxes) and each GeoJSON layer's data as
``<var>_add({...});`` on one line.
"""

from __future__ import annotations

import json
import re
from typing import Any


def _control_block(page: str, kind: str) -> str:
    block = re.search(rf"{kind} :\s*\{{(.*?)\n\s*\}},", page, re.S)
    assert block is not None, f"no {kind} in the layer control"
    return block.group(1)


def base_layers(page: str) -> dict[str, str]:
    """The layer control's base layers (radio buttons): name (HTML, as written) -> variable."""
    return {json.loads(k): v for k, v in
            re.findall(r'("(?:[^"\\]|\\.)*")\s*:\s*(\w+)', _control_block(page, "base_layers"))}


def overlays(page: str) -> list[str]:
    """The names of the layer control's overlays (check boxes), as written."""
    return [json.loads(k) for k in
            re.findall(r'("(?:[^"\\]|\\.)*")\s*:', _control_block(page, "overlays"))]


def overlay_layers(page: str) -> dict[str, str]:
    """The layer control's overlays (check boxes): name (HTML, as written) -> variable."""
    return {json.loads(k): v for k, v in
            re.findall(r'("(?:[^"\\]|\\.)*")\s*:\s*(\w+)', _control_block(page, "overlays"))}


def shown_on_opening(page: str, var: str) -> bool:
    """Whether the layer ``var`` is added to the map when the page opens."""
    return re.search(rf"\b{var}\.addTo\(map_", page) is not None


def layer_features(page: str, var: str) -> list[dict[str, Any]]:
    """The GeoJSON features of the layer ``var``."""
    found = re.search(rf"{var}_add\((\{{.*?\}})\);\n", page)
    assert found is not None, f"no data of {var}"
    features: list[dict[str, Any]] = json.loads(found.group(1))["features"]
    return features


def zone_of(tooltip: str) -> str:
    """The zone id a zone tooltip is about: its bold first line ends with ``(<id>)``
    (``<b>zone <id></b>`` for unnamed zones)."""
    found = re.match(r"<b>(?:.*\(([^()]+)\)|zone (\S+))</b>", tooltip)
    assert found is not None, tooltip
    return found.group(1) or found.group(2)
