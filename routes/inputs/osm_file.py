"""OpenStreetMap extracts on disk: accepted file names, and one way to read them safely.

The street network (:mod:`routes.streets.osm`) and the OSM destination layers
(:mod:`routes.inputs.destinations`) both read extracts through here, so a bad
file gets the same one-line error whichever reads it first. A study area's
``osm`` may also be a GraphML walk network saved by osmnx
(:data:`GRAPHML_EXTENSIONS`, read by :mod:`routes.streets.graphml`): it holds
streets only, so whatever needs OSM features or tags refuses it here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from routes.errors import OsmError

__all__ = ["GRAPHML_EXTENSIONS", "OSM_EXTENSIONS", "check_osm_path", "is_graphml_path", "iter_osm"]

OSM_EXTENSIONS: dict[str, str] = {
    ".osm.pbf": "pbf",
    ".pbf": "pbf",
    ".osm": "osm",
    ".osm.gz": "osm.gz",
    ".osm.bz2": "osm.bz2",
}
"""Accepted file-name endings (case-insensitive) and the osmium format each is read as."""

GRAPHML_EXTENSIONS: tuple[str, ...] = (".graphml", ".graphml.gz")
"""File-name endings (case-insensitive) of street networks in GraphML, as osmnx saves them."""


def is_graphml_path(path: Path) -> bool:
    """Whether ``path`` names a GraphML street network (:data:`GRAPHML_EXTENSIONS`)."""
    return path.name.lower().endswith(GRAPHML_EXTENSIONS)


def check_osm_path(osm_path: Path) -> str:
    """Return the osmium format string for ``osm_path``, or raise OsmError.

    A GraphML street network is refused with a message of its own: it has no
    OSM features or tags to read (e.g. for a destination layer's ``osm_tags``).
    """
    if is_graphml_path(osm_path):
        msg = (
            f"{osm_path}: is a GraphML street network, which holds no OpenStreetMap features "
            "or tags; a destination layer's `osm_tags` needs an OSM extract (.osm.pbf or "
            ".osm): give the layer a `file` of its places instead"
        )
        raise OsmError(msg)
    name = osm_path.name.lower()
    fmt = next((f for ext, f in OSM_EXTENSIONS.items() if name.endswith(ext)), None)
    if fmt is None:
        accepted = ", ".join(OSM_EXTENSIONS)
        msg = (
            f"{osm_path}: unsupported OSM file extension; accepted are {accepted} "
            "(convert other formats with `osmium cat IN -o OUT.osm.pbf`), and for the street "
            "network alone a GraphML file saved by osmnx (.graphml)"
        )
        raise OsmError(msg)
    if not osm_path.exists():
        msg = f"{osm_path}: OSM extract not found; check the path (the study area's `osm` setting)"
        raise OsmError(msg)
    if not osm_path.is_file():
        msg = f"{osm_path}: is not a file; point the study area's `osm` setting at an OSM extract"
        raise OsmError(msg)
    return fmt


def iter_osm(processor: Any, osm_path: Path) -> Iterator[Any]:
    """Iterate an ``osmium.FileProcessor``, turning osmium's read errors into OsmError."""
    import osmium

    iterator = iter(processor)
    while True:
        try:
            obj = next(iterator)
        except StopIteration:
            return
        except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
            raise OsmError(unreadable_message(osm_path, exc)) from exc
        yield obj


def unreadable_message(osm_path: Path, exc: BaseException) -> str:
    """Describe a file osmium could not read, with a hint about what it might be."""
    with osm_path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04"):
        what = "is a ZIP archive, not an OSM extract; unzip it and use the .osm.pbf inside"
    elif magic.startswith(b"\x1f\x8b") and not osm_path.name.lower().endswith(".gz"):
        what = "is gzip-compressed; name it .osm.gz (if it is OSM XML) or decompress it"
    else:
        what = (
            "cannot be read as OpenStreetMap data; check that it is a complete OSM extract "
            "in the format its extension says (re-download it or re-export it with osmium)"
        )
    return f"{osm_path}: {what} (osmium: {exc})"
