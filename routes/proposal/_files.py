"""Proposal files: GeoJSON, or GeoPackage, Shapefile and other vector files, as GeoJSON features.

A GeoJSON proposal is parsed as JSON text, its CRS checked (RFC 7946: WGS84). QGIS
saves layers as GeoPackage or Shapefile by default: any vector file GDAL reads
is read too (every layer of it), reprojected to WGS84 from the CRS the file
declares. Either way :mod:`routes.proposal.model` gets GeoJSON-like feature
dictionaries. Attribute tables cannot hold JSON objects or lists, and Shapefile
field names are cut at 10 characters, so a few values are read back into the
form a GeoJSON proposal would have. The file size and the number of vertices
are bounded, so a mistaken file cannot exhaust the memory.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from routes.errors import ProposalError

__all__ = [
    "EXPORT_GEOJSON_HINT",
    "MAX_PROPOSAL_BYTES",
    "MAX_PROPOSAL_VERTICES",
    "is_vector_file",
    "read_proposal_features",
    "read_vector_features",
]

MAX_PROPOSAL_BYTES = 20_000_000
"""Largest proposal file (a route drawn along the streets of a city is well under 1 MB)."""
MAX_PROPOSAL_VERTICES = 100_000
"""Most vertices of all route lines and stops together."""
_WGS84_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "urn:ogc:def:crs:ogc::crs84",
        "ogc:crs84",
        "crs84",
        "epsg:4326",
        "urn:ogc:def:crs:epsg::4326",
        "urn:ogc:def:crs:epsg:6.6:4326",
    }
)

EXPORT_GEOJSON_HINT = (
    "export it as GeoJSON in EPSG:4326 (QGIS: right-click the layer > Export > Save Features "
    "As..., Format GeoJSON, CRS EPSG:4326; or `ogr2ogr -t_srs EPSG:4326 out.geojson IN`)"
)
_GEOJSON_SUFFIXES = (".geojson", ".json")
_MAGIC = (b"SQLite format 3\x00", b"PK\x03\x04", b"fgb\x03")


def is_vector_file(path: Path, head: bytes) -> bool:
    """Whether to read ``path`` with GDAL rather than as GeoJSON text.

    Parameters
    ----------
    path
        The file.
    head
        Its first bytes (a GeoPackage renamed ``.geojson`` is still a GeoPackage).
    """
    return path.suffix.lower() not in _GEOJSON_SUFFIXES or head.startswith(_MAGIC)


def _as_bool(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "t", "yes", "y", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "f", "no", "n", "0"):
        return False
    return value


def _as_json(value: Any, opener: str) -> Any:
    if isinstance(value, str) and value.strip().startswith(opener):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def normalise_properties(props: dict[str, Any], known: Collection[str]) -> dict[str, Any]:
    """Turn attribute-table values back into the GeoJSON form of a proposal's properties.

    - Shapefile names cut at 10 characters (``headway_mi``) get their full
      name back when exactly one known key starts with them;
    - ``headway_min`` written as JSON text (``{"07:00-09:30": 10}``) becomes
      a table, ``days`` written as ``mon,sat`` or ``["mon","sat"]`` a list;
    - ``bidirectional`` 1/0, ``true``/``false`` become booleans, and a whole
      ``route_type`` an integer.
    """
    out: dict[str, Any] = {}
    for key, value in props.items():
        name = key
        if key not in known and len(key) == 10:
            longer = [k for k in known if k.startswith(key)]
            if len(longer) == 1:
                name = longer[0]
        out[name] = value
    if "headway_min" in out:
        out["headway_min"] = _as_json(out["headway_min"], "{")
    if isinstance(out.get("days"), str):
        days = _as_json(out["days"], "[")
        if isinstance(days, str) and "," in days:
            days = [d.strip() for d in days.split(",") if d.strip()]
        out["days"] = days
    if "bidirectional" in out:
        out["bidirectional"] = _as_bool(out["bidirectional"])
    route_type = out.get("route_type")
    if isinstance(route_type, float) and route_type.is_integer():
        out["route_type"] = int(route_type)
    return out


def read_vector_features(path: Path, label: str, known: Collection[str]
                         ) -> tuple[list[dict[str, Any]], list[str]]:
    """Read every layer of a vector file as GeoJSON-like features in WGS84.

    Parameters
    ----------
    path
        A file GDAL reads (GeoPackage, Shapefile, FlatGeobuf, KML, GML, zipped
        Shapefile...).
    label
        How messages name the file.
    known
        The property names a proposal may use (to restore Shapefile names).

    Returns
    -------
    tuple[list[dict], list[str]]
        The features, and for each the label messages use
        (``"p.gpkg layer 'stops' feature 2"``; just ``"p.gpkg feature 2"``
        when there is one layer).

    Raises
    ------
    ProposalError
        If GDAL cannot read the file, or a layer with geometries declares no CRS.
    """
    with warnings.catch_warnings():
        # GDAL's remarks (e.g. "GPKG application_id, but non conformant file extension")
        # come as RuntimeWarnings from C callbacks; they say nothing the user must act on.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _read_layers(path, label, known)


def _read_layers(path: Path, label: str, known: Collection[str]
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    import pyogrio
    import pyogrio.errors

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        text = str(exc)
        reason = ("GDAL does not recognise its format" if "not recognized" in text
                  else text.split(";")[0].strip() or type(exc).__name__)
        msg = (f"{label}: neither GeoJSON nor a vector file GDAL can read ({reason}); "
               f"{EXPORT_GEOJSON_HINT}")
        raise ProposalError(msg) from None
    features: list[dict[str, Any]] = []
    labels: list[str] = []
    for layer in layers:
        where = f"{label} layer {layer!r}" if len(layers) > 1 else label
        try:
            frame = pyogrio.read_dataframe(path, layer=layer)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            msg = f"{where}: cannot be read ({exc}); {EXPORT_GEOJSON_HINT}"
            raise ProposalError(msg) from None
        if "geometry" in getattr(frame, "columns", ()) and hasattr(frame, "crs"):
            if frame.crs is None and frame.geometry.notna().any():
                msg = (f"{where}: declares no coordinate reference system; set the layer's "
                       f"CRS in QGIS (Layer Properties > Source) and save it again, or "
                       f"{EXPORT_GEOJSON_HINT}")
                raise ProposalError(msg)
            if frame.crs is not None and frame.crs.to_epsg() != 4326:
                frame = frame.to_crs("EPSG:4326")
            rows = json.loads(frame.to_json(na="drop", drop_id=True))["features"]
        else:  # a table without geometries: modifications only
            rows = [{"properties": {k: v for k, v in record.items() if v == v and v is not None},
                     "geometry": None} for record in frame.to_dict(orient="records")]
        for index, row in enumerate(rows):
            features.append({"type": "Feature", "geometry": row.get("geometry"),
                             "properties": normalise_properties(row.get("properties") or {},
                                                                known)})
            labels.append(f"{where} feature {index}")
    return features, labels


def read_proposal_features(path: Path, label: str, known: Collection[str]
                           ) -> tuple[list[Any], list[str] | None]:
    """Read a proposal file's features, GeoJSON or another vector format.

    Returns
    -------
    tuple[list, list[str] | None]
        The features (GeoJSON-like; not yet validated), and the label of each
        for messages (``None`` for GeoJSON: ``"<file> feature <i>"``).

    Raises
    ------
    ProposalError
        If the file is missing, a folder, too large, unreadable, not a
        FeatureCollection, in another CRS than WGS84 (GeoJSON) or none
        (other formats), or has more than :data:`MAX_PROPOSAL_VERTICES` vertices.
    """
    raw = _read_proposal_bytes(path, label)
    labels: list[str] | None = None
    if is_vector_file(path, raw[:16]):
        features, labels = read_vector_features(path, label, known)
    else:
        features = _geojson_features(raw, label)
    n_vertices = sum(_count_vertices(f) for f in features)
    if n_vertices > MAX_PROPOSAL_VERTICES:
        msg = (f"{label}: {n_vertices:,} vertices, more than the {MAX_PROPOSAL_VERTICES:,} a "
               f"proposal may have; {_SIMPLIFY_HINT}")
        raise ProposalError(msg)
    return features, labels


_SIMPLIFY_HINT = ("simplify the route lines (QGIS: Vector > Geometry > Simplify, tolerance 5 m; or "
                  "`ogr2ogr -simplify 0.00005 out.geojson in.geojson`) or split the proposal "
                  "into several files")


def _read_proposal_bytes(path: Path, label: str) -> bytes:
    """Read the file, after checking that it is a file of a reasonable size."""
    try:
        if path.is_dir():
            msg = (f"{label}: is a folder, not a proposal file; give the .geojson (or .gpkg, "
                   ".shp) file itself")
            raise ProposalError(msg)
        size = path.stat().st_size
        if size > MAX_PROPOSAL_BYTES:
            msg = (f"{label}: {size / 1e6:,.1f} MB, more than the {MAX_PROPOSAL_BYTES / 1e6:g} "
                   f"MB a proposal may be; {_SIMPLIFY_HINT}")
            raise ProposalError(msg)
        return path.read_bytes()
    except FileNotFoundError:
        msg = f"{label}: file not found; check the path of the proposal GeoJSON"
        raise ProposalError(msg) from None
    except OSError as exc:
        msg = f"{label}: cannot be read ({exc.strerror}); check the path and its permissions"
        raise ProposalError(msg) from exc


def _geojson_features(raw: bytes, label: str) -> list[Any]:
    """Parse a GeoJSON FeatureCollection (and check its CRS); return its features."""
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        msg = (f"{label}: not UTF-8 text, so not GeoJSON; save it as UTF-8 GeoJSON, or if it "
               f"is another format, {EXPORT_GEOJSON_HINT}")
        raise ProposalError(msg) from None
    except json.JSONDecodeError as exc:
        msg = (
            f"{label}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno});"
            " fix the syntax or re-export the file as GeoJSON"
        )
        raise ProposalError(msg) from None
    except ValueError as exc:
        msg = f"{label}: {exc}; GeoJSON numbers must be finite"
        raise ProposalError(msg) from None
    except RecursionError:
        msg = f"{label}: nested too deeply to be GeoJSON; {EXPORT_GEOJSON_HINT}"
        raise ProposalError(msg) from None

    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        msg = (
            f"{label} type: expected a GeoJSON 'FeatureCollection', got {got!r};"
            " put the routes in a FeatureCollection"
        )
        raise ProposalError(msg)
    _check_crs(data, label)
    features = data.get("features")
    if not isinstance(features, list):
        msg = f"{label} features: expected a list of features, got {type(features).__name__}"
        msg += "; save the file as a GeoJSON FeatureCollection"
        raise ProposalError(msg)
    return features


def _count_vertices(feature: object) -> int:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if geometry is not None and isinstance(geometry, dict) and geometry.get("type") == "Point":
        return 1
    return len(coords) if isinstance(coords, list) else 0


def _reject_constant(name: str) -> float:
    msg = f"{name} is not valid JSON"
    raise ValueError(msg)


def _check_crs(data: Mapping[str, Any], label: str) -> None:
    if "crs" not in data:
        return
    crs = data["crs"]
    name: object = crs
    if isinstance(crs, dict) and crs.get("type") == "name":
        props = crs.get("properties")
        name = props.get("name") if isinstance(props, dict) else None
    if isinstance(name, str) and name.strip().lower() in _WGS84_CRS_NAMES:
        return
    msg = (
        f"{label} crs: {name!r} is not WGS84 longitude/latitude; GeoJSON must be in WGS84"
        " (RFC 7946): reproject it, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
    )
    raise ProposalError(msg)
