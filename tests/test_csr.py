"""routes/_csr.py against naive loops over random counts."""

from __future__ import annotations

import numpy as np
import pytest

from routes._csr import concat_ranges, offsets_from_counts, offsets_from_keys, owners


@pytest.mark.parametrize("seed", range(5))
def test_offsets_owners_and_ranges_match_loops(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, size=rng.integers(0, 12))
    ptr = offsets_from_counts(counts)
    naive_ptr = [0]
    for c in counts:
        naive_ptr.append(naive_ptr[-1] + int(c))
    assert ptr.tolist() == naive_ptr
    assert ptr.dtype == np.int64

    naive_owners = [i for i, c in enumerate(counts) for _ in range(int(c))]
    assert owners(ptr).tolist() == naive_owners

    keys = rng.integers(0, 6, size=20)
    by_key = [int((keys == k).sum()) for k in range(6)]
    assert offsets_from_keys(keys, 6).tolist() == offsets_from_counts(by_key).tolist()

    starts = rng.integers(0, 100, size=len(counts))
    naive = [s + j for s, c in zip(starts, counts, strict=True) for j in range(int(c))]
    assert concat_ranges(starts, counts).tolist() == naive


def test_dtypes_and_empty_inputs() -> None:
    assert offsets_from_counts([], dtype=np.int32).tolist() == [0]
    assert offsets_from_counts([2, 1], dtype=np.int32).dtype == np.int32
    assert owners(np.array([0]), dtype=np.int32).tolist() == []
    assert concat_ranges(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []
    assert offsets_from_keys(np.array([], dtype=np.int64), 3).tolist() == [0, 0, 0, 0]
