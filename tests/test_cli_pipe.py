"""The command line when its output is cut short (``routes ... | head``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_closed_stdout_is_not_reported_as_a_disk_fault(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (e.g. `head`) has gone before anything is written
    env = {**os.environ, "ROUTES_CACHE_DIR": str(tmp_path / "cache")}
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import cli; cli.main()", "cache", "info"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
            timeout=120, check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Error" not in done.stderr
    assert "Traceback" not in done.stderr
