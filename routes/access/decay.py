"""Distance-decay functions: how much an opportunity counts at a travel time."""

from __future__ import annotations

import math
import numbers
from enum import Enum

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from routes.errors import InputError

__all__ = ["DecayKind", "compute_decay_weights"]


class DecayKind(Enum):
    """The decay functions; strings from TOML or the CLI match case-insensitively.

    Examples
    --------
    >>> DecayKind("Exponential")
    <DecayKind.EXPONENTIAL: 'exponential'>
    """

    STEP = "step"
    EXPONENTIAL = "exponential"

    @classmethod
    def _missing_(cls, value: object) -> DecayKind:
        if isinstance(value, str):
            key = value.strip().lower()
            for member in cls:
                if member.value == key:
                    return member
        allowed = ", ".join(repr(member.value) for member in cls)
        msg = f"unknown decay kind {value!r}; use one of {allowed}"
        raise InputError(msg)


def compute_decay_weights(
    travel_time_min: npt.ArrayLike,
    kind: DecayKind | str,
    *,
    cutoff_min: float | None = None,
    half_life_min: float | None = None,
) -> NDArray[np.float64]:
    r"""Weight each travel time by a decay function.

    Parameters
    ----------
    travel_time_min
        Travel times, minutes, any shape. NaN (and ``inf``) means
        unreachable and gets weight 0.
    kind
        ``"step"`` or ``"exponential"`` (a :class:`DecayKind` or a
        case-insensitive string).
    cutoff_min
        Cutoff ``T``, minutes. Required for step decay; optional for
        exponential decay, where it truncates the curve (weight 0 beyond ``T``).
    half_life_min
        Half-life ``h``, minutes: the travel time at which an opportunity
        counts half. Required for exponential decay, not used by step decay.

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], ``float64``, dimensionless, with the shape of
        ``travel_time_min``.

    Raises
    ------
    InputError
        If the kind is unknown, a parameter the kind needs is missing or one it
        does not use is given, a parameter is not a positive finite number of
        minutes, or a travel time is negative or not a number.

    Notes
    -----
    With travel time :math:`t` in minutes:

    - step: :math:`f(t) = [t \le T]` (1 within the cutoff, inclusive, else 0);
    - exponential: :math:`f(t) = \exp(-\ln 2 \cdot t / h) = 2^{-t/h}`, so
      :math:`f(0) = 1` and :math:`f(h) = 1/2`; with a cutoff,
      :math:`f(t) = 2^{-t/h} [t \le T]`.

    Unreachable pairs (NaN) get :math:`f = 0`.

    Examples
    --------
    >>> compute_decay_weights([0.0, 20.0, 40.0, float("nan")], "exponential", half_life_min=20)
    array([1.  , 0.5 , 0.25, 0.  ])
    >>> compute_decay_weights([10.0, 45.0, 46.0], "step", cutoff_min=45)
    array([1., 1., 0.])
    """
    kind = DecayKind(kind)
    if kind is DecayKind.STEP:
        if cutoff_min is None:
            msg = "step decay needs cutoff_min (minutes)"
            raise InputError(msg)
        if half_life_min is not None:
            msg = f"step decay does not use half_life_min (got {half_life_min!r}); drop it"
            raise InputError(msg)
    elif half_life_min is None:
        msg = "exponential decay needs half_life_min (minutes)"
        raise InputError(msg)
    if cutoff_min is not None:
        _check_positive_minutes(cutoff_min, "cutoff_min")
    half_life = math.nan  # only read for exponential decay, which requires it
    if half_life_min is not None:
        _check_positive_minutes(half_life_min, "half_life_min")
        half_life = float(half_life_min)

    times = _as_float_array(travel_time_min)
    reachable = np.isfinite(times)
    if cutoff_min is not None:
        reachable &= times <= cutoff_min
    weights = np.zeros(times.shape, dtype=np.float64)
    if kind is DecayKind.STEP:
        weights[reachable] = 1.0
    else:
        weights[reachable] = np.exp2(-times[reachable] / half_life)
    return weights


def _check_positive_minutes(value: float, what: str) -> None:
    """Raise unless ``value`` is a positive finite number."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
    ):
        msg = f"{what} must be a positive number of minutes, got {value!r}"
        raise InputError(msg)


def _as_float_array(values: npt.ArrayLike) -> NDArray[np.float64]:
    """Convert travel times to ``float64``, rejecting non-numbers and negatives."""
    try:
        times = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        msg = f"travel times must be numbers of minutes (NaN for unreachable): {err}"
        raise InputError(msg) from err
    negative = times < 0
    if negative.any():
        first = float(times[negative].flat[0])
        msg = (
            f"{int(negative.sum())} travel time(s) are negative (first: {first!r} min); "
            "travel times must be >= 0, with NaN for unreachable"
        )
        raise InputError(msg)
    return times
