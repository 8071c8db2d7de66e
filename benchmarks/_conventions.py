"""The built-in engine before and after it took R5's conventions (#17), for same-run benchmarks.

"After" is the default model. "Before" restores, in one process, what the engine did
until 2026-12-07:

* routing: no boarding slack (``board_slack_s=0``; the old rule was ``departure >= ready``,
  this one is ``departure > ready``, one second stricter), every transfer walk kept
  (``transfers="all"``) up to 10 minutes (``max_transfer_walk_min=10``) instead of R5's
  min(1,000 m, the walk limit) to the closest stop of each pattern, and frequency trips
  on a fixed phase (``frequency_phase="fixed"``; POA has no frequencies.txt, so this one
  changes nothing there);
* streets: every walkable segment linkable (no exclusion of ``tunnel=yes``,
  ``covered=yes``, ``highway=motorway``) and only the largest walking component kept
  (instead of dropping the components of fewer than 40 R5 vertices). The street reader
  has no switch for these, so :func:`old_streets` swaps two private helpers of
  ``routes.streets.osm`` while it reads the extract (benchmark-only).

``pickup_type`` / ``drop_off_type`` are not reverted: POA's feeds leave them empty
(EPTC has no such columns, TRENSURB's are blank), so they change nothing there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import routes.streets.osm as osm_reader
from routes.config.parameters import RoutingParams
from routes.network.transit import TransitNetwork, build_stop_links
from routes.streets.graph import StreetNetwork
from routes.streets.osm import load_street_network

OLD_ROUTING = {"board_slack_s": 0, "transfers": "all", "max_transfer_walk_min": 10.0,
               "frequency_phase": "fixed"}
"""The routing settings of the engine before #17 (as far as the new engine can express them)."""

SLACK_ONLY = {"board_slack_s": 0}
TRANSFERS_ONLY = {"transfers": "all", "max_transfer_walk_min": 10.0}


def old_routing(routing: RoutingParams, **changes: object) -> RoutingParams:
    """``routing`` with the settings of :data:`OLD_ROUTING` (or only ``changes``)."""
    return dataclasses.replace(routing, **(changes or OLD_ROUTING))  # type: ignore[arg-type]


def _largest_component_only(n_nodes, edge_a, edge_b, r5_vertex):
    """The old island rule: keep the connected component with the most nodes."""
    import scipy.sparse
    from scipy.sparse.csgraph import connected_components

    graph = scipy.sparse.coo_matrix(
        (np.ones(len(edge_a), dtype=np.int8), (edge_a, edge_b)), shape=(n_nodes, n_nodes)
    ).tocsr()
    n_components, labels = connected_components(graph, directed=False)
    largest = np.bincount(labels, minlength=n_components).argmax()
    return labels == largest, int(n_components), 1


@contextmanager
def _old_street_rules() -> Iterator[None]:
    saved = osm_reader._walking_islands, osm_reader._is_linkable
    osm_reader._walking_islands = _largest_component_only
    osm_reader._is_linkable = lambda highway, tunnel, covered: True
    try:
        yield
    finally:
        osm_reader._walking_islands, osm_reader._is_linkable = saved


def old_streets(osm_path: Path, walk_access: str = "strict") -> StreetNetwork:
    """The street network as read before #17: every segment linkable, largest component only."""
    with _old_street_rules():
        return load_street_network(osm_path, walk_access=walk_access)


def network_with_streets(base: TransitNetwork, streets: StreetNetwork,
                         routing: RoutingParams) -> TransitNetwork:
    """``base``'s timetable on other streets (stops linked and transfers found again)."""
    links = build_stop_links(streets, base.timetable, routing)
    return TransitNetwork(streets, base.timetable, links, digest=f"{base.digest}-old-streets")


def describe_streets(new: StreetNetwork, old: StreetNetwork) -> str:
    """One line: nodes kept and linkable segments, new vs old."""
    linkable = int(new.edge_linkable.sum()) if new.edge_linkable is not None else new.n_edges
    return (f"streets: R5's rules {new.n_nodes:,} nodes ({linkable:,} of {new.n_edges:,} "
            f"directed edges linkable); old rules {old.n_nodes:,} nodes (all linkable)")
