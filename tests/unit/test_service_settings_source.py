"""A service reads its settings from the environment only: started from a directory holding
a `.env` and a `stack/local.env` with its DSN, but with none in the environment, it exits
naming the variable (the development credentials are the local stack's, never a default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
LEFT_AROUND = "ORDER_DB_DSN=postgresql://order_user:order_pass@127.0.0.1:1/order_db\n"


def test_a_service_without_its_dsn_exits_naming_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(LEFT_AROUND)
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "local.env").write_text(LEFT_AROUND)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_DB_DSN")}
    out = subprocess.run([sys.executable, "-m", "sagaline.seed_saga.order"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0
    assert "ORDER_DB_DSN" in out.stderr and "Field required" in out.stderr, out.stderr
