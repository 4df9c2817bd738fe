"""`pip install -e '.[dev]'` then `pytest -m unit` works: no module outside the benchmark's
load and plots needs the `bench` extra (aiohttp, matplotlib) to be imported."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import sagaline

pytestmark = pytest.mark.unit
BLOCKED = ("aiohttp", "matplotlib")


def test_every_module_imports_without_the_bench_extra() -> None:
    modules = [m.name for m in pkgutil.walk_packages(sagaline.__path__, "sagaline.")
               if not m.name.endswith("__main__")]
    script = "\n".join([
        "import importlib, sys",
        *(f"sys.modules[{name!r}] = None" for name in BLOCKED),  # an import of it fails
        f"for name in {modules!r}:",
        "    importlib.import_module(name)",
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
