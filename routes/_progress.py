"""The progress-callback protocol used by long library operations."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each batch of work."""


def no_progress(done: int, total: int) -> None:
    """Ignore progress reports (the default callback)."""
