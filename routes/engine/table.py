"""The long travel-time table every engine's array becomes (``routes matrix``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.columns import ColumnKind, column_name
from routes.inputs.points import Points

__all__ = ["travel_time_table"]


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
    reachable = ~np.isnan(minutes).all(axis=1)
    o_idx, d_idx = np.nonzero(reachable)
    # Index arrays of the points' str ids: every row then points at one of the few
    # id strings (a fixed-width str array of every row took ~370 MB on 1.4 M pairs).
    table = {
        "from_id": _str_ids(origins)[o_idx],
        "to_id": _str_ids(destinations)[d_idx],
    }
    for j, p in enumerate(percentiles):
        table[column_name(ColumnKind.TRAVEL_TIME, percentile=p)] = minutes[o_idx, j, d_idx]
    return pd.DataFrame(table)


def _str_ids(points: Points) -> NDArray[np.object_]:
    """Return the points' ids as an object array of ``str``."""
    return np.asarray([str(i) for i in points.ids], dtype=object)
