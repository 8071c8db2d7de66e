"""Write GTFS feeds as zips whose bytes depend only on their content.

The same content always gives the same bytes (members in name order, a fixed
timestamp; :func:`routes.io.write_zip`), so a re-run gives the same file and
the same cache key.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from routes.io import write_zip

__all__ = ["write_gtfs_feed", "write_gtfs_tables"]


def write_gtfs_tables(
    tables: Mapping[str, pd.DataFrame], path: Path, *, overwrite: bool = False
) -> Path:
    """Write GTFS tables, keyed by file stem (``"stops"``...), as a zip of CSV files.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    members = {f"{name}.txt": table.to_csv(index=False, lineterminator="\n").encode()
               for name, table in tables.items()}
    return write_zip(members, path, overwrite=overwrite)


def write_gtfs_feed(feed: Any, path: Path) -> Path:
    """Write a gtfs_kit feed as a zip whose bytes depend only on the feed (replacing ``path``).

    ``Feed.to_file`` zips with the files' modification times (and directory
    order), so re-running a scenario gave a different zip, a different network
    digest and a cache miss; members are sorted and get a fixed timestamp.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    with tempfile.TemporaryDirectory() as tmp:
        feed.to_file(Path(tmp))
        return write_zip({p.name: p.read_bytes() for p in Path(tmp).iterdir()}, path,
                         overwrite=True)
