"""Reading GraphML's XML: the attributes of a walk network, as strings, in one streaming pass.

Used by :mod:`routes.streets.graphml`; also home of the problem list its checks fill.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.parsers import expat

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
    reader = _Reader(path)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        with _open_binary(path) as fh:
            parser.ParseFile(fh)
    except expat.ExpatError as exc:
        reason = expat.errors.messages[exc.code]
        msg = (
            f"{path}: not well-formed XML at line {exc.lineno}, column {exc.offset} "
            f"({reason}); the file is damaged or not GraphML: save the graph again with "
            "osmnx.save_graphml"
        )
        raise OsmError(msg) from exc
    except (OSError, EOFError) as exc:  # unreadable, or a damaged or truncated .gz
        msg = f"{path}: cannot be read ({exc}); check the file, or save it again"
        raise OsmError(msg) from exc
    if not reader.seen_graph:
        msg = f"{path}: GraphML without a <graph>; {FIX}"
        raise OsmError(msg)
    return reader.raw


def _open_binary(path: Path) -> IO[bytes] | gzip.GzipFile:
    """Open ``path`` for reading bytes, decompressing a ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


class _Reader:
    """Expat callbacks that keep the wanted attributes of a flat GraphML graph.

    Element names arrive as ``namespace}name`` (or ``name`` without a namespace).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = RawGraph()
        self.keys: dict[str, dict[str, str]] = {"graph": {}, "node": {}, "edge": {}}
        self.defaults: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
        self.stack: list[str] = []
        self.seen_graph = False
        self.item: dict[str, str] | None = None  # attributes of the node or edge being read
        self.key_id = ""  # of the <key> being read, for its <default>
        self.chunks: list[str] | None = None  # text of the <data> or <default> being read
        self.data_key = ""
        self.names: dict[str, str] = {}

    def local(self, name: str) -> str:
        tag = self.names.get(name)
        if tag is None:
            tag = self.names[name] = name.rpartition("}")[2]
        return tag

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.local(name)
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(tag)
        if tag == "data":
            self.data_key, self.chunks = attrs.get("key", ""), []
        elif tag in ("node", "edge") and parent == "graph":
            self.item = dict(self.defaults[tag])
            if tag == "node":
                self.raw.node_ids.append(attrs.get("id", ""))
            else:
                self.raw.edge_source.append(attrs.get("source", ""))
                self.raw.edge_target.append(attrs.get("target", ""))
        elif tag == "key":
            self._start_key(attrs)
        elif tag == "default":
            self.chunks = []
        else:
            self._check_structure(tag, parent)

    def text(self, data: str) -> None:
        if self.chunks is not None:
            self.chunks.append(data)

    def end(self, name: str) -> None:
        tag = self.stack.pop()
        parent = self.stack[-1] if self.stack else ""
        if tag == "data" and self.chunks is not None:
            value = "".join(self.chunks)
            self.chunks = None
            domain = parent if parent in ("node", "edge") else "graph"
            attr = self.keys[domain].get(self.data_key)
            if attr is None:
                return
            if domain == "graph":
                self.raw.graph_attrs[attr] = value
            elif self.item is not None:
                self.item[attr] = value
        elif tag in ("node", "edge") and self.item is not None:
            out = self.raw.node_attrs if tag == "node" else self.raw.edge_attrs
            for attr, values in out.items():
                values.append(self.item.get(attr))
            self.item = None
        elif tag == "default" and self.chunks is not None:
            value, self.chunks = "".join(self.chunks), None
            for domain in ("node", "edge"):
                attr = self.keys[domain].get(self.key_id)
                if attr is not None:
                    self.defaults[domain][attr] = value

    def _start_key(self, attrs: dict[str, str]) -> None:
        self.key_id = attrs.get("id", "")
        domain, attr = attrs.get("for", "all"), attrs.get("attr.name", "")
        for target in ("graph", "node", "edge"):
            if domain in (target, "all"):
                self.keys[target][self.key_id] = attr

    def _check_structure(self, tag: str, parent: str) -> None:
        """Refuse what is not one flat GraphML graph, as soon as it starts."""
        problem = None
        if not parent and tag != "graphml":
            hint = " (OpenStreetMap XML: name it .osm)" if tag == "osm" else ""
            problem = f"is not GraphML: its root element is <{tag}>{hint}"
        elif tag == "graph" and self.seen_graph:
            problem = "holds more than one <graph>, or a nested one (save one street network)"
        elif tag == "hyperedge":
            problem = "holds hyperedges, which a street network cannot have"
        if problem:
            msg = f"{self.path}: {problem}; {FIX}"
            raise OsmError(msg)
        self.seen_graph = self.seen_graph or tag == "graph"
