"""The long travel-time table every engine's array becomes (``routes matrix``).

:func:`travel_time_table` builds the whole table; :func:`travel_time_table_chunks`
yields it in pieces of consecutive origins, so that ``routes matrix`` writes it
(:func:`routes.io.write_table_chunks`) without holding all of it: on 1,227 points
all-to-all the whole table is 1.4 M rows, about 140 MB with its id strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.columns import ColumnKind, column_name
from routes.inputs.points import Points

__all__ = ["travel_time_table", "travel_time_table_chunks"]

ROWS_PER_CHUNK = 1 << 15
"""About how many origin-destination pairs each piece of
:func:`travel_time_table_chunks` covers (whole origins; reachable pairs only are
rows). Writing pieces of 32 K rows adds ~10 MB to the resident memory, pieces of
128 K rows ~40 MB (POA, 1.4 M rows); a Parquet file gets one row group per piece."""


def travel_time_table(
    minutes: NDArray[np.float64],
    origins: Points,
    destinations: Points,
    percentiles: Sequence[int],
) -> pd.DataFrame:
    """Turn a dense travel-time array into a long table.

    Parameters
    ----------
    minutes
        Shape ``(n_origins, n_percentiles, n_destinations)``, minutes, NaN
        where unreachable.
    origins, destinations
        The points of the first and last axes.
    percentiles
        The percentile of each entry of the middle axis.

    Returns
    -------
    pandas.DataFrame
        One row per pair reachable at some percentile: ``from_id`` and
        ``to_id`` (str), and ``travel_time_pNN_min`` (float minutes, NaN where
        unreachable at that percentile) per percentile.
    """
    return _table(minutes, _str_ids(origins), _str_ids(destinations), percentiles)


def travel_time_table_chunks(
    minutes: NDArray[np.float64],
    origins: Points,
    destinations: Points,
    percentiles: Sequence[int],
    *,
    rows_per_chunk: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield :func:`travel_time_table` in pieces of consecutive origins.

    Parameters are as for :func:`travel_time_table`, plus ``rows_per_chunk``
    (default :data:`ROWS_PER_CHUNK`): each piece covers whole origins, as many
    as make at most that many origin-destination pairs (at least one origin).

    Yields
    ------
    pandas.DataFrame
        The rows of the table of those origins, with its columns and dtypes;
        concatenated in order, the pieces are the whole table. At least one
        piece (empty) when there are no origins.
    """
    from_ids, to_ids = _str_ids(origins), _str_ids(destinations)
    rows = ROWS_PER_CHUNK if rows_per_chunk is None else rows_per_chunk
    step = max(1, rows // max(1, len(to_ids)))
    for start in range(0, max(len(from_ids), 1), step):
        stop = start + step
        yield _table(minutes[start:stop], from_ids[start:stop], to_ids, percentiles)


def _table(minutes: NDArray[np.float64], from_ids: NDArray[np.object_],
           to_ids: NDArray[np.object_], percentiles: Sequence[int]) -> pd.DataFrame:
    """Return the long table of ``minutes`` between points of these ids."""
    reachable = ~np.isnan(minutes).all(axis=1)
    o_idx, d_idx = np.nonzero(reachable)
    # Index arrays of the points' str ids: every row then points at one of the few
    # id strings (a fixed-width str array of every row took ~370 MB on 1.4 M pairs).
    table = {"from_id": from_ids[o_idx], "to_id": to_ids[d_idx]}
    for j, p in enumerate(percentiles):
        table[column_name(ColumnKind.TRAVEL_TIME, percentile=p)] = minutes[o_idx, j, d_idx]
    return pd.DataFrame(table)


def _str_ids(points: Points) -> NDArray[np.object_]:
    """Return the points' ids as an object array of ``str``."""
    return np.asarray([str(i) for i in points.ids], dtype=object)
