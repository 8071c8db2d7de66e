"""The public API of ``import routes``: every export resolves, lazily, to where it is defined."""

from __future__ import annotations

import subprocess
import sys

import routes


def test_every_export_resolves_to_its_defining_module() -> None:
    for name in routes.__all__:
        if name == "__version__":
            continue
        obj = getattr(routes, name)
        assert obj.__module__ == routes._EXPORTS[name], name


def test_import_routes_is_cheap() -> None:
    code = ("import sys, routes; heavy = [m for m in ('numpy', 'pandas', 'geopandas', 'numba', "
            "'routes.engine.raptor') if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
