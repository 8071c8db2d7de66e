"""The bundled demo study area: "Demo Town", a synthetic town for ``routes demo``.

:func:`write_demo_study_area` writes a small but realistic study area that every
command runs on out of the box:

==================================  =================================================
file                                content
==================================  =================================================
``routes.toml``                     the study area (service date Tuesday 2026-03-10)
``routes_fares.toml``               the same with bus fares (``[fares] single = 3.00``):
                                    ``routes --config routes_fares.toml evaluate ...``
                                    adds fare-limited access (``*_fare300p`` columns)
``osm/demo_town.osm``               OSM XML street network: a jittered grid, denser in
                                    the centre, radial and diagonal A-roads, an inner
                                    ring road, cul-de-sacs, footpaths and a park, cut
                                    north to south by a river with three road bridges
                                    and one footbridge
``gtfs/demo_town.zip``              GTFS feed: six bus routes radiating from the town
                                    centre bus station, Monday to Friday and Saturday
                                    timetables for 2026, peak and off-peak headways
``zones/neighbourhoods.geojson``    30 neighbourhoods (LSOA-like polygons) with
                                    population, IMD decile and five community groups
``zones/workplaces.geojson``        15 employment zones (points) with job counts
``zones/community_spaces.geojson``  25 community spaces (points) by category; the 18
                                    that are not places of worship count as shared
                                    (``[scoring].shared_space_categories``)
``examples/*.geojson``              three proposals of new routes of different
                                    strength, one cut (route 6 withdrawn) and one
                                    of fares alone (a Hopper ticket, no new buses)
==================================  =================================================

Everything is invented, placed near Blackburn, Lancashire (lon -2.48, lat 53.75)
only so that the coordinates and the UTM zone look like those of a real English
town. The most deprived neighbourhoods lie east of the river and are mostly of one
community group, the town centre, the jobs and most community spaces west of it.

The output is deterministic: one fixed seed drives Python's Mersenne Twister
(whose ``random()`` stream is stable across Python versions), the street network
and timetable are built in plain Python (shapely only cuts the neighbourhood
polygons), coordinates are rounded to fixed decimals, and the GTFS zip entries
carry a fixed date. Writing twice gives byte-identical files. The street network
is OSM XML rather than PBF so that its bytes do not depend on the libosmium
version either (and so that it diffs in review); it is about 380 kB.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from routes.config.study_area import DEFAULT_PARAMETERS_TOML
from routes.demo.geojson import PROPOSAL_FILES, _render_points, _render_proposals, _render_zones
from routes.demo.gtfs import _build_bus_line, _render_gtfs
from routes.demo.osm import _render_osm
from routes.demo.town import _build_town, _place_near, _Rng
from routes.demo.zones import _build_zones
from routes.errors import OutputExistsError
from routes.io import write_bytes

__all__ = ["DEMO_SEED", "DemoFiles", "write_demo_study_area"]

logger = logging.getLogger(__name__)

DEMO_SEED = 20260310
"""Seed of the random numbers that shape Demo Town."""

CONFIG_FILE = "routes.toml"
FARES_CONFIG_FILE = "routes_fares.toml"
GTFS_FILE = "gtfs/demo_town.zip"
OSM_FILE = "osm/demo_town.osm"
ZONES_FILE = "zones/neighbourhoods.geojson"
WORKPLACES_FILE = "zones/workplaces.geojson"
SPACES_FILE = "zones/community_spaces.geojson"

# (id, short name, long name, arm, terminus, peak headway, off-peak headway, colour)
_BUS_ROUTES = (
    ("1", "1", "Bus Station - Eastfield", "E", "Eastfield", 10, 15, "C8102E"),
    ("2", "2", "Bus Station - Hospital - Northwood", "NW", "Northwood", 12, 20, "0072CE"),
    ("3", "3", "Bus Station - Southgate Industrial Estate", "SW", "Southgate", 15, 20, "F1B434"),
    ("4", "4", "Bus Station - Westbrook", "W", "Westbrook", 12, 20, "00A651"),
    ("5", "5", "Bus Station - Retail Park - Southfield", "S", "Southfield", 15, 30, "8E44AD"),
    ("6", "6", "Bus Station - Northgate", "NE", "Northgate", 12, 20, "E67E22"),
)
# Employment zones: (id, name, x, y, jobs).
_WORKPLACES = (
    ("W01", "Town Centre offices", -150, 150, 3200),
    ("W02", "Town Centre shops and market", 120, -180, 2400),
    ("W03", "Town Hall and council offices", -300, 320, 1100),
    ("W04", "Demo Town General Hospital", -1600, 1600, 3400),
    ("W05", "Southgate Industrial Estate (north)", -1750, -1650, 2100),
    ("W06", "Southgate Industrial Estate (south)", -2250, -2100, 1900),
    ("W07", "Riverside Retail Park", 150, -2250, 1200),
    ("W08", "Moor Lane Business Park", -2800, 900, 1300),
    ("W09", "Demo Town College", -500, 800, 700),
    ("W10", "Eastfield Mills workshops", 1500, 250, 600),
    ("W11", "Eastgate supermarket", 2300, -500, 350),
    ("W12", "Northgate distribution centre", 2300, 1900, 900),
    ("W13", "Westbrook schools", -2000, -300, 250),
    ("W14", "Southfield leisure centre and schools", -600, -1300, 300),
    ("W15", "Council depot and works yard", -1100, -2350, 250),
)
# Shared community spaces: (id, name, category, x, y).
_SPACES = (
    ("CS01", "Central Library", "library", -80, 220),
    ("CS02", "Eastfield Library", "library", 1700, 100),
    ("CS03", "Westbrook Library", "library", -2300, 100),
    ("CS04", "Town Hall Community Hub", "community_centre", -250, 380),
    ("CS05", "Riverside Community Centre", "community_centre", 250, -1400),
    ("CS06", "Weavers Fold Community Centre", "community_centre", 1400, 700),
    ("CS07", "Southgate Community Centre", "community_centre", -1500, -1300),
    ("CS08", "Northwood Community Centre", "community_centre", -900, 2100),
    ("CS09", "Moorgate Community Centre", "community_centre", 2600, 1200),
    ("CS10", "Mill Hey Youth and Community Centre", "community_centre", 1200, -900),
    ("CS11", "Jamia Mosque", "place_of_worship", 1250, -300),
    ("CS12", "Masjid-e-Noor", "place_of_worship", 1700, 1150),
    ("CS13", "Madina Mosque", "place_of_worship", 2000, -1000),
    ("CS14", "St Mary's Church", "place_of_worship", -350, -250),
    ("CS15", "St John's Church", "place_of_worship", -1800, -900),
    ("CS16", "Westbrook Methodist Church", "place_of_worship", -2600, -200),
    ("CS17", "Shree Krishna Mandir", "place_of_worship", -600, 1400),
    ("CS18", "Demo Town Leisure Centre", "sports_centre", -400, -600),
    ("CS19", "Eastfield Sports Hall", "sports_centre", 2100, -200),
    ("CS20", "Westbrook Sports Club", "sports_centre", -2900, -600),
    ("CS21", "Town Park", "park", -1150, 650),
    ("CS22", "Riverside Park", "park", 450, 1300),
    ("CS23", "Eastfield Recreation Ground", "park", 2500, -1300),
    ("CS24", "Southgate Playing Fields", "park", -1250, -2000),
    ("CS25", "Northwood Country Park", "park", -500, 2450),
)
_TOML = """\
# Demo Town: a SYNTHETIC study area, written by `routes demo`.
#
# The town, its streets, neighbourhoods, people, jobs, community spaces and buses
# are all invented. They sit near Blackburn, Lancashire, only so that coordinates
# and the local metric CRS (UTM zone 30N) look like those of a real English town.
# Do not read anything about a real place into the numbers.
#
# The most deprived neighbourhoods (IMD deciles 1-2) lie east of the River Wend and
# are mostly of one community group; the town centre, the hospital, the Southgate
# industrial estate and most shared community spaces lie west of it. Three road
# bridges and a footbridge cross the river. Six bus routes radiate from the bus
# station; none runs across town.
#
# Try:  routes check
#       routes evaluate examples/crosstown_link.geojson
#       routes evaluate examples/route_6_withdrawn.geojson   (a cut: who loses?)
#       routes compare examples/*.geojson
#       routes --config routes_fares.toml evaluate examples/hopper_ticket.geojson
#                                             (with £3 bus fares: can people afford it?)

[study_area]
name = "Demo Town (synthetic)"
gtfs = ["gtfs/demo_town.zip"]
osm = "osm/demo_town.osm"
date = "2026-03-10"  # a Tuesday in term time

[zones]
file = "zones/neighbourhoods.geojson"
id = "id"
name = "name"
population = "pop"
deprivation_decile = "imd_decile"
groups = ["white_british", "asian", "black", "mixed", "other"]

[[destinations]]
name = "jobs"
file = "zones/workplaces.geojson"
weight = "jobs"

[[destinations]]
name = "community_spaces"
file = "zones/community_spaces.geojson"
category = "category"

""" + DEFAULT_PARAMETERS_TOML

# routes.toml with fares, kept apart so that routes.toml's runs stay as they are
# (fare-aware routing takes longer): one operator, so every boarding pays.
_FARES_TOML = """\
# Demo Town with bus fares: routes.toml plus [fares], written by `routes demo`.
#
# Every bus boarding costs one £3.00 single (England's single-fare cap): Demo Town
# has one bus company and no free changes, so a journey with a change pays twice.
# The reports then say how many jobs and shared spaces residents can reach for one
# fare ([scoring] fare_budget, by default one single) beside those they can reach
# whatever the fare.
#
# Try:  routes --config routes_fares.toml evaluate examples/hopper_ticket.geojson
#       (a through ticket, no new buses: change buses within an hour for free)
#
""" + _TOML + """
[fares]
single = 3.00  # GBP, every boarding
"""


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """The files of a demo study area written by :func:`write_demo_study_area`.

    Attributes
    ----------
    folder
        The folder they were written to.
    config
        ``routes.toml``.
    fares_config
        ``routes_fares.toml``: the same with ``[fares] single = 3.00``.
    gtfs
        The GTFS feed (zip).
    osm
        The OSM XML street network.
    neighbourhoods, workplaces, community_spaces
        The zones and destination layers (GeoJSON).
    proposals
        The example proposals (GeoJSON).
    """

    folder: Path
    config: Path
    gtfs: Path
    osm: Path
    neighbourhoods: Path
    workplaces: Path
    community_spaces: Path
    proposals: tuple[Path, ...]
    fares_config: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every written file, in a fixed order."""
        return (
            self.config,
            *((self.fares_config,) if self.fares_config is not None else ()),
            self.gtfs,
            self.osm,
            self.neighbourhoods,
            self.workplaces,
            self.community_spaces,
            *self.proposals,
        )


def write_demo_study_area(folder: Path, *, overwrite: bool = False) -> DemoFiles:
    """Write the synthetic "Demo Town" study area into a folder.

    Parameters
    ----------
    folder
        Where to write; created if missing. The files go to ``routes.toml``,
        ``routes_fares.toml``, ``gtfs/``, ``osm/``, ``zones/`` and ``examples/``
        inside it; other files in the folder are left alone.
    overwrite
        Replace demo files that already exist.

    Returns
    -------
    DemoFiles
        The paths written.

    Raises
    ------
    OutputExistsError
        If any of the files exists and ``overwrite`` is false; nothing is written.

    Notes
    -----
    The output is the same, byte for byte, on every run. Each file is written to
    a temporary file beside it and renamed into place.
    """
    started = time.perf_counter()
    folder = Path(folder)
    names = (
        CONFIG_FILE,
        FARES_CONFIG_FILE,
        GTFS_FILE,
        OSM_FILE,
        ZONES_FILE,
        WORKPLACES_FILE,
        SPACES_FILE,
        *PROPOSAL_FILES,
    )
    existing = [name for name in names if (folder / name).exists()]
    if existing and not overwrite:
        msg = (
            f"{folder}: {len(existing)} demo file(s) already exist ({', '.join(existing)}); "
            "choose another folder, or overwrite them (routes demo --force)"
        )
        raise OutputExistsError(msg)
    contents = _build_demo_contents()
    for name in names:
        write_bytes(contents[name], folder / name, overwrite=True)
    logger.info(
        "demo study area: %d files, %s bytes written to %s; %.1f s",
        len(names),
        f"{sum(len(b) for b in contents.values()):,}",
        folder,
        time.perf_counter() - started,
    )
    return DemoFiles(
        folder=folder,
        config=folder / CONFIG_FILE,
        gtfs=folder / GTFS_FILE,
        osm=folder / OSM_FILE,
        neighbourhoods=folder / ZONES_FILE,
        workplaces=folder / WORKPLACES_FILE,
        community_spaces=folder / SPACES_FILE,
        proposals=tuple(folder / name for name in PROPOSAL_FILES),
        fares_config=folder / FARES_CONFIG_FILE,
    )


def _build_demo_contents() -> dict[str, bytes]:
    """Generate every demo file in memory.

    Returns
    -------
    dict[str, bytes]
        File contents keyed by the path relative to the study-area folder
        (``"routes.toml"``, ``"gtfs/demo_town.zip"``...).
    """
    rng = _Rng(DEMO_SEED)
    town = _build_town(rng)
    zones = _build_zones(town, rng)
    spaces = [(sid, name, cat, _place_near(town, x, y)) for sid, name, cat, x, y in _SPACES]
    lines = [_build_bus_line(town, spec) for spec in _BUS_ROUTES]
    contents = {
        CONFIG_FILE: _TOML.encode("utf-8"),
        FARES_CONFIG_FILE: _FARES_TOML.encode("utf-8"),
        OSM_FILE: _render_osm(town, spaces),
        GTFS_FILE: _render_gtfs(lines),
        ZONES_FILE: _render_zones(zones),
        WORKPLACES_FILE: _render_points(
            "Demo Town employment zones (synthetic)",
            [
                ({"id": i, "name": n, "jobs": jobs}, _place_near(town, x, y))
                for i, n, x, y, jobs in _WORKPLACES
            ],
        ),
        SPACES_FILE: _render_points(
            "Demo Town community spaces (synthetic; places of worship are not counted as "
            "shared)",
            [({"id": i, "name": n, "category": c}, xy) for i, n, c, xy in spaces],
        ),
    }
    contents.update(_render_proposals(town))
    return contents


