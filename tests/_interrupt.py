"""Run the ``routes`` command line, stopping itself at a chosen moment, for kill tests.

Usage::

    python tests/_interrupt.py MODULE:FUNCTION CALL WHEN -- ROUTES ARGS...

Before running ``cli.main``, ``MODULE.FUNCTION`` is wrapped so that on its
``CALL``-th call (1-based) the process sends itself ``SIGSTOP``, ``WHEN`` =
``before`` or ``after`` the real call. The test sees the child stop
(``waitpid(..., WUNTRACED)``), so it can kill it at exactly that moment, with
``SIGKILL`` or ``SIGTERM``, or let it go on (``SIGCONT``). Nothing in the
library knows about this: the wrapping happens here.
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any


def _stop_at(module_name: str, function_name: str, call: int, when: str) -> None:
    module = importlib.import_module(module_name)
    real: Callable[..., Any] = getattr(module, function_name)
    calls = 0

    @functools.wraps(real)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call and when == "before":
            os.kill(os.getpid(), signal.SIGSTOP)
        result = real(*args, **kwargs)
        if calls == call and when == "after":
            os.kill(os.getpid(), signal.SIGSTOP)
        return result

    setattr(module, function_name, wrapper)


def main(argv: list[str]) -> None:
    """Wrap the function named in ``argv``, then run the command line on the rest."""
    split = argv.index("--")
    target, call, when = argv[:split]
    module_name, function_name = target.split(":")
    _stop_at(module_name, function_name, int(call), when)
    import cli

    cli.main(argv[split + 1:], prog_name="routes")


if __name__ == "__main__":
    main(sys.argv[1:])
