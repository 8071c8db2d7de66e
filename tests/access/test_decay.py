"""Tests for routes.access.decay."""

from __future__ import annotations

import doctest
import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from routes.access import decay
from routes.access.decay import DecayKind, compute_decay_weights
from routes.errors import InputError

NAN = math.nan


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("step", DecayKind.STEP),
        ("STEP", DecayKind.STEP),
        (" Exponential ", DecayKind.EXPONENTIAL),
        (DecayKind.EXPONENTIAL, DecayKind.EXPONENTIAL),
    ],
)
def test_kind_is_case_insensitive(text: str | DecayKind, kind: DecayKind) -> None:
    assert DecayKind(text) is kind


@pytest.mark.parametrize("text", ["gaussian", "", 3])
def test_unknown_kind_is_an_input_error(text: object) -> None:
    with pytest.raises(InputError, match="unknown decay kind.*'step', 'exponential'"):
        DecayKind(text)


def test_unknown_kind_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown decay kind"):
        compute_decay_weights([1.0], "linear", cutoff_min=5)


def test_exponential_hand_values() -> None:
    """Half-life 20: f(0) = 1, f(20) = 1/2, f(40) = 1/4, f(10) = 1/sqrt(2)."""
    times = [0.0, 20.0, 40.0, 10.0, NAN, math.inf]
    expected = [1.0, 0.5, 0.25, 1 / math.sqrt(2), 0.0, 0.0]
    weights = compute_decay_weights(times, "exponential", half_life_min=20)
    np.testing.assert_allclose(weights, expected, rtol=1e-15)
    assert weights.dtype == np.float64


def test_step_is_inclusive_and_zero_when_unreachable() -> None:
    times = np.array([0.0, 44.9, 45.0, 45.1, NAN, math.inf])
    weights = compute_decay_weights(times, DecayKind.STEP, cutoff_min=45)
    np.testing.assert_array_equal(weights, [1, 1, 1, 0, 0, 0])


def test_exponential_with_cutoff_is_truncated() -> None:
    weights = compute_decay_weights(
        [10.0, 30.0, 31.0], "exponential", half_life_min=10, cutoff_min=30
    )
    np.testing.assert_allclose(weights, [0.5, 0.125, 0.0])


def test_shape_is_kept() -> None:
    times = np.array([[0.0, 20.0], [NAN, 60.0]])
    weights = compute_decay_weights(times, "step", cutoff_min=30)
    np.testing.assert_array_equal(weights, [[1, 1], [0, 0]])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("half_life", [1.5, 10, 45])
def test_exponential_matches_naive(seed: int, half_life: float) -> None:
    rng = np.random.default_rng(seed)
    times = rng.uniform(0, 120, 50)
    times[rng.random(50) < 0.2] = NAN
    expected = [0.0 if math.isnan(t) else math.exp(-math.log(2) * t / half_life) for t in times]
    weights = compute_decay_weights(times, "exponential", half_life_min=half_life)
    np.testing.assert_allclose(weights, expected, rtol=1e-13)


@settings(max_examples=100, deadline=None)
@given(
    times=st.lists(st.floats(0, 500), min_size=2, max_size=20),
    half_life=st.floats(0.5, 100),
    kind=st.sampled_from(list(DecayKind)),
)
def test_weights_in_unit_interval_and_non_increasing(
    times: list[float], half_life: float, kind: DecayKind
) -> None:
    ordered = np.sort(np.array(times))
    if kind is DecayKind.STEP:
        weights = compute_decay_weights(ordered, kind, cutoff_min=half_life)
    else:
        weights = compute_decay_weights(ordered, kind, half_life_min=half_life)
    assert ((weights >= 0) & (weights <= 1)).all()
    assert (np.diff(weights) <= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "step"}, "step decay needs cutoff_min"),
        ({"kind": "exponential"}, "exponential decay needs half_life_min"),
        ({"kind": "step", "cutoff_min": 30, "half_life_min": 10}, "does not use half_life_min"),
        ({"kind": "step", "cutoff_min": 0}, "cutoff_min must be a positive number"),
        ({"kind": "step", "cutoff_min": NAN}, "cutoff_min must be a positive number"),
        ({"kind": "step", "cutoff_min": True}, "cutoff_min must be a positive number"),
        ({"kind": "exponential", "half_life_min": -1}, "half_life_min must be a positive"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        compute_decay_weights([1.0, 2.0], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([1.0, -0.5, -2.0], r"2 travel time\(s\) are negative \(first: -0.5 min\)"),
        (["ten", "20"], "must be numbers of minutes"),
    ],
)
def test_bad_travel_times(times: list[object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        compute_decay_weights(times, "step", cutoff_min=30)  # type: ignore[arg-type]


def test_docstring_examples() -> None:
    result = doctest.testmod(decay)
    assert result.attempted > 0
    assert result.failed == 0
