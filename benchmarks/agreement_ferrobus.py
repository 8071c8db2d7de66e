"""Agreement of our engine with ferrobus on Porto Alegre, and why the two differ.

Run from the repository root (ferrobus is a benchmark-only dependency):

    python benchmarks/agreement_ferrobus.py [--steps] [--examples 5] [--work DIR]

Query: the 1,227 POA hex centroids all-to-all, Monday 2019-05-13, one departure at 14:00,
walk 1.4 m/s, <= 3 rides, <= 120 min, <= 20 min walking at each end. Acceptance point of
the engine issue: >= 99 % of the pairs ferrobus reaches are no slower in ours than in
ferrobus + 1 min. Two configurations of ours are compared with ferrobus 0.2.1:

``default``
    Our model as shipped (R5 conventions): the strict walk network (``foot=no`` and
    ``access=no/private`` honoured), points and stops linked to the nearest point of the
    nearest street segment with the straight off-street line walked at 1.4 m/s (stops
    within 5 m of a segment end linked to that node), hexes more than 500 m
    (``max_snap_m``) and stops more than 1,600 m (R5's ``LINK_RADIUS_METERS``) from a
    street dropped, transfer walks <= 10 min (the routing default).
``like-for-like``
    Our engine on ferrobus's *walking inputs*, rebuilt here from the OSM extract
    (:func:`ferrobus_walk_network`) so that both engines route on the same street graph,
    the same snapped points and stops and the same transfer walks. What remains are the
    routing rules: ours uses every stop within 20 min at each end and never walks more
    than 20 min at an end; ferrobus boards only at the single nearest stop but chains
    walks (see below).

ferrobus 0.2.1's walking model, read from its source (chingiztob/ferrobus, and the
osm4routing fork it uses, chingiztob/osm4routing2) and checked on synthetic extracts.
Rebuilding all of it - the walking inputs below plus ferrobus's access / egress rules,
run on our RAPTOR kernel (a scratch emulator, not kept here) - reproduces ferrobus's
14:00 POA matrix exactly for 99.0 % of the pairs and within 1 min for 99.86 %:

* Street graph (osm4routing): every way of the extract is read, whatever its tags;
  ``highway=motorway*/trunk*`` are not walkable, ``foot=no`` only where the ``highway``
  value is not one osm4routing knows (tags are applied in file order, sorted by key, so
  ``highway=primary`` overrides ``foot=no``), and ``access=*`` is ignored. On POA that is
  1,641 more ways than our strict network (access=no/private service roads and bus
  corridors, foot=no carriageways, untagged outlines, buildings, proposed roads...).
* Graph nodes are only intersections and way ends; an edge runs along the way between
  two of them, its length is the haversine length on a 6,378,100 m sphere and its
  weight ``floor(length / 1.4)`` whole seconds (about half a second lost per edge).
* A point snaps to the nearest graph node measured in lon/lat *degrees*; its access and
  egress walks include ``ceil(haversine / 1.4)`` s for the snap, its walk-only trips do
  not. Points more than 1,200 s from a node are dropped (3 POA hexes).
* A stop snaps to the nearest graph node, not counted, if it is within
  ``max_transfer_time x 1.4`` m = 1,680 m (TRENSURB and EPTC stops outside the extract
  thus sit on boundary nodes at no walking cost); when several stops share a node only
  the last in stops.txt order is an access / egress stop (the others are reached by a
  0-s transfer). Transfer walks: node to node, <= 1,200 s.
* Routing: the origin boards only at its single nearest stop, *plus* the transfer walks
  from that stop (round 0), and the destination alights at its 10 nearest stops, also
  after a transfer walk. So an end walk can reach 2 x 20 min, and walk-only trips may
  chain access, a transfer and egress.

Since #17 the default follows R5's conventions (60-s boarding slack, transfer walks up to
min(1,000 m, the walk limit) to the closest stop of each pattern, no links to tunnels,
covered ways and motorways, walking islands under 40 vertices removed). ferrobus has no
boarding slack and keeps every transfer walk, so ``like-for-like`` and the chain after its
first step use ``board_slack_s=0`` and ``transfers="all"`` (the rules the like-for-like run
was set up with before #17). ``--conventions`` adds the engine as it was before #17
(``_conventions.py``) and the default with each convention reverted alone.

``--steps`` adds intermediate configurations between ``default`` and ``like-for-like``
and attributes each failing pair of ``default`` to the first step that fixes it. It also
runs two variants of ``default`` outside that chain: stops linked up to 500 m only, and
the previous model (points and stops snapped to the nearest street *node*, stops up to
500 m), for a same-run comparison.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _conventions import (  # noqa: E402
    SLACK_ONLY,
    TRANSFERS_ONLY,
    network_with_streets,
    old_routing,
    old_streets,
)
from _poa import load_hex_centroids, poa_paths  # noqa: E402
from bench_engine import DEPARTURE_S, _agreement, _study  # noqa: E402

from routes._crs import local_metric_crs, project_lonlat  # noqa: E402
from routes.cache import NetworkCache  # noqa: E402
from routes.config.study_area import RoutingParams, load_study_area
from routes.engine.raptor import compute_snapped_travel_times  # noqa: E402
from routes.engine.request import TravelTimeRequest  # noqa: E402
from routes.errors import RoutesWarning  # noqa: E402
from routes.network.transit import (
    STOP_LINK_RADIUS_M,
    StopLinks,
    TransitNetwork,
    build_network,
    compute_transfers,
)
from routes.streets.graph import StreetNetwork
from routes.streets.osm import load_street_network
from routes.streets.snapping import R5_ENDPOINT_SNAP_M, SnappedPoints, snap_points
from routes.timetable.timetable import Timetable

FERRO_SPEED = 1.4  # m/s, ferrobus's WALKING_SPEED
FERRO_MAX_WALK_S = 1200  # max_walking_time of the transit points
FERRO_MAX_TRANSFER_S = 1200  # max_transfer_time of the model
_R_OSM4ROUTING = 6_378_100.0  # sphere radius of osm4routing's edge lengths
_R_GEO = 6_371_008.8  # geo crate's Haversine (snap distances)
_O4R_FOOT_ALLOWED = frozenset({
    "cycleway", "path", "footway", "steps", "pedestrian", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road", "service", "track",
})  # fmt: skip
_O4R_FOOT_FORBIDDEN = frozenset(
    {"motorway", "motorway_link", "motorway_junction", "trunk", "trunk_link"}
)


# --------------------------------------------------------------------------- ferrobus walking


def _haversine_m(lon1, lat1, lon2, lat2, radius_m: float) -> NDArray[np.float64]:
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    a = np.sin((lat2 - lat1) / 2) ** 2
    a = a + np.sin((lon2 - lon1) / 2) ** 2 * np.cos(lat1) * np.cos(lat2)
    return radius_m * 2 * np.arctan2(np.sqrt(a), np.sqrt(1 - a))


def osm4routing_walkable(tags: list[tuple[str, str]]) -> bool:
    """ferrobus's way filter: osm4routing's foot accessibility is Allowed or Unknown.

    ``EdgeProperties::update_with_str`` is applied to the tags in file order (sorted by
    key in OSM extracts), so a later ``highway`` overrides an earlier ``foot``.
    """
    foot = "unknown"
    for key, value in tags:
        if key == "highway":
            if value in _O4R_FOOT_ALLOWED:
                foot = "allowed"
            elif value in _O4R_FOOT_FORBIDDEN:
                foot = "forbidden"
        elif key in ("foot", "pedestrian"):
            foot = "forbidden" if value == "no" else "allowed"
    return foot != "forbidden"


@dataclass(frozen=True)
class FerrobusWalk:
    """ferrobus's street graph as a StreetNetwork, plus what the comparison needs."""

    streets: StreetNetwork  # length_m = whole seconds x speed (see ferrobus_walk_network)
    n_ways_read: int
    n_ways_walkable: int


def ferrobus_walk_network(osm_pbf: Path, speed_m_s: float) -> FerrobusWalk:
    """Rebuild the street graph ferrobus 0.2.1 walks on, for our engine.

    Nodes are osm4routing's (way ends and nodes shared by two ways of the extract, any
    tags); edges follow the walkable ways between them (:func:`osm4routing_walkable`);
    only the largest connected component is kept. Each edge's ``length_m`` is
    ``floor(haversine length / 1.4) * speed_m_s``, so that our engine, which rounds a
    walk's total length / speed to whole seconds, reproduces ferrobus's sum of truncated
    edge seconds exactly. Parallel edges keep the shortest (ferrobus keeps the first).
    """
    import osmium
    import scipy.sparse
    from scipy.sparse.csgraph import connected_components

    coords: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], bool]] = []
    for obj in osmium.FileProcessor(str(osm_pbf), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            coords[obj.id] = (obj.location.lon, obj.location.lat)
        else:
            refs = [n.ref for n in obj.nodes]
            ways.append((refs, osm4routing_walkable([(t.k, t.v) for t in obj.tags])))
    uses: dict[int, int] = {}
    for refs, _ in ways:
        for i, ref in enumerate(refs):
            uses[ref] = uses.get(ref, 0) + (2 if i in (0, len(refs) - 1) else 1)
    edge_u, edge_v, edge_len = [], [], []
    for refs, walkable in ways:
        if not walkable or len(refs) < 2:
            continue
        start, geom = refs[0], [coords[refs[0]]]
        for ref in refs[1:]:
            geom.append(coords[ref])
            if uses[ref] > 1:
                g = np.asarray(geom)
                length = _haversine_m(g[:-1, 0], g[:-1, 1], g[1:, 0], g[1:, 1], _R_OSM4ROUTING)
                edge_u.append(start)
                edge_v.append(ref)
                edge_len.append(float(length.sum()))
                start, geom = ref, [coords[ref]]
    node_ids = np.array(sorted(r for r, c in uses.items() if c > 1), np.int64)
    u = np.searchsorted(node_ids, np.array(edge_u, np.int64))
    v = np.searchsorted(node_ids, np.array(edge_v, np.int64))
    secs = np.floor(np.array(edge_len) / FERRO_SPEED)
    ok = u != v
    u, v, secs = u[ok], v[ok], secs[ok]
    n = len(node_ids)
    adj = scipy.sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, labels = connected_components(adj, directed=False)
    keep = labels == np.argmax(np.bincount(labels))
    new = np.cumsum(keep) - 1
    ek = keep[u]
    u, v, secs = new[u[ek]], new[v[ek]], secs[ek]
    node_ids = node_ids[keep]
    lon = np.array([coords[r][0] for r in node_ids])
    lat = np.array([coords[r][1] for r in node_ids])
    rows, cols, w = np.r_[u, v], np.r_[v, u], np.r_[secs, secs]
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    rows, cols, w = rows[first], cols[first], w[first]
    n = len(node_ids)
    indptr = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    crs = local_metric_crs(lon.min(), lat.min(), lon.max(), lat.max())
    x, y = project_lonlat(lon, lat, crs)
    streets = StreetNetwork(
        crs=crs, node_osm_ids=node_ids, node_lon=lon, node_lat=lat, node_x_m=x, node_y_m=y,
        indptr=indptr, indices=cols.astype(np.int32), length_m=w * speed_m_s,
    )
    return FerrobusWalk(streets, len(ways), sum(w for _, w in ways))


def ferrobus_snap(
    streets: StreetNetwork, lon, lat
) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
    """Nearest node in lon/lat degrees (ferrobus's R-tree) and the haversine distance, m."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([streets.node_lon, streets.node_lat]))
    _, node = tree.query(np.column_stack([lon, lat]))
    dist = _haversine_m(lon, lat, streets.node_lon[node], streets.node_lat[node], _R_GEO)
    return node.astype(np.int32), dist


# --------------------------------------------------------------------------- our side


def _stop_links(
    streets: StreetNetwork, stops: SnappedPoints, max_transfer_m: float, radius_m: float
) -> StopLinks:
    """Stop links for given stop links (as routes.network.transit.build_stop_links makes them)."""
    return StopLinks(stops, compute_transfers(streets, stops, max_transfer_m), max_transfer_m,
                     radius_m)


@dataclass(frozen=True)
class Config:
    name: str
    network: TransitNetwork
    points: SnappedPoints
    routing: RoutingParams
    in_chain: bool = True  # a cumulative step from default towards like-for-like


def _our_points(streets: StreetNetwork, lon, lat, max_snap_m: float,
                walked: bool = True) -> SnappedPoints:
    """Our linking of the hexes (nearest street segment), the off-street part walked or not."""
    points = snap_points(streets, lon, lat, max_snap_m=max_snap_m)
    return points if walked else points.with_offstreet_m(0.0)


def _our_stops(streets: StreetNetwork, tt: Timetable, radius_m: float,
               walked: bool = True) -> SnappedPoints:
    """Our linking of the stops (R5's, with its 5-m reuse of segment ends)."""
    stops = snap_points(streets, tt.stop_lon, tt.stop_lat, max_snap_m=radius_m,
                        endpoint_snap_m=R5_ENDPOINT_SNAP_M)
    return stops if walked else stops.with_offstreet_m(0.0)


def _node_links(streets: StreetNetwork, lon, lat, max_snap_m: float) -> SnappedPoints:
    """The previous model: the nearest street *node*, the straight line to it walked."""
    from scipy.spatial import cKDTree

    x, y = project_lonlat(np.asarray(lon, np.float64), np.asarray(lat, np.float64), streets.crs)
    tree = cKDTree(np.column_stack([streets.node_x_m, streets.node_y_m]))
    dist, node = tree.query(np.column_stack([x, y]), distance_upper_bound=max_snap_m)
    ok = np.isfinite(dist)
    return SnappedPoints.at_nodes(np.where(ok, node, -1), np.where(ok, dist, 0.0))


def build_configs(work: Path, steps: bool,
                  conventions: bool = False) -> tuple[list[Config], Timetable]:
    """The configurations to compare, in order from ``default`` to ``like-for-like``."""
    study = load_study_area(_study(work))
    base = build_network(study, cache=NetworkCache(work / "cache"))
    tt = base.timetable
    hexes = load_hex_centroids()
    lon, lat = hexes["lon"].to_numpy(), hexes["lat"].to_numpy()
    routing = study.routing
    speed = routing.walk_speed_m_s
    ferro_rules = old_routing(routing, **SLACK_ONLY, transfers="all")
    r20 = dataclasses.replace(ferro_rules, max_transfer_walk_min=FERRO_MAX_TRANSFER_S / 60)
    tr10_m = base.links.max_transfer_m
    tr20_m = FERRO_MAX_TRANSFER_S * speed
    points = _our_points(base.streets, lon, lat, routing.max_snap_m)
    configs = [Config("default", base, points, routing)]
    if conventions:
        streets = old_streets(study.osm_path)
        old_net = network_with_streets(base, streets, routing)
        old_points = _our_points(streets, lon, lat, routing.max_snap_m)
        configs += [
            Config("(conventions) before #17: no slack, all transfers <= 10 min, old streets",
                   old_net, old_points, old_routing(routing), in_chain=False),
            Config("(conventions) default but board_slack_s=0", base, points,
                   old_routing(routing, **SLACK_ONLY), in_chain=False),
            Config("(conventions) default but every transfer walk <= 10 min", base, points,
                   old_routing(routing, **TRANSFERS_ONLY), in_chain=False),
            Config("(conventions) default but old streets (all linkable, largest component)",
                   old_net, old_points, routing, in_chain=False),
        ]
    if steps:
        s = base.streets
        # Variants of the default, outside the chain: the link radius of stops, and the
        # previous model (nearest node), for a same-run comparison.
        links = _stop_links(s, _our_stops(s, tt, routing.max_snap_m), tr10_m, routing.max_snap_m)
        configs.append(Config("(variant) stops linked up to 500 m only",
                              TransitNetwork(s, tt, links), points, routing, in_chain=False))
        stops = _node_links(s, tt.stop_lon, tt.stop_lat, routing.max_snap_m)
        links = _stop_links(s, stops, tr10_m, routing.max_snap_m)
        configs.append(Config("(variant) previous model: nearest node, stops <= 500 m",
                              TransitNetwork(s, tt, links),
                              _node_links(s, lon, lat, routing.max_snap_m), routing,
                              in_chain=False))
        links = _stop_links(s, base.links.stops, tr20_m, STOP_LINK_RADIUS_M)
        configs.append(Config("+ no boarding slack, every transfer walk", base, points,
                              ferro_rules))
        configs.append(Config("+ transfers <= 20 min", TransitNetwork(s, tt, links), points, r20))
        s = load_street_network(study.osm_path, walk_access="permissive")
        pp = _our_points(s, lon, lat, routing.max_snap_m)
        links = _stop_links(s, _our_stops(s, tt, STOP_LINK_RADIUS_M), tr20_m, STOP_LINK_RADIUS_M)
        configs.append(Config("+ walk_access='permissive'", TransitNetwork(s, tt, links), pp, r20))
        links = _stop_links(s, _our_stops(s, tt, STOP_LINK_RADIUS_M, walked=False), tr20_m,
                            STOP_LINK_RADIUS_M)
        configs.append(Config("+ stop link not walked", TransitNetwork(s, tt, links), pp, r20))
        ferro_radius_m = FERRO_MAX_TRANSFER_S * FERRO_SPEED
        links = _stop_links(s, _our_stops(s, tt, ferro_radius_m, walked=False), tr20_m,
                            ferro_radius_m)
        net = TransitNetwork(s, tt, links)
        configs.append(Config("+ stops up to 1,680 m from a street", net, pp, r20))
        configs.append(Config("+ point link not walked", net, pp.with_offstreet_m(0.0), r20))
    fw = ferrobus_walk_network(study.osm_path, speed)
    s = fw.streets
    pn, pd = ferrobus_snap(s, lon, lat)
    psec = np.ceil(pd / FERRO_SPEED)
    ok = psec <= FERRO_MAX_WALK_S
    fpoints = SnappedPoints.at_nodes(np.where(ok, pn, -1), np.where(ok, psec * speed, 0.0))
    sn, sd = ferrobus_snap(s, tt.stop_lon, tt.stop_lat)
    fstops = SnappedPoints.at_nodes(np.where(sd <= FERRO_MAX_TRANSFER_S * FERRO_SPEED, sn, -1))
    links = _stop_links(s, fstops, tr20_m, FERRO_MAX_TRANSFER_S * FERRO_SPEED)
    configs.append(Config("like-for-like", TransitNetwork(s, tt, links), fpoints, r20))
    print(f"ferrobus walk graph: {fw.n_ways_walkable:,} of {fw.n_ways_read:,} ways, "
          f"{s.n_nodes:,} nodes, {s.n_edges // 2:,} edges; "
          f"points kept {int(fpoints.snapped.sum())}, stops snapped "
          f"{int(fstops.snapped.sum()):,} (ours: {int(base.links.linked.sum()):,} linked within "
          f"{STOP_LINK_RADIUS_M:,.0f} m)")
    return configs, tt


def run(config: Config, **routing_changes) -> NDArray[np.float64]:
    """Our 14:00 matrix for a configuration, minutes (NaN unreachable)."""
    routing = dataclasses.replace(config.routing, **routing_changes)
    request = TravelTimeRequest.from_routing(routing, departure_s=DEPARTURE_S, window_min=1,
                                             percentiles=(50,))
    return compute_snapped_travel_times(config.network, config.points, config.points,
                                        request)[:, 0, :]


# --------------------------------------------------------------------------- ferrobus side


def ferrobus_matrices(
    work: Path, ferro_path: Path | None
) -> tuple[NDArray, NDArray | None, object]:
    """ferrobus's 14:00 matrix with 3 rides and its walk-only matrix (0 rides), seconds."""
    if ferro_path is not None:
        return np.load(ferro_path), None, None
    import ferrobus  # noqa: F401  (benchmark-only dependency)
    from _ferrobus_peer import (
        build_model,
        ferrobus_matrix,
        make_points,
        prepare_gtfs_for_ferrobus,
    )

    p = poa_paths()
    dirs = [prepare_gtfs_for_ferrobus(z, work / "ferrobus_gtfs") for z in p.gtfs_zips]
    model = build_model(p.osm_pbf, dirs, FERRO_MAX_TRANSFER_S, dt.date(2019, 5, 13))
    hexes = load_hex_centroids()
    pts = make_points(model, hexes["lon"], hexes["lat"], FERRO_MAX_WALK_S, 10)
    m3 = ferrobus_matrix(model, None, None, DEPARTURE_S, 3, points=pts)
    m0 = ferrobus_matrix(model, None, None, DEPARTURE_S, 0, points=pts)
    return m3, m0, (model, pts)


def _fails(ours_min: NDArray, ferro_s: NDArray) -> NDArray[np.bool_]:
    n = len(ours_min)
    judged = ~np.eye(n, dtype=bool) & ~np.isnan(ferro_s)
    return judged & (np.isnan(ours_min) | (np.rint(ours_min * 60) - ferro_s > 60))


# --------------------------------------------------------------------------- main


def _print_agreement(name: str, ours_min: NDArray, ferro_s: NDArray) -> None:
    print(f"\n{name}:")
    for key, value in _agreement(ours_min, ferro_s).items():
        print(f"  {key:<42} {value:,.4f}")


def _print_convention_changes(results: dict[str, NDArray]) -> None:
    """How far each (conventions) configuration's matrix is from the default's."""
    default = results["default"]
    off = ~np.eye(len(default), dtype=bool)
    print("\ndefault minus each (conventions) configuration, 14:00:")
    for name, m in results.items():
        if not name.startswith("(conventions)"):
            continue
        both = off & ~np.isnan(default) & ~np.isnan(m)
        d = (default - m)[both]
        print(f"  {name}\n    both reach {int(both.sum()):,}; only it "
              f"{int((off & np.isnan(default) & ~np.isnan(m)).sum()):,}; only default "
              f"{int((off & ~np.isnan(default) & np.isnan(m)).sum()):,}; median {np.median(d):+.2f}"
              f" min, mean {d.mean():+.3f} min, |d| > 1 min {np.mean(np.abs(d) > 1):.2%}, "
              f"> 5 min {np.mean(np.abs(d) > 5):.2%}, default slower {np.mean(d > 0):.1%}, "
              f"faster {np.mean(d < 0):.1%}")


def _journey_summary(handle, i: int, j: int) -> str:
    """ferrobus's detailed journey for a pair (it alights at the single nearest stop)."""
    import json

    import ferrobus

    model, pts = handle
    idx = np.cumsum(pts.valid) - 1
    a, b = pts.points[idx[i]], pts.points[idx[j]]
    text = ferrobus.detailed_journey(model, a, b, DEPARTURE_S, 3)
    if not text:
        return "no journey"
    legs = []
    for f in json.loads(text)["features"]:
        q = f["properties"]
        kind = q.get("leg_type")
        if kind == "transit":
            legs.append(f"{q['route_id']} {q['from_name']}->{q['to_name']} {q['duration']}s")
        elif kind == "waiting":
            legs.append(f"wait {q['duration']}s")
        else:
            legs.append(f"{kind} {q.get('from_name') or 'pt'}->{q.get('to_name') or 'pt'} "
                        f"{q['duration']}s")
    return "; ".join(legs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", action="store_true",
                        help="also run the intermediate configurations and attribute failures")
    parser.add_argument("--examples", type=int, default=0,
                        help="print this many of the largest remaining differences")
    parser.add_argument("--work", type=Path, default=None, help="folder for caches")
    parser.add_argument("--conventions", action="store_true",
                        help="also run the engine as before R5's conventions (#17) and the "
                             "default with each convention reverted alone")
    parser.add_argument("--ferrobus-matrix", type=Path, default=None,
                        help="a saved ferrobus 14:00 matrix (.npy, seconds) instead of ferrobus")
    parser.add_argument("--save", type=Path, default=None,
                        help="folder to save ferrobus's (seconds) and each configuration's "
                             "(minutes) 14:00 matrices in, as .npy")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RoutesWarning)
    work = args.work or Path(tempfile.mkdtemp(prefix="agreement-ferrobus-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ferro, walk_only, handle = ferrobus_matrices(work, args.ferrobus_matrix)
    ferro = np.where(ferro <= 7200, ferro, np.nan)  # ferrobus has no trip-length cutoff
    configs, _ = build_configs(work, args.steps, args.conventions)
    results = {c.name: run(c) for c in configs}
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        np.save(args.save / "ferrobus_s.npy", ferro)
        for i, m in enumerate(results.values()):
            np.save(args.save / f"ours_{i}_min.npy", m)
    for name, m in results.items():
        _print_agreement(name, m, ferro)
    if args.conventions:
        _print_convention_changes(results)

    default_fails = _fails(results["default"], ferro)
    label = np.full(default_fails.shape, "", dtype=object)
    ours_dropped = ~configs[0].points.snapped
    dropped_pairs = ~np.isnan(ferro) & (ours_dropped[:, None] | ours_dropped[None, :])
    dropped_pairs &= ~np.eye(len(ferro), dtype=bool)
    print(f"\ndefault: {int(ours_dropped.sum())} hexes are more than "
          f"{configs[0].routing.max_snap_m:.0f} m from our street network and dropped "
          f"(ferrobus drops {configs[-1].points.n_dropped}): {int(dropped_pairs.sum()):,} "
          "of the pairs only ferrobus reaches")
    if args.steps:
        print(f"\ndefault's {int(default_fails.sum()):,} failing pairs, by the first step that "
              "fixes them (cumulative):")
        left = default_fails.copy()
        chain = [c.name for c in configs[1:] if c.in_chain]
        for name in chain:
            m = results[name]
            fixed = left & ~_fails(m, ferro)
            label[fixed] = name
            print(f"  {name:<42} {int(fixed.sum()):>8,}  {fixed.sum() / default_fails.sum():6.1%}")
            left &= ~fixed
        label[left] = "still failing like-for-like"
        print(f"  {'still failing like-for-like':<42} {int(left.sum()):>8,}  "
              f"{left.sum() / default_fails.sum():6.1%}")

    like = configs[-1]
    ll = results["like-for-like"]
    ll_fails = _fails(ll, ferro)
    long_ends = ll_fails & (np.rint(run(like, max_walk_min=40) * 60) - ferro <= 60)
    ll_label = np.full(ll_fails.shape, "", dtype=object)
    ll_label[long_ends] = "ferrobus walks > 20 min at an end"
    print(f"\nlike-for-like: {int(ll_fails.sum()):,} failing pairs, of which")
    print(f"  ferrobus walks > 20 min at an end (ours matches it with 40-min ends): "
          f"{int(long_ends.sum()):,}")
    rest = ll_fails & ~long_ends
    if walk_only is not None:
        wo = rest & (np.abs(ferro - walk_only) < 0.5)
        ll_label[wo] = "walk-only, ferrobus leaves out the point-to-street walk"
        print(f"  walk-only in ferrobus, which leaves out the walk from the points to the "
              f"street: {int(wo.sum()):,}")
        rest &= ~wo
    ll_label[rest] = "other"
    print(f"  other: {int(rest.sum()):,}")
    judged = (~np.eye(len(ll), dtype=bool) & ~np.isnan(ferro)).sum()
    share = 1 - (ll_fails & ~long_ends).sum() / (judged - long_ends.sum())
    print(f"  share no slower than ferrobus + 1 min among the pairs whose ferrobus journey "
          f"keeps <= 20 min walking at each end: {share:.4f}")
    if walk_only is not None:
        excl = long_ends | (ll_label == "walk-only, ferrobus leaves out the point-to-street walk")
        share = 1 - (ll_fails & ~excl).sum() / (judged - excl.sum())
        print(f"  ... and leaving out the walk-only pairs too: {share:.4f}")

    if args.examples:
        for name, m, fl, lab in (("default", results["default"], default_fails, label),
                                 ("like-for-like", ll, ll_fails, ll_label)):
            ours_s = np.rint(m * 60)
            d = np.where(fl & ~np.isnan(ours_s), ours_s - ferro, -np.inf)
            print(f"\nlargest differences (both reach), {name}:")
            for cls in [None] if name == "default" and not args.steps else sorted(set(lab[fl])):
                sel = d if cls is None else np.where(lab == cls, d, -np.inf)
                top = np.argsort(sel, axis=None)[::-1][: args.examples]
                if cls is not None:
                    print(f"  [{cls}]")
                for k in top:
                    i, j = divmod(int(k), len(m))
                    if not np.isfinite(sel[i, j]):
                        break
                    line = (f"    {i:>4} -> {j:<4} ours {m[i, j]:6.1f} min  "
                            f"ferrobus {ferro[i, j] / 60:6.1f} min")
                    if handle is not None:
                        line += f"\n          ferrobus: {_journey_summary(handle, i, j)}"
                    print(line)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
