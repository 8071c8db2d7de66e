"""Structural checks of a GTFS feed: which files hold its tables, and dangling trip ids.

gtfs_kit reads a zip member by its file stem wherever it sits in the archive,
so a zip holding ``stop_times.txt`` and ``old/stop_times.txt`` gives whichever
comes last, silently. A feed whose tables are not all at its top level, once
each, is refused here with both members named (MobilityData's validator
reports the same as ``invalid_input_files_in_subfolder``).

Stop times whose ``trip_id`` is not in ``trips.txt`` cannot be used; they
are counted and reported (the validator's ``foreign_key_violation``) rather
than dropped without a word.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import GtfsError, join_problems

__all__ = [
    "check_feed_members",
    "describe_unknown_trip_rows",
    "list_feed_members",
    "unknown_trip_rows",
]


def list_feed_members(path: Path) -> list[str]:
    """Every file of a GTFS zip or folder, as a ``/``-separated path inside it."""
    if path.is_file():
        with zipfile.ZipFile(path) as zf:
            return [i.filename for i in zf.infolist() if not i.is_dir()]
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def check_feed_members(path: Path, where: str) -> None:
    """Refuse a feed whose GTFS tables are in subfolders or appear more than once.

    Parameters
    ----------
    path
        The GTFS zip or folder.
    where
        How messages name the feed, e.g. ``"GTFS feed 'bus' (gtfs/bus.zip)"``.

    Raises
    ------
    GtfsError
        Naming every member of a table that appears twice, or a table found
        only in a subfolder, and what to do.
    """
    # Imported here: gtfs_kit imports folium (~35 MB in all), which a network read
    # from the cache (``routes matrix``) does not need.
    import gtfs_kit.constants

    by_table: dict[str, list[str]] = {}
    for member in list_feed_members(path):
        name = PurePosixPath(member)
        if name.suffix == ".txt" and name.stem in gtfs_kit.constants.DTYPES:
            by_table.setdefault(name.stem, []).append(member)
    container = "zip" if path.is_file() else "folder"
    parents = {str(PurePosixPath(m).parent) for ms in by_table.values() for m in ms}
    if len(parents) == 1 and "." not in parents and all(len(m) == 1 for m in by_table.values()):
        folder = parents.pop()
        msg = (
            f"{where}: its tables are in the subfolder {folder + '/'!r}, not at the top of the "
            f"{container}; zip the .txt files themselves, not the folder that holds them"
        )
        raise GtfsError(msg)
    problems = []
    for table, members in by_table.items():
        nested = [m for m in members if "/" in m]
        if len(members) > 1:
            names = " and ".join(repr(m) for m in members)
            extra = ", ".join(repr(m) for m in (nested or members[1:]))
            problems.append(
                f"{table}.txt appears {len(members)} times, as {names}, and only one would be "
                f"read; remove {extra} from the {container}"
            )
        elif nested:
            problems.append(
                f"{table}.txt is only in a subfolder, as {nested[0]!r}; GTFS tables must be at "
                f"the top of the {container}: zip the .txt files themselves, not the folder "
                "that holds them"
            )
    if problems:
        msg = f"{where}: {join_problems(problems)}"
        raise GtfsError(msg)


def unknown_trip_rows(feed: Any) -> NDArray[np.int64]:
    """1-based data rows of ``stop_times.txt`` whose ``trip_id`` is not in ``trips.txt``."""
    known = feed.stop_times["trip_id"].isin(feed.trips["trip_id"]).to_numpy(dtype=bool)
    rows: NDArray[np.int64] = feed.stop_times.index.to_numpy()[~known].astype(np.int64) + 1
    return rows


def describe_unknown_trip_rows(feed: Any, where: str) -> str:
    """Return the warning about stop times of unknown trips, or ``""`` when there are none.

    Such rows are left out: MobilityData's GTFS validator calls them a
    ``foreign_key_violation``.
    """
    rows = unknown_trip_rows(feed)
    if not len(rows):
        return ""
    trip_id = feed.stop_times["trip_id"].iloc[int(rows[0]) - 1]
    example = "empty" if pd.isna(trip_id) else repr(str(trip_id))
    return (
        f"{where}: {len(rows):,} of {len(feed.stop_times):,} stop_times.txt rows name a trip_id "
        f"that is not in trips.txt (e.g. row {int(rows[0]):,}: trip_id {example}) and are left "
        "out; fix the feed (MobilityData's GTFS validator reports them as foreign_key_violation)"
    )
