"""The user's project for the example's end-to-end tier: a copy of the example outside the
checkout, with the package installed from its wheel in a fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1]
ROOT = EXAMPLE.parents[1]
SAGA_REF = "shipping_saga:SAGA"
# Some parcels fail at random, so the demo shows shipping's compensation (refund, release).
SHIPPING_FAILURE_RATE = "0.25"


@dataclass(frozen=True)
class Project:
    """The user's project: the example's copy, and the `python` of the venv holding the
    wheel."""

    dir: Path
    python: Path

    def env(self) -> dict[str, str]:
        kept = {k: v for k, v in os.environ.items()
                if k in ("PATH", "HOME", "XDG_CACHE_HOME", "LANG", "JAVA_HOME", "CI")}
        return {**kept, "SHIPPING_FAILURE_RATE": SHIPPING_FAILURE_RATE, "COLUMNS": "200"}

    def sagaline(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.python), "-m", "sagaline", *args], cwd=self.dir,
                              env=self.env(), capture_output=True, text=True, timeout=900,
                              check=False)
        if check:
            assert done.returncode == 0, f"sagaline {args}:\n{done.stdout}\n{done.stderr}"
        return done


def run(argv: list[str], **kwargs: Any) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False,
                          **kwargs)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"


def wheel(work: Path) -> Path:
    """The wheel of this checkout, built from a copy (no build/ left in the checkout)."""
    source = work / "source"
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(source)])
    (built,) = work.glob("sagaline-*.whl")
    return built


def build(work: Path) -> Project:
    """A venv holding the wheel (with the stack extra) and a copy of the example."""
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", f"{wheel(work)}[stack]"])
    here = work / "my-shop"
    shutil.copytree(EXAMPLE, here, ignore=shutil.ignore_patterns(
        "tests", "conftest.py", "__pycache__", ".stack"))
    return Project(here, python)
