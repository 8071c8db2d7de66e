"""Checks and preparation of the zone, group and weight inputs of the accessibility metrics."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from routes.errors import InputError, join_problems

# --------------------------------------------------------------------------- inputs


def _check_weights(weights: pd.Series, name: str) -> tuple[pd.Index, NDArray[np.float64]]:
    """Validate destination weights; return their ids and values."""
    what = f"{name} weights"
    if not isinstance(weights, pd.Series):
        msg = f"{what}: expected a pandas Series indexed by to_id, got {type(weights).__name__}"
        raise InputError(msg)
    problems = _id_problems(weights.index.to_series(), f"{what} index")
    if not problems and weights.index.has_duplicates:
        problems.append(
            f"{what}: duplicate ids, e.g. {weights.index[weights.index.duplicated()][0]!r}"
        )
    problems.extend(_count_problems(weights, what))
    if problems:
        raise InputError(join_problems(problems))
    return weights.index, weights.to_numpy(dtype=np.float64, na_value=np.nan)


def _zone_group_counts(
    zones: pd.DataFrame,
    groups: Sequence[str] | None,
    deprived_deciles: Collection[int],
) -> tuple[pd.Index, NDArray[np.float64]]:
    """Zone ids and a zones-by-groups array of residents (see the fallback)."""
    zone_ids = _frame_ids(zones, "zones")
    if groups:
        if isinstance(groups, str):
            msg = f"groups must be a list of column names, got the string {groups!r}"
            raise InputError(msg)
        problems = []
        for group in groups:
            if group not in zones.columns:
                problems.append(f"zones: group column {group!r} is missing")
            else:
                problems.extend(_count_problems(zones[group], f"zones column {group!r}"))
        if problems:
            raise InputError(join_problems(problems))
        counts = zones[list(groups)].to_numpy(dtype=np.float64, na_value=np.nan)
        return zone_ids, counts

    bad_deciles = [d for d in deprived_deciles if d not in range(1, 11)]
    if bad_deciles:
        msg = f"deprived_deciles must be whole numbers from 1 to 10, got {bad_deciles!r}"
        raise InputError(msg)
    population = _frame_column(zones, "population", "zones")
    decile = _frame_column(zones, "deprivation_decile", "zones")
    problems = _count_problems(population, "zones column 'population'")
    problems.extend(_decile_problems(decile, "zones column 'deprivation_decile'"))
    if problems:
        raise InputError(join_problems(problems))
    people = population.to_numpy(dtype=np.float64, na_value=np.nan)
    deprived = decile.isin(list(deprived_deciles)).to_numpy()
    counts = np.column_stack([np.where(deprived, people, 0.0), np.where(deprived, 0.0, people)])
    return zone_ids, counts


def _frame_ids(frame: pd.DataFrame, what: str) -> pd.Index:
    """Ids of a zones or destinations frame: its ``id`` column, else its index."""
    if not isinstance(frame, pd.DataFrame):
        msg = f"{what}: expected a pandas DataFrame, got {type(frame).__name__}"
        raise InputError(msg)
    ids = pd.Index(frame["id"]) if "id" in frame.columns else frame.index
    _check_ids(ids, what)
    return ids


def _frame_column(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """Return a column of a frame, positionally aligned (index dropped)."""
    if column not in frame.columns:
        msg = f"{what}: column {column!r} is missing; add it or check the column mapping"
        raise InputError(msg)
    return frame[column].reset_index(drop=True)


def _check_ids(ids: pd.Index, what: str) -> None:
    """Raise unless ids are unique non-missing strings."""
    problems = _id_problems(ids.to_series(), f"{what} ids")
    if not problems and ids.has_duplicates:
        problems.append(
            f"{what} ids: {int(ids.duplicated().sum())} duplicate(s), "
            f"e.g. {ids[ids.duplicated()][0]!r}; ids must be unique"
        )
    if problems:
        raise InputError(join_problems(problems))


def _id_problems(ids: pd.Series, what: str) -> list[str]:
    """Problems with an id column: missing values or non-string ids."""
    if ids.isna().any():
        position = int(np.flatnonzero(ids.isna().to_numpy())[0])
        return [f"{what}: {int(ids.isna().sum())} missing id(s) (first at row {position})"]
    if len(ids) and not pd.api.types.is_string_dtype(ids):
        return [
            f"{what}: ids must be strings, got dtype {ids.dtype} "
            f"(e.g. {ids.iloc[0]!r}); read ids with dtype=str"
        ]
    return []


def _count_problems(values: pd.Series, what: str) -> list[str]:
    """Problems with a column of counts: non-numeric, missing, infinite or negative."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return [f"{what}: expected numbers, got dtype {values.dtype}"]
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        return [
            f"{what}: {int(bad.sum())} value(s) are missing, infinite or negative "
            f"(first at row {position}: {array[position]!r}); use 0 or more"
        ]
    return []


def _decile_problems(values: pd.Series, what: str) -> list[str]:
    """Problems with a deprivation-decile column (whole numbers 1 to 10)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return [f"{what}: expected whole numbers 1-10, got dtype {values.dtype}"]
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isin(array, np.arange(1, 11))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        return [
            f"{what}: {int(bad.sum())} value(s) are not whole numbers 1-10 "
            f"(first at row {position}: {array[position]!r}); 1 is the most deprived decile"
        ]
    return []
