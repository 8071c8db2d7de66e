"""The existing bus network as lines, for maps: one line per GTFS route.

Each route is drawn along the stops of its trip with the most stops (of the
service date), straight from stop to stop: enough to see where a route runs
on a town map without ``shapes.txt``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from routes.network.transit import TransitNetwork

__all__ = ["compute_route_lines"]


def compute_route_lines(network: TransitNetwork) -> gpd.GeoDataFrame:
    """One line per route of the network's feeds, through the stops of its longest trip.

    Parameters
    ----------
    network
        The baseline network (its feeds' trips of the service date).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, indexed by the namespaced route id
        (``"<feed>:<route_id>"``, as proposals' modifications name routes),
        with ``feed``, ``short_name``, ``route_type`` and ``geometry`` (a line).
        Routes with no trip of two stops or more are left out.
    """
    rows: list[dict[str, object]] = []
    for feed in network.feeds:
        trips = feed.trips
        n_stops = np.diff(trips.stop_ptr)
        for r, route_id in enumerate(trips.route_ids):
            mine = np.flatnonzero(trips.route == r)
            if mine.size == 0:
                continue
            t = int(mine[np.argmax(n_stops[mine])])
            stops = trips.stops[trips.stop_ptr[t]:trips.stop_ptr[t + 1]]
            if stops.size < 2:
                continue
            coords = np.column_stack([feed.stop_lon[stops], feed.stop_lat[stops]])
            rows.append({"route_id": f"{feed.name}:{route_id}", "feed": feed.name,
                         "short_name": str(trips.route_short_names[r]),
                         "route_type": int(feed.route_types[r]) if r < len(feed.route_types)
                         else 3,
                         "geometry": shapely.LineString(coords)})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else \
        gpd.GeoDataFrame({"route_id": [], "feed": [], "short_name": [], "route_type": []},
                         geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return frame.set_index("route_id")
