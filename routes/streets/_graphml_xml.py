"""Reading GraphML's XML: the attributes of a walk network, as strings, in one streaming pass.

Used by :mod:`routes.streets.graphml`; also home of the problem list its checks fill.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from routes.errors import OsmError, join_problems

__all__ = [
    "EDGE_ATTRS",
    "FIX",
    "NODE_ATTRS",
    "N_EXAMPLES",
    "WALK_TAGS",
    "Problems",
    "RawGraph",
    "read_raw_graph",
]

WALK_TAGS: tuple[str, ...] = ("highway", "foot", "access", "railway", "public_transport")
EDGE_ATTRS: tuple[str, ...] = ("length", "geometry", *WALK_TAGS)
NODE_ATTRS: tuple[str, ...] = ("x", "y")
FIX = "fix the file, or save the graph again with osmnx.save_graphml"
N_EXAMPLES = 3


@dataclass(slots=True)
class RawGraph:
    """The parts of a GraphML file a walk network needs, as read: strings, ``None`` if absent."""

    graph_attrs: dict[str, str] = field(default_factory=dict)
    node_ids: list[str] = field(default_factory=list)
    node_attrs: dict[str, list[str | None]] = field(
        default_factory=lambda: {name: [] for name in NODE_ATTRS})
    edge_source: list[str] = field(default_factory=list)
    edge_target: list[str] = field(default_factory=list)
    edge_attrs: dict[str, list[str | None]] = field(
        default_factory=lambda: {name: [] for name in EDGE_ATTRS})

    def edge_name(self, i: int) -> str:
        """How an edge is named in messages: ``'12'->'34'``."""
        return f"{self.edge_source[i]!r}->{self.edge_target[i]!r}"


@dataclass(slots=True)
class Problems:
    """Problems found in a file, each a sentence; repeated ones with a count and examples."""

    found: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        """Note a problem that occurs once."""
        self.found.append(problem)

    def report(self, n: int, examples: Iterable[str], *, one: str, many: str) -> None:
        """Note ``n`` occurrences of a problem (nothing when ``n`` is 0).

        ``one`` has ``{}`` where the example goes; ``many`` has ``{n}``.
        """
        shown = list(examples)[:N_EXAMPLES]
        if n == 1:
            self.found.append(one.format(shown[0]))
        elif n:
            more = ", ..." if n > len(shown) else ""
            self.found.append(f"{many.format(n=f'{n:,}')} (e.g. {', '.join(shown)}{more})")

    def raise_if_any(self, path: Path) -> None:
        """Raise one OsmError listing every problem, if any was noted."""
        if len(self.found) == 1:
            msg = f"{path}: {self.found[0]}; {FIX}"
            raise OsmError(msg)
        if self.found:
            msg = f"{path}: {join_problems(self.found)}\n{FIX}"
            raise OsmError(msg)


def read_raw_graph(path: Path) -> RawGraph:
    """Read ``path`` (``.gz`` decompressed), turning read errors into one-line OsmErrors."""
    try:
        with _open_binary(path) as fh:
            return _parse_stream(fh, path)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        msg = (
            f"{path}: not well-formed XML at line {line}, column {column} ({reason}); the "
            "file is damaged or not GraphML: save the graph again with osmnx.save_graphml"
        )
        raise OsmError(msg) from exc
    except (OSError, EOFError) as exc:  # unreadable, or a damaged or truncated .gz
        msg = f"{path}: cannot be read ({exc}); check the file, or save it again"
        raise OsmError(msg) from exc


def _open_binary(path: Path) -> IO[bytes] | gzip.GzipFile:
    """Open ``path`` for reading bytes, decompressing a ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _local(tag: str) -> str:
    """Return an element's name without its XML namespace."""
    return tag.rpartition("}")[2]


def _parse_stream(fh: IO[bytes] | gzip.GzipFile, path: Path) -> RawGraph:
    raw = RawGraph()
    keys: dict[str, dict[str, str]] = {"graph": {}, "node": {}, "edge": {}}
    defaults: dict[str, str] = {}
    stack: list[str] = []
    graph: ElementTree.Element | None = None
    for event, elem in ElementTree.iterparse(fh, events=("start", "end")):
        tag = _local(elem.tag)
        if event == "start":
            _check_structure(tag, stack, graph is not None, path)
            if tag == "graph":
                graph = elem
            stack.append(tag)
            continue
        stack.pop()
        parent = stack[-1] if stack else ""
        if tag == "key":
            _read_key(elem, keys, defaults)
        elif parent != "graph":
            continue
        elif tag == "data":
            name = keys["graph"].get(elem.get("key", ""))
            if name is not None:
                raw.graph_attrs[name] = elem.text or ""
        elif tag == "node":
            raw.node_ids.append(elem.get("id", ""))
            _read_data(elem, keys["node"], defaults, raw.node_attrs)
        elif tag == "edge":
            raw.edge_source.append(elem.get("source", ""))
            raw.edge_target.append(elem.get("target", ""))
            _read_data(elem, keys["edge"], defaults, raw.edge_attrs)
        if tag in ("node", "edge") and graph is not None:
            graph.clear()  # keep memory flat: each node and edge is read once
    if graph is None:
        msg = f"{path}: GraphML without a <graph>; {FIX}"
        raise OsmError(msg)
    return raw


def _check_structure(tag: str, stack: list[str], seen_graph: bool, path: Path) -> None:
    """Refuse what is not one flat GraphML graph, as soon as it starts."""
    problem = None
    if not stack and tag != "graphml":
        hint = " (OpenStreetMap XML: name it .osm)" if tag == "osm" else ""
        problem = f"is not GraphML: its root element is <{tag}>{hint}"
    elif tag == "graph" and seen_graph:
        problem = "holds more than one <graph>, or a nested one (save one street network)"
    elif tag == "hyperedge":
        problem = "holds hyperedges, which a street network cannot have"
    if problem:
        msg = f"{path}: {problem}; {FIX}"
        raise OsmError(msg)


def _read_key(elem: ElementTree.Element, keys: dict[str, dict[str, str]],
              defaults: dict[str, str]) -> None:
    key_id, name, domain = elem.get("id", ""), elem.get("attr.name", ""), elem.get("for", "all")
    for target in ("graph", "node", "edge"):
        if domain in (target, "all"):
            keys[target][key_id] = name
    for child in elem:
        if _local(child.tag) == "default":
            defaults[key_id] = child.text or ""


def _read_data(elem: ElementTree.Element, keys: Mapping[str, str], defaults: Mapping[str, str],
               out: dict[str, list[str | None]]) -> None:
    """Append the wanted attributes of one node or edge (``None`` when absent) to ``out``."""
    found: dict[str, str] = {}
    for key_id, default in defaults.items():
        name = keys.get(key_id)
        if name in out:
            found[name] = default
    for child in elem:
        if _local(child.tag) == "data":
            name = keys.get(child.get("key", ""))
            if name in out:
                found[name] = child.text or ""
    for name, values in out.items():
        values.append(found.get(name))
