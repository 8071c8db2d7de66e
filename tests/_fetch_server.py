"""A loopback HTTP server standing in for the public sources of ``routes fetch``.

It serves small fixture files, with:

* static files, optionally honouring ``Range`` requests (or ignoring them, as
  BODS does) and optionally cut short after some bytes;
* ArcGIS ``query`` endpoints: ``where`` clauses ``1=1``, ``FIELD = 'x'`` and
  ``FIELD IN ('a','b')``, an envelope ``geometry`` filter, ``orderByFields``,
  ``resultOffset`` / ``resultRecordCount`` paging with ``exceededTransferLimit``,
  ``f=geojson`` or ``f=json``; optionally paging as ArcGIS Online does through a
  spatial index (the page is cut from the features the ``where`` clause selects,
  then filtered by the envelope, so a page can be short or empty while the flag
  is still set);
* the Nomis API for BRES: the whole table of one geography type
  (``geography=TYPE151``), ``select``-ed columns upper-cased as Nomis writes them,
  with ``RECORD_COUNT``, paged by ``recordoffset`` a fixed number of rows at a time.

Every request is logged (path, query and ``Range`` header) so tests can check
what was downloaded and resumed.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import shapely


@dataclass
class StaticFile:
    body: bytes
    ranges: bool = True  # honour Range requests
    cut_after: int | None = None  # close the connection after this many bytes (once)


@dataclass
class ArcgisLayer:
    features: list[dict[str, Any]]  # GeoJSON features
    index_filtered: bool = False  # page first, then apply the envelope (ArcGIS Online)


@dataclass
class BresTable:
    jobs: dict[str, int | str]  # LSOA code -> OBS_VALUE ("" for a missing value)
    page_rows: int = 25_000  # rows per answer (Nomis's limit without a key)
    geography_type: str = "2021 super output areas - lower layer"


@dataclass
class FixtureServer:
    routes: dict[str, StaticFile | ArcgisLayer | BresTable] = field(default_factory=dict)
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_for(self, path: str) -> list[tuple[str, str, str | None]]:
        return [r for r in self.log if r[0] == path]


_IN = re.compile(r"^(\w+) IN \((.*)\)$")
_EQ = re.compile(r"^(\w+) = '(.*)'$")


def _matches(where: str, props: dict[str, Any]) -> bool:
    where = where.strip()
    if where == "1=1":
        return True
    if m := _IN.match(where):
        values = [v.strip().strip("'") for v in m.group(2).split(",")]
        return str(props.get(m.group(1))) in values
    if m := _EQ.match(where):
        return str(props.get(m.group(1))) == m.group(2)
    raise ValueError(f"fixture server cannot parse where={where!r}")


def _arcgis_answer(layer: ArcgisLayer, query: dict[str, str]) -> dict[str, Any]:
    try:
        chosen = [f for f in layer.features if _matches(query.get("where", "1=1"), f["properties"])]
    except ValueError as exc:
        return {"error": {"code": 400, "message": str(exc)}}
    if order := query.get("orderByFields"):
        chosen.sort(key=lambda f: str(f["properties"].get(order.split()[0])))

    def in_box(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if "geometry" not in query:
            return features
        box = shapely.box(*map(float, query["geometry"].split(",")))
        return [f for f in features if shapely.geometry.shape(f["geometry"]).intersects(box)]

    fields = query.get("outFields", "*").split(",")
    offset = int(query.get("resultOffset", 0))
    count = int(query.get("resultRecordCount", 2000))
    if layer.index_filtered:
        page = in_box(chosen[offset:offset + count])
        exceeded = offset + count < len(chosen)
    else:
        chosen = in_box(chosen)
        page = chosen[offset:offset + count]
        exceeded = offset + count < len(chosen)
    if fields != ["*"]:
        page = [{**f, "properties": {k: f["properties"].get(k) for k in fields}} for f in page]
    if query.get("f") == "geojson":
        answer: dict[str, Any] = {"type": "FeatureCollection", "features": page}
        if exceeded:
            answer["properties"] = {"exceededTransferLimit": True}
        return answer
    return {"features": [{"attributes": f["properties"]} for f in page],
            "exceededTransferLimit": exceeded}


def _nomis_answer(table: BresTable, query: dict[str, str]) -> tuple[int, str]:
    """Nomis's CSV for the whole table of one geography type, one page of it."""
    lower = {k.lower(): v for k, v in query.items()}
    if lower.get("geography") != "TYPE151":
        return 400, f"fixture serves geography=TYPE151 only, not {lower.get('geography')!r}\n"
    columns = {
        "geography_code": lambda code: code,
        "geography_type": lambda code: table.geography_type,
        "obs_value": lambda code: str(table.jobs[code]),
        "record_count": lambda code: str(len(table.jobs)),
    }
    selected = lower.get("select", ",".join(columns)).split(",")
    offset = int(lower.get("recordoffset", 0))
    codes = sorted(table.jobs)[offset:offset + table.page_rows]
    lines = [",".join(c.upper() for c in selected)]
    lines += [",".join(columns[c](code) for c in selected) for code in codes]
    return 200, "\n".join(lines) + "\n"


class _Handler(BaseHTTPRequestHandler):
    server_state: FixtureServer

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        state = self.server_state
        state.log.append((parts.path, parts.query, self.headers.get("Range")))
        route = state.routes.get(parts.path)
        if route is None:
            self.send_error(404, "not in the fixture")
            return
        if isinstance(route, ArcgisLayer):
            self._send(200, json.dumps(_arcgis_answer(route, query)).encode(), "application/json")
        elif isinstance(route, BresTable):
            status, body = _nomis_answer(route, query)
            self._send(status, body.encode(), "text/csv")
        else:
            self._static(route)

    def _static(self, route: StaticFile) -> None:
        body, start, status = route.body, 0, 200
        header = self.headers.get("Range")
        if route.ranges and header and (m := re.match(r"bytes=(\d+)-$", header)):
            start = int(m.group(1))
            if start >= len(body):
                self.send_error(416, "range not satisfiable")
                return
            status = 206
        chunk = body[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(chunk)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if route.cut_after is not None:
            cut, route.cut_after = route.cut_after, None
            self.wfile.write(chunk[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(chunk)

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(state: FixtureServer) -> Iterator[FixtureServer]:
    """Run the fixture server on a free loopback port for the duration of the block."""
    handler = type("Handler", (_Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
