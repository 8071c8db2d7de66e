"""Paths to the Porto Alegre (POA) sample data and a loader for its hex centroids.

The data live outside the repository, in ``<workspace>/shared/data/poa`` (see the
README there): ``poa_osm.pbf``, ``poa_eptc.zip`` (bus), ``poa_trensurb.zip`` (metro),
``poa_hexgrid.csv`` (1,227 H3 res-9 cells) and ``poa_points_of_interest.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

POA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "poa"

#: A Monday inside the validity of both feeds (EPTC runs Mon-Fri 2019-04-15..07-15,
#: TRENSURB 2019-03-01..12-31); not a holiday, so all weekday trips run.
POA_DATE = "2019-05-13"


@dataclass(frozen=True)
class PoaPaths:
    root: Path
    osm_pbf: Path
    eptc_zip: Path
    trensurb_zip: Path
    hexgrid_csv: Path
    poi_csv: Path

    @property
    def gtfs_zips(self) -> list[Path]:
        return [self.eptc_zip, self.trensurb_zip]


def poa_paths(root: Path | None = None) -> PoaPaths:
    """Return the paths of the POA files, checking that they exist."""
    root = Path(root) if root is not None else POA_DIR
    p = PoaPaths(
        root=root,
        osm_pbf=root / "poa_osm.pbf",
        eptc_zip=root / "poa_eptc.zip",
        trensurb_zip=root / "poa_trensurb.zip",
        hexgrid_csv=root / "poa_hexgrid.csv",
        poi_csv=root / "poa_points_of_interest.csv",
    )
    missing = [f for f in (p.osm_pbf, p.eptc_zip, p.trensurb_zip, p.hexgrid_csv) if not f.exists()]
    if missing:
        raise FileNotFoundError(f"POA data missing: {', '.join(map(str, missing))}")
    return p


def load_hex_centroids(root: Path | None = None) -> pd.DataFrame:
    """Load the 1,227 hexagon centroids as a DataFrame with columns ``id, lon, lat``.

    Row order is the file order; ``id`` is the H3 index string.
    """
    df = pd.read_csv(
        poa_paths(root).hexgrid_csv,
        usecols=["id", "lon", "lat"],
        dtype={"id": str, "lon": np.float64, "lat": np.float64},
    )
    return df.reset_index(drop=True)
