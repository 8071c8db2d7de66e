"""The ``routes`` command line: a thin click layer over the :mod:`routes` library.

Each command parses its options, loads the study area, calls one library
function and echoes a summary. Results go to stdout, logs and progress bars to
stderr. Exit codes: 0 success, 1 a problem with the inputs or the run, 2 bad usage.

The group is :mod:`routes.cli.app`; the commands are in :mod:`routes.cli.routing`
(travel times), :mod:`routes.cli.runs` (run folders) and :mod:`routes.cli.data`
(inputs and the cache), their shared options in :mod:`routes.cli.options`. The
library never imports this package (import-linter contract ``no-cli``).
"""

from routes.cli.app import main

__all__ = ["main"]
