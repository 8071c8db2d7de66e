"""Destination layers: jobs, shared community spaces, any opportunities.

A layer (DESIGN §4 ``[[destinations]]``) comes either from a points or
polygons file, with an optional weight (e.g. jobs) and category column, or
from features of the study area's OpenStreetMap extract selected by tags.
Each destination becomes one point: polygons by a point inside them. The
engine snaps the points to the street network later; nothing is snapped here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.config.study_area import DestinationLayer
from routes.errors import InputError, OsmError, RoutesWarning, join_problems
from routes.inputs.osm_file import check_osm_path, iter_osm
from routes.inputs.points import Points, load_layer
from routes.inputs.zones import (
    _check_counts,
    _geometry_problems,
    _origin_points,
    _peek_columns,
    _RowLabels,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    import osmium

    _OsmObject: TypeAlias = (
        osmium.osm.Node
        | osmium.osm.Way
        | osmium.osm.Relation
        | osmium.osm.Area
        | osmium.osm.Changeset
    )

__all__ = [
    "DEFAULT_SPACE_TAGS",
    "OTHER_CATEGORY",
    "Destinations",
    "load_destinations",
    "load_osm_destinations",
]

logger = logging.getLogger(__name__)

DEFAULT_SPACE_TAGS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "amenity": (
            "community_centre",
            "library",
            "social_centre",
            "arts_centre",
            "marketplace",
        ),
        "leisure": ("sports_centre", "park", "playground"),
    }
)
"""OSM tags of shared community spaces: open to everyone, where people of
different backgrounds meet. Places of worship are left out on purpose: most
serve one faith community, so they say little about mixing; add
``amenity = ["place_of_worship"]`` to a layer's ``osm_tags`` to count them.
Commercial venues (cafés, cinemas) and private facilities (gyms, private
pools) are left out too."""

OTHER_CATEGORY = "other"
"""Category of destinations whose layer gives none."""

_DESTINATION_GEOMETRIES = frozenset({"Point", "MultiPoint", "Polygon", "MultiPolygon"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Destinations:
    """A validated destination layer.

    Attributes
    ----------
    name
        Layer name, e.g. ``"jobs"``; used in result column names.
    table
        Indexed by ``id`` (string), one row per destination, with the columns

        - ``weight``: opportunities at the destination (``float64``, 0 or
          more; 1 per feature when the layer has no weight column);
        - ``category``: lowercase snake_case category (string, e.g.
          ``library``; ``other`` when none is given);
        - ``name``: display name (string, ``<NA>`` when unknown).
    points
        One WGS84 point per destination, in the order of ``table``.
    """

    name: str
    table: pd.DataFrame
    points: Points

    def __len__(self) -> int:
        return len(self.table)

    @property
    def weights(self) -> pd.Series:
        """Opportunities per destination, indexed by ``id``.

        The form :func:`routes.access.metrics.compute_cumulative_opportunities`
        takes.
        """
        return self.table["weight"]


def load_destinations(layer: DestinationLayer, *, osm_path: Path | None = None) -> Destinations:
    """Read, check and tidy one destination layer.

    Parameters
    ----------
    layer
        The ``[[destinations]]`` layer: a file (``path``) or OSM tags
        (``osm_tags``).
    osm_path
        The study area's OpenStreetMap extract; needed when the layer is
        given by ``osm_tags``.

    Returns
    -------
    Destinations
        The destinations table and points.

    Raises
    ------
    InputError
        Listing every problem, each with the file, row or feature, and
        column: unreadable file, missing columns, duplicate or empty IDs,
        missing CRS or geometry, geometries that are neither points nor
        polygons, weights that are not numbers, infinite or negative; or a
        layer with both or neither of a file and OSM tags, or OSM tags but no
        extract. See :func:`load_osm_destinations` for OSM layers.

    Warns
    -----
    RoutesWarning
        If some weights are missing; they count as 0 (the count is given).

    Notes
    -----
    A polygon becomes :meth:`shapely.Polygon.representative_point`, a point
    inside it, carrying the feature's whole weight. When the layer keeps the
    default ID column ``id`` and the file has none, the IDs are the row
    numbers ``"1"``, ``"2"``, … in file order. Categories are turned into
    lowercase snake_case words (``"Community Centre"`` → ``community_centre``),
    the form result column names need. A column called ``name``, if present,
    gives the display names.
    """
    where = f"[[destinations]] {layer.name!r}"
    if layer.path is not None and layer.osm_tags:
        msg = f"{where}: has both a file and osm_tags; give exactly one"
        raise InputError(msg)
    if layer.path is not None:
        return _load_file_destinations(layer, Path(layer.path))
    if not layer.osm_tags:
        msg = f"{where}: has neither a file nor osm_tags; give exactly one"
        raise InputError(msg)
    if osm_path is None:
        msg = (
            f"{where}: is selected by osm_tags but no OSM extract was given; "
            "pass the study area's osm_path"
        )
        raise InputError(msg)
    return load_osm_destinations(osm_path, layer.osm_tags, name=layer.name)


def load_osm_destinations(
    osm_path: Path, tags: Mapping[str, Sequence[str]], *, name: str
) -> Destinations:
    """Read the features of an OpenStreetMap extract that carry any of some tags.

    Parameters
    ----------
    osm_path
        ``.osm.pbf`` or ``.osm`` (XML, optionally ``.gz``/``.bz2``) extract.
    tags
        Tag key to accepted values, e.g. :data:`DEFAULT_SPACE_TAGS`; a
        feature matches if any ``key=value`` pair matches exactly.
    name
        Layer name of the result.

    Returns
    -------
    Destinations
        One destination per matching node, way or multipolygon relation,
        with ID ``osm:n<id>``, ``osm:w<id>`` or ``osm:r<id>``, weight 1,
        category the matched tag value (the first pair of ``tags`` that
        matches) and name the feature's ``name`` tag. File order: nodes,
        then ways, then relations.

    Raises
    ------
    InputError
        If ``tags`` is empty or malformed.
    OsmError
        If the extract is missing, unreadable, or holds no matching feature
        with coordinates (the message lists the tags searched for).

    Warns
    -----
    RoutesWarning
        If some matching features have none of their nodes in the extract
        (they are dropped; the count is given).

    Notes
    -----
    A node is its own point. A closed way is a polygon and becomes its
    representative point (inside it); an open way becomes the point halfway
    along it. A ``type=multipolygon`` relation is assembled from the ways of
    its outer members (read in a second pass over the file, only when such a
    relation matches) and becomes the representative point of their
    polygons, or the mean of their nodes if the rings do not close (e.g.
    clipped at the edge of the extract); ``type=boundary`` relations likewise.
    Other relations (routes, sites) are skipped.
    """
    osm_path = Path(osm_path)
    fmt = check_osm_path(osm_path)
    pairs = _tag_pairs(tags, name)
    found = _read_tagged(osm_path, fmt, pairs)
    if found.relation_outer_ways:
        found.place_relations(_read_way_lines(osm_path, fmt, found.relation_outer_ways))
    located = [f for f in found.features if f.lon is not None]
    n_dropped = len(found.features) - len(located)
    searched = _describe_tags(pairs)
    if not located:
        skipped = (
            f" ({found.n_other_relations:,} non-multipolygon relations skipped)"
            if found.n_other_relations
            else ""
        )
        msg = (
            f"{osm_path.name}: no node, way or multipolygon with coordinates is tagged "
            f"{searched}{skipped}, so the {name!r} layer would be empty; the extract may "
            "hold only streets (extracts made for routing often do): give this "
            f"[[destinations]] layer a `file =` of points or polygons instead, or other tags"
        )
        raise OsmError(msg)
    if n_dropped:
        warnings.warn(
            f"{osm_path.name}: {n_dropped:,} of {len(found.features):,} features tagged "
            f"{searched} have no node inside the extract and were dropped from {name!r}; "
            "use a larger extract if they matter",
            RoutesWarning,
            stacklevel=2,
        )
    index = pd.Index([f.id for f in located], dtype="str", name="id")
    table = pd.DataFrame(
        {
            "weight": np.ones(len(located)),
            "category": pd.array([f.category for f in located], dtype="str"),
            "name": pd.array([f.name for f in located], dtype="str"),
        },
        index=index,
    )
    points = Points(
        ids=np.asarray(index, dtype=object),
        lon=np.asarray([f.lon for f in located], dtype=np.float64),
        lat=np.asarray([f.lat for f in located], dtype=np.float64),
    )
    kinds = pd.Series([f.id[4] for f in located]).value_counts()
    logger.info(
        "%s: %d OSM features from %s (%d nodes, %d ways, %d relations)",
        name,
        len(located),
        osm_path.name,
        kinds.get("n", 0),
        kinds.get("w", 0),
        kinds.get("r", 0),
    )
    return Destinations(name=name, table=table, points=points)


# --------------------------------------------------------------------------- files


def _load_file_destinations(layer: DestinationLayer, path: Path) -> Destinations:
    """Destinations from a points or polygons file."""
    columns = _peek_columns(path)
    if layer.id_column == "id" and columns is not None and "id" not in columns:
        frame = _read_numbered(path)
    else:
        frame = load_layer(path, id_column=layer.id_column)
    where = f"[[destinations]] {layer.name!r}"
    available = ", ".join(repr(c) for c in frame.columns if c not in ("geometry", "id"))
    problems = [
        f"{path.name}: no column {column!r} (set by {where}.{key}); available: {available}; "
        "fix the column name in routes.toml"
        for key, column in (("weight", layer.weight_column), ("category", layer.category_column))
        if column is not None and column not in frame.columns
    ]
    problems.extend(_geometry_problems(frame, path, _DESTINATION_GEOMETRIES, "destinations"))
    if problems:
        raise InputError(join_problems(problems))

    labels = _RowLabels(path, frame["id"].to_numpy(dtype=object))
    if layer.weight_column is None:
        weight = np.ones(len(frame))
    else:
        weight, problems = _check_counts(
            frame[layer.weight_column], labels, layer.weight_column, allow_missing=True
        )
        if problems:
            raise InputError(join_problems(problems))
        missing = np.isnan(weight)
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            warnings.warn(
                f"{path.name} column {layer.weight_column!r}: {int(missing.sum()):,} of "
                f"{len(weight):,} destinations have no value (e.g. {labels(first)}) and "
                f"count as 0 {layer.name}; fill them in if that is wrong",
                RoutesWarning,
                stacklevel=3,
            )
            weight = np.where(missing, 0.0, weight)

    if layer.category_column is None:
        category = [OTHER_CATEGORY] * len(frame)
    else:
        category = [_category_word(value) for value in frame[layer.category_column]]
    if "name" in frame.columns:
        names = frame["name"].astype("str").where(frame["name"].notna())
    else:
        names = pd.Series(pd.NA, index=frame.index)
    index = pd.Index(frame["id"].astype(str).to_numpy(), dtype="str", name="id")
    table = pd.DataFrame(
        {
            "weight": weight,
            "category": pd.array(category, dtype="str"),
            "name": pd.array(names.to_numpy(dtype=object), dtype="str"),
        },
        index=index,
    )
    geometry = gpd.GeoSeries(frame.geometry.to_numpy(), index=index, crs="EPSG:4326")
    logger.info(
        "%s: %d destinations from %s, total weight %s",
        layer.name,
        len(table),
        path.name,
        f"{weight.sum():,.0f}",
    )
    return Destinations(name=layer.name, table=table, points=_origin_points(geometry))


def _read_numbered(path: Path) -> gpd.GeoDataFrame:
    """Read a layer that has no ID column; the IDs are the row numbers from 1."""
    # load_layer requires an ID column; its readers do the format and CRS checks.
    from routes.inputs.points import _read_csv, _read_vector

    frame = _read_csv(path, "id") if path.suffix.lower() == ".csv" else _read_vector(path)
    frame = frame.to_crs("EPSG:4326") if frame.crs != "EPSG:4326" else frame.copy()
    frame["id"] = [str(i) for i in range(1, len(frame) + 1)]
    missing = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if missing.any():
        labels = _RowLabels(path, frame["id"].to_numpy(dtype=object))
        msg = labels.problem(
            "geometry",
            missing,
            frame.geometry.to_numpy(dtype=object),
            "are empty",
            "remove those features or add coordinates",
        )
        raise InputError(msg)
    return frame


def _category_word(value: object) -> str:
    """Turn a category into a lowercase snake_case word; missing or blank → ``other``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return OTHER_CATEGORY
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    word = _NOT_WORD.sub("_", ascii_text.lower()).strip("_")
    return word or OTHER_CATEGORY


# --------------------------------------------------------------------------- OSM


@dataclass(slots=True)
class _Feature:
    """One matching OSM feature; ``lon``/``lat`` are ``None`` until placed."""

    id: str
    category: str
    name: str | None
    lon: float | None = None
    lat: float | None = None


@dataclass(slots=True)
class _Found:
    """Matching features of the first pass, and the relations still to be placed."""

    features: list[_Feature] = field(default_factory=list)
    relation_outer_ways: dict[int, list[int]] = field(default_factory=dict)
    n_other_relations: int = 0

    def place_relations(self, lines: Mapping[int, NDArray[np.float64]]) -> None:
        """Place every multipolygon relation from the coordinates of its outer ways."""
        import shapely

        by_id = {f.id: f for f in self.features}
        for relation, ways in self.relation_outer_ways.items():
            parts = [lines[w] for w in ways if w in lines]
            if not parts:
                continue
            polygons = shapely.polygonize([shapely.LineString(p) for p in parts if len(p) >= 2])
            point = shapely.make_valid(polygons).representative_point()
            if point.is_empty:
                lon, lat = np.concatenate(parts).mean(axis=0)
            else:
                lon, lat = point.x, point.y
            feature = by_id[f"osm:r{relation}"]
            feature.lon, feature.lat = float(lon), float(lat)


def _tag_pairs(tags: Mapping[str, Sequence[str]], name: str) -> list[tuple[str, str]]:
    """``(key, value)`` pairs in the order given; a lone string is one value."""
    if not isinstance(tags, Mapping) or not tags:
        msg = f"osm_tags of {name!r}: expected tags like {{amenity = ['library']}}, got {tags!r}"
        raise InputError(msg)
    pairs: list[tuple[str, str]] = []
    problems = []
    for key, values in tags.items():
        items = (values,) if isinstance(values, str) else tuple(values)
        if not isinstance(key, str) or not items or not all(isinstance(v, str) for v in items):
            problems.append(
                f"osm_tags of {name!r}: {key!r} = {values!r}; expected a tag key with a "
                "non-empty list of values"
            )
            continue
        pairs.extend((key, value) for value in items)
    if problems:
        raise InputError(join_problems(problems))
    return pairs


def _describe_tags(pairs: Sequence[tuple[str, str]]) -> str:
    """``amenity=library|community_centre, leisure=park`` for messages."""
    keys: dict[str, list[str]] = {}
    for key, value in pairs:
        keys.setdefault(key, []).append(value)
    return ", ".join(f"{key}={'|'.join(values)}" for key, values in keys.items())


def _read_tagged(osm_path: Path, fmt: str, pairs: Sequence[tuple[str, str]]) -> _Found:
    """First pass: every node, way and relation carrying one of the tag pairs."""
    import osmium

    processor = (
        osmium.FileProcessor(osmium.io.File(str(osm_path), fmt))
        .with_locations()
        .with_filter(osmium.filter.TagFilter(*pairs))
    )
    found = _Found()
    for obj in iter_osm(processor, osm_path):
        tags = obj.tags
        category = next(v for k, v in pairs if tags.get(k) == v)
        feature = _Feature(
            id=f"osm:{obj.type_str()}{obj.id}",
            category=_category_word(category),
            name=tags.get("name"),
        )
        if isinstance(obj, osmium.osm.Node):
            if obj.location.valid():
                feature.lon, feature.lat = obj.location.lon, obj.location.lat
        elif isinstance(obj, osmium.osm.Way):
            coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            point = _way_point(coords, obj.is_closed() and len(coords) == len(obj.nodes))
            if point is not None:
                feature.lon, feature.lat = point
        elif isinstance(obj, osmium.osm.Relation):
            if tags.get("type") not in ("multipolygon", "boundary"):
                found.n_other_relations += 1
                continue
            found.relation_outer_ways[obj.id] = [
                m.ref for m in obj.members if m.type == "w" and m.role in ("outer", "")
            ]
        found.features.append(feature)
    return found


def _way_point(coords: Sequence[tuple[float, float]], closed: bool) -> tuple[float, float] | None:
    """Place a way: inside it when closed, halfway along it when open."""
    import shapely

    if not coords:
        return None
    if len(coords) == 1:
        return coords[0]
    if closed and len(coords) >= 4:
        polygon = shapely.Polygon(coords)
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        point = polygon.representative_point()
        if not point.is_empty:
            return point.x, point.y
    point = shapely.LineString(coords).interpolate(0.5, normalized=True)
    return point.x, point.y


def _read_way_lines(
    osm_path: Path, fmt: str, relation_ways: Mapping[int, Sequence[int]]
) -> dict[int, NDArray[np.float64]]:
    """Second pass: the (lon, lat) coordinates of the given ways, nodes inside the extract."""
    import osmium

    wanted = {w for ways in relation_ways.values() for w in ways}
    processor = (
        osmium.FileProcessor(osmium.io.File(str(osm_path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.IdFilter(wanted))
    )
    lines: dict[int, NDArray[np.float64]] = {}
    for way in iter_osm(processor, osm_path):
        if not isinstance(way, osmium.osm.Way):  # never, given the entity filter
            continue
        coords = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
        if coords:
            lines[way.id] = np.asarray(coords, dtype=np.float64)
    return lines
