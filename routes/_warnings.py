"""Record the data warnings (:class:`~routes.errors.RoutesWarning`) raised while a block runs.

They go into ``manifest.json`` and the report, and are issued again when the
block ends so the filters in force outside still apply.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from routes.errors import RoutesWarning


def unique_messages(*groups: Sequence[str]) -> tuple[str, ...]:
    """Join lists of messages, keeping the first of each repeated message, in order."""
    return tuple(dict.fromkeys(m for group in groups for m in group))


class WarningLog:
    """The warnings caught by :func:`record_warnings` so far (filled while the block runs)."""

    def __init__(self) -> None:
        self.caught: list[warnings.WarningMessage] = []

    @property
    def messages(self) -> tuple[str, ...]:
        """The :class:`~routes.errors.RoutesWarning` messages so far, each once, in order."""
        return unique_messages([str(w.message) for w in self.caught
                                if issubclass(w.category, RoutesWarning)])


@contextmanager
def record_warnings() -> Iterator[WarningLog]:
    """Record the data warnings raised in the block, for ``manifest.json`` and the report.

    Every :class:`~routes.errors.RoutesWarning` is recorded; when the block
    ends each is issued again as it was, so the filters in force outside
    (printing, ignoring, turning warnings into errors) still apply to it. When
    the block raises, those the filters would turn into errors are dropped so
    the block's own error is the one that propagates. Other warnings meet the
    outside filters as they are raised (an error at once, if so configured)
    and are shown at the end.

    Yields
    ------
    WarningLog
        Its ``messages`` are the data warnings caught so far.
    """
    log = WarningLog()
    failed = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("always", category=RoutesWarning)
            log.caught = caught
            yield log
    except BaseException:
        failed = True
        raise
    finally:
        for w in log.caught:
            with suppress(*((Warning,) if failed else ())):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                       source=w.source)
