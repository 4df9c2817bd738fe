"""A service reads its settings from the environment only: started from a directory holding
a `.env` with its DSN, but with none in the environment, it exits naming the variable (the
local stack's credentials are the launcher's to give, never a service's default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagaline import saga_choice
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import env_prefix, local_stack

pytestmark = pytest.mark.unit
SRC = Path(saga_choice.__file__).resolve().parents[1]  # this checkout's src/


@pytest.mark.parametrize("name", SAGA.names)
def test_a_service_without_its_dsn_exits_naming_it(name: str, tmp_path: Path) -> None:
    variable = f"{env_prefix(name)}_DB_DSN"
    (tmp_path / ".env").write_text(f"{variable}={local_stack.dsn(SAGA, name)}\n")
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_DB_DSN") and k != saga_choice.ENV}
    env["PYTHONPATH"] = str(SRC)
    out = subprocess.run([sys.executable, "-m", "sagaline", "serve", name], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0
    assert variable in out.stderr and "Field required" in out.stderr, out.stderr
