"""``routes check``: validate a study area and report on its data."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from routes.cache import NetworkCache
from routes.config.study_area import RoutingParams, StudyArea
from routes.inputs.points import load_layer, points_from_layer
from routes.network.coverage import check_point_coverage
from routes.network.transit import build_network, compute_stop_usage
from routes.streets.snapping import snap_points
from routes.timetable.diagnosis import DOCTOR_RULES, DoctorRules, FeedDiagnosis
from routes.timetable.timetable import FeedSummary, compute_timetable_stats, describe_feeds

__all__ = ["DataReport", "LayerSnapping", "compute_data_report"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LayerSnapping:
    """How one points layer snaps to the street network.

    Attributes
    ----------
    name
        Layer name (``zones`` or a destination layer).
    n_features
        Features in the file.
    n_snapped
        Features within the snapping limit of a street.
    median_snap_m
        Median distance to the street network of the snapped features, metres.
    """

    name: str
    n_features: int
    n_snapped: int
    median_snap_m: float


@dataclass(frozen=True, slots=True)
class DataReport:
    """What ``routes check`` found.

    Attributes
    ----------
    study
        The validated study area.
    feeds
        Each feed's service date range and size.
    feed_stats
        Per feed, what runs on the service date (see
        :func:`routes.timetable.timetable.compute_timetable_stats`).
    n_nodes, n_edges
        Size of the walk graph (edges counted in both directions).
    street_crs
        The local metric CRS of the walk graph.
    n_stops_served, n_stops_served_snapped
        Stops called at on the date, and how many of them are linked to a street.
    n_trips, n_trips_unusable
        Trips on the date, and how many of them call at fewer than two linked
        stops (nobody can board and alight on them).
    stop_link_radius_m
        Farthest a stop may be from a street to be linked, metres.
    n_transfers
        Transfer walks between stops.
    layers
        Snapping of zones and destination layers.
    feed_diagnoses
        What the feed doctor found in each feed on the date (see
        :mod:`routes.timetable.doctor`).
    """

    study: StudyArea
    feeds: list[FeedSummary]
    feed_stats: pd.DataFrame
    n_nodes: int
    n_edges: int
    street_crs: str
    n_stops_served: int
    n_stops_served_snapped: int
    stop_link_radius_m: float
    n_transfers: int
    layers: list[LayerSnapping] = field(default_factory=list)
    feed_diagnoses: tuple[FeedDiagnosis, ...] = ()
    n_trips: int = 0
    n_trips_unusable: int = 0

    def render(self, warnings: list[str] | None = None) -> str:
        """Render the report as plain text, one fact per line."""
        s = self.study
        lines = [
            f"study area: {s.name}  ({s.config_path})",
            f"service date: {s.service_date.isoformat()} ({s.service_date:%A})",
            "",
            "GTFS feeds:",
        ]
        stats = self.feed_stats.set_index("feed_name")
        for f in self.feeds:
            span = (f"{f.start_date} to {f.end_date}" if f.start_date else "no service dates")
            row = stats.loc[f.name] if f.name in stats.index else None
            lines.append(f"  {f.name}: {f.path.name}, service {span}; "
                         f"{f.n_routes:,} routes, {f.n_trips:,} trips, {f.n_stops:,} stops in all")
            if row is not None:
                n_earlier = int(row.n_trips_previous_day)
                earlier = f" (+{n_earlier:,} from the day before)" if n_earlier else ""
                lines.append(
                    f"    on {s.service_date}: {int(row.n_trips) - n_earlier:,} trips{earlier} on "
                    f"{int(row.n_routes):,} routes ({int(row.n_patterns):,} patterns), "
                    f"{int(row.n_stops):,} stops served"
                )
            if f.n_stop_times_unknown_trip:
                lines.append(f"    stop_times.txt rows whose trip_id is not in trips.txt (left "
                             f"out): {f.n_stop_times_unknown_trip:,}")
        if self.feed_diagnoses:
            lines += ["", "feed doctor (duplicate and superseded trips, times past 24:00, "
                          "shapes, whole-minute times):"]
            lines += [f"  {d.describe()}" for d in self.feed_diagnoses]
        lines += [
            "",
            f"street network: {self.n_nodes:,} nodes, {self.n_edges // 2:,} street segments "
            f"({self.street_crs}), from {s.osm_path.name}",
            f"stops served on the date: {self.n_stops_served:,}; linked to the street network "
            f"within {self.stop_link_radius_m:,.0f} m: {self.n_stops_served_snapped:,}; outside "
            "it: "
            f"{self.n_stops_served - self.n_stops_served_snapped:,}",
            f"trips on the date that call at fewer than two linked stops (unusable): "
            f"{self.n_trips_unusable:,} of {self.n_trips:,}",
            f"transfer walks between stops ({_transfer_limit(s.routing)}): {self.n_transfers:,}",
        ]
        for layer in self.layers:
            lines.append(
                f"{layer.name}: {layer.n_features:,} features, {layer.n_snapped:,} snapped "
                f"(median {layer.median_snap_m:.0f} m from a street), "
                f"{layer.n_features - layer.n_snapped:,} dropped"
            )
        lines.append("")
        if warnings:
            lines.append(f"warnings ({len(warnings)}):")
            lines += [f"  - {w}" for w in warnings]
        else:
            lines.append("no warnings")
        return "\n".join(lines)


def compute_data_report(
    study: StudyArea, *, cache: NetworkCache | None = None, allow_feed_errors: bool = False,
    allow_data_loss: bool = False, feed_doctor: DoctorRules = DOCTOR_RULES,
) -> DataReport:
    """Load every input of a study area and report on it.

    Parameters
    ----------
    study
        The study area.
    cache
        Network cache (default folder when ``None``).
    allow_feed_errors
        Drop malformed GTFS trips with a warning instead of failing.
    allow_data_loss
        Report, with warnings, instead of failing when most of the transit
        network, the zones or a destination layer is off the street network.
    feed_doctor
        The feed doctor's rules (as for :func:`routes.network.transit.build_network`).

    Returns
    -------
    DataReport
        Feeds, timetable, street network and snapping figures.

    Raises
    ------
    InputError
        If any input cannot be read.
    DataLossError
        When most of the transit network, the zones or a destination layer
        is off the street network (see :mod:`routes.network.coverage`), unless
        ``allow_data_loss``.

    Warns
    -----
    RoutesWarning
        For feeds without service on the date, unsnapped stops, zones and
        destinations, stop times of unknown trips, and so on.
    """
    feeds = describe_feeds(study.gtfs_paths, allow_feed_errors=allow_feed_errors)
    network = build_network(study, cache=cache, allow_feed_errors=allow_feed_errors,
                            allow_data_loss=allow_data_loss, feed_doctor=feed_doctor)
    usage = compute_stop_usage(network.timetable, network.links)
    layers = []
    sources = []
    if study.zones is not None:
        zone_points = study.zones.centroids_path or study.zones.path
        sources.append(("zones", zone_points, study.zones.id_column))
    sources += [(d.name, d.path, d.id_column) for d in study.destinations if d.path is not None]
    for name, path, id_column in sources:
        points = points_from_layer(load_layer(path, id_column=id_column))
        what = "zones" if name == "zones" else f"points of destination layer {name!r}"
        check_point_coverage(network.streets, points, study.routing.max_snap_m, what=what,
                             source=path.name, allow_data_loss=allow_data_loss,
                             index=network.edge_index)
        snapped = snap_points(network.streets, points.lon, points.lat,
                              max_snap_m=study.routing.max_snap_m, index=network.edge_index)
        ok = snapped.snapped
        median = float(np.median(snapped.offstreet_m[ok])) if ok.any() else float("nan")
        layers.append(LayerSnapping(name, len(points), int(ok.sum()), median))
    return DataReport(
        study=study,
        feeds=feeds,
        feed_stats=compute_timetable_stats(network.timetable),
        n_nodes=network.streets.n_nodes,
        n_edges=network.streets.n_edges,
        street_crs=network.streets.crs,
        n_stops_served=usage.n_stops_served,
        n_stops_served_snapped=usage.n_stops_served_linked,
        stop_link_radius_m=network.links.link_radius_m,
        n_transfers=len(network.links.transfers.target),
        layers=layers,
        feed_diagnoses=network.timetable.feed_diagnoses,
        n_trips=usage.n_trips,
        n_trips_unusable=usage.n_trips_unusable,
    )


def _transfer_limit(routing: RoutingParams) -> str:
    """How far transfer walks reach, for the report."""
    if routing.max_transfer_walk_min is None:
        return (f"R5's rule: up to {routing.max_transfer_m:,.0f} m and "
                f"{routing.max_walk_min:g} min")
    return f"up to {routing.max_transfer_walk_min:g} min"
