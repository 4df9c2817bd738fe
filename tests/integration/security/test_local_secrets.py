"""The live local stack keeps its secrets from other local users: the Postgres superuser needs
its password (no `trust`) behind a socket only the owner reaches; Kafka's admin password lives
in a server.properties only the owner reads, and on no command line, not even the one-off
`kafka-storage format`. Its own secure infrastructure (own dir, ports 150 above the
session's), wiped at the end; the unit side: tests/unit/test_stack_secrets.py."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import socket
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from sagaline import saga_choice
from sagaline.devstack import Stack, StackError, kafka_secure, pgauth, proc
from sagaline.devstack.pgsql import SUPERUSER
from sagaline.devstack.postgres import Postgres
from sagaline.devstack.shape import Shape
from sagaline.settings import StackSettings, stack_settings

OFFSET = 150  # its ports: the session stack's + 150 (the secure tier's are + 100)


def _moved(dsn: str) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc.replace(f":{parts.port}", f":{(parts.port or 5432) + OFFSET}")
    return urlunsplit(parts._replace(netloc=netloc))


def _settings(stack_dir: Path) -> StackSettings:
    s = stack_settings()
    host, port = s.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)
    moved = s.with_services(dsns={n: _moved(s.dsn(n)) for n in saga_choice.load().names})
    return moved.model_copy(update={
        "stack_dir": stack_dir, "kafka_bootstrap_servers": f"{host}:{int(port) + OFFSET}"})


class CommandLines:
    """Every argv the launcher hands to subprocess.run, with the @argfiles it names."""

    def __init__(self) -> None:
        self.argvs: list[list[str]] = []
        self.argfiles: list[Path] = []
        self._run = subprocess.run

    def run(self, argv: list[str], *args: Any, **kwargs: Any) -> Any:
        self.argvs.append(list(argv))
        self.argfiles += [Path(a[1:]) for a in argv if a.startswith("@")]
        return self._run(argv, *args, **kwargs)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, CommandLines]]:
    stack = Stack(_settings(tmp_path_factory.mktemp("secrets")), shape=Shape(secure=True))
    seen = CommandLines()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(subprocess, "run", seen.run)
            stack.record_shape()
            stack.start_infra()
    except StackError as err:
        stack.wipe()
        pytest.fail(f"local stack: {err}\n{err.detail}", pytrace=False)
    yield stack, seen
    stack.wipe()


def _secrets(stack: Stack) -> list[str]:
    kafka = list(kafka_secure.users(stack.dir, []).values())
    return kafka + [pgauth.password(pg.home) or "" for pg in stack.postgres]


def _closed_to_others(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_the_socket_and_its_dir_are_the_owners_alone(local: tuple[Stack, CommandLines]) -> None:
    for pg in local[0].postgres:
        socket = pg.socket_dir / f".s.PGSQL.{pg.port}"
        assert stat.S_ISSOCK(socket.stat().st_mode)
        assert _closed_to_others(pg.socket_dir) and _closed_to_others(socket)


def _reached(files: list[Path], sockets: list[Path]) -> list[str]:
    """Those of `files` that open and `sockets` that accept a connection (PermissionError:
    not reached; any other error is raised)."""
    reached = []
    for path in files:
        with contextlib.suppress(PermissionError), path.open() as f:
            reached.append(f"{path}: {len(f.read())} characters")
    for path in sockets:
        with contextlib.suppress(PermissionError), socket.socket(socket.AF_UNIX) as s:
            s.connect(str(path))
            reached.append(str(path))
    return reached


def _as_nobody(probe: Callable[[], list[str]]) -> list[str]:
    """What `probe` returns in a child process that runs as `nobody` (no other groups)."""
    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.write(write, json.dumps(probe()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as f:
        answer = f.read()
    assert os.waitpid(pid, 0)[1] == 0, "the probe as nobody failed"
    found: list[str] = json.loads(answer)
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="acting as another local user needs root")
def test_another_local_user_reaches_no_socket_and_no_secret(
        local: tuple[Stack, CommandLines]) -> None:
    stack = local[0]
    files = [stack.dir / kafka_secure.FILE, *(k.config_file for k in stack.kafka_nodes),
             *(pg.home / pgauth.FILE for pg in stack.postgres)]
    sockets = [pg.socket_dir / f".s.PGSQL.{pg.port}" for pg in stack.postgres]
    assert _reached(files, sockets) and all(p.exists() for p in [*files, *sockets])
    assert _as_nobody(lambda: _reached(files, sockets)) == []


def _superuser(pg: Postgres, host: str, password: str | None = None
               ) -> psycopg.Connection[Any]:
    return psycopg.connect(host=host, port=pg.port, user=SUPERUSER, dbname="postgres",
                           password=password, connect_timeout=3)


def test_the_superuser_needs_its_password(local: tuple[Stack, CommandLines],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # no ~/.pgpass either
    for pg in local[0].postgres:
        socket = str(pg.socket_dir)
        # The server answered and asked for a password: libpq had none to give.
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            _superuser(pg, host=socket)
        with pytest.raises(psycopg.OperationalError,
                           match=f'password authentication failed for user "{SUPERUSER}"'):
            _superuser(pg, host=socket, password="guess")
        password = pgauth.password(pg.home)
        assert password and _closed_to_others(pg.home / pgauth.FILE)
        with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf rejects"):
            _superuser(pg, host="127.0.0.1", password=password)  # over TCP not even with it
        with _superuser(pg, host=str(pg.socket_dir), password=password) as conn:
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                                ).fetchone() == (True,)


def test_kafka_keeps_its_config_from_other_users(local: tuple[Stack, CommandLines]) -> None:
    stack = local[0]
    admin = kafka_secure.users(stack.dir, [])[kafka_secure.ADMIN]
    assert _closed_to_others(stack.dir / kafka_secure.FILE)
    for node in stack.kafka_nodes:
        assert admin in node.config_file.read_text()
        assert stat.S_IMODE(node.config_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(node.home.stat().st_mode) == 0o700


def test_no_secret_is_on_a_command_line(local: tuple[Stack, CommandLines]) -> None:
    stack, seen = local
    secrets = _secrets(stack)
    formats = [a for a in seen.argvs if a[0] == "java" and any(x.startswith("@") for x in a)]
    assert len(formats) == len(stack.kafka_nodes)  # each node was formatted, through an argfile
    assert not [f for f in seen.argfiles if f.exists()]  # which is gone
    running = [proc.command_line(c.pid() or 0) for c in [*stack.kafka_nodes, *stack.postgres]]
    assert all(running)
    for argv in [*seen.argvs, *running]:
        assert not [s for s in secrets if s in " ".join(argv)]
    for node in stack.kafka_nodes:
        assert not [s for s in secrets if s in node.log_file.read_text()]


def test_a_server_from_before_superuser_passwords_gets_one(
        local: tuple[Stack, CommandLines]) -> None:
    """An older version made the data dir with `trust` and no password: the launcher sets one
    (through stdin) before the server listens, and administers the server with it."""
    stack = local[0]
    pg = stack.postgres[0]
    stack.stop(pg.name)
    (pg.home / pgauth.FILE).unlink()
    (pg.data_dir / "pg_hba.conf").write_text(f"local all {SUPERUSER} trust\n")
    stack.start(pg.name)
    password = pgauth.password(pg.home)
    assert password and "trust" not in (pg.data_dir / "pg_hba.conf").read_text()
    pg.provision()
    with _superuser(pg, host=str(pg.socket_dir), password=password) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert pg.login_works()
