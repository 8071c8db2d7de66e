"""Shared fixtures: the real data in ../shared/data, a private network cache, a clean logger."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# urllib3 opens a socket when first imported (to probe IPv6). The package imports
# gtfs_kit (-> folium -> requests -> urllib3) only where a feed is read, which may
# be inside a test, where pytest-socket refuses sockets: import it here, first.
with contextlib.suppress(ImportError):
    import urllib3  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_dir(*parts: str) -> Path:
    """A folder of ../shared/data; skips the test when absent, fails when CI is set."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI needs ../shared/data beside the repository")
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def poa_dir() -> Path:
    return shared_data_dir("poa")


@pytest.fixture(scope="session")
def rnv_dir() -> Path:
    return shared_data_dir("rnv")


@pytest.fixture(scope="session")
def blackburn_dir() -> Path:
    return shared_data_dir("blackburn")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests' network cache out of the user's cache folder."""
    if "ROUTES_CACHE_DIR" not in os.environ:
        os.environ["ROUTES_CACHE_DIR"] = str(tmp_path_factory.mktemp("routes-cache"))


@pytest.fixture(autouse=True)
def _restore_routes_logger() -> Iterator[None]:
    """``cli.main`` gives the ``routes`` logger a handler on the runner's stderr; undo it."""
    logger = logging.getLogger("routes")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
