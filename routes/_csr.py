"""Compressed sparse row (CSR) helpers: offsets, ranges and owners of rows.

A CSR array stores, for ``n`` owners (trips, patterns, stops, nodes...), their
rows one after the other; ``ptr`` (``n + 1`` offsets) says where each owner's
rows start and end: owner ``i`` holds rows ``ptr[i]:ptr[i + 1]``.

Examples
--------
>>> import numpy as np
>>> ptr = offsets_from_counts(np.array([2, 0, 3]))
>>> ptr.tolist()
[0, 2, 2, 5]
>>> owners(ptr).tolist()
[0, 0, 2, 2, 2]
>>> concat_ranges(np.array([10, 20]), np.array([2, 3])).tolist()
[10, 11, 20, 21, 22]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = ["concat_ranges", "offsets_from_counts", "offsets_from_keys", "owners"]


def offsets_from_counts(counts: ArrayLike, dtype: DTypeLike = np.int64) -> NDArray[Any]:
    """CSR offsets ``[0, c0, c0 + c1, ...]`` (``n + 1`` values) from per-owner row counts."""
    counts = np.asarray(counts)
    ptr = np.zeros(len(counts) + 1, dtype=dtype)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def offsets_from_keys(keys: ArrayLike, n: int, dtype: DTypeLike = np.int64) -> NDArray[Any]:
    """CSR offsets of rows sorted by owner, from each row's owner (``0 <= key < n``)."""
    return offsets_from_counts(np.bincount(np.asarray(keys), minlength=n), dtype=dtype)


def owners(ptr: NDArray[np.integer[Any]], dtype: DTypeLike = np.int64) -> NDArray[Any]:
    """Return the owner of each row: ``i`` repeated ``ptr[i + 1] - ptr[i]`` times."""
    return np.repeat(np.arange(len(ptr) - 1, dtype=dtype), np.diff(ptr))


def concat_ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenate ``arange(s, s + n)`` for each start ``s`` and length ``n``, vectorised."""
    starts = np.asarray(starts, dtype=np.int64)[lengths > 0]
    lengths = np.asarray(lengths, dtype=np.int64)[lengths > 0]
    if not len(lengths):
        return np.zeros(0, dtype=np.int64)
    steps = np.ones(int(lengths.sum()), dtype=np.int64)
    firsts = np.cumsum(lengths) - lengths
    steps[firsts] = starts
    steps[firsts[1:]] -= starts[:-1] + lengths[:-1] - 1
    return np.cumsum(steps)
