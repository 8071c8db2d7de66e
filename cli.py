"""The ``routes`` command line (the console script ``routes = "cli:main"``).

The commands live in :mod:`routes.cli`; this file keeps ``python cli.py ...``
and the console script working.
"""

from routes.cli import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    main()
