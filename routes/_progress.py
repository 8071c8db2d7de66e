"""Progress reports: the callback protocol of long library operations, and its tqdm bars.

The library reports progress as ``progress(done, total)`` and never draws
anything itself; :func:`tqdm_progress` makes callbacks that draw bars on
stderr (the command line uses it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["ProgressCallback", "ProgressFactory", "no_progress", "tqdm_progress"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each batch of work."""

ProgressFactory = Callable[[str], ProgressCallback]
"""Makes the progress callback of a named step (one bar per step)."""


def no_progress(done: int, total: int) -> None:
    """Ignore progress reports (the default callback)."""


def tqdm_progress(*, enabled: bool = True, unit: str = "zone") -> ProgressFactory:
    """Make progress callbacks that each draw a tqdm bar on stderr, one per named step.

    Parameters
    ----------
    enabled
        Draw bars; when false every callback is :func:`no_progress`.
    unit
        What is counted; ``"B"`` counts bytes (shown in KiB, MiB...).

    Returns
    -------
    ProgressFactory
        ``make(name)`` returns the callback of step ``name``; its bar closes
        when ``done`` reaches ``total``.
    """

    def make(name: str) -> ProgressCallback:
        if not enabled:
            return no_progress
        from tqdm import tqdm

        bar = tqdm(desc=name, total=0, file=sys.stderr, unit=unit, leave=False,
                   unit_scale=unit == "B", unit_divisor=1024 if unit == "B" else 1000)

        def update(done: int, total: int) -> None:
            bar.total = total or None
            bar.n = done
            bar.refresh()
            if total and done >= total:
                bar.close()

        return update

    return make
